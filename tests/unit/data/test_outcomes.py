"""Tests for campaignlab.data.outcomes on a tiny hand-built shop whose every number is worked out in the comments."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from campaignlab.data.outcomes import (
    NOT_ASSIGNED,
    compute_customer_outcomes,
    compute_customer_weekly_revenue,
    compute_weekly_series,
)
from campaignlab.data.windows import compute_windows

D = dt.date
TS = pd.Timestamp

# Campaign C1 runs [2024-03-01, 2024-03-15); pre-period [02-16, 03-01); post-period [03-15, 03-29).
START, END = D(2024, 3, 1), D(2024, 3, 15)
DATA_START, DATA_END = D(2024, 1, 1), D(2024, 6, 1)


def _tx_rows() -> list[tuple]:
    # customer, order, ts, amount, product, campaign_discount
    return [
        ("a", "A0", "2024-01-05 09:00", 100.00, "P3", 0.00),   # before the pre-period: in no window
        ("a", "A1", "2024-02-20 12:00", 10.00, "P2", 0.00),    # pre, two lines of one order
        ("a", "A1", "2024-02-20 12:00", 5.50, "P3", 0.00),
        ("a", "A2", "2024-03-05 10:00", 20.00, "P1", 2.00),    # campaign, three lines, two promoted (P1)
        ("a", "A2", "2024-03-05 10:00", 8.00, "P2", 0.00),
        ("a", "A2", "2024-03-05 10:00", 4.00, "P1", 0.50),
        ("a", "A3", "2024-03-14 23:59", 6.00, "P3", 0.00),     # campaign, last minute of the window
        ("a", "A4", "2024-03-15 00:00", 12.25, "P1", 1.00),    # window end is exclusive: post, not campaign
        ("b", "B1", "2024-02-28 18:00", 7.00, "P2", 0.00),     # pre
        ("b", "B2", "2024-03-01 00:00", 9.00, "P1", 0.00),     # window start is inclusive: campaign
        ("c", "C1", "2024-03-03 11:00", 1.00, "P2", 0.00),     # campaign, three lines of one order
        ("c", "C1", "2024-03-03 11:00", 2.00, "P2", 0.00),
        ("c", "C1", "2024-03-03 11:00", 3.00, "P3", 0.00),
        ("c", "C2", "2024-03-29 00:00", 50.00, "P2", 0.00),    # post end is exclusive: in no window
    ]


def shop() -> dict[str, ibis.Table]:
    tx = pd.DataFrame(_tx_rows(), columns=["customer_id", "order_id", "ts", "amount", "product_id",
                                           "campaign_discount"])
    tx["ts"] = pd.to_datetime(tx["ts"])
    events = pd.DataFrame(
        [
            ("C1", "a", "delivered", "2024-03-01 08:00"),
            ("C1", "a", "redeemed", "2024-03-05 10:00"),   # own response event inside the window
            ("C2", "b", "redeemed", "2024-03-05 09:00"),   # response to another campaign
            ("C1", "b", "opened", "2024-03-02 09:00"),     # own campaign, not the response event
            ("C1", "d", "redeemed", "2024-03-20 09:00"),   # own response event after the window
            ("C1", "d", "delivered", "2024-02-27 09:00"),  # own funnel event before the window
            ("C1", "e", "redeemed", "2024-02-29 23:59"),   # own response event just before the window
        ],
        columns=["campaign_id", "customer_id", "event", "ts"],
    )
    events["ts"] = pd.to_datetime(events["ts"])
    campaigns = pd.DataFrame(
        {
            "campaign_id": ["C1", "C2", "C3"],
            # C2 overlaps the analysis span [02-16, 03-29); C3 (2023) does not
            "start_date": [START, D(2024, 3, 10), D(2023, 1, 1)],
            "end_date": [END, D(2024, 4, 10), D(2023, 2, 1)],
        }
    )
    assignments = pd.DataFrame(
        {
            "campaign_id": ["C1", "C1", "C1", "C2", "C2", "C3", "C3"],
            "customer_id": ["a", "b", "d", "a", "c", "a", "e"],
            "arm": ["treatment", "control", "control", "treatment", "treatment", "treatment", "treatment"],
        }
    )
    # P1 is listed twice for C1: a join on it must not count its revenue twice
    products = pd.DataFrame({"campaign_id": ["C1", "C1", "C2"], "product_id": ["P1", "P1", "P2"]})
    return {
        "customers": ibis.memtable(pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"]})),
        "transactions": ibis.memtable(tx),
        "assignments": ibis.memtable(assignments),
        "events": ibis.memtable(events),
        "campaigns": ibis.memtable(campaigns),
        "campaign_products": ibis.memtable(products),
    }


def windows(data_start=DATA_START, data_end=DATA_END):
    return compute_windows(START, END, pre_days=14, post_days=14, data_start=data_start, data_end=data_end)


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    out = compute_customer_outcomes(shop(), campaign_id="C1", windows=windows(), response_event="redeemed",
                                    funnel=["delivered", "opened"])
    return out.set_index("customer_id")


def test_one_row_per_customer_with_the_campaigns_arm(outcomes):
    assert list(outcomes.index) == ["a", "b", "c", "d", "e"]
    # c and e are assigned only to other campaigns: not assigned to this one
    assert outcomes["arm"].to_dict() == {"a": "treatment", "b": "control", "c": NOT_ASSIGNED, "d": "control",
                                         "e": NOT_ASSIGNED}


def test_orders_are_distinct_orders_not_line_items(outcomes):
    assert outcomes["pre_orders"].to_dict() == {"a": 1, "b": 1, "c": 0, "d": 0, "e": 0}
    assert outcomes["orders"].to_dict() == {"a": 2, "b": 1, "c": 1, "d": 0, "e": 0}
    assert outcomes["post_orders"].to_dict() == {"a": 1, "b": 0, "c": 0, "d": 0, "e": 0}
    assert outcomes["converted"].to_dict() == {"a": 1, "b": 1, "c": 1, "d": 0, "e": 0}


def test_revenue_sums_line_items_in_each_half_open_window(outcomes):
    assert outcomes["pre_revenue"].to_dict() == pytest.approx({"a": 15.5, "b": 7.0, "c": 0.0, "d": 0.0, "e": 0.0})
    # a: 20 + 8 + 4 + 6; the 100.00 order of January and the 12.25 at 03-15 00:00 are outside the window
    assert outcomes["revenue"].to_dict() == pytest.approx({"a": 38.0, "b": 9.0, "c": 6.0, "d": 0.0, "e": 0.0})
    # c's 50.00 at 03-29 00:00 is the post-period's (exclusive) end
    assert outcomes["post_revenue"].to_dict() == pytest.approx({"a": 12.25, "b": 0.0, "c": 0.0, "d": 0.0,
                                                                "e": 0.0})


def test_promoted_revenue_and_discount_cost_are_campaign_window_only(outcomes):
    # P1 lines in the window: a 20 + 4, b 9; P2 is C2's product, not C1's
    assert outcomes["promoted_revenue"].to_dict() == pytest.approx({"a": 24.0, "b": 9.0, "c": 0.0, "d": 0.0,
                                                                    "e": 0.0})
    # a: 2.00 + 0.50 in the window; the 1.00 discount on 03-15 is post-period
    assert outcomes["discount_cost"].to_dict() == pytest.approx({"a": 2.5, "b": 0.0, "c": 0.0, "d": 0.0, "e": 0.0})


def test_pre_recency_is_days_from_last_pre_order_to_campaign_start(outcomes):
    # a: 2024-02-20 12:00 -> 2024-03-01 00:00 = 9.5 days; b: 02-28 18:00 -> 1.25 days; no pre order: NaN
    assert outcomes.loc["a", "pre_recency_days"] == pytest.approx(9.5)
    assert outcomes.loc["b", "pre_recency_days"] == pytest.approx(1.25)
    assert outcomes.loc[["c", "d", "e"], "pre_recency_days"].isna().all()


def test_responded_counts_only_the_campaigns_response_event_inside_the_window(outcomes):
    # b redeemed C2's offer, d redeemed after the window, e just before it
    assert outcomes["responded"].to_dict() == {"a": 1, "b": 0, "c": 0, "d": 0, "e": 0}
    assert outcomes["event_delivered"].to_dict() == {"a": 1, "b": 0, "c": 0, "d": 0, "e": 0}
    assert outcomes["event_opened"].to_dict() == {"a": 0, "b": 1, "c": 0, "d": 0, "e": 0}


def test_other_campaigns_counts_only_campaigns_overlapping_the_analysis_span(outcomes):
    # a: C2 (overlapping) and C3 (2023); c: C2; e: C3 only
    assert outcomes["other_campaigns"].to_dict() == {"a": 1, "b": 0, "c": 1, "d": 0, "e": 0}


def test_window_outside_the_data_gives_nan_not_zero():
    # data ends at the campaign end: the post-period is clipped away entirely
    w = windows(data_end=END)
    assert w["post"].covered_days == 0 and w["campaign"].complete
    out = compute_customer_outcomes(shop(), campaign_id="C1", windows=w, response_event="redeemed")
    out = out.set_index("customer_id")
    assert out["post_orders"].isna().all() and out["post_revenue"].isna().all()
    # the covered windows keep their values
    assert out["revenue"].to_dict() == pytest.approx({"a": 38.0, "b": 9.0, "c": 6.0, "d": 0.0, "e": 0.0})
    assert out["pre_orders"].to_dict() == {"a": 1, "b": 1, "c": 0, "d": 0, "e": 0}


def test_pre_period_outside_the_data_gives_nan():
    w = windows(data_start=START)
    assert w["pre"].covered_days == 0
    out = compute_customer_outcomes(shop(), campaign_id="C1", windows=w, response_event="redeemed")
    out = out.set_index("customer_id")
    assert out["pre_orders"].isna().all() and out["pre_revenue"].isna().all()
    assert out["pre_recency_days"].isna().all()
    assert out["orders"].to_dict() == {"a": 2, "b": 1, "c": 1, "d": 0, "e": 0}
    assert out["post_revenue"].to_dict() == pytest.approx({"a": 12.25, "b": 0.0, "c": 0.0, "d": 0.0, "e": 0.0})


# ------------------------------------------------------------------------------------------------ weekly series
def test_weekly_series_is_per_customer_of_the_whole_group():
    tx = pd.DataFrame(
        [
            ("a", "1", "2024-03-04 09:00", 6.0),   # Monday; one order of two lines
            ("a", "1", "2024-03-04 09:00", 4.0),
            ("b", "2", "2024-03-10 20:00", 5.0),   # Sunday: still the week of Monday 03-04
            ("d", "3", "2024-03-06 12:00", 3.0),
            ("a", "4", "2024-03-11 08:00", 2.0),   # next week
            ("a", "5", "2024-03-18 08:00", 99.0),  # on the (exclusive) end
            ("z", "6", "2024-03-05 08:00", 50.0),  # not in any group
        ],
        columns=["customer_id", "order_id", "ts", "amount"],
    )
    tx["ts"] = pd.to_datetime(tx["ts"])
    # c and e never order but still count in their group's size
    groups = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
                           "group": ["treatment", "treatment", "treatment", "control", "control"]})
    out = compute_weekly_series(ibis.memtable(tx), groups, start=D(2024, 3, 4), end=D(2024, 3, 18))
    got = {(r.group, r.week.date()): r for r in out.itertuples()}
    assert set(got) == {("treatment", D(2024, 3, 4)), ("treatment", D(2024, 3, 11)), ("control", D(2024, 3, 4)),
                        ("control", D(2024, 3, 11))}
    # a week in which a group bought nothing is a zero, not a missing point
    c2 = got[("control", D(2024, 3, 11))]
    assert (c2.customers, c2.revenue, c2.orders, c2.revenue_per_customer) == (2, 0.0, 0, 0.0)
    t1 = got[("treatment", D(2024, 3, 4))]
    assert (t1.customers, t1.revenue, t1.orders, t1.active_customers) == (3, 15.0, 2, 2)
    assert t1.revenue_per_customer == pytest.approx(5.0)
    assert t1.orders_per_customer == pytest.approx(2 / 3)
    assert t1.active_customers_per_customer == pytest.approx(2 / 3)
    t2 = got[("treatment", D(2024, 3, 11))]
    assert (t2.revenue, t2.orders, t2.revenue_per_customer) == (2.0, 1, pytest.approx(2 / 3))
    c1 = got[("control", D(2024, 3, 4))]
    assert (c1.customers, c1.revenue_per_customer, c1.active_customers_per_customer) == (2, 1.5, 0.5)
    assert list(out["group"]) == sorted(out["group"])
    assert np.issubdtype(out["week"].dtype, np.datetime64)


def test_customer_weekly_revenue_is_per_customer_and_monday_week_and_adds_up_to_the_group_series():
    tx = pd.DataFrame(
        [("a", "1", "2024-03-04 09:00", 4.0), ("a", "1", "2024-03-04 09:00", 1.5),  # two lines, one week
         ("b", "2", "2024-03-10 20:00", 5.0),   # Sunday: still the week of Monday 03-04
         ("a", "4", "2024-03-11 08:00", 2.0),   # next week
         ("a", "5", "2024-03-18 08:00", 99.0),  # on the (exclusive) end
         ("z", "6", "2024-03-05 08:00", 50.0)],  # not asked for
        columns=["customer_id", "order_id", "ts", "amount"])
    tx["ts"] = pd.to_datetime(tx["ts"])
    out = compute_customer_weekly_revenue(ibis.memtable(tx), pd.Series(["a", "b", "c"]), start=D(2024, 3, 4),
                                          end=D(2024, 3, 18))
    got = {(r.customer_id, r.week.date()): r.revenue for r in out.itertuples()}
    assert got == {("a", D(2024, 3, 4)): 5.5, ("b", D(2024, 3, 4)): 5.0, ("a", D(2024, 3, 11)): 2.0}
    series = compute_weekly_series(ibis.memtable(tx), pd.DataFrame({"customer_id": ["a", "b", "c"], "group": "g"}),
                                   start=D(2024, 3, 4), end=D(2024, 3, 18))
    assert series.set_index("week")["revenue"].to_dict() == pytest.approx(
        out.groupby("week")["revenue"].sum().to_dict())
