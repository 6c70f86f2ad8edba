"""Boundary helpers; time to next purchase: part of :mod:`campaignlab.stats.retention`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from campaignlab.formatting import require_columns
from campaignlab.stats.retention._common import _NAN, NEXT_PURCHASE_COLUMNS, REPURCHASE_COLUMNS


def _as_date(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date, got {value!r}")
    return ts.date()


def _transactions(transactions: ir.Table | pd.DataFrame) -> ir.Table:
    """Validated transactions with ``ts`` as a local timestamp and ``customer_id`` as text."""
    t = ibis.memtable(transactions) if isinstance(transactions, pd.DataFrame) else transactions
    require_columns(t.columns, ["customer_id", "order_id", "ts"], "transactions")
    ts = t.ts.cast("timestamp") if t.ts.type().is_date() else t.ts
    if not ts.type().is_timestamp():
        raise ValueError(f"Column 'ts' of transactions must be a timestamp, got {t.ts.type()}")
    return t.mutate(ts=ts, customer_id=t.customer_id.cast("string"))


def _ts(day: dt.date) -> ir.Value:
    return ibis.literal(dt.datetime.combine(day, dt.time()), type="timestamp")


def _between(t: ir.Table, start: dt.date, end: dt.date) -> ir.Table:
    return t.filter((t.ts >= _ts(start)) & (t.ts < _ts(end)))


def _restrict(t: ir.Table, customer_ids: Iterable[str] | None) -> ir.Table:
    if customer_ids is None:
        return t
    ids = pd.DataFrame({"customer_id": pd.Series(list(customer_ids), dtype=object).astype(str).unique()})
    return t.join(ibis.memtable(ids), "customer_id", how="semi")


def _customer_groups(customers: pd.DataFrame) -> pd.DataFrame:
    require_columns(customers.columns, ["customer_id", "group"], "customers")
    out = customers[["customer_id", "group"]].copy()
    if out["customer_id"].isna().any():
        raise ValueError("customers: customer_id must not be missing")
    if out["group"].isna().any():
        bad = out.loc[out["group"].isna(), "customer_id"].head(5).tolist()
        raise ValueError(f"customers: every customer needs a group; missing for {bad}")
    out["customer_id"] = out["customer_id"].astype(str)
    dup = out["customer_id"].duplicated()
    if dup.any():
        raise ValueError(
            "customers: each customer may be in one group only; repeated: "
            f"{out.loc[dup, 'customer_id'].head(5).tolist()}"
        )
    return out.reset_index(drop=True)


def _group_order(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if (values == c).any()]
    return sorted(values.dropna().unique().tolist(), key=str)


def _wilson(count: int, n: int) -> tuple[float, float]:
    """Wilson score interval [4]_ via statsmodels; NaN for an empty group."""
    from statsmodels.stats.proportion import proportion_confint

    if n <= 0:
        return _NAN, _NAN
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def _scalar(expr: ir.Value) -> int:
    return int(expr.to_pyarrow().as_py() or 0)



def compute_next_purchase(
    transactions: ir.Table | pd.DataFrame,
    customers: pd.DataFrame,
    *,
    anchor: dt.date,
    data_end: dt.date,
) -> pd.DataFrame:
    """Days from ``anchor`` to each customer's first order on or after it, censored at ``data_end``.

    This is the survival-analysis input for "time to repurchase": a customer who has not bought by the end of the
    data is *censored* (``observed = False``) with ``duration = (data_end - anchor).days``, the longest time we could
    have seen; dropping them, or treating them as never buying, would bias every rate.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        Canonical transactions (``customer_id``, ``order_id``, ``ts``, ...).
    customers : pandas.DataFrame
        One row per customer: ``customer_id`` and ``group`` (e.g. ``"responder"``, ``"non-responder"``,
        ``"comparison"``). Customers without any order still get a row.
    anchor : datetime.date
        Day the clock starts, typically the campaign's (exclusive) end date: the first post-campaign day.
    data_end : datetime.date
        The day after the last day of data (exclusive).

    Returns
    -------
    pandas.DataFrame
        One row per customer in ``customers`` order: ``customer_id``, ``group``, ``first_order_ts`` (NaT when
        censored), ``observed`` (bool: an order in ``[anchor, data_end)``), ``duration`` (int days; the order's day
        minus ``anchor`` when observed, else ``(data_end - anchor).days``). When the data end on or before the
        anchor (a campaign running past the data), nobody is observed and every duration is 0, so later steps
        report every window as incomplete instead of failing.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...                    "ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-04 18:00", "2023-12-30 12:00"]),
    ...                    "amount": [1.0, 2.0, 3.0]})
    >>> groups = pd.DataFrame({"customer_id": ["a", "b"], "group": ["responder", "comparison"]})
    >>> out = compute_next_purchase(tx, groups, anchor=dt.date(2024, 1, 2), data_end=dt.date(2024, 1, 12))
    >>> print(out[["customer_id", "observed", "duration"]].to_string(index=False))
    customer_id  observed  duration
              a      True         2
              b     False        10
    """
    anchor = _as_date(anchor, "anchor")
    data_end = _as_date(data_end, "data_end")
    groups = _customer_groups(customers)
    t = _restrict(_between(_transactions(transactions), anchor, data_end), groups["customer_id"])
    first = t.group_by("customer_id").aggregate(first_order_ts=t.ts.min()).to_pandas()
    return compute_next_purchase_table(groups, first, anchor=anchor, data_end=data_end)


def compute_next_purchase_table(customers: pd.DataFrame, first: pd.DataFrame, *, anchor: dt.date,
                                data_end: dt.date) -> pd.DataFrame:
    """:func:`compute_next_purchase` from each customer's first order in ``[anchor, data_end)`` already found
    (``first``: ``customer_id``, ``first_order_ts``, null or absent without one), such as the run's feature table."""
    anchor = _as_date(anchor, "anchor")
    data_end = _as_date(data_end, "data_end")
    groups = _customer_groups(customers)
    first = first[["customer_id", "first_order_ts"]].assign(customer_id=first["customer_id"].astype(str))
    out = groups.merge(first, on="customer_id", how="left", validate="one_to_one")
    out["first_order_ts"] = pd.to_datetime(out["first_order_ts"])
    out["observed"] = out["first_order_ts"].notna()
    horizon = _horizon(anchor, data_end)
    days = (out["first_order_ts"].dt.normalize() - pd.Timestamp(anchor)).dt.days
    out["duration"] = days.fillna(horizon).astype("int64")
    return out[list(NEXT_PURCHASE_COLUMNS)]


