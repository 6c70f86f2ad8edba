"""engine: spark runs the same analyses as DuckDB with equal results (docs/engines.md).

One local Spark session for the whole module (started by the first run, stopped at the end). The fixture campaign is
analysed twice in this process, as the notebooks do it (01 to 04), once per engine, from the same cleaned cache; the
per-customer tables of the run folders and summary.json must be equal: rows sorted by customer id, money exact in
integer cents, other floats to 9 decimals, timestamps left out.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed: pip install -c constraints.txt -e '.[spark]' (make test does)"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "Java is not installed (Spark needs Java 17: apt-get install openjdk-17-jre-headless)"
    return None


pytestmark = [pytest.mark.spark, pytest.mark.slow,
              pytest.mark.skipif(_spark_missing() is not None, reason=str(_spark_missing()))]

#: Columns that are sums of money: compared exactly, in integer cents.
MONEY = re.compile(r"(revenue|monetary|discount_cost|amount)$")
TIMESTAMP_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


# The lifetime-value fit is left out (too little history asked for): it is pymc on the snapshot table, which this
# test already compares, so fitting it once per engine would test nothing about the engines and cost CI time.
NO_CLV_FIT = "segmentation: {clv: {min_history_days: 36500}}\n"


def _shop(root: Path, name: str, extra: str) -> Path:
    folder = root / name
    shutil.copytree(FIXTURE, folder)
    with (folder / "fixture.yaml").open("a", encoding="utf-8") as fh:
        fh.write(NO_CLV_FIT + extra)
    return folder / "fixture.yaml"


def _analyse(params_path: Path, run_dir: Path, cache: Path) -> None:
    """The notebooks' calls, 01_clean to 04_retention, in this process."""
    from campaignlab.run import session
    from campaignlab.steps import clean, response, retention, segment

    run = session.open_run(str(params_path), str(run_dir))
    cleaned = run.prepare_data(cache)
    run.start_summary(cleaned, clean.quality_table(cleaned))
    segment.write(run, segment.analyse(run))
    run = session.open_run(str(params_path), str(run_dir))
    response.write(run, response.analyse(run, response.build_customer_table(run), response.read_segments(run)))
    run = session.open_run(str(params_path), str(run_dir))
    retention.write(run, retention.analyse(run))


# Spark's web UI is off so parallel test runs on one machine do not compete for its port.
SPARK = "engine: spark\nspark:\n  config: {spark.ui.enabled: false}\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("engines")
    cache = root / "cache"
    out = {}
    try:
        for engine, extra in (("duckdb", "engine: duckdb\n"), ("spark", SPARK)):
            _analyse(_shop(root, engine, extra), root / f"run_{engine}", cache)
            out[engine] = root / f"run_{engine}"
        out["root"], out["cache"] = root, cache
        yield out
    finally:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()


def _cents(values: pd.Series) -> pd.Series:
    return (values.astype("float64") * 100).round().astype("Int64")


def _assert_same_customer_table(name: str, duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    duck = duck.sort_values("customer_id").reset_index(drop=True)
    spark = spark.sort_values("customer_id").reset_index(drop=True)
    assert list(duck.columns) == list(spark.columns), name
    for col in duck.columns:
        a, b = duck[col], spark[col]
        if pd.api.types.is_datetime64_any_dtype(a):
            continue
        if MONEY.search(col) and pd.api.types.is_numeric_dtype(a):
            pd.testing.assert_series_equal(_cents(a), _cents(b), check_names=False, obj=f"{name}.{col}")
        elif pd.api.types.is_float_dtype(a):
            pd.testing.assert_series_equal(a.round(9), b.round(9), check_names=False, check_exact=True,
                                           obj=f"{name}.{col}")
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), f"{name}.{col}"


def _differences(path: str, a, b) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str) for d in _differences(f"{path}.{k}", a.get(k), b.get(k))]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(f"{path}[{i}]", x, y)]
    if isinstance(a, str) and isinstance(b, str) and TIMESTAMP_TEXT.match(a) and TIMESTAMP_TEXT.match(b):
        return []
    if isinstance(a, float) or isinstance(b, float):
        if a is not None and b is not None and (round(float(a), 9) == round(float(b), 9) or
                                                 (math.isnan(float(a)) and math.isnan(float(b)))):
            return []
    return [] if a == b else [f"{path}: {a!r} against {b!r}"]


def test_per_customer_tables_equal_duckdb(runs):
    names = sorted(p.name for p in runs["duckdb"].glob("*.parquet"))
    assert {"segments.parquet", "customer_outcomes.parquet"} <= set(names)
    assert names == sorted(p.name for p in runs["spark"].glob("*.parquet"))
    for name in names:
        _assert_same_customer_table(name, pd.read_parquet(runs["duckdb"] / name), pd.read_parquet(runs["spark"] / name))


def test_summary_equals_duckdb_but_for_engine_and_source_folder(runs):
    duck = json.loads((runs["duckdb"] / "summary.json").read_text())
    spark = json.loads((runs["spark"] / "summary.json").read_text())
    assert (duck["engine"]["name"], spark["engine"]["name"]) == ("duckdb", "spark")
    assert spark["engine"]["sample"] is None
    for s in (duck, spark):
        s.pop("engine")
        s["data"].pop("source")  # each run reads its own copy of the fixture folder
    assert _differences("summary", duck, spark) == []


def test_spark_past_the_memory_limit_analyses_a_recorded_seeded_sample(runs):
    from campaignlab import iorw
    from campaignlab.run import session
    from campaignlab.steps import clean

    params = _shop(runs["root"], "sampled", SPARK + "  max_customers_in_memory: 150\n")
    run = session.open_run(str(params), str(runs["root"] / "run_sampled"))
    cleaned = run.prepare_data(runs["cache"])
    summary = run.start_summary(cleaned, clean.quality_table(cleaned))
    customers = pd.read_parquet(cleaned.path / "customers.parquet")
    sample = summary["engine"]["sample"]
    assert (sample["population"], sample["sample_size"]) == (len(customers), 150)
    assert f"150 of the {len(customers):,} customers" in summary["engine"]["note"]
    chosen = set(run.tables["customers"].customer_id.to_pandas())
    assert len(chosen) == 150 and chosen <= set(customers["customer_id"])
    tx = iorw.read_clean_tables(cleaned.path)["transactions"].to_pandas()
    kept = run.tables["transactions"].to_pandas()
    assert set(kept["customer_id"]) <= chosen
    assert len(kept) == int(tx["customer_id"].isin(chosen).sum())
    again = session.open_run(str(params), str(runs["root"] / "run_sampled"))
    again.prepare_data(runs["cache"])
    assert set(again.tables["customers"].customer_id.to_pandas()) == chosen
