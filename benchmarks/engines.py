"""Time one campaign's analyses (01 to 04, in this process) on DuckDB and on Spark, and count the engines' queries.

    .venv/bin/python benchmarks/engines.py [params file] [--master local[2]]

Both engines read the same cleaned cache (a temporary folder, cleaned once on DuckDB); per engine it prints the wall
time of each step, the number of queries the engine ran and their total time, and whether the per-customer tables
(every Parquet file of the run folder, money in integer cents, other floats to 9 decimals) came out equal. Spark's
start-up (the JVM) is timed on its own. Needs the spark extra and Java 17 (docs/engines.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _params_for(params: Path, engine: str, master: str, folder: Path) -> Path:
    """A copy of the params file with the engine set and ``data`` made absolute (defaults: the project's)."""
    from campaignlab.params import load_params

    raw = yaml.safe_load(params.read_text(encoding="utf-8")) or {}
    raw["data"] = load_params(params).data
    raw["engine"] = engine
    raw.setdefault("spark", {})["master"] = master
    raw["spark"].setdefault("config", {})["spark.ui.enabled"] = False
    target = folder / f"{engine}.yaml"
    target.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return target


def _count_queries(stats: dict[str, list[float]]) -> None:
    """Wrap each backend's ``execute`` (Spark's ``to_pyarrow`` goes through it; DuckDB's does not)."""
    from ibis.backends.duckdb import Backend as DuckDB

    backends = [DuckDB]
    try:
        from ibis.backends.pyspark import Backend as Spark

        backends.append(Spark)
    except ImportError:
        pass
    for cls in backends:
        original = cls.execute

        def execute(self, expr, *args, _original=original, **kwargs):
            start = time.perf_counter()
            try:
                return _original(self, expr, *args, **kwargs)
            finally:
                entry = stats.setdefault(self.name, [0, 0.0])
                entry[0] += 1
                entry[1] += time.perf_counter() - start

        cls.execute = execute


def run_engine(params: Path, run_dir: Path, cache: Path) -> dict[str, float]:
    from campaignlab.run import session
    from campaignlab.steps import clean, response, retention, segment

    times, start = {}, time.perf_counter()
    run = session.open_run(str(params), str(run_dir))
    cleaned = run.prepare_data(cache)
    times["clean (DuckDB, cached after the first engine)"] = time.perf_counter() - start
    start = time.perf_counter()
    _ = run.con
    times["connect"] = time.perf_counter() - start
    steps = {
        "01 summary": lambda r: r.start_summary(cleaned, clean.quality_table(cleaned)),
        "02 segment": lambda r: segment.write(r, segment.analyse(r)),
        "03 response": lambda r: response.write(r, response.analyse(r, response.build_customer_table(r),
                                                                   response.read_segments(r))),
        "04 retention": lambda r: retention.write(r, retention.analyse(r)),
    }
    for name, step in steps.items():
        start = time.perf_counter()
        step(run if name.startswith("01") else session.open_run(str(params), str(run_dir)))
        times[name] = time.perf_counter() - start
    return times


def _equal_tables(a: Path, b: Path) -> str:
    import pandas as pd

    for path in sorted(a.glob("*.parquet")):
        x = pd.read_parquet(path).sort_values("customer_id").reset_index(drop=True)
        y = pd.read_parquet(b / path.name).sort_values("customer_id").reset_index(drop=True)
        for col in x.columns:
            if pd.api.types.is_datetime64_any_dtype(x[col]):
                continue
            if pd.api.types.is_float_dtype(x[col]):
                scale = 100 if col.endswith(("revenue", "monetary", "discount_cost")) else 1e9
                same = ((x[col] * scale).round().fillna(-1) == (y[col] * scale).round().fillna(-1)).all()
            else:
                same = x[col].astype(str).tolist() == y[col].astype(str).tolist()
            if not same:
                return f"differ: {path.name}.{col}"
    return "equal"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", nargs="?", default=str(ROOT / "tests" / "data" / "fixture_shop" / "fixture.yaml"))
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    stats: dict[str, list[float]] = {}
    _count_queries(stats)
    with tempfile.TemporaryDirectory(prefix="campaignlab-engines-") as tmp:
        folder = Path(tmp)
        results = {}
        for engine in ("duckdb", "spark"):
            stats.clear()
            params = _params_for(Path(args.params).resolve(), engine, args.master, folder)
            times = run_engine(params, folder / f"run_{engine}", folder / "cache")
            results[engine] = times
            queries = sum(n for n, _ in stats.values())
            seconds = sum(t for _, t in stats.values())
            print(f"{engine}: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
                  + f"; total {sum(times.values()):.1f} s; {queries} queries through execute ({seconds:.1f} s)")
        print("per-customer tables:", _equal_tables(folder / "run_duckdb", folder / "run_spark"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
