"""The cleaned cache's record of the clean transactions' span, read instead of a scan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from campaignlab import clean_store, iorw
from campaignlab.params import load_params
from campaignlab.run import session


def _params(tmp_path: Path, folder: Path, extra: str = ""):
    path = tmp_path / "shop.yaml"
    path.write_text(f"id: shop\ncampaign: SIM1\ndata: {folder}\ncontrol_arm: control\n{extra}")
    return path, load_params(path)


def test_the_recorded_span_is_that_of_the_stored_clean_transactions(fixture_folder, tmp_path):
    tx = pd.read_csv(fixture_folder / "transactions.csv", dtype=str)
    late = {**tx.iloc[0].to_dict(), "order_id": "LATE", "ts": "2031-01-01 00:00:00", "amount": "-1.00"}  # a return
    pd.concat([tx, pd.DataFrame([late])]).to_csv(fixture_folder / "transactions.csv", index=False)
    _, params = _params(tmp_path, fixture_folder)
    cache = iorw.prepare_clean_data(params, cache_dir=tmp_path / "cache").path
    clean = pd.read_parquet(cache / "transactions.parquet")
    lo, hi, rows = clean_store.read_span(cache)
    assert (lo, hi, rows) == (clean["ts"].min().to_pydatetime(), clean["ts"].max().to_pydatetime(), len(clean))
    assert iorw.clean_span(cache) == (lo.date(), hi.date() + dt.timedelta(days=1)) and hi.year < 2031


def test_a_sampled_run_takes_its_windows_from_the_whole_data(fixture_folder, tmp_path):
    path, params = _params(tmp_path, fixture_folder, "duckdb: {max_customers_in_memory: 20, sample_seed: 3}\n")
    run = session.open_run(str(path), str(tmp_path / "run"))
    cleaned = run.prepare_data(tmp_path / "cache")
    clean = pd.read_parquet(cleaned.path / "transactions.parquet")
    assert run.data_range == (clean["ts"].min().date(), clean["ts"].max().date() + dt.timedelta(days=1))
    assert len(run.tables["customers"].to_pandas()) == 20 and run.sample is not None


def test_a_cache_cleaned_before_the_span_was_recorded_still_gives_the_span(fixture_folder, tmp_path):
    # A run folder made by an older version points at a cache without transactions.json: scanned instead.
    _, params = _params(tmp_path, fixture_folder)
    cache = iorw.prepare_clean_data(params, cache_dir=tmp_path / "cache").path
    recorded = iorw.clean_span(cache)
    (cache / clean_store.SPAN).unlink()
    assert iorw.clean_span(cache) == recorded
