"""Past ``duckdb.max_customers_in_memory`` customers a DuckDB run analyses a recorded, seeded sample (docs/engines.md).

Cleaning covers every row; the customer tables the analyses read hold the sampled customers only, every customer's
rows kept or left out together, and summary.json and 01_clean say so naming the parameter.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from campaignlab import iorw
from campaignlab.run import session
from campaignlab.steps import clean

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"


def _open(tmp_path: Path, extra: str):
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    with (folder / "fixture.yaml").open("a", encoding="utf-8") as fh:
        fh.write(extra)
    run = session.open_run(str(folder / "fixture.yaml"), str(tmp_path / "run"))
    return run, run.prepare_data(tmp_path / "cache")


def test_duckdb_past_the_limit_analyses_a_recorded_seeded_sample(tmp_path):
    run, cleaned = _open(tmp_path, "duckdb: {max_customers_in_memory: 150, sample_seed: 11}\n")
    summary = run.start_summary(cleaned, clean.quality_table(cleaned))
    customers = pd.read_parquet(cleaned.path / "customers.parquet")
    sample = summary["engine"]["sample"]
    assert summary["engine"]["name"] == "duckdb"
    assert (sample["population"], sample["sample_size"], sample["seed"]) == (len(customers), 150, 11)
    assert sample["setting"] == "duckdb.max_customers_in_memory"
    assert f"150 of the {len(customers):,} customers (seed 11, duckdb.max_customers_in_memory)" in (
        summary["engine"]["note"])
    chosen = set(run.tables["customers"].customer_id.to_pandas())
    assert len(chosen) == 150 and chosen <= set(customers["customer_id"])
    tx = iorw.read_clean_tables(cleaned.path)["transactions"].to_pandas()
    kept = run.tables["transactions"].to_pandas()
    assert set(kept["customer_id"]) <= chosen and len(kept) == int(tx["customer_id"].isin(chosen).sum())
    # the quality table is of every row, not the sample
    quality = clean.quality_table(cleaned)
    assert int(quality.loc["customers", "rows_out"]) == len(customers)


def test_duckdb_within_the_limit_analyses_every_customer(tmp_path):
    run, cleaned = _open(tmp_path, "")
    summary = run.start_summary(cleaned, clean.quality_table(cleaned))
    assert summary["engine"]["sample"] is None
    assert summary["engine"]["note"] == "This run analysed every customer."
