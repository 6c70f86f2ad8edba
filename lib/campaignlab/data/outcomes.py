"""Customer-level facts about one campaign: arm, pre-period behaviour, outcomes in each window, responses.

Transaction-level work is one Ibis aggregation run by the engine; what comes back to pandas has one row per
customer, which is what every later analysis (segments, effects, retention) starts from.
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from campaignlab.data.windows import Window

NOT_ASSIGNED = "not_assigned"


def _between(ts: ibis.Value, w: Window) -> ibis.Value:
    if w.clipped_start is None:
        return ibis.literal(False)
    return (ts >= ibis.literal(pd.Timestamp(w.clipped_start))) & (ts < ibis.literal(pd.Timestamp(w.clipped_end)))


def compute_customer_outcomes(
    tables: dict[str, ibis.Table],
    *,
    campaign_id: str,
    windows: dict[str, Window],
    response_event: str,
    funnel: list[str] | tuple[str, ...] = (),
    as_of_end: dt.date | None = None,
) -> pd.DataFrame:
    """One row per customer with the campaign's arm and behaviour before, during and after it.

    The runs read these columns from the feature table (:mod:`campaignlab.data.features`, one query for every
    window); this per-campaign query stays as the independent reference that table is tested against
    (``tests/unit/data/test_features.py``) and for callers with windows of their own.

    Parameters
    ----------
    tables
        Cleaned canonical tables (customers, transactions, assignments, events, campaign_products, campaigns).
    campaign_id
        The campaign, as in the campaigns table.
    windows
        ``pre``, ``campaign`` and ``post`` windows (clipped to the data).
    response_event
        Event name that counts as a response; counted for this campaign inside the campaign window.
    funnel
        Event names whose occurrence (this campaign, campaign window) is flagged per customer.

    Returns
    -------
    pandas.DataFrame
        customer_id, arm (``not_assigned`` for customers the campaign did not assign), ``pre_orders``,
        ``pre_revenue``, ``pre_recency_days`` (days from the last pre-period order to the campaign start; NaN
        without one), ``orders``, ``revenue``, ``discount_cost`` (campaign discounts in the window),
        ``promoted_revenue`` (the campaign's products), ``post_orders``, ``post_revenue``, ``responded`` (0/1),
        ``converted`` (0/1: an order in the window), ``event_<name>`` flags for the funnel, and
        ``other_campaigns`` (number of other campaigns overlapping the analysis span that assigned the customer).
        Revenue of a window the data does not cover at all is NaN.

    Examples
    --------
    >>> from campaignlab.data.windows import compute_windows
    >>> w = compute_windows(dt.date(2024, 1, 10), dt.date(2024, 1, 20), pre_days=9, post_days=5,
    ...                     data_start=dt.date(2024, 1, 1), data_end=dt.date(2024, 2, 1))
    >>> t = {"customers": ibis.memtable({"customer_id": ["a", "b"]}),
    ...      "transactions": ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...          "ts": pd.to_datetime(["2024-01-02", "2024-01-12", "2024-01-21"]), "amount": [5.0, 7.5, 2.0]})),
    ...      "assignments": ibis.memtable({"campaign_id": ["c"], "customer_id": ["a"], "arm": ["treatment"]}),
    ...      "events": ibis.memtable({"campaign_id": ["c"], "customer_id": ["a"], "event": ["redeemed"],
    ...                               "ts": pd.to_datetime(["2024-01-12"])}),
    ...      "campaigns": ibis.memtable({"campaign_id": ["c"], "start_date": [dt.date(2024, 1, 10)],
    ...                                  "end_date": [dt.date(2024, 1, 20)]})}
    >>> out = compute_customer_outcomes(t, campaign_id="c", windows=w, response_event="redeemed")
    >>> out[["customer_id", "arm", "pre_orders", "revenue", "post_revenue", "converted"]].to_dict("records")[0]
    {'customer_id': 'a', 'arm': 'treatment', 'pre_orders': 1, 'revenue': 7.5, 'post_revenue': 0.0, 'converted': 1}
    """
    customers = tables["customers"].select("customer_id")
    tx = tables["transactions"]
    pre, camp, post = windows["pre"], windows["campaign"], windows["post"]
    span_lo = min(w.clipped_start for w in windows.values() if w.clipped_start) if any(
        w.clipped_start for w in windows.values()) else None
    span_hi = max(w.clipped_end for w in windows.values() if w.clipped_end) if span_lo else None
    if span_lo is not None:
        tx = tx.filter((tx.ts >= pd.Timestamp(span_lo)) & (tx.ts < pd.Timestamp(span_hi)))
    products = tables.get("campaign_products")
    if products is not None and "product_id" in tx.columns:
        promoted = products.filter(products.campaign_id == campaign_id).select("product_id").distinct()
        tx = tx.left_join(promoted.mutate(_promoted=ibis.literal(1)), "product_id")
        is_promoted = tx._promoted.notnull()
    else:
        is_promoted = ibis.literal(False)
    money = tx.amount.cast("decimal(18, 2)")
    zero = (tx.amount * 0).cast("decimal(18, 2)")  # a column, so it can be summed like the others
    disc = tx.campaign_discount.cast("decimal(18, 2)") if "campaign_discount" in tx.columns else zero
    in_pre, in_camp, in_post = _between(tx.ts, pre), _between(tx.ts, camp), _between(tx.ts, post)
    agg = tx.group_by("customer_id").aggregate(
        pre_orders=tx.order_id.nunique(where=in_pre),
        pre_revenue=money.sum(where=in_pre),
        pre_last=tx.ts.max(where=in_pre),
        orders=tx.order_id.nunique(where=in_camp),
        revenue=money.sum(where=in_camp),
        discount_cost=disc.sum(where=in_camp),
        promoted_revenue=money.sum(where=in_camp & is_promoted),
        post_orders=tx.order_id.nunique(where=in_post),
        post_revenue=money.sum(where=in_post),
    )
    asg = tables["assignments"]
    mine = asg.filter(asg.campaign_id == campaign_id).select("customer_id", "arm")
    ev = tables["events"]
    names = list(dict.fromkeys([response_event, *funnel]))
    ev = ev.filter((ev.campaign_id == campaign_id) & ev.event.isin(names) & _between(ev.ts, camp))
    ev_agg = ev.group_by("customer_id").aggregate(
        **{f"event_{n}": (ev.event == n).any().cast("int64") for n in names}
    )
    campaigns = tables["campaigns"]
    lo = pre.start
    hi = post.end
    others = campaigns.filter(
        (campaigns.campaign_id != campaign_id) & (campaigns.start_date < hi) & (campaigns.end_date > lo)
    )
    other_asg = asg.semi_join(others, "campaign_id").group_by("customer_id").aggregate(
        other_campaigns=lambda t: t.campaign_id.nunique()
    )
    joined = (
        customers.left_join(agg, "customer_id")
        .left_join(mine, "customer_id")
        .left_join(ev_agg, "customer_id")
        .left_join(other_asg, "customer_id")
    )
    keep = ["customer_id", "arm", *agg.columns[1:], *[f"event_{n}" for n in names], "other_campaigns"]
    out = joined.select(*[joined[c] for c in keep]).order_by("customer_id").to_pandas()
    return _finish(out, names, windows, response_event)


def compute_outcomes_from_features(
    table: pd.DataFrame, *, windows: dict[str, Window], response_event: str, funnel: list[str] | tuple[str, ...] = (),
    placebo: bool = False,
) -> pd.DataFrame:
    """:func:`compute_customer_outcomes` read from the run's feature table (:mod:`campaignlab.data.features`).

    ``placebo`` reads the windows one pre-period earlier (the pre-period as the campaign window), which ``windows``
    must then be.
    """
    from campaignlab.data import features

    names = list(dict.fromkeys([response_event, *funnel]))
    prefixes = ({"pre": "placebo_pre", "campaign": "pre", "post": "placebo_post"} if placebo else
                {"pre": "pre", "campaign": "campaign", "post": "post"})
    raw = features.outcomes_from_features(table, prefixes=prefixes, event_window=prefixes["campaign"], events=names,
                                          other_campaigns="placebo_other_campaigns" if placebo else "other_campaigns")
    return _finish(raw, names, windows, response_event)


def _finish(out: pd.DataFrame, names: list[str], windows: dict[str, Window], response_event: str) -> pd.DataFrame:
    out["arm"] = out["arm"].fillna(NOT_ASSIGNED).astype(str)
    start = pd.Timestamp(windows["campaign"].start)
    out["pre_recency_days"] = (start - pd.to_datetime(out.pop("pre_last"))).dt.total_seconds() / 86400.0
    for col in ("pre_orders", "orders", "post_orders", "other_campaigns", *[f"event_{n}" for n in names]):
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("pre_revenue", "revenue", "discount_cost", "promoted_revenue", "post_revenue"):
        out[col] = out[col].astype("float64").fillna(0.0)
    for prefix, window in (("pre_", windows["pre"]), ("", windows["campaign"]), ("post_", windows["post"])):
        if window.covered_days == 0:
            cols = [f"{prefix}orders", f"{prefix}revenue"] + (["discount_cost", "promoted_revenue"] if not prefix else [])
            out[cols] = np.nan
    out["responded"] = out[f"event_{response_event}"]
    out["converted"] = (out["orders"] > 0).astype("int64") if windows["campaign"].covered_days else np.nan
    ordered = ["customer_id", "arm", "pre_orders", "pre_revenue", "pre_recency_days", "orders", "revenue",
               "discount_cost", "promoted_revenue", "post_orders", "post_revenue", "responded", "converted"]
    return out[ordered + [c for c in out.columns if c not in ordered]]


def compute_weekly_series(
    transactions: ibis.Table, groups: pd.DataFrame, *, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Weekly revenue, orders and active customers per group, per customer of the group.

    Parameters
    ----------
    transactions
        Canonical transactions (Ibis).
    groups
        customer_id and group (the arm or ``comparison``), customer level.
    start, end
        Half-open date range to cover (usually pre-period start to post-period end, clipped to the data).

    Returns
    -------
    pandas.DataFrame
        week (Monday), group, customers, revenue, orders, active_customers, and the same three per customer.
    """
    tx = transactions.filter((transactions.ts >= pd.Timestamp(start)) & (transactions.ts < pd.Timestamp(end)))
    g = ibis.memtable(groups[["customer_id", "group"]])
    tx = tx.inner_join(g, "customer_id")
    week = tx.ts.truncate("W").cast("date").name("week")
    agg = tx.group_by([week, tx.group]).aggregate(
        revenue=tx.amount.cast("decimal(18, 2)").sum(),
        orders=tx.order_id.nunique(),
        active_customers=tx.customer_id.nunique(),
    ).to_pandas()
    sizes = groups.groupby("group").size().rename("customers")
    agg["week"] = pd.to_datetime(agg["week"])
    # A week in which a group bought nothing is a zero, not a gap for the chart to draw across.
    weeks = pd.date_range(pd.Timestamp(start) - pd.Timedelta(days=pd.Timestamp(start).weekday()), pd.Timestamp(end),
                          freq="W-MON", inclusive="left")
    full = pd.MultiIndex.from_product([weeks, sorted(sizes.index)], names=["week", "group"])
    agg = agg.set_index(["week", "group"]).reindex(full, fill_value=0).reset_index()
    agg = agg.merge(sizes, left_on="group", right_index=True)
    agg["revenue"] = agg["revenue"].astype(float)
    for col in ("revenue", "orders", "active_customers"):
        agg[f"{col}_per_customer"] = agg[col] / agg["customers"]
    return agg.sort_values(["group", "week"]).reset_index(drop=True)


