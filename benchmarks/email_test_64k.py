"""A randomized e-mail test at full size: 64,000 customers, two e-mails and a no-e-mail control, no purchase history,
eight mixed attributes (a spend band such as "2) $100 - $200", a zip-code type, a channel; months since the last
purchase, last year's spend in dollars, 0/1 flags). Runs every notebook through ``campaignlab run`` in a child
process and prints the wall time and the peak memory of the whole process tree (runner + notebook kernels), sampled
every 0.2 s as the sum of resident set sizes (an upper bound: pages shared between processes count twice).

    PYTHONPATH=lib .venv/bin/python benchmarks/email_test_64k.py [--customers 64000] [--keep]

Target (docs/bad-input.md, issue "anyone's data runs"): under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tree_rss(proc) -> int:
    """Resident bytes of a process and all its descendants (0 for those that ended meanwhile)."""
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def main() -> int:
    import psutil

    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=64_000)
    parser.add_argument("--seed", type=int, default=sum(map(ord, "email test")))
    parser.add_argument("--keep", action="store_true", help="keep the data and report folder")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT / "lib"), str(ROOT / "tests")]
    from shape_cases import EMAIL_TEST, write_shape_folder

    base = Path(tempfile.mkdtemp(prefix="campaignlab-email64k-"))
    t0 = time.perf_counter()
    params = write_shape_folder(base / "data", EMAIL_TEST, args.customers, seed=args.seed, campaign_id="email_test")
    generated = time.perf_counter() - t0
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib"), "CAMPAIGNLAB_CACHE": str(base / "cache")}
    cmd = [sys.executable, "-m", "campaignlab.run.cli", "run", str(params), "--outputs", str(base / "outputs")]
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    proc, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        peak = max(peak, tree_rss(proc))
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    output = child.stdout.read()
    report = base / "outputs" / "email_test"
    if child.returncode != 0:
        print(output[-4000:])
        print(f"FAILED (exit {child.returncode}) after {seconds:.0f} s; peak memory {peak / 2**20:,.0f} MB")
        return 1
    meta = json.loads((report / "run.json").read_text())
    summary = json.loads((report / "summary.json").read_text())
    print(f"data: {args.customers:,} customers generated in {generated:.1f} s")
    for nb in meta["notebooks"]:
        print(f"  {nb['notebook']:<14} {nb['seconds']:7.1f} s")
    for arm in summary["response"]["arms"]:
        print(f"  arm {arm['arm']:<12} {arm['customers']:>7,} customers, response {arm['response_rate']:.3%}, "
              f"revenue per customer {arm['revenue_per_customer']:.2f}")
    print(f"covariates: {len(summary['response']['covariates'])}; verdict: {summary['response']['verdict']['trust']}")
    print(f"wall time {seconds:.0f} s (whole run, portfolio and index included); "
          f"peak memory of the process tree {peak / 2**20:,.0f} MB (target < 2,048 MB)")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"kept: {base}")
    return 0 if peak < 2 * 2**30 else 1


if __name__ == "__main__":
    sys.exit(main())
