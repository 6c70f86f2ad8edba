"""The per-customer feature table: every column against an independent pandas computation, and the functions it
replaces (snapshots, customer outcomes) against their own outputs."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from campaignlab.data import features as feat
from campaignlab.data.outcomes import _finish, compute_customer_outcomes
from campaignlab.data.simulate import simulate_dataset
from campaignlab.data.windows import compute_windows
from campaignlab.stats.segmentation import compute_customer_snapshot

SEED = sum(map(ord, "feature table"))
CAMPAIGN = "SIM1"


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    d = simulate_dataset(400, seed=SEED, holdout_share=0.3)
    rng = np.random.default_rng(SEED)
    tx = d["transactions"].copy()
    tx["amount"] = tx["amount"].round(2)
    tx["campaign_discount"] = np.where(rng.random(len(tx)) < 0.1, (tx["amount"] * 0.1).round(2), 0.0)
    # Some orders share a day with another order of the customer, so purchase days and orders differ.
    same_day = rng.random(len(tx)) < 0.05
    tx.loc[same_day, "ts"] = tx.loc[same_day, "ts"].dt.normalize() + pd.Timedelta(hours=23)
    tx["ts"] = tx.groupby("order_id")["ts"].transform("min")
    campaigns = pd.concat([d["campaigns"], d["campaigns"].assign(campaign_id="OTHER")], ignore_index=True)
    other = d["customers"][["customer_id"]].iloc[::7].assign(campaign_id="OTHER", arm="treatment")
    products = pd.DataFrame({"campaign_id": CAMPAIGN, "product_id": sorted(tx["product_id"].unique())[::3]})
    return {**d, "transactions": tx, "campaigns": campaigns, "campaign_products": products,
            "assignments": pd.concat([d["assignments"], other], ignore_index=True)}


@pytest.fixture(scope="module")
def tables(frames) -> dict[str, ibis.Table]:
    out = {k: ibis.memtable(v) for k, v in frames.items()}
    tx = out["transactions"]
    out["transactions"] = tx.mutate(amount=tx.amount.cast("decimal(18, 2)"),
                                    campaign_discount=tx.campaign_discount.cast("decimal(18, 2)"))
    c = out["campaigns"]
    out["campaigns"] = c.mutate(start_date=c.start_date.cast("date"), end_date=c.end_date.cast("date"))
    return out


@pytest.fixture(scope="module")
def setting(frames):
    tx = frames["transactions"]
    lo, hi = tx["ts"].min().date(), tx["ts"].max().date() + dt.timedelta(days=1)
    c = frames["campaigns"].iloc[0]
    windows = compute_windows(pd.Timestamp(c["start_date"]).date(), pd.Timestamp(c["end_date"]).date(),
                              pre_days=60, post_days=45, data_start=lo, data_end=hi)
    return windows, lo, hi


@pytest.fixture(scope="module")
def planned(setting):
    windows, lo, hi = setting
    return feat.plan_windows(windows, data_start=lo, data_end=hi, lookback_days=90, churned_days=30, pre_days=60)


@pytest.fixture(scope="module")
def table(tables, planned, setting) -> pd.DataFrame:
    windows, _, _ = setting
    order_windows, event_windows = planned
    expr = feat.compute_customer_features(tables, order_windows, campaign_id=CAMPAIGN, events=["redeemed", "clicked"],
                                          event_windows=event_windows,
                                          overlaps={"other_campaigns": (windows["pre"].start, windows["post"].end),
                                                    "late_other": (dt.date(2030, 1, 1), dt.date(2030, 2, 1))})
    return expr.to_pyarrow().to_pandas()


def _pandas_window(frames, w: feat.FeatureWindow) -> pd.DataFrame:
    """One window's measures straight from the line items, with pandas (cents from the rounded amounts)."""
    tx = frames["transactions"].copy()
    promoted = set(frames["campaign_products"]["product_id"])
    tx["cents"] = np.round(tx["amount"] * 100).astype("int64")
    tx["disc"] = np.round(tx["campaign_discount"] * 100).astype("int64")
    tx["prom"] = np.where(tx["product_id"].isin(promoted), tx["cents"], 0)
    orders = tx.groupby(["customer_id", "order_id"]).agg(ts=("ts", "min"), cents=("cents", "sum"),
                                                          disc=("disc", "sum"), prom=("prom", "sum")).reset_index()
    day = orders["ts"].dt.normalize()
    keep = pd.Series(True, index=orders.index)
    if w.start is not None:
        keep &= day >= pd.Timestamp(w.start)
    if w.end is not None:
        keep &= day < pd.Timestamp(w.end)
    o = orders[keep].assign(day=day[keep])
    g = o.groupby("customer_id")
    first_day = g["day"].transform("min")
    out = pd.DataFrame({
        "orders": g.size(), "revenue_cents": g["cents"].sum(), "first_ts": g["ts"].min(), "last_ts": g["ts"].max(),
        "days": g["day"].nunique(), "discount_cents": g["disc"].sum(), "promoted_cents": g["prom"].sum(),
        "first_day_cents": o[o["day"] == first_day].groupby("customer_id")["cents"].sum()})
    every = frames["customers"]["customer_id"].sort_values()
    out = out.reindex(every)
    for col in ("orders", "revenue_cents", "days", "discount_cents", "promoted_cents", "first_day_cents"):
        out[col] = out[col].fillna(0).astype("int64")
    return out.reset_index(drop=True)


