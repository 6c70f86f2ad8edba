"""Every bundled campaign, cold, the way a scheduled run does it: ``campaignlab run --all --jobs N``.

    .venv/bin/python benchmarks/all_campaigns.py [--jobs 2]

Runs the command in a fresh outputs folder and a fresh data cache (the cleaned data, the feature tables and the
lifetime-value fits all cold), sampling the CPU time and resident memory of the runner and every kernel it starts
(the sampler of ``benchmarks/scale.py``), and prints the wall time, CPU time, peak memory, the number of campaigns that
ran and failed, and the slowest campaigns (from the runner's ``<id>: ... (N s)`` lines). Target (the performance
issue): the 27 campaigns of the bundled data in under 8 minutes with ``--jobs 2`` on 2 cores.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("scale", ROOT / "benchmarks" / "scale.py")
scale = importlib.util.module_from_spec(_spec)
sys.modules["scale"] = scale  # its dataclasses look their module up while the class is built
_spec.loader.exec_module(scale)

TARGET_SECONDS = 8 * 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the outputs folder (printed) for reading")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="campaignlab-all-"))
    env = {**os.environ, "CAMPAIGNLAB_CACHE": str(work / "cache"), "PYTHONPATH": str(ROOT / "lib")}
    cmd = [sys.executable, "-m", "campaignlab.run.cli", "run", "--all", "--jobs", str(args.jobs),
           "--outputs", str(work / "outputs")]
    code, lines, sampler, t0, t1 = scale.run_sampled(cmd, env, work / "run.log")
    cpu, peak = sampler.window(t0, t1)
    per = sorted(((float(m.group(2)), m.group(1)) for _, text in lines
                  if (m := re.match(r"(\S+): \S+ \((\d+(?:\.\d+)?) s\)$", text))), reverse=True)
    summary = next((text for _, text in reversed(lines) if re.search(r"campaign\(s\) ran", text)), "")
    print(f"campaignlab run --all --jobs {args.jobs} ({scale.MACHINE}), cold caches")
    print(f"  {summary or 'no summary line: see ' + str(work / 'run.log')}")
    print(f"  wall {t1 - t0:.1f} s (target {TARGET_SECONDS} s), CPU {cpu:.1f} s, peak {peak / 2**30:.2f} GB "
          f"(resident memory summed over the runner and its kernels)")
    if per:
        print(f"  per campaign (start to report, in parallel): median {per[len(per) // 2][0]:.0f} s; slowest "
              + ", ".join(f"{cid} {s:.0f} s" for s, cid in per[:3]))
    print(f"  exit code {code}")
    if args.keep:
        print(f"  outputs kept in {work / 'outputs'}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