def _horizon(anchor: dt.date, data_end: dt.date) -> int:
    """Days of follow-up after the anchor (0 when the data end first)."""
    return max((data_end - anchor).days, 0)


def _check_next_purchase(next_purchase: pd.DataFrame, anchor: dt.date | None, data_end: dt.date | None) -> pd.DataFrame:
    require_columns(next_purchase.columns, ["group", "observed", "duration"], "next_purchase")
    df = next_purchase.copy()
    df["observed"] = df["observed"].astype(bool)
    if (df["duration"] < 0).any():
        raise ValueError("next_purchase: durations must be >= 0 days")
    if anchor is not None and data_end is not None:
        horizon = _horizon(anchor, data_end)
        wrong = (~df["observed"]) & (df["duration"] != horizon)
        if wrong.any():
            raise ValueError(
                f"next_purchase was censored at {int(df.loc[wrong, 'duration'].iloc[0])} days, but anchor {anchor} and "
                f"data_end {data_end} give {horizon}: compute it with the same anchor and data_end."
            )
    return df


def _repurchase_rows(
    df: pd.DataFrame, keys: list[str], windows_days: Sequence[int], anchor: dt.date, data_end: dt.date
) -> list[dict]:
    rows = []
    for w in windows_days:
        if int(w) <= 0:
            raise ValueError(f"windows_days must be positive, got {w}")
        w = int(w)
        complete = anchor + dt.timedelta(days=w) <= data_end
        seen = _horizon(anchor, data_end)
        hit = df["observed"] & (df["duration"] < w)
        for key, part in df.assign(_hit=hit).groupby(keys, sort=True, observed=True, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            n = len(part)
            k = int(part["_hit"].sum())
            low, high = _wilson(k, n)
            row = dict(zip(keys, key))
            if complete:
                row.update(window_days=w, customers=n, repurchased=k, rate=k / n if n else _NAN,
                           ci_low=low, ci_high=high, complete=True, note="")
            else:
                row.update(window_days=w, customers=n, repurchased=pd.NA, rate=_NAN, ci_low=_NAN, ci_high=_NAN,
                           complete=False,
                           note=f"The data end {seen} days into this {w}-day window; the rate is not shown.")
            rows.append(row)
    return rows


def compute_repurchase(
    next_purchase: pd.DataFrame,
    *,
    windows_days: Sequence[int] = (30, 60, 90),
    anchor: dt.date,
    data_end: dt.date,
) -> pd.DataFrame:
    """Share of each group that bought again within 30, 60, 90... days of the anchor, with Wilson 95% CIs.

    A customer repurchased within ``w`` days when their next order falls in ``[anchor, anchor + w)``. A window that
    ends after ``data_end`` is not fully observed: its rate and interval are NaN and ``complete`` is False (a partial
    window would understate the rate). Intervals are Wilson score intervals [4]_
    (``statsmodels.stats.proportion.proportion_confint(method="wilson")``), which stay inside [0, 1] and behave well
    for small groups and rates near 0 or 1.

    Parameters
    ----------
    next_purchase : pandas.DataFrame
        Output of :func:`compute_next_purchase`.
    windows_days : sequence of int
        Window lengths in days.
    anchor, data_end : datetime.date
        The same dates :func:`compute_next_purchase` used (checked against the censoring time).

    Returns
    -------
    pandas.DataFrame
        One row per window and group (groups in sorted order): ``group``, ``window_days``, ``customers``,
        ``repurchased`` (``<NA>`` when incomplete), ``rate``, ``ci_low``, ``ci_high``, ``complete``, ``note``.

    Examples
    --------
    >>> np_ = pd.DataFrame({"group": ["r", "r", "r", "c"], "observed": [True, True, False, True],
    ...                     "duration": [3, 40, 50, 10]})
    >>> out = compute_repurchase(np_, windows_days=(30, 60), anchor=dt.date(2024, 1, 1), data_end=dt.date(2024, 2, 20))
    >>> print(out[["group", "window_days", "customers", "repurchased", "rate", "complete"]].to_string(index=False))
    group  window_days  customers  repurchased     rate  complete
        c           30          1            1 1.000000      True
        r           30          3            1 0.333333      True
        c           60          1         <NA>      NaN     False
        r           60          3         <NA>      NaN     False
    """
    anchor = _as_date(anchor, "anchor")
    data_end = _as_date(data_end, "data_end")
    df = _check_next_purchase(next_purchase, anchor, data_end)
    df = df.assign(group=pd.Categorical(df["group"], categories=_group_order(df["group"])))
    out = pd.DataFrame(_repurchase_rows(df, ["group"], windows_days, anchor, data_end),
                       columns=list(REPURCHASE_COLUMNS))
    out["group"] = out["group"].astype(object)
    out = out.sort_values(["window_days"], kind="stable").reset_index(drop=True)
    out["repurchased"] = out["repurchased"].astype("Int64")
    return out


def compute_retention_by_segment(
    next_purchase: pd.DataFrame,
    segments: pd.DataFrame,
    dimension: str | Sequence[str],
    window_days: int,
    *,
    anchor: dt.date,
    data_end: dt.date,
) -> pd.DataFrame:
    """Repurchase rate within ``window_days`` per segment value and group, with Wilson 95% CIs.

    Same definition as :func:`compute_repurchase`, split by one segment dimension. Customers absent from
    ``segments`` (or with a missing value) are counted under the segment ``"unknown"`` rather than dropped.

    Parameters
    ----------
    next_purchase : pandas.DataFrame
        Output of :func:`compute_next_purchase` (needs ``customer_id``).
    segments : pandas.DataFrame
        ``customer_id`` and a column named ``dimension`` (e.g. ``"rfm_segment"``).
    dimension : str or sequence of str
        The segment column to split by; several columns give their tables one after the other (the customers are
        matched to their segments once).
    window_days : int
        Window length in days.
    anchor, data_end : datetime.date
        As for :func:`compute_repurchase`.

    Returns
    -------
    pandas.DataFrame
        ``dimension``, ``segment``, ``group``, ``window_days``, ``customers``, ``repurchased``, ``rate``,
        ``ci_low``, ``ci_high``, ``complete``, ``note``; sorted by segment then group.

    Examples
    --------
    >>> np_ = pd.DataFrame({"customer_id": ["a", "b", "c"], "group": ["r", "r", "r"],
    ...                     "observed": [True, False, True], "duration": [5, 60, 20]})
    >>> seg = pd.DataFrame({"customer_id": ["a", "b"], "tier": ["high", "high"]})
    >>> out = compute_retention_by_segment(np_, seg, "tier", 30, anchor=dt.date(2024, 1, 1),
    ...                                    data_end=dt.date(2024, 3, 1))
    >>> print(out[["segment", "group", "customers", "repurchased", "rate"]].to_string(index=False))
    segment group  customers  repurchased  rate
       high     r          2            1   0.5
    unknown     r          1            1   1.0
    """
    anchor = _as_date(anchor, "anchor")
    data_end = _as_date(data_end, "data_end")
    df = _check_next_purchase(next_purchase, anchor, data_end)
    require_columns(df.columns, ["customer_id"], "next_purchase")
    dims = [dimension] if isinstance(dimension, str) else list(dimension)
    require_columns(segments.columns, ["customer_id", *dims], "segments")
    seg = segments[["customer_id", *dims]].copy()
    seg["customer_id"] = seg["customer_id"].astype(str)
    if seg["customer_id"].duplicated().any():
        raise ValueError(f"segments: one row per customer expected; {seg['customer_id'].duplicated().sum()} repeated")
    seg.columns = ["customer_id", *(f"_segment_{i}" for i in range(len(dims)))]
    matched = df.assign(customer_id=df["customer_id"].astype(str)).merge(seg, on="customer_id", how="left")
    frames = []
    for i, dim in enumerate(dims):
        one = matched.drop(columns=[c for c in seg.columns[1:] if c != f"_segment_{i}"]).rename(
            columns={f"_segment_{i}": "segment"})
        one["segment"] = one["segment"].astype(object).where(one["segment"].notna(), "unknown").astype(str)
        one = one.sort_values(["segment", "group"], key=lambda s: s.astype(str), kind="stable")
        rows = _repurchase_rows(one, ["segment", "group"], [window_days], anchor, data_end)
        out = pd.DataFrame(rows, columns=["segment", "group", *REPURCHASE_COLUMNS[1:]])
        out.insert(0, "dimension", dim)
        out["repurchased"] = out["repurchased"].astype("Int64")
        frames.append(out)
    return pd.concat(frames, ignore_index=True)


