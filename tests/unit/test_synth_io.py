"""Tests for campaignlab.synth_io: the streamed Parquet data set validates, repeats, and carries its planted effect."""

from __future__ import annotations

import hashlib
import json
import math

import duckdb
import pytest

from campaignlab import iorw
from campaignlab.data.synth import SynthSpec
from campaignlab.params import load_params
from campaignlab.synth_io import PARAMS_FILE, TRUTH_FILE, write_synth_dataset

SEED = sum(map(ord, "synth_io"))


def _digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth_small")
    written = write_synth_dataset(SynthSpec(customers=3_000, lines=20_000, seed=SEED, block_customers=1_000), folder)
    return folder, written


def test_the_data_set_validates_against_the_data_model(small):
    folder, written = small
    tables = iorw.read_source(iorw.connect(), str(folder))  # coerces and validates every table, as 01_clean does
    assert tables["customers"].count().to_pyarrow().as_py() == written.rows["customers"] == 3_000
    assert tables["transactions"].count().to_pyarrow().as_py() == written.rows["transactions"]
    assert str(tables["transactions"].amount.type()) == "decimal(18, 2)"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [PARAMS_FILE, TRUTH_FILE] + [f"{t}.parquet" for t in ("customers", "transactions", "campaigns", "assignments",
                                                              "events")])


def test_the_params_file_loads_and_names_the_generated_campaign(small):
    folder, written = small
    params = load_params(written.params_path)
    assert params.campaign == "SIM1" and params.control_arm == "control"
    assert params.response.planned_split == {"treatment": 0.8, "control": 0.2}
    text = written.params_path.read_text()
    assert "Planted effect" in text and "order rate x 1.100" in text
    truth = json.loads((folder / TRUTH_FILE).read_text())
    assert truth["arms"]["treatment"]["lift"] == 0.1 and truth["rows"] == written.rows


def test_same_seed_gives_identical_files(tmp_path):
    spec = SynthSpec(customers=800, lines=6_000, seed=SEED, block_customers=300)
    write_synth_dataset(spec, tmp_path / "a")
    write_synth_dataset(spec, tmp_path / "b")
    write_synth_dataset(SynthSpec(customers=800, lines=6_000, seed=SEED + 1, block_customers=300), tmp_path / "c")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a")["transactions.parquet"] != _digests(tmp_path / "c")["transactions.parquet"]


def test_an_existing_data_set_is_kept_unless_overwrite(small, tmp_path):
    spec = SynthSpec(customers=50, lines=300, seed=SEED)
    write_synth_dataset(spec, tmp_path)
    with pytest.raises(FileExistsError, match="--overwrite"):
        write_synth_dataset(spec, tmp_path)
    assert write_synth_dataset(spec, tmp_path, overwrite=True).rows["customers"] == 50


def test_difference_of_means_recovers_the_planted_effect_at_50000_customers(tmp_path):
    spec = SynthSpec(customers=50_000, lines=500_000, seed=SEED, effects=(0.2,), holdout_share=0.3)
    written = write_synth_dataset(spec, tmp_path)
    # window orders per assigned customer, counted by DuckDB straight from the files (zero when none)
    rows = duckdb.sql(f"""
        with camp as (select * from '{tmp_path}/campaigns.parquet'),
        win as (select t.customer_id, count(distinct t.order_id) as n
                from '{tmp_path}/transactions.parquet' t, camp
                where t.ts >= camp.start_date and t.ts < camp.end_date group by 1)
        select a.arm, count(*) as k, avg(coalesce(win.n, 0)) as mean, var_samp(coalesce(win.n, 0)) as var
        from '{tmp_path}/assignments.parquet' a left join win using (customer_id) group by 1""").fetchall()
    by_arm = {arm: (k, mean, var) for arm, k, mean, var in rows}
    (kt, mt, vt), (kc, mc, vc) = by_arm["treatment"], by_arm["control"]
    se = math.sqrt(vt / kt + vc / kc)
    expected = written.truth["treatment"]["incremental_orders_per_customer"]
    assert kt == written.truth["treatment"]["customers"]
    assert expected > 3 * se  # the check has power
    low, high = mt - mc - 3.29 * se, mt - mc + 3.29 * se  # the difference's 99.9% interval
    assert low < expected < high