def test_every_window_measure_equals_pandas_exactly(frames, planned, table):
    order_windows, _ = planned
    assert table["customer_id"].tolist() == sorted(frames["customers"]["customer_id"])
    checked = 0
    for w in order_windows:
        expected = _pandas_window(frames, w)
        for m in w.measures:
            got = table[w.column(m)]
            if m.endswith("_ts"):
                pd.testing.assert_series_equal(pd.to_datetime(got).astype("datetime64[us]").reset_index(drop=True),
                                               expected[m].astype("datetime64[us]"), check_names=False)
            else:
                assert got.dtype == "int64", w.column(m)
                np.testing.assert_array_equal(got.to_numpy(), expected[m].to_numpy(), err_msg=w.column(m))
            checked += 1
    assert checked >= 40 and table["pre_orders"].sum() > 0 and table["campaign_promoted_cents"].sum() > 0


def test_arm_events_and_overlapping_campaigns_equal_pandas(frames, setting, planned, table):
    windows, _, _ = setting
    asg = frames["assignments"]
    mine = asg[asg["campaign_id"] == CAMPAIGN].set_index("customer_id")["arm"]
    arm = table.set_index("customer_id")["arm"]
    pd.testing.assert_series_equal(arm.dropna().sort_index(), mine.sort_index(), check_names=False)
    ev = frames["events"]
    for w in planned[1]:
        for name in ("redeemed", "clicked"):
            day = ev["ts"].dt.normalize()
            hit = ev[(ev["campaign_id"] == CAMPAIGN) & (ev["event"] == name) & (day >= pd.Timestamp(w.start))
                     & (day < pd.Timestamp(w.end))]
            expected = table["customer_id"].isin(set(hit["customer_id"])).astype("int64")
            np.testing.assert_array_equal(table[f"{w.name}_event_{name}"].to_numpy(), expected.to_numpy())
    others = set(asg.loc[asg["campaign_id"] == "OTHER", "customer_id"])
    np.testing.assert_array_equal(table["other_campaigns"].to_numpy(),
                                  table["customer_id"].isin(others).astype("int64").to_numpy())
    assert (table["late_other"] == 0).all()  # a span no other campaign overlaps


