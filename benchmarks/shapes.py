"""Run data shapes end to end: the full crossing of the shape factors (192 cases), or the pairwise cases CI runs.

    PYTHONPATH=lib .venv/bin/python benchmarks/shapes.py [--pairwise] [--customers 1500] [--jobs 2] [--limit N]

Prints the number of cases, each failure, and the wall time; exits 1 if any case failed. The factors and the pairwise
covering array are in ``campaignlab.data.shapes``; tests/test_shape_suite.py runs the pairwise cases in CI.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairwise", action="store_true", help="only the pairwise cases (what CI runs)")
    parser.add_argument("--customers", type=int, default=1500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, help="run only the first N cases")
    parser.add_argument("--seed", type=int, default=sum(map(ord, "data shapes")))
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT / "lib"), str(ROOT / "tests")]
    from campaignlab.data.shapes import all_cases, case_name, pairwise_cases
    from campaignlab.run import runner
    from shape_cases import write_shape_folder

    cases = pairwise_cases() if args.pairwise else all_cases()
    cases = cases[: args.limit] if args.limit else cases
    base = Path(tempfile.mkdtemp(prefix="campaignlab-shapes-"))
    os.environ["CAMPAIGNLAB_CACHE"] = str(base / "cache")
    params = [write_shape_folder(base / case_name(c), c, args.customers, seed=args.seed) for c in cases]
    t0 = time.perf_counter()
    results, failures = runner.run_many(params, jobs=args.jobs, root=ROOT, outputs_dir=base / "outputs",
                                        progress=lambda msg: None)
    seconds = time.perf_counter() - t0
    for f in failures:
        print(f"FAILED {f}\n")
    print(f"{len(cases)} cases ({'pairwise' if args.pairwise else 'full crossing'}, {args.customers:,} customers, "
          f"{args.jobs} jobs): {len(results)} ran, {len(failures)} failed, {seconds:.0f} s wall "
          f"({seconds / max(len(cases), 1):.0f} s per case); outputs in {base / 'outputs'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
