"""Tests for campaignlab.data.synth: blocks, canonical types, determinism and the planted effect (in memory)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from campaignlab.data.synth import TABLE_SCHEMAS, SynthSpec, combine_truth, synth_blocks, synth_campaigns, synth_params

SEED = sum(map(ord, "synth"))


def _tables(spec: SynthSpec) -> dict[str, pa.Table]:
    blocks = list(synth_blocks(spec))
    return {name: pa.concat_tables([b[name] for b in blocks]) for name in [*TABLE_SCHEMAS, "truth"]}


def test_blocks_have_the_canonical_schema_and_unique_ids() -> None:
    spec = SynthSpec(customers=2_500, lines=25_000, seed=SEED, block_customers=1_000)
    blocks = list(synth_blocks(spec))
    assert [b["customers"].num_rows for b in blocks] == [1_000, 1_000, 500]
    for block in blocks:
        for name, schema in TABLE_SCHEMAS.items():
            assert block[name].schema.equals(schema), name
    t = _tables(spec)
    ids = t["customers"]["customer_id"]
    assert pc.count_distinct(ids).as_py() == 2_500 and ids[0].as_py() == "C00001" and ids[-1].as_py() == "C02500"
    tx = t["transactions"]
    assert pc.all(pc.is_in(tx["customer_id"], value_set=ids)).as_py()
    # order ids keep counting across blocks: each order belongs to one customer and one block
    per_order = tx.group_by("order_id").aggregate([("customer_id", "count_distinct")])
    assert pc.max(per_order["customer_id_count_distinct"]).as_py() == 1
    assert pc.count_distinct(tx["order_id"]).as_py() == per_order.num_rows
    assert pc.min(tx["amount"]).as_py() > 0
    assert set(t["assignments"]["arm"].to_pylist()) == {"treatment", "control"}
    assert t["events"]["value"].null_count > 0  # funnel events without a value are nulls, not NaN


def test_lines_per_customer_follow_the_target() -> None:
    for lines_per_customer in (4, 10):
        spec = SynthSpec(customers=4_000, lines=4_000 * lines_per_customer, seed=SEED, history=False)
        n = sum(b["transactions"].num_rows for b in synth_blocks(spec))
        assert n == pytest.approx(spec.lines, rel=0.05)


def test_same_seed_same_blocks_other_seed_other_blocks() -> None:
    spec = SynthSpec(customers=1_200, lines=9_000, seed=SEED, block_customers=500)
    a, b = _tables(spec), _tables(spec)
    c = _tables(SynthSpec(customers=1_200, lines=9_000, seed=SEED + 1, block_customers=500))
    for name in TABLE_SCHEMAS:
        assert a[name].equals(b[name]), name
    assert not a["transactions"]["amount"].equals(c["transactions"]["amount"])


def test_several_arms_split_the_treated_and_carry_their_own_lift() -> None:
    spec = SynthSpec(customers=3_000, lines=20_000, seed=SEED, arms=3, effects=(0.0, 0.1, 0.2), holdout_share=0.1)
    t = _tables(spec)
    arms = t["assignments"]["arm"].value_counts().to_pylist()
    counts = {d["values"]: d["counts"] for d in arms}
    assert set(counts) == {"treatment_1", "treatment_2", "treatment_3", "control"}
    truth = combine_truth([t["truth"]])
    assert [truth[a]["lift"] for a in ("treatment_1", "treatment_2", "treatment_3")] == [0.0, 0.1, 0.2]
    assert truth["treatment_1"]["incremental_orders_per_customer"] == 0.0
    assert sum(v["customers"] for v in truth.values()) + counts["control"] == t["assignments"].num_rows
    split = synth_params(spec)["response"]["planned_split"]
    assert split["control"] == 0.1 and math.isclose(sum(split.values()), 1.0, abs_tol=1e-5)


def test_no_holdout_means_a_matched_design_in_the_params() -> None:
    spec = SynthSpec(customers=10, lines=100, holdout_share=0.0)
    assert "control_arm" not in synth_params(spec) and synth_params(spec)["data"] == "."


def test_the_campaign_window_is_where_the_effect_is_planted() -> None:
    spec = SynthSpec(customers=10, lines=100)
    camp = synth_campaigns(spec).to_pylist()[0]
    assert (camp["start_date"] - spec.start_date).days == spec.campaign_start_day == 365
    assert (camp["end_date"] - camp["start_date"]).days == spec.campaign_days
    assert SynthSpec(customers=10, lines=100, history=False).campaign_start_day == 90


@pytest.mark.parametrize("kwargs, message", [
    ({"customers": 0, "lines": 10}, "--customers"),
    ({"customers": 10, "lines": 5}, "--lines"),
    ({"customers": 10, "lines": 50, "holdout_share": 1.0}, "--holdout-share"),
    ({"customers": 10, "lines": 50, "arms": 2, "effects": (0.1, 0.2, 0.3)}, "one per arm"),
])
def test_bad_specs_name_the_option(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        SynthSpec(**kwargs)


def test_window_orders_recover_the_planted_effect_in_memory() -> None:
    # Randomized holdout: the treatment - control difference in window orders per customer estimates the truth.
    spec = SynthSpec(customers=20_000, lines=200_000, seed=SEED, holdout_share=0.5, effects=(0.3,), history=False)
    t = _tables(spec)
    camp = synth_campaigns(spec).to_pylist()[0]
    tx = t["transactions"].to_pandas()
    in_window = (tx.ts >= np.datetime64(camp["start_date"])) & (tx.ts < np.datetime64(camp["end_date"]))
    orders = tx[in_window].groupby("customer_id")["order_id"].nunique()
    asg = t["assignments"].to_pandas().set_index("customer_id")
    n_orders = orders.reindex(asg.index, fill_value=0)
    treat, ctrl = n_orders[asg.arm == "treatment"], n_orders[asg.arm == "control"]
    se = math.sqrt(treat.var() / treat.size + ctrl.var() / ctrl.size)
    expected = combine_truth([t["truth"]])["treatment"]["incremental_orders_per_customer"]
    assert expected > 3 * se  # the check has power
    assert abs(treat.mean() - ctrl.mean() - expected) < 3.3 * se  # inside the 99.9% interval
