"""Tests for campaignlab.data.simulate: determinism, the canonical data model and the known truth."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from campaignlab.data.simulate import simulate_customer_panel, simulate_dataset

SEED = sum(map(ord, "simulate"))


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return simulate_dataset(800, seed=SEED, holdout_share=0.25)


# ------------------------------------------------------------------------------ panel


def test_panel_is_deterministic_and_seed_dependent() -> None:
    a = simulate_customer_panel(500, true_att=5.0, confounding=1.0, seed=SEED)
    b = simulate_customer_panel(500, true_att=5.0, confounding=1.0, seed=SEED)
    c = simulate_customer_panel(500, true_att=5.0, confounding=1.0, seed=SEED + 1)
    pd.testing.assert_frame_equal(a, b)
    assert not a["revenue"].equals(c["revenue"])


def test_panel_columns_and_truth() -> None:
    panel = simulate_customer_panel(2000, true_att=5.0, confounding=1.0, seed=SEED)
    assert list(panel.columns) == ["customer_id", "treatment", "pre_orders", "pre_revenue", "income_band", "revenue"]
    assert panel.attrs["true_att"] == 5.0
    assert panel["customer_id"].is_unique and panel["customer_id"].iloc[0] == "C00001"
    assert set(panel["treatment"].unique()) == {0, 1}
    assert 0.05 < panel["income_band"].isna().mean() < 0.15
    assert set(panel["income_band"].dropna().unique()) == {"low", "middle", "high"}


def test_panel_att_is_exactly_the_added_effect() -> None:
    # Same seed, different true_att: everything is identical except treated revenue,
    # which moves by exactly the difference, so the ATT is known exactly.
    a = simulate_customer_panel(1000, true_att=0.0, confounding=1.0, seed=SEED)
    b = simulate_customer_panel(1000, true_att=7.5, confounding=1.0, seed=SEED)
    pd.testing.assert_frame_equal(a.drop(columns="revenue"), b.drop(columns="revenue"))
    np.testing.assert_allclose(b["revenue"] - a["revenue"], 7.5 * a["treatment"])


def test_panel_confounding_targets_heavier_spenders() -> None:
    confounded = simulate_customer_panel(5000, true_att=0.0, confounding=1.0, seed=SEED)
    random = simulate_customer_panel(5000, true_att=0.0, confounding=0.0, seed=SEED)

    def smd(df: pd.DataFrame) -> float:
        t = df.treatment == 1
        x = df.pre_revenue
        return (x[t].mean() - x[~t].mean()) / math.sqrt((x[t].var() + x[~t].var()) / 2)

    assert smd(confounded) > 0.5
    assert abs(smd(random)) < 0.1


def test_panel_seasonal_change_scales_with_spend() -> None:
    # Seasonality multiplies each customer's rate, so the absolute seasonal change grows
    # with spend level: the mechanism that biases difference-in-differences under
    # spend-based targeting. Same seed: identical pre-period, only the season differs.
    flat = simulate_customer_panel(20000, true_att=0.0, confounding=1.0, seed=SEED, seasonality=0.0)
    season = simulate_customer_panel(20000, true_att=0.0, confounding=1.0, seed=SEED, seasonality=0.5)
    pd.testing.assert_frame_equal(flat.drop(columns="revenue"), season.drop(columns="revenue"))
    tier = pd.qcut(flat.pre_revenue.rank(method="first"), 4, labels=False)
    base = flat.groupby(tier)["revenue"].mean()
    lifted = season.groupby(tier)["revenue"].mean()
    np.testing.assert_allclose(lifted / base, 1.5, rtol=0.08)
    assert (np.diff((lifted - base).to_numpy()) > 0).all()


# ---------------------------------------------------------------------------- dataset


def test_dataset_is_deterministic(data: dict[str, pd.DataFrame]) -> None:
    again = simulate_dataset(800, seed=SEED, holdout_share=0.25)
    for name in data:
        pd.testing.assert_frame_equal(data[name], again[name])
    other = simulate_dataset(800, seed=SEED + 1, holdout_share=0.25)
    assert not data["transactions"]["amount"].equals(other["transactions"]["amount"])


def test_dataset_columns_follow_the_canonical_model(data: dict[str, pd.DataFrame]) -> None:
    expected = {
        "customers": ["customer_id", "signup_date", "age_band", "income_band", "region"],
        "transactions": ["customer_id", "order_id", "ts", "amount", "quantity", "product_id", "discount"],
        "campaigns": ["campaign_id", "start_date", "end_date", "name", "type", "cost_per_contact", "fixed_cost"],
        "assignments": ["campaign_id", "customer_id", "arm"],
        "events": ["campaign_id", "customer_id", "event", "ts", "value"],
    }
    assert {k: list(v.columns) for k, v in data.items()} == expected
    tx = data["transactions"]
    assert pd.api.types.is_datetime64_any_dtype(tx["ts"]) and tx["ts"].dt.tz is None
    assert pd.api.types.is_integer_dtype(tx["quantity"]) and (tx["quantity"] >= 1).all()
    assert (tx["amount"] > 0).all() and (tx["discount"] >= 0).all()
    assert np.allclose(tx["amount"] * 100, np.round(tx["amount"] * 100))  # cents
    assert isinstance(data["customers"]["signup_date"].iloc[0], dt.date)
    camp = data["campaigns"].iloc[0]
    assert isinstance(camp["start_date"], dt.date) and camp["campaign_id"] == "SIM1"
    assert data["customers"]["customer_id"].is_unique
    assert data["customers"]["income_band"].isna().any()
    assert set(data["customers"]["age_band"].unique()) <= {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"}


def test_dataset_dates_and_orders_are_consistent(data: dict[str, pd.DataFrame]) -> None:
    tx, camp = data["transactions"], data["campaigns"].iloc[0]
    assert camp["start_date"] == dt.date(2024, 1, 1) + dt.timedelta(days=120)
    assert camp["end_date"] == camp["start_date"] + dt.timedelta(days=28)
    assert tx["ts"].min() >= pd.Timestamp("2024-01-01")
    assert tx["ts"].max() < pd.Timestamp("2024-01-01") + pd.Timedelta(days=240)
    assert (data["customers"]["signup_date"] < dt.date(2024, 1, 1)).all()
    per_order = tx.groupby("order_id").agg(n_cust=("customer_id", "nunique"), n_ts=("ts", "nunique"),
                                           n_lines=("amount", "size"))
    assert (per_order["n_cust"] == 1).all() and (per_order["n_ts"] == 1).all()
    assert (per_order["n_lines"] > 1).any()  # line items, not only one row per order
    assert set(tx["customer_id"]) <= set(data["customers"]["customer_id"])


def test_dataset_assignments_and_holdout(data: dict[str, pd.DataFrame]) -> None:
    arms = data["assignments"]["arm"].value_counts()
    n_targeted = int(arms.sum())
    assert arms["control"] == round(0.25 * n_targeted)
    assert data["assignments"]["customer_id"].is_unique
    assert data["campaigns"].attrs["truth"]["n_treatment"] == arms["treatment"]
    no_holdout = simulate_dataset(300, seed=SEED)
    assert set(no_holdout["assignments"]["arm"]) == {"treatment"}


def test_dataset_funnel_events_only_for_the_treatment_arm(data: dict[str, pd.DataFrame]) -> None:
    ev, asg = data["events"], data["assignments"]
    treated = set(asg.loc[asg.arm == "treatment", "customer_id"])
    assert set(ev["customer_id"]) <= treated
    counts = ev["event"].value_counts()
    assert counts["delivered"] > counts["opened"] > counts["clicked"] >= counts["redeemed"] > 0
    assert set(ev["event"]) == {"delivered", "opened", "clicked", "redeemed"}
    assert ev.loc[ev.event != "redeemed", "value"].isna().all()
    camp = data["campaigns"].iloc[0]
    start, end = pd.Timestamp(camp["start_date"]), pd.Timestamp(camp["end_date"])
    assert (ev["ts"] >= start).all()
    assert (ev.loc[ev.event == "redeemed", "ts"] < end).all()
    # each customer's funnel is ordered in time
    wide = ev.pivot_table(index="customer_id", columns="event", values="ts", aggfunc="min")
    clicked = wide.dropna(subset=["clicked"])
    assert (clicked["clicked"] > clicked["opened"]).all() and (clicked["opened"] > clicked["delivered"]).all()
    redeemed = wide.dropna(subset=["redeemed"])
    assert (redeemed["redeemed"] > redeemed["clicked"]).all()


def test_redemptions_are_discounted_orders(data: dict[str, pd.DataFrame]) -> None:
    tx, ev = data["transactions"], data["events"]
    red = ev[ev.event == "redeemed"]
    discounted = tx[tx.discount > 0].groupby(["customer_id", "ts"], as_index=False)["discount"].sum()
    merged = red.merge(discounted, on=["customer_id", "ts"], how="left")
    assert len(discounted) == len(red)
    np.testing.assert_allclose(merged["value"], merged["discount"], atol=0.011)


def test_dataset_lift_matches_the_truth() -> None:
    # Random assignment (no confounding) with a 50% holdout: the treatment-control
    # difference in window orders per customer estimates the known incremental orders.
    d = simulate_dataset(20000, seed=SEED, holdout_share=0.5, confounding=0.0, true_lift=0.3)
    truth = d["campaigns"].attrs["truth"]
    camp = d["campaigns"].iloc[0]
    tx = d["transactions"]
    in_window = (tx.ts >= pd.Timestamp(camp["start_date"])) & (tx.ts < pd.Timestamp(camp["end_date"]))
    orders = tx[in_window].groupby("customer_id")["order_id"].nunique()
    asg = d["assignments"].set_index("customer_id")
    n_orders = orders.reindex(asg.index, fill_value=0)
    t, c = n_orders[asg.arm == "treatment"], n_orders[asg.arm == "control"]
    diff = t.mean() - c.mean()
    se = math.sqrt(t.var() / t.size + c.var() / c.size)
    assert truth["expected_incremental_orders_per_treated"] > 3 * se  # the check has power
    assert abs(diff - truth["expected_incremental_orders_per_treated"]) < 3.5 * se
    assert truth["expected_incremental_gross_revenue_per_treated"] > truth["expected_incremental_orders_per_treated"]


def test_dataset_confounding_targets_heavier_spenders() -> None:
    for confounding, expect_gap in ((1.5, True), (0.0, False)):
        d = simulate_dataset(3000, seed=SEED, confounding=confounding)
        tx = d["transactions"]
        start = pd.Timestamp(d["campaigns"].iloc[0]["start_date"])
        spend = tx[tx.ts < start].groupby("customer_id")["amount"].sum()
        spend = spend.reindex(d["customers"]["customer_id"], fill_value=0.0)
        targeted = spend.index.isin(d["assignments"]["customer_id"])
        gap = spend[targeted].mean() / spend[~targeted].mean()
        assert (gap > 1.5) if expect_gap else (0.85 < gap < 1.15)


def test_dataset_rejects_a_window_outside_the_history() -> None:
    with pytest.raises(ValueError, match="must lie inside"):
        simulate_dataset(10, n_days=100, campaign_start_day=90, campaign_days=28)
    with pytest.raises(ValueError, match="holdout_share"):
        simulate_dataset(10, holdout_share=1.0)


def test_lift_by_changes_only_the_effect_and_keeps_the_seeds_data() -> None:
    plain = simulate_dataset(600, seed=SEED, holdout_share=0.3, true_lift=0.2)
    same = simulate_dataset(600, seed=SEED, holdout_share=0.3, true_lift=0.2, lift_by={"region": {"North": 0.2}})
    for name in plain:
        pd.testing.assert_frame_equal(plain[name], same[name])
    north = simulate_dataset(600, seed=SEED, holdout_share=0.3, true_lift=0.0, lift_by={"region": {"North": 2.0}})
    for name in ("customers", "assignments"):
        pd.testing.assert_frame_equal(plain[name], north[name])
    truth, t0 = north["campaigns"].attrs["truth"], plain["campaigns"].attrs["truth"]
    share_north = (north["customers"]["region"] == "North").mean()
    assert truth["expected_incremental_orders_per_treated"] > 0
    assert truth["true_lift"] == 0.0 and 0.2 < share_north < 0.4 and t0["true_lift"] == 0.2
    with pytest.raises(ValueError, match="lift_by names 'country'"):
        simulate_dataset(100, seed=SEED, lift_by={"country": {"X": 1.0}})
