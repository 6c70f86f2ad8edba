"""Churn; single definitions: part of :mod:`campaignlab.stats.retention`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from campaignlab.stats.retention._common import _NAN, CHURN_COLUMNS
from campaignlab.stats.retention.purchases import (
    _as_date,
    _between,
    _customer_groups,
    _group_order,
    _restrict,
    _scalar,
    _transactions,
    _ts,
    _wilson,
)


def compute_churn_rates(
    transactions: ir.Table | pd.DataFrame,
    customers: pd.DataFrame,
    *,
    as_of_before: dt.date,
    as_of_after: dt.date,
    churned_days: int,
    data_end: dt.date,
) -> pd.DataFrame:
    """Share of each group "churned" (no order in the last ``churned_days``) before and after the campaign.

    A customer is churned at ``as_of`` when they have no order in ``[as_of - churned_days, as_of)``. The rate is
    measured at ``as_of_before`` (e.g. the campaign start) and at ``as_of_after`` (e.g. campaign end + 90 days) for
    the same customers, with Wilson 95% intervals [4]_. A measurement date after ``data_end`` cannot be observed:
    its rate is NaN and ``complete`` False.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        Canonical transactions.
    customers : pandas.DataFrame
        ``customer_id`` and ``group``.
    as_of_before, as_of_after : datetime.date
        The two (exclusive) measurement dates.
    churned_days : int
        Length of the inactivity window.
    data_end : datetime.date
        The day after the last day of data.

    Returns
    -------
    pandas.DataFrame
        One row per group and period (``"before"`` then ``"after"``): ``group``, ``period``, ``as_of``,
        ``customers``, ``churned`` (``<NA>`` when incomplete), ``rate``, ``ci_low``, ``ci_high``, ``complete``,
        ``note``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...                    "ts": pd.to_datetime(["2024-01-20", "2024-03-10", "2024-01-25"])})
    >>> cust = pd.DataFrame({"customer_id": ["a", "b"], "group": ["t", "t"]})
    >>> out = compute_churn_rates(tx, cust, as_of_before=dt.date(2024, 2, 1), as_of_after=dt.date(2024, 4, 1),
    ...                           churned_days=30, data_end=dt.date(2024, 5, 1))
    >>> print(out[["group", "period", "customers", "churned", "rate"]].to_string(index=False))
    group period  customers  churned  rate
        t before          2        0   0.0
        t  after          2        1   0.5
    """
    before = _as_date(as_of_before, "as_of_before")
    after = _as_date(as_of_after, "as_of_after")
    data_end = _as_date(data_end, "data_end")
    if int(churned_days) <= 0:
        raise ValueError(f"churned_days must be positive, got {churned_days}")
    span = dt.timedelta(days=int(churned_days))
    groups = _customer_groups(customers)
    t = _restrict(_transactions(transactions), groups["customer_id"])
    in_before = (t.ts >= _ts(before - span)) & (t.ts < _ts(before))
    in_after = (t.ts >= _ts(after - span)) & (t.ts < _ts(after))
    t = t.filter(in_before | in_after)
    active = t.group_by("customer_id").aggregate(
        active_before=in_before.cast("int64").max(), active_after=in_after.cast("int64").max()
    ).to_pandas()
    active["customer_id"] = active["customer_id"].astype(str)
    df = groups.merge(active, on="customer_id", how="left").fillna({"active_before": 0, "active_after": 0})
    return compute_churn_table(df, as_of_before=before, as_of_after=after, data_end=data_end)


def compute_churn_table(activity: pd.DataFrame, *, as_of_before: dt.date, as_of_after: dt.date,
                        data_end: dt.date) -> pd.DataFrame:
    """:func:`compute_churn_rates` from per-customer activity already counted (``group``, ``active_before``,
    ``active_after``: an order in the ``churned_days`` before each date, 0/1), such as the run's feature table."""
    before, after, df = as_of_before, as_of_after, activity
    rows = []
    for period, as_of, col in (("before", before, "active_before"), ("after", after, "active_after")):
        complete = as_of <= data_end
        for group in _group_order(df["group"]):
            part = df[df["group"] == group]
            n = len(part)
            k = int((part[col] == 0).sum())
            low, high = _wilson(k, n)
            row = dict(group=group, period=period, as_of=as_of, customers=n)
            if complete:
                row.update(churned=k, rate=k / n if n else _NAN, ci_low=low, ci_high=high, complete=True, note="")
            else:
                row.update(churned=pd.NA, rate=_NAN, ci_low=_NAN, ci_high=_NAN, complete=False,
                           note=f"{as_of} is after the end of the data ({data_end}); the rate is not shown.")
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(CHURN_COLUMNS))
    out["churned"] = out["churned"].astype("Int64")
    return out



def _share_with_interval(numerator: int, denominator: int, complete: bool) -> dict[str, Any]:
    """Rate, counts and Wilson interval of a share; NaN (and no numerator) when the window is not complete."""
    low, high = _wilson(numerator, denominator) if complete else (_NAN, _NAN)
    return {"rate": numerator / denominator if denominator and complete else _NAN,
            "numerator": numerator if complete else None, "denominator": denominator, "ci_low": low, "ci_high": high}