def has_response_events(events: ibis.Table, campaign_id: str, response_event: str) -> bool:
    """Whether the data records the campaign's response event at all (at any time, for any customer).

    Without one, "nobody responded" and "who responded is unknown" look the same in the customer table (every
    ``responded`` is 0): the pages use this to say the second instead of the first.

    Examples
    --------
    >>> ev = ibis.memtable({"campaign_id": ["c"], "customer_id": ["a"], "event": ["opened"],
    ...                     "ts": [dt.datetime(2024, 1, 1)]})
    >>> has_response_events(ev, "c", "opened"), has_response_events(ev, "c", "redeemed")
    (True, False)
    """
    mine = events.filter((events.campaign_id == campaign_id) & (events.event == response_event))
    return bool(mine.count().to_pyarrow().as_py())


def compute_first_orders(transactions: ibis.Table) -> pd.DataFrame:
    """Each customer's first order timestamp over the whole history (customer_id, first_ts)."""
    return transactions.group_by("customer_id").aggregate(first_ts=transactions.ts.min()).to_pandas()


def compute_customer_weekly_revenue(
    transactions: ibis.Table, customer_ids: pd.Series, *, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Revenue per customer and week (Monday), only the customer-weeks with a purchase; one engine aggregation.

    Parameters
    ----------
    transactions
        Canonical transactions (Ibis).
    customer_ids
        The customers to cover.
    start, end
        Half-open date range (usually pre-period start to post-period end, clipped to the data).

    Returns
    -------
    pandas.DataFrame
        customer_id, week, revenue (float). A customer-week absent from the table is a week without purchase.
    """
    tx = transactions.filter((transactions.ts >= pd.Timestamp(start)) & (transactions.ts < pd.Timestamp(end)))
    ids = ibis.memtable(pd.DataFrame({"customer_id": pd.Series(customer_ids).drop_duplicates()}))
    tx = tx.inner_join(ids, "customer_id")
    week = tx.ts.truncate("W").cast("date").name("week")
    out = tx.group_by([tx.customer_id, week]).aggregate(revenue=tx.amount.cast("float64").sum()).to_pandas()
    out["week"] = pd.to_datetime(out["week"])
    return out.sort_values(["customer_id", "week"]).reset_index(drop=True)
