"""Tests for campaignlab.iorw and campaignlab.data.datamodel: JSON and atomic writes, fingerprints, reading and
validating a data folder, and the cleaned-data cache."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaignlab import iorw
from campaignlab.data.datamodel import TABLES, DataValidationError
from campaignlab.params import load_params

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "fixture_shop"


# ------------------------------------------------------------------------------------------------ json
def test_write_json_turns_non_finite_numbers_into_null(tmp_path):
    obj = {"nan": float("nan"), "inf": [1.5, float("inf"), -math.inf], "np_nan": np.float64("nan"),
           "np_int": np.int64(3), "np_float": np.float32(0.5), "day": dt.date(2024, 1, 2),
           "nested": {"x": (np.nan, 2)}, 7: "key made text"}
    path = iorw.write_json(tmp_path / "out" / "s.json", obj)
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"nan": None, "inf": [1.5, None, None], "np_nan": None, "np_int": 3, "np_float": 0.5,
                                "day": "2024-01-02", "nested": {"x": [None, 2]}, "7": "key made text"}


def test_write_json_replaces_atomically_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "summary.json"
    iorw.write_json(target, {"v": 1})
    iorw.write_json(target, {"v": 2})
    assert iorw.read_json(target) == {"v": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_failed_write_keeps_the_old_file_and_removes_the_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "summary.json"
    iorw.write_json(target, {"v": 1})

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(iorw.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        iorw.write_json(target, {"v": 2})
    monkeypatch.undo()
    assert iorw.read_json(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_feature_parts_are_written_in_order_and_a_failed_part_keeps_the_old_table(tmp_path):
    import pyarrow as pa

    def part(ids):
        return pa.table({"customer_id": ids, "orders": pa.array(range(len(ids)), pa.int64())})

    iorw.write_features(tmp_path, [part(["a", "b"]), part(["c"])], key="k1")
    assert iorw.read_features(tmp_path)["customer_id"].tolist() == ["a", "b", "c"]
    assert iorw.features_key(tmp_path) == "k1"

    def failing():
        yield part(["x"])
        raise MemoryError("part 2")

    with pytest.raises(MemoryError, match="part 2"):
        iorw.write_features(tmp_path, failing(), key="k2")
    assert iorw.read_features(tmp_path)["customer_id"].tolist() == ["a", "b", "c"]
    assert iorw.features_key(tmp_path) == "k1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["features.parquet"]


# ------------------------------------------------------------------------------------------------ fingerprint
def test_fingerprint_follows_content_not_modification_time(fixture_folder):
    before = iorw.fingerprint_source(str(fixture_folder))
    tx = fixture_folder / "transactions.csv"
    later = tx.stat().st_mtime + 3600
    os.utime(tx, (later, later))  # touched: same bytes
    assert iorw.fingerprint_source(str(fixture_folder)) == before
    with tx.open("a") as fh:
        fh.write("C00001,O99999999,2024-05-01 10:00:00,1.00,1,P001,0.0\n")
    changed = iorw.fingerprint_source(str(fixture_folder))
    assert changed != before and len(changed) == 64


def test_fingerprint_changes_when_an_optional_table_appears(fixture_folder):
    before = iorw.fingerprint_source(str(fixture_folder))
    (fixture_folder / "campaign_products.csv").write_text("campaign_id,product_id\nSIM1,P001\n")
    assert iorw.fingerprint_source(str(fixture_folder)) != before


# ------------------------------------------------------------------------------------------------ read_source
def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture(scope="module")
def fixture_tables():
    # read-only use of the shared fixture folder, read once for the tests below
    return iorw.read_source(iorw.connect(), str(FIXTURE))


def test_fixture_folder_reads_into_canonical_types(fixture_tables):
    tx = fixture_tables["transactions"].schema()
    assert str(tx["amount"]) == "decimal(18, 2)" and tx["ts"].is_timestamp() and tx["customer_id"].is_string()
    assert fixture_tables["campaigns"].schema()["start_date"].is_date()
    assert fixture_tables["transactions"].count().execute() == len(_csv(FIXTURE, "transactions"))
    # customers: extra columns are kept as attributes
    assert {"age_band", "income_band", "region"} <= set(fixture_tables["customers"].columns)


def test_absent_optional_tables_come_back_empty_with_their_columns(fixture_tables):
    for name in ("campaign_products", "feedback"):
        spec = TABLES[name]
        assert list(fixture_tables[name].columns) == [*spec.required, *spec.optional]
        assert fixture_tables[name].count().execute() == 0
    assert fixture_tables["events"].count().execute() == len(_csv(FIXTURE, "events"))


def test_parquet_folder_reads_like_csv(fixture_folder, tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    for csv in fixture_folder.glob("*.csv"):
        frame = pd.read_csv(csv)
        for col in ("ts", "start_date", "end_date", "signup_date"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col])
        frame.to_parquet(folder / f"{csv.stem}.parquet", index=False)
    tables = iorw.read_source(iorw.connect(), str(folder))
    assert str(tables["transactions"].schema()["amount"]) == "decimal(18, 2)"
    assert tables["campaigns"].schema()["start_date"].is_date()
    camp = tables["campaigns"].to_pandas()
    assert camp.loc[0, "campaign_id"] == "SIM1"
    assert pd.Timestamp(camp.loc[0, "start_date"]).date() == dt.date(2024, 4, 30)
    revenue = float(tables["transactions"].amount.sum().execute())
    assert revenue == pytest.approx(pd.read_csv(fixture_folder / "transactions.csv")["amount"].sum(), abs=0.005)


def test_missing_required_table_is_named(fixture_folder):
    (fixture_folder / "assignments.csv").unlink()
    with pytest.raises(DataValidationError, match=r"lacks the table\(s\) assignments: add assignments.csv"):
        iorw.read_source(iorw.connect(), str(fixture_folder))


def test_missing_column_names_the_file_the_column_and_the_columns_found(fixture_folder):
    tx = _csv(fixture_folder, "transactions").rename(columns={"order_id": "order"})
    _write(fixture_folder, "transactions", tx)
    with pytest.raises(DataValidationError) as err:
        iorw.read_source(iorw.connect(), str(fixture_folder))
    msg = str(err.value)
    assert "Required column 'order_id' missing from" in msg and "transactions.csv" in msg
    assert "(found: customer_id, order, ts, amount, quantity, product_id, discount)" in msg


def test_amount_that_is_not_a_number_names_the_column_and_shows_the_row(fixture_folder):
    tx = _csv(fixture_folder, "transactions")
    tx.loc[4, "amount"] = "12,50 EUR"
    _write(fixture_folder, "transactions", tx)
    with pytest.raises(DataValidationError) as err:
        iorw.read_source(iorw.connect(), str(fixture_folder))
    msg = str(err.value)
    assert "Column 'amount' of" in msg and "transactions.csv" in msg and "has 1 value(s)" in msg
    assert "12,50 EUR" in msg


def test_duplicate_campaign_ids_are_refused(fixture_folder):
    camp = _csv(fixture_folder, "campaigns")
    _write(fixture_folder, "campaigns", pd.concat([camp, camp.assign(name="copy")], ignore_index=True))
    with pytest.raises(DataValidationError) as err:
        iorw.read_source(iorw.connect(), str(fixture_folder))
    msg = str(err.value)
    assert "campaigns.csv" in msg and "campaign_id occur more than once" in msg and "SIM1" in msg


def test_campaign_ending_before_it_starts_is_refused(fixture_folder):
    camp = _csv(fixture_folder, "campaigns")
    camp.loc[0, "end_date"] = "2024-04-01"  # starts 2024-04-30
    _write(fixture_folder, "campaigns", camp)
    with pytest.raises(DataValidationError) as err:
        iorw.read_source(iorw.connect(), str(fixture_folder))
    msg = str(err.value)
    assert "1 campaign(s) end on or before they start" in msg and "SIM1" in msg and "2024-04-01" in msg


def test_both_csv_and_parquet_for_one_table_is_refused(fixture_folder):
    pd.read_csv(fixture_folder / "transactions.csv").to_parquet(fixture_folder / "transactions.parquet")
    with pytest.raises(DataValidationError, match="Both transactions.parquet and transactions.csv exist"):
        iorw.read_source(iorw.connect(), str(fixture_folder))


def test_missing_data_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataValidationError, match="does not exist"):
        iorw.read_source(iorw.connect(), str(tmp_path / "nowhere"))


# ------------------------------------------------------------------------------------------------ clean cache
def _params(tmp_path: Path, folder: Path):
    path = tmp_path / "shop_test.yaml"
    path.write_text(f"id: shop_test\ncampaign: SIM1\ndata: {folder.name}\ncontrol_arm: control\n")
    return load_params(path)


def test_prepare_clean_data_is_cached_per_fingerprint_and_accounts_for_every_row(fixture_folder, tmp_path):
    tx = _csv(fixture_folder, "transactions")
    exact_copies = int(tx.duplicated().sum())  # the fixture's own repeated lines
    extra = pd.DataFrame([
        tx.iloc[10].to_dict(),                                                         # one more duplicate
        {**tx.iloc[11].to_dict(), "order_id": "R1", "amount": "-3.00"},                # a return
        {**tx.iloc[12].to_dict(), "order_id": "U1", "customer_id": "NOBODY"},          # unknown customer
    ])
    tx = pd.concat([tx, extra], ignore_index=True)
    _write(fixture_folder, "transactions", tx)
    params = _params(tmp_path, fixture_folder)
    assert Path(params.data) == fixture_folder.resolve()
    cache = tmp_path / "cache"

    first = iorw.prepare_clean_data(params, cache_dir=cache)
    assert first.created and (first.path / "_SUCCESS").is_file()
    assert first.fingerprint == iorw.fingerprint_source(params.data)
    q = iorw.read_quality(first.path).set_index("table")
    t = q.loc["transactions"]
    assert t["rows_in"] == len(tx)
    assert (t["removed_duplicate"], t["removed_return"], t["removed_unknown_customer"]) == (exact_copies + 1, 1, 1)
    assert t["rows_out"] == len(tx) - exact_copies - 3
    for name, row in q.iterrows():  # every row is kept or removed by exactly one rule
        removed = row[[c for c in q.columns if c.startswith("removed_")]].sum()
        assert row["rows_in"] == row["rows_out"] + removed, name
    assert q.loc["customers", "rows_in"] == len(_csv(fixture_folder, "customers"))
    clean_tx = pd.read_parquet(first.path / "transactions.parquet")
    assert len(clean_tx) == t["rows_out"] and "NOBODY" not in set(clean_tx["customer_id"])
    assert len(pd.read_parquet(first.path / "rejected_transactions.parquet")) == exact_copies + 3

    second = iorw.prepare_clean_data(params, cache_dir=cache)
    assert not second.created and second.path == first.path
    # No staging folder left behind (the engine's spill folder is emptied when the process exits).
    assert [p.name for p in cache.iterdir() if p.name != iorw.RunFiles.SPILL_DIR] == [first.path.name]

    # new data: a new fingerprint and a new cache folder, with the new row in it
    with (fixture_folder / "transactions.csv").open("a") as fh:
        fh.write("C00001,O99999999,2024-05-01 10:00:00,1.00,1,P001,0.0\n")
    third = iorw.prepare_clean_data(params, cache_dir=cache)
    assert third.created and third.path != first.path and third.fingerprint != first.fingerprint
    assert iorw.read_quality(third.path).set_index("table").loc["transactions", "rows_out"] == t["rows_out"] + 1



def test_pseudonyms_need_the_environment_key(monkeypatch):
    import pandas as pd

    from campaignlab.steps.segment import pseudonymize_for_people

    monkeypatch.delenv("CAMPAIGNLAB_ID_KEY", raising=False)
    with pytest.raises(RuntimeError, match="CAMPAIGNLAB_ID_KEY"):
        pseudonymize_for_people(pd.Series(["C1"]))
    monkeypatch.setenv("CAMPAIGNLAB_ID_KEY", "secret-a")
    a = pseudonymize_for_people(pd.Series(["C1", "C2"]))
    monkeypatch.setenv("CAMPAIGNLAB_ID_KEY", "secret-b")
    b = pseudonymize_for_people(pd.Series(["C1", "C2"]))
    assert a.iloc[0] != "C1" and a.iloc[0] != a.iloc[1] and a.iloc[0] != b.iloc[0]


# ------------------------------------------------------------------------------------------------ engine
def test_connections_are_capped_and_spill_to_a_folder_iorw_removes(tmp_path):
    from campaignlab.params import DuckDBConfig

    con = iorw.connect(DuckDBConfig(memory_limit="256MB"), cache_dir=tmp_path)
    settings = dict(con.raw_sql("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                "('memory_limit', 'temp_directory')").fetchall())
    spill = iorw.spill_dir(tmp_path)
    assert settings["temp_directory"] == str(spill) and spill.parent == tmp_path / iorw.RunFiles.SPILL_DIR
    assert settings["memory_limit"].replace(" ", "") in {"256.0MiB", "244.1MiB", "256MiB", "244MiB"}
    # A query larger than the cap completes by spilling.
    n = con.raw_sql("SELECT count(*) FROM (SELECT range % 3000000 AS k, count(*) FROM range(12000000) GROUP BY k "
                    "ORDER BY k)").fetchall()[0][0]
    assert n == 3_000_000


def test_spill_folders_of_dead_processes_are_removed(tmp_path):
    import socket

    dead = tmp_path / iorw.RunFiles.SPILL_DIR / f"{socket.gethostname()}-999999999"
    dead.mkdir(parents=True)
    (dead / "duckdb_temp_block").write_bytes(b"x")
    iorw.spill_dir(tmp_path)
    assert not dead.exists()


def test_a_share_of_the_machine_becomes_a_size():
    assert iorw.memory_limit_setting("50%", total=4 * 2**30) == "2048MiB"
    assert iorw.memory_limit_setting("3GB") == "3GB" and iorw.memory_limit_setting(None) is None


def _row_bag(frame: pd.DataFrame) -> Counter:
    """Rows as a multiset; floats by repr, so that -0.0 and 0.0 are told apart and NaN equals NaN."""
    return Counter(tuple(repr(v) if isinstance(v, float) else str(v) for v in row)
                   for row in frame.itertuples(index=False))


def test_cache_keeps_every_row_once_with_exact_copies_nulls_and_copies_of_rejected_rows(fixture_folder, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    known = _csv(fixture_folder, "customers")["customer_id"].iloc[0]
    rows = [(known, "1", 2.0, 1.0, "p1")] * 3 + [(known, "2", 2.0, None, "p1")] * 2 \
        + [(known, "3", -1.0, 1.0, "p2")] * 2 + [(None, "4", 1.0, 1.0, "p3")] * 2 + [("NOBODY", "5", 1.0, 1.0, "p4")] \
        + [(known, "6", 3.0, 0.0, "p5"), (known, "6", 3.0, -0.0, "p5"), (known, "7", 3.0, 1.0, None)]
    tx = pa.table({"customer_id": [r[0] for r in rows], "order_id": [r[1] for r in rows],
                   "ts": pa.array([dt.datetime(2024, 1, 1)] * len(rows), pa.timestamp("us")),
                   "amount": [r[2] for r in rows], "quantity": [r[3] for r in rows],
                   "product_id": [r[4] for r in rows]})
    (fixture_folder / "transactions.csv").unlink()
    pq.write_table(tx, fixture_folder / "transactions.parquet")
    cache = iorw.prepare_clean_data(_params(tmp_path, fixture_folder), cache_dir=tmp_path / "cache").path

    clean = pd.read_parquet(cache / "transactions.parquet")
    rejected = pd.read_parquet(cache / "rejected_transactions.parquet")
    source = tx.to_pandas()
    source["amount"] = source["amount"].map(lambda v: decimal.Decimal(f"{v:.2f}"))  # amounts are decimal(18, 2)
    assert _row_bag(pd.concat([clean, rejected.drop(columns="rule")])) == _row_bag(source)
    # copies of rejected rows keep the rule that rejected them; copies of kept rows are duplicates; 0.0 == -0.0
    by_order = rejected.groupby("order_id")["rule"].agg(lambda r: sorted(r)).to_dict()
    assert by_order == {"1": ["duplicate", "duplicate"], "2": ["duplicate"], "3": ["return", "return"],
                        "4": ["missing_id", "missing_id"], "5": ["unknown_customer"], "6": ["duplicate"]}
    assert sorted(clean["order_id"]) == ["1", "2", "6", "7"]
    q = iorw.read_quality(cache).set_index("table").loc["transactions"]
    assert (q["rows_in"], q["rows_out"], q["removed_duplicate"], q["removed_return"]) == (len(rows), 4, 4, 2)
    assert q["kept_zero_quantity"] == 1
    # The Parquet files mark a column REQUIRED when the source column has no null and the file has rows.
    nullable = {f.name: f.nullable for f in pq.read_schema(cache / "transactions.parquet")}
    assert nullable == {"customer_id": True, "order_id": False, "ts": False, "amount": False, "quantity": True,
                        "product_id": True}
    assert pq.read_schema(cache / "rejected_transactions.parquet").field("rule").nullable is False
    assert all(f.nullable for f in pq.read_schema(cache / "rejected_events.parquet"))


def test_cache_is_the_same_when_the_labelled_rows_go_to_a_parquet_file(fixture_folder, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from campaignlab import clean_store

    params = _params(tmp_path, fixture_folder)
    in_memory = iorw.prepare_clean_data(params, cache_dir=tmp_path / "memory").path
    monkeypatch.setattr(clean_store, "_TEMP_BYTES_PER_VALUE", 10**9)  # every table "too large" for a temporary table
    on_disk = iorw.prepare_clean_data(params, cache_dir=tmp_path / "disk").path
    assert sorted(p.name for p in on_disk.iterdir()) == sorted(p.name for p in in_memory.iterdir())
    assert (on_disk / "quality.csv").read_bytes() == (in_memory / "quality.csv").read_bytes()
    for path in in_memory.glob("*.parquet"):
        a, b = pq.read_table(path), pq.read_table(on_disk / path.name)
        assert a.schema.remove_metadata() == b.schema.remove_metadata(), path.name
        assert a.sort_by([(c, "ascending") for c in a.column_names]).equals(
            b.sort_by([(c, "ascending") for c in b.column_names])), path.name
    assert not list((tmp_path / "disk" / iorw.RunFiles.SPILL_DIR).rglob("*.parquet")), "labelled rows left behind"