def compute_repurchase_rate(
    transactions: ir.Table | pd.DataFrame,
    customer_ids: Iterable[str] | None,
    *,
    start: dt.date,
    end: dt.date,
    data_end: dt.date | None = None,
) -> dict:
    """Repurchase rate: of the customers who bought in ``[start, end)``, the share who buy again in the next window.

    The *one* definition used wherever a report says "repurchase rate" for a period (e.g. the response notebook's
    pre / during / post table): the following window has the same length, ``[end, end + (end - start))``. The
    denominator is the customers in ``customer_ids`` with at least one order in ``[start, end)``; the numerator is
    those of them with at least one order in the following window.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        Canonical transactions.
    customer_ids : iterable of str or None
        The customers to measure (e.g. one arm); None for everyone in ``transactions``.
    start, end : datetime.date
        The period ``[start, end)``.
    data_end : datetime.date, optional
        End of the data (exclusive). When the following window ends after it the rate, its interval and the
        numerator are NaN / None (a partial window would count too few repurchases) and ``complete`` is False.

    Returns
    -------
    dict
        ``rate``, ``numerator``, ``denominator``, ``ci_low``, ``ci_high`` (Wilson 95%), ``start``, ``end``,
        ``next_end`` (end of the following window), ``complete``, ``definition`` (one sentence).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "order_id": ["1", "2", "3", "4"],
    ...                    "ts": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-10", "2024-02-05"])})
    >>> r = compute_repurchase_rate(tx, None, start=dt.date(2024, 1, 1), end=dt.date(2024, 2, 1))
    >>> r["numerator"], r["denominator"], r["rate"], r["next_end"]
    (1, 2, 0.5, datetime.date(2024, 3, 3))
    """
    start = _as_date(start, "start")
    end = _as_date(end, "end")
    if end <= start:
        raise ValueError(f"end {end} must be after start {start}")
    next_end = end + (end - start)
    t = _restrict(_transactions(transactions), customer_ids)
    buyers = _between(t, start, end).select("customer_id").distinct()
    again = _between(t, end, next_end).select("customer_id").distinct()
    denominator = _scalar(buyers.count())
    numerator = _scalar(buyers.join(again, "customer_id", how="semi").count())
    complete = data_end is None or next_end <= _as_date(data_end, "data_end")
    return {
        **_share_with_interval(numerator, denominator, complete),
        "start": start, "end": end, "next_end": next_end, "complete": complete,
        "definition": (f"Share of customers with an order in [{start}, {end}) who order again in "
                       f"[{end}, {next_end})."),
    }


def compute_period_churn(
    transactions: ir.Table | pd.DataFrame,
    customer_ids: Iterable[str] | None,
    *,
    start: dt.date,
    end: dt.date,
    data_end: dt.date | None = None,
) -> dict:
    """Period churn: of the customers active in the previous window, the share with no order in ``[start, end)``.

    The *one* definition used wherever a report says "churn" for a period: the previous window has the same length,
    ``[start - (end - start), start)``. The denominator is the customers in ``customer_ids`` with at least one order
    in the previous window; the numerator is those of them with no order in ``[start, end)``.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        Canonical transactions.
    customer_ids : iterable of str or None
        The customers to measure; None for everyone in ``transactions``.
    start, end : datetime.date
        The period ``[start, end)``.
    data_end : datetime.date, optional
        End of the data (exclusive). When ``end`` is after it the rate, its interval and the numerator are
        NaN / None (a partial window would count too many churners) and ``complete`` is False.

    Returns
    -------
    dict
        ``rate``, ``numerator``, ``denominator``, ``ci_low``, ``ci_high`` (Wilson 95%), ``previous_start``,
        ``start``, ``end``, ``complete``, ``definition``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "b", "c"], "order_id": ["1", "2", "3", "4"],
    ...                    "ts": pd.to_datetime(["2024-01-05", "2024-01-10", "2024-02-05", "2024-02-06"])})
    >>> r = compute_period_churn(tx, ["a", "b", "c"], start=dt.date(2024, 2, 1), end=dt.date(2024, 3, 1))
    >>> r["numerator"], r["denominator"], r["rate"], r["previous_start"]
    (1, 2, 0.5, datetime.date(2024, 1, 3))
    """
    start = _as_date(start, "start")
    end = _as_date(end, "end")
    if end <= start:
        raise ValueError(f"end {end} must be after start {start}")
    previous_start = start - (end - start)
    t = _restrict(_transactions(transactions), customer_ids)
    active = _between(t, previous_start, start).select("customer_id").distinct()
    current = _between(t, start, end).select("customer_id").distinct()
    denominator = _scalar(active.count())
    numerator = _scalar(active.join(current, "customer_id", how="anti").count())
    complete = data_end is None or end <= _as_date(data_end, "data_end")
    return {
        **_share_with_interval(numerator, denominator, complete),
        "previous_start": previous_start, "start": start, "end": end, "complete": complete,
        "definition": (f"Share of customers with an order in [{previous_start}, {start}) who have no order in "
                       f"[{start}, {end})."),
    }


