"""The per-customer feature table: every window the notebooks need, computed in one pass over the transactions.

Notebooks 02, 03 and 04 all ask the same kind of question of the transactions: how many orders, how much money,
first and last order, in some window of days. Asking each question as its own query reads the transactions many
times (five snapshots in 02, outcomes twice and 36 period queries in 03, three in 04). Here the line items are
grouped once into orders, the orders into customer-days, and every window becomes a filtered aggregate of one
``GROUP BY customer_id``: one Ibis expression, run once per run by the engine and fetched once as Arrow
(``features.parquet`` in the run folder; docs/run-folder.md).

Definitions (the same as the functions they replace)
----------------------------------------------------
- An order is a distinct ``order_id`` of a customer; its time is its first line's ``ts`` and its value the sum of
  its lines. An order belongs to the window holding its time (windows are whole days, half-open ``[start, end)``).
- Money is summed exactly in integer cents (``amount`` is ``decimal(18, 2)``); columns ending in ``_cents`` are
  ``int64`` and :func:`cents_to_units` turns them into currency units (``cents / 100``, correctly rounded).
- A purchase day is a calendar day with at least one order (the BG/NBD convention of
  :func:`campaignlab.stats.segmentation.compute_customer_snapshot`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from campaignlab.data.assignments import compute_overlapping_campaigns
from campaignlab.data.windows import Window

#: Bumped when a definition changes, so a run folder's older feature table is rebuilt.
VERSION = "2"

#: What a window can measure: order count, money (cents), first and last order time, purchase days, the money of
#: the first purchase day, campaign discounts and the campaign's promoted products (cents).
MEASURES = ("orders", "revenue_cents", "first_ts", "last_ts", "days", "first_day_cents", "discount_cents",
            "promoted_cents")
BASIC = ("orders", "revenue_cents", "first_ts", "last_ts")
SNAPSHOT = (*BASIC, "days", "first_day_cents")
#: The outcome windows measure only what :func:`campaignlab.data.outcomes.compute_customer_outcomes` reads: the
#: pre-period's last order and, in a campaign window (the placebo's is the pre-period), discounts and promoted products.
REVENUE = ("orders", "revenue_cents")
PRE = (*REVENUE, "last_ts", "discount_cents", "promoted_cents")
CAMPAIGN = (*REVENUE, "discount_cents", "promoted_cents")


@dataclass(frozen=True)
class FeatureWindow:
    """One half-open window of days ``[start, end)`` and what to measure in it; ``None`` leaves a side open."""

    name: str
    start: dt.date | None
    end: dt.date | None
    measures: tuple[str, ...] = ("orders",)

    def column(self, measure: str) -> str:
        return f"{self.name}_{measure}"


def _midnight(day: dt.date) -> ibis.Value:
    return ibis.literal(dt.datetime.combine(day, dt.time()), type="timestamp")


def _inside(day: ibis.Value, w: FeatureWindow) -> ibis.Value:
    cond = ibis.literal(True)
    if w.start is not None:
        cond = cond & (day >= ibis.literal(w.start, type="date"))
    if w.end is not None:
        cond = cond & (day < ibis.literal(w.end, type="date"))
    return cond


def _cents(value: ibis.Value) -> ibis.Value:
    # Money is decimal(18, 2): times 100 it is an exact integer, so sums are exact and the same on every engine.
    return (value.cast("decimal(18, 2)") * 100).cast("int64")


def _customer_days(tables: dict[str, ibis.Table], campaign_id: str) -> ibis.Table:
    """Line items -> orders -> one row per customer and purchase day (orders, cents, first and last order)."""
    tx = tables["transactions"]
    products = tables.get("campaign_products")
    if products is not None and "product_id" in tx.columns:
        promoted = products.filter(products.campaign_id == campaign_id).select("product_id").distinct()
        tx = tx.left_join(promoted.mutate(_promoted=ibis.literal(1)), "product_id")
        is_promoted = tx._promoted.notnull()
    else:
        is_promoted = ibis.literal(False)
    cents = _cents(tx.amount)
    zero = cents * 0
    disc = _cents(tx.campaign_discount).fill_null(0) if "campaign_discount" in tx.columns else zero
    orders = tx.group_by(["customer_id", "order_id"]).aggregate(
        ts=tx.ts.min(), cents=cents.sum(), promoted=ibis.ifelse(is_promoted, cents, zero).sum(),
        discount=disc.sum())
    days = orders.group_by(["customer_id", orders.ts.date().name("day")]).aggregate(
        n=orders.count(), cents=orders.cents.sum(), promoted=orders.promoted.sum(), discount=orders.discount.sum(),
        first_ts=orders.ts.min(), last_ts=orders.ts.max())
    return days


def _window_aggregates(days: ibis.Table, windows: Sequence[FeatureWindow]) -> dict[str, ibis.Value]:
    aggs: dict[str, ibis.Value] = {}
    for w in windows:
        unknown = set(w.measures) - set(MEASURES)
        if unknown:
            raise ValueError(f"feature window {w.name!r}: unknown measure(s) {sorted(unknown)}; choose from {MEASURES}")
        cond = _inside(days.day, w)
        exprs = {
            "orders": lambda c: days.n.sum(where=c).cast("int64"),
            "revenue_cents": lambda c: days.cents.sum(where=c).cast("int64"),
            "first_ts": lambda c: days.first_ts.min(where=c),
            "last_ts": lambda c: days.last_ts.max(where=c),
            "days": lambda c: days.count(where=c).cast("int64"),
            # Days are unique per customer, so the day of smallest date is one row: its money, exactly.
            "first_day_cents": lambda c: days.cents.argmin(days.day, where=c).cast("int64"),
            "discount_cents": lambda c: days.discount.sum(where=c).cast("int64"),
            "promoted_cents": lambda c: days.promoted.sum(where=c).cast("int64"),
        }
        for m in w.measures:
            aggs[w.column(m)] = exprs[m](cond)
    return aggs


def compute_customer_features(
    tables: dict[str, ibis.Table],
    windows: Sequence[FeatureWindow],
    *,
    campaign_id: str,
    events: Sequence[str] = (),
    event_windows: Sequence[FeatureWindow] = (),
    overlaps: dict[str, tuple[dt.date, dt.date]] | None = None,
    id_range: tuple[str | None, str | None] = (None, None),
) -> ibis.Table:
    """One lazy Ibis expression: a row per customer of the customers table, a column per window and measure.

    Parameters
    ----------
    tables
        Cleaned canonical tables (customers, transactions, assignments, events, campaigns, campaign_products).
    windows
        The windows and their measures (column ``<window>_<measure>``). Counts and cents are 0, times null, for a
        customer without an order in the window.
    campaign_id
        The campaign whose arm (``arm``, null when not assigned) and promoted products are taken.
    events, event_windows
        Flags ``<window>_event_<name>`` (0/1): the customer has that event of this campaign in the window.
    overlaps
        Column name -> ``(start, end)``: the column counts the other campaigns overlapping that span that assigned
        the customer (``other_campaigns`` for the run's windows, another for the placebo's).
    id_range
        ``(lo, hi)``: only customers with ``lo <= customer_id < hi`` (``None`` leaves a side open); the ranges of
        :func:`customer_ranges` split the table into parts whose concatenation is the whole, in order.

    Returns
    -------
    ibis.Table
        Sorted by ``customer_id``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "order_id": ["1", "1", "2"],
    ...                    "ts": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-12"]),
    ...                    "amount": [5.10, 0.20, 7.5]})
    >>> t = {"customers": ibis.memtable({"customer_id": ["a", "b"]}), "transactions": ibis.memtable(tx),
    ...      "assignments": ibis.memtable({"campaign_id": ["c"], "customer_id": ["a"], "arm": ["t"]})}
    >>> w = [FeatureWindow("jan", dt.date(2024, 1, 1), dt.date(2024, 2, 1), ("orders", "revenue_cents"))]
    >>> compute_customer_features(t, w, campaign_id="c").to_pyarrow().to_pylist()
    [{'customer_id': 'a', 'arm': 't', 'jan_orders': 2, 'jan_revenue_cents': 1280}, {'customer_id': 'b', 'arm': None, 'jan_orders': 0, 'jan_revenue_cents': 0}]
    """
    names = [w.name for w in (*windows, *event_windows)]
    if len(set(w.name for w in windows)) < len(windows):
        raise ValueError(f"feature windows must have distinct names, got {names}")
    tables = {name: _id_range(t, id_range) for name, t in tables.items()}
    days = _customer_days(tables, campaign_id)
    agg = days.group_by("customer_id").aggregate(**_window_aggregates(days, windows))
    asg = tables["assignments"]
    joined = tables["customers"].select("customer_id").left_join(agg, "customer_id")
    mine = asg.filter(asg.campaign_id == campaign_id).select("customer_id", "arm")
    joined = joined.left_join(mine, "customer_id")
    extra: list[str] = []
    ev = tables.get("events")
    if ev is not None and events and event_windows:
        names = list(dict.fromkeys(events))
        ev = ev.filter((ev.campaign_id == campaign_id) & ev.event.isin(names))
        ev_day = ev.ts.date()
        flags = {f"{w.name}_event_{n}": ((ev.event == n) & _inside(ev_day, w)).any().cast("int64")
                 for w in event_windows for n in names}
        joined = joined.left_join(ev.group_by("customer_id").aggregate(**flags), "customer_id")
        extra += list(flags)
    for column, (lo, hi) in (overlaps or {}).items():
        others = compute_overlapping_campaigns(tables["campaigns"], campaign_id, lo, hi)
        other_asg = asg.semi_join(others, "campaign_id").group_by("customer_id").aggregate(
            **{column: lambda t: t.campaign_id.nunique().cast("int64")})
        joined = joined.left_join(other_asg, "customer_id")
        extra.append(column)
    columns = {"customer_id": joined.customer_id, "arm": joined.arm}
    for name in [*agg.columns[1:], *extra]:
        col = joined[name]
        columns[name] = col if name.endswith("_ts") else col.fill_null(0)
    return joined.select(**columns).order_by("customer_id")


def _id_range(t: ibis.Table, id_range: tuple[str | None, str | None]) -> ibis.Table:
    lo, hi = id_range
    if "customer_id" not in t.columns or (lo is None and hi is None):
        return t
    cond = ibis.literal(True)
    if lo is not None:
        cond = cond & (t.customer_id >= lo)
    if hi is not None:
        cond = cond & (t.customer_id < hi)
    return t.filter(cond)


def customer_ranges(customers: ibis.Table, per_part: int) -> list[tuple[str | None, str | None]]:
    """Half-open ranges of ``customer_id`` holding at most ``per_part`` customers each, in id order.

    The feature query's hash tables grow with the customers it groups: run part by part, its memory is bounded by
    ``per_part`` customers whatever the size of the base, for one more scan of the transactions per part.

    Examples
    --------
    >>> t = ibis.memtable({"customer_id": ["e", "a", "c", "b", "d"]})
    >>> customer_ranges(t, 2)
    [(None, 'c'), ('c', 'e'), ('e', None)]
    >>> customer_ranges(t, 5)
    [(None, None)]
    """
    if per_part < 1:
        raise ValueError(f"per_part must be at least 1, got {per_part}")
    ids = customers.select("customer_id")
    ranked = ids.mutate(_n=ibis.row_number().over(order_by=ids.customer_id))
    # row_number counts from 0: the customers numbered per_part, 2 * per_part, ... start the next range.
    starts = ranked.filter((ranked._n % per_part == 0) & (ranked._n > 0)).order_by("_n").customer_id
    bounds = [str(b) for b in starts.to_pyarrow().to_pylist()]
    edges: list[str | None] = [None, *bounds, None]
    return list(zip(edges[:-1], edges[1:], strict=True))


def cents_to_units(cents: pd.Series | np.ndarray) -> np.ndarray:
    """Integer cents as float currency units: ``cents / 100``, the correctly rounded value of the exact decimal."""
    return np.asarray(cents, dtype="int64") / 100.0


# ----------------------------------------------------------------------------------------- which windows
def plan_windows(
    windows: dict[str, Window], *, data_start: dt.date, data_end: dt.date, lookback_days: int, churned_days: int,
    pre_days: int,
) -> tuple[list[FeatureWindow], list[FeatureWindow]]:
    """Every window notebooks 02, 03 and 04 read, from the run's analysis windows (order windows, event windows).

    - ``hist_start`` / ``rfm_start``: all history, and the RFM look-back, before the campaign start (02's first
      snapshot and lifetime value); ``hist_after`` / ``rfm_after`` the same at the second snapshot (the post-period's
      end, clipped to the data).
    - ``pre``, ``campaign``, ``post``: the analysis windows as clipped to the data (03's outcomes); ``placebo_pre``,
      ``placebo_post``: one pre-period earlier (03's placebo test; its campaign window is ``pre``).
    - ``next_<p>`` and ``prev_<p>`` for each period ``p``: the window of the same length after and before it (the
      repurchase and period-churn definitions of :mod:`campaignlab.stats.retention`); ``all``: the first order ever.
    - ``after_end``: from the campaign's end to the data's end (04's time to the next purchase); ``churn_before`` and
      ``churn_after``: ``churned_days`` before the campaign start and before the post-period's end (04's churn).
    """
    start = windows["campaign"].start
    after = min(windows["post"].end, data_end)
    look = dt.timedelta(days=int(lookback_days))
    span = dt.timedelta(days=int(churned_days))
    out = [FeatureWindow("hist_start", None, start, SNAPSHOT), FeatureWindow("rfm_start", start - look, start, BASIC),
           FeatureWindow("hist_after", None, after, BASIC), FeatureWindow("rfm_after", after - look, after, BASIC),
           FeatureWindow("all", None, None, ("first_ts",))]
    events = []
    for name, measures in (("pre", PRE), ("campaign", CAMPAIGN), ("post", REVENUE)):
        w = windows[name]
        lo, hi = (w.clipped_start, w.clipped_end) if w.clipped_start else (w.start, w.start)
        out.append(FeatureWindow(name, lo, hi, measures))
        length = hi - lo
        out += [FeatureWindow(f"next_{name}", hi, hi + length), FeatureWindow(f"prev_{name}", lo - length, lo)]
    events.append(next(w for w in out if w.name == "campaign"))
    d = dt.timedelta(days=int(pre_days))
    out += [FeatureWindow("placebo_pre", max(start - 2 * d, data_start), min(start - d, data_end), (*REVENUE, "last_ts")),
            FeatureWindow("placebo_post", max(start, data_start), min(start + d, data_end), REVENUE)]
    events.append(next(w for w in out if w.name == "pre"))
    end = windows["campaign"].end
    out += [FeatureWindow("after_end", end, data_end, ("first_ts",)),
            FeatureWindow("churn_before", start - span, start), FeatureWindow("churn_after", windows["post"].end - span,
                                                                              windows["post"].end)]
    return out, events


# ----------------------------------------------------------------------------------------- readers
def is_in(values: pd.Series, ids) -> np.ndarray:
    """``values.isin(ids)`` done by Arrow: pandas turns Arrow-backed strings into Python objects first (55 s at 3M
    ids where ``pyarrow.compute.is_in`` takes under a second).

    Examples
    --------
    >>> is_in(pd.Series(["a", "b", None]), ["b"]).tolist()
    [False, True, False]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    value_set = ids if isinstance(ids, pa.Array) else pa.array(pd.Series(ids, dtype="str"))
    found = pc.is_in(pa.array(pd.Series(values, dtype="str")), value_set=value_set, skip_nulls=True)
    return found.fill_null(False).to_numpy(zero_copy_only=False)



def snapshot_from_features(features: pd.DataFrame, window: str, *, as_of: dt.date) -> pd.DataFrame:
    """The customer snapshot of one window, as :func:`campaignlab.stats.segmentation.compute_customer_snapshot`.

    Customers with an order in the window, sorted by ``customer_id``; the BG/NBD columns need the window's
    ``days`` and ``first_day_cents`` (NaN otherwise).
    """
    f = features[features[f"{window}_orders"].to_numpy() > 0]
    first = pd.to_datetime(f[f"{window}_first_ts"]).astype("datetime64[us]")
    last = pd.to_datetime(f[f"{window}_last_ts"]).astype("datetime64[us]")
    as_of_day = pd.Timestamp(as_of).normalize()
    monetary = cents_to_units(f[f"{window}_revenue_cents"])
    out = pd.DataFrame({
        # Text ids stay in their Arrow storage (a Python object per customer costs a second at a million); integer
        # keys (the segment step's) stay integers.
        "customer_id": (f["customer_id"].to_numpy() if pd.api.types.is_integer_dtype(f["customer_id"].dtype)
                        else f["customer_id"].astype(str).array),
        "frequency": f[f"{window}_orders"].astype("int64").to_numpy(),
        "monetary": monetary,
        "first_order_ts": first.to_numpy(),
        "last_order_ts": last.to_numpy(),
        "recency_days": (as_of_day - last.dt.normalize()).dt.days.astype("int64").to_numpy(),
    })
    if f"{window}_days" in f and f"{window}_first_day_cents" in f:
        repeat = f[f"{window}_days"].astype("int64").to_numpy() - 1
        repeat_cents = f[f"{window}_revenue_cents"].to_numpy() - f[f"{window}_first_day_cents"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(repeat > 0, cents_to_units(repeat_cents) / repeat, np.nan)
        out["frequency_repeat"] = repeat
        out["recency_bgnbd"] = (last.dt.normalize() - first.dt.normalize()).dt.days.astype("int64").to_numpy()
        out["T"] = (as_of_day - first.dt.normalize()).dt.days.astype("int64").to_numpy()
        out["monetary_repeat_mean"] = mean
    else:
        for col in ("frequency_repeat", "recency_bgnbd", "T", "monetary_repeat_mean"):
            out[col] = np.nan
    return out


def outcomes_from_features(features: pd.DataFrame, *, prefixes: dict[str, str], event_window: str,
                           events: Sequence[str], other_campaigns: str = "other_campaigns") -> pd.DataFrame:
    """The raw customer outcomes of :func:`campaignlab.data.outcomes.compute_customer_outcomes` before its finish.

    ``prefixes`` maps the outcome periods ``pre``, ``campaign``, ``post`` to feature windows; money in units.
    """
    pre, camp, post = (prefixes[k] for k in ("pre", "campaign", "post"))
    out = pd.DataFrame({"customer_id": features["customer_id"].to_numpy(), "arm": features["arm"].to_numpy()})
    out["pre_orders"] = features[f"{pre}_orders"].to_numpy()
    out["pre_revenue"] = cents_to_units(features[f"{pre}_revenue_cents"])
    out["pre_last"] = features[f"{pre}_last_ts"].to_numpy()
    out["orders"] = features[f"{camp}_orders"].to_numpy()
    out["revenue"] = cents_to_units(features[f"{camp}_revenue_cents"])
    out["discount_cost"] = cents_to_units(features[f"{camp}_discount_cents"])
    out["promoted_revenue"] = cents_to_units(features[f"{camp}_promoted_cents"])
    out["post_orders"] = features[f"{post}_orders"].to_numpy()
    out["post_revenue"] = cents_to_units(features[f"{post}_revenue_cents"])
    for n in dict.fromkeys(events):
        col = f"{event_window}_event_{n}"
        out[f"event_{n}"] = features[col].to_numpy() if col in features else 0
    out["other_campaigns"] = features[other_campaigns].to_numpy()
    return out