@pytest.mark.parametrize("window, days", [("hist_start", None), ("rfm_start", 90)])
def test_snapshots_equal_the_snapshot_function(tables, setting, table, window, days):
    windows, lo, _ = setting
    as_of = windows["campaign"].start
    old = compute_customer_snapshot(tables["transactions"], as_of=as_of, lookback_days=days or (as_of - lo).days)
    new = feat.snapshot_from_features(table, window, as_of=as_of)
    if window != "hist_start":  # the RFM windows carry no BG/NBD columns; the snapshot's first columns must agree
        old, new = old.iloc[:, :6], new.iloc[:, :6]
    old["first_order_ts"] = old["first_order_ts"].astype("datetime64[us]")
    old["last_order_ts"] = old["last_order_ts"].astype("datetime64[us]")
    pd.testing.assert_frame_equal(new, old, check_dtype=False)
    assert len(new) > 100


def test_outcomes_equal_the_outcome_function(tables, setting, table):
    windows, _, _ = setting
    old = compute_customer_outcomes(tables, campaign_id=CAMPAIGN, windows=windows, response_event="redeemed",
                                    funnel=["clicked", "redeemed"])
    raw = feat.outcomes_from_features(table, prefixes={"pre": "pre", "campaign": "campaign", "post": "post"},
                                      event_window="campaign", events=["redeemed", "clicked"])
    new = _finish(raw, ["redeemed", "clicked"], windows, "redeemed")
    pd.testing.assert_frame_equal(new, old, check_dtype=False)


def test_money_is_exact_where_floats_would_drift():
    tx = pd.DataFrame({"customer_id": ["a"] * 10, "order_id": [str(i) for i in range(10)],
                       "ts": pd.to_datetime(["2024-01-02"] * 10), "amount": [0.1] * 10})
    t = {"customers": ibis.memtable({"customer_id": ["a"]}),
         "transactions": ibis.memtable(tx).mutate(amount=ibis._.amount.cast("decimal(18, 2)")),
         "assignments": ibis.memtable(pd.DataFrame({"campaign_id": ["c"], "customer_id": ["a"], "arm": ["t"]}))}
    w = [feat.FeatureWindow("all", None, None, ("revenue_cents",))]
    cents = feat.compute_customer_features(t, w, campaign_id="c").to_pyarrow()["all_revenue_cents"].to_pylist()
    assert cents == [100] and feat.cents_to_units(np.array(cents))[0] == 1.0 and sum([0.1] * 10) != 1.0


def test_an_unknown_measure_is_refused_by_name():
    t = {"customers": ibis.memtable({"customer_id": ["a"]}),
         "transactions": ibis.memtable(pd.DataFrame({"customer_id": ["a"], "order_id": ["1"],
                                                     "ts": pd.to_datetime(["2024-01-02"]), "amount": [1.0]})),
         "assignments": ibis.memtable(pd.DataFrame({"campaign_id": ["c"], "customer_id": ["a"], "arm": ["t"]}))}
    with pytest.raises(ValueError, match="unknown measure.*'spend'"):
        feat.compute_customer_features(t, [feat.FeatureWindow("w", None, None, ("spend",))], campaign_id="c")


@pytest.mark.parametrize("per_part", [60, 400])
def test_parts_by_customer_range_concatenate_to_the_whole_table(tables, planned, setting, table, per_part):
    windows, _, _ = setting
    order_windows, event_windows = planned
    ranges = feat.customer_ranges(tables["customers"], per_part)
    assert len(ranges) == -(-len(table) // per_part)  # ceil: every part holds at most per_part customers
    parts = [feat.compute_customer_features(
        tables, order_windows, campaign_id=CAMPAIGN, events=["redeemed", "clicked"], event_windows=event_windows,
        overlaps={"other_campaigns": (windows["pre"].start, windows["post"].end),
                  "late_other": (dt.date(2030, 1, 1), dt.date(2030, 2, 1))}, id_range=r).to_pyarrow().to_pandas()
        for r in ranges]
    assert max(len(p) for p in parts) <= per_part
    whole = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(whole, table)
