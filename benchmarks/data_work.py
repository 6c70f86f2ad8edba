"""Time the data work of each notebook (validation and cleaning, the feature table, the reads of 02, 03 and 04) and
its peak memory, one fresh process per notebook, on any params file (a large data folder, for example).

    PYTHONPATH=lib .venv/bin/python benchmarks/data_work.py PARAMS [--run-dir DIR] [--cache-dir DIR]

"Data work" is what each notebook reads from the transactions, without the statistics: 01 validates and cleans the
data (cold: a fresh cache folder) and, in a process of its own, writes the per-customer feature table where the
package has one; 02 builds
both snapshots' segments and the lifetime-value summary's snapshot; 03 builds the customer table, the placebo's
customer table, the weekly series and the period table; 04 runs the retention step (its reads and its light
statistics). It runs with the package on PYTHONPATH, so the same script times an older checkout for comparison.
Peak memory is the largest resident set of each notebook's process (``ru_maxrss``); CPU seconds are the process's
user + system time (all engine threads), which a busy machine inflates less than the wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _phase_clean(run, cache_dir: Path) -> dict:
    t0 = time.perf_counter()
    run.prepare_data(cache_dir)
    return {"validate_and_clean_s": time.perf_counter() - t0}


def _phase_features(run) -> dict:
    t0 = time.perf_counter()
    if hasattr(run, "prepare_features"):
        run.prepare_features()
    return {"feature_table_s": time.perf_counter() - t0}


def _phase_segment(run) -> dict:
    from campaignlab.stats import segmentation as seg
    from campaignlab.steps import segment

    customers = run.tables["customers"].to_pandas()
    as_of = run.windows["campaign"].start
    after = min(run.windows["post"].end, run.data_range[1])
    t0 = time.perf_counter()
    segment.compute_segments_at(run, as_of, customers)
    if hasattr(segment, "CustomerKeys"):  # the snapshots on integer keys
        segment._snapshots_at(run, as_of, segment.CustomerKeys.of(customers["customer_id"]))
    elif hasattr(segment, "_snapshots_at"):
        segment._snapshots_at(run, as_of)
    else:
        lo = run.data_range[0]
        seg.compute_customer_snapshot(run.tables["transactions"], as_of=as_of, lookback_days=(as_of - lo).days)
    segment.compute_segments_at(run, after, customers)
    return {"segment_reads_s": time.perf_counter() - t0}


def _phase_response(run) -> dict:
    import inspect

    import numpy as np

    from campaignlab import iorw
    from campaignlab.data import outcomes
    from campaignlab.data import windows as wins
    from campaignlab.steps.response import analysis

    t0 = time.perf_counter()
    table = analysis.build_customer_table(run)
    frame = table.assign(group=np.where(table["arm"] == outcomes.NOT_ASSIGNED, "comparison", table["arm"]))
    t1 = time.perf_counter()
    start, days = run.windows["campaign"].start, run.params.pre_period_days
    lo, hi = run.data_range
    shifted = wins.compute_windows(start - dt.timedelta(days=days), start, pre_days=days, post_days=days,
                                   data_start=lo, data_end=hi)
    if "placebo" in inspect.signature(analysis.build_customer_table).parameters:
        analysis.build_customer_table(run, shifted, placebo=True)
    else:
        analysis.build_customer_table(run, shifted)
    t2 = time.perf_counter()
    w = run.windows
    outcomes.compute_weekly_series(run.tables["transactions"], frame[["customer_id", "group"]],
                                   start=w["pre"].clipped_start, end=w["post"].clipped_end)
    t3 = time.perf_counter()
    analysis.compute_period_table(run, frame)
    t4 = time.perf_counter()
    iorw.write_table(frame, run.path(iorw.RunFiles.OUTCOMES))
    iorw.update_summary(run.run_dir, "response", {"control_arm": "comparison"})
    return {"customer_table_s": t1 - t0, "placebo_table_s": t2 - t1, "weekly_s": t3 - t2, "period_table_s": t4 - t3}


def _phase_retention(run) -> dict:
    from campaignlab.steps import retention

    t0 = time.perf_counter()
    retention.analyse(run)
    return {"retention_step_s": time.perf_counter() - t0}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(params: str, run_dir: str, cache_dir: str, phase: str) -> None:
    from campaignlab.run import session

    run = session.open_run(params, run_dir)
    if phase != "01 clean":
        run.prepare_data(Path(cache_dir))
        _ = run.tables, run.windows
    t0, c0 = time.perf_counter(), _cpu()
    out = {"01 clean": lambda: _phase_clean(run, Path(cache_dir)), "01 features": lambda: _phase_features(run),
           "02": lambda: _phase_segment(run),
           "03": lambda: _phase_response(run), "04": lambda: _phase_retention(run)}[phase]()
    out["total_s"] = time.perf_counter() - t0
    out["cpu"] = _cpu() - c0
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params")
    parser.add_argument("--run-dir", default="")
    parser.add_argument("--cache-dir", default="")
    parser.add_argument("--child", default="")
    args = parser.parse_args()
    if args.child:
        child(args.params, args.run_dir, args.cache_dir, args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="data-work-") as tmp:
        run_dir = args.run_dir or str(Path(tmp) / "run")
        cache_dir = args.cache_dir or str(Path(tmp) / "cache")
        print(f"{'notebook':<12} {'wall s':>10} {'CPU s':>7} {'peak MB':>9}  parts (wall s)")
        for phase in ("01 clean", "01 features", "02", "03", "04"):
            proc = subprocess.run([sys.executable, __file__, args.params, "--run-dir", run_dir, "--cache-dir",
                                   cache_dir, "--child", phase], capture_output=True, text=True)
            if proc.returncode:
                print(f"{phase}: failed\n{proc.stderr[-3000:]}")
                return 1
            out = json.loads(proc.stdout.strip().splitlines()[-1])
            parts = ", ".join(f"{k[:-2]} {v:.1f}" for k, v in out.items() if k.endswith("_s") and k != "total_s")
            print(f"{phase:<12} {out['total_s']:>10.1f} {out['cpu']:>7.1f} {out['peak_mb']:>9.0f}  {parts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
