"""Time each phase of a run's start on one params file: fingerprint, reading and validating the source, every write
and count of the cleaning step, and the campaign checks, with the process's peak memory after each.

    PYTHONPATH=lib .venv/bin/python benchmarks/clean_phases.py PARAMS [--cache-dir DIR]

The start runs as the runner runs it (``iorw.prepare_clean_data`` then ``check_campaign_inputs`` on the cleaned
tables), cold: in a fresh cache folder (a temporary one unless ``--cache-dir`` is given; an existing cache there
is refused, since a warm cache would time nothing). The phases are found by wrapping the functions and engine calls
the cleaning step makes (the source's fingerprint and reading, DuckDB's Parquet writes, tables created, SQL
statements and result fetches), so the same script times an older checkout for comparison. Peak memory is ``ru_maxrss`` of this process
(DuckDB runs in it) after each phase: it only grows.
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import time
from pathlib import Path

ROWS: list[tuple[str, float, float]] = []
_DEPTH = [0]  # calls made inside a timed call are part of its row


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _caller() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.endswith(("iorw.py", "cleaning.py")):
            return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


def _timed(label, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _DEPTH[0]:
            return fn(*args, **kwargs)
        name = label(*args, **kwargs) if callable(label) else label
        t0 = time.perf_counter()
        _DEPTH[0] += 1
        try:
            return fn(*args, **kwargs)
        finally:
            _DEPTH[0] -= 1
            ROWS.append((name, time.perf_counter() - t0, _peak_mb()))

    return wrapper


def _instrument() -> None:
    """Wrap what the cleaning step calls, so that each call is one row of the table."""
    from ibis.backends.duckdb import Backend

    from campaignlab import iorw

    iorw.fingerprint_source = _timed("fingerprint of the source files", iorw.fingerprint_source)
    iorw.read_source = _timed("read and validate the source", iorw.read_source)
    Backend.to_parquet = _timed(lambda self, expr, path, **kw: f"write {Path(path).name}", Backend.to_parquet)
    Backend.create_table = _timed(lambda self, name, obj=None, **kw: f"create table {name}", Backend.create_table)
    Backend.to_pyarrow = _timed(lambda self, expr, **kw: f"fetch a result ({_caller()})", Backend.to_pyarrow)
    Backend.raw_sql = _timed(lambda self, query, **kw: f"SQL {' '.join(str(query).split())[:48]}", Backend.raw_sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params")
    parser.add_argument("--cache-dir", default="")
    args = parser.parse_args()

    from campaignlab import iorw
    from campaignlab.data.checks import check_campaign_inputs
    from campaignlab.params import load_params

    params = load_params(args.params)
    _instrument()
    with tempfile.TemporaryDirectory(prefix="clean-phases-") as tmp:
        cache_dir = Path(args.cache_dir or tmp)
        if any(cache_dir.glob("clean-*/_SUCCESS")):
            print(f"{cache_dir} already holds a cleaned cache: give an empty --cache-dir (the run must be cold).")
            return 1
        t0 = time.perf_counter()
        clean = iorw.prepare_clean_data(params, cache_dir)
        t1 = time.perf_counter()
        ROWS.append(("= prepare_clean_data (total)", t1 - t0, _peak_mb()))
        _timed("check_campaign_inputs", check_campaign_inputs)(
            iorw.read_clean_tables(clean.path), campaign=params.campaign, control_arm=params.control_arm,
            params_path=args.params, source=params.data, span=iorw.clean_span(clean.path))
        t2 = time.perf_counter()
        ROWS.append(("= start phase (total)", t2 - t0, _peak_mb()))
    width = max(len(r[0]) for r in ROWS)
    print(f"{params.data}\n{'phase':<{width}} {'wall s':>8} {'peak RSS MB':>12}")
    small = [r for r in ROWS if r[1] < 0.01 and not r[0].startswith("=")]
    for name, seconds, peak in ROWS:
        if (name, seconds, peak) not in small:
            print(f"{name:<{width}} {seconds:>8.2f} {peak:>12.0f}")
    print(f"({len(small)} calls of under 0.01 s each, {sum(r[1] for r in small):.2f} s in all, not shown)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
