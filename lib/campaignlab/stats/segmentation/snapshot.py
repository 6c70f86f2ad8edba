"""Boundary helpers; Snapshot: part of :mod:`campaignlab.stats.segmentation`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from campaignlab.formatting import id_values as _id_values
from campaignlab.formatting import require_columns
from campaignlab.stats.segmentation._common import SNAPSHOT_COLUMNS


def _as_timestamp(value: Any, name: str = "as_of") -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date or timestamp, got {value!r}")
    if ts.tz is not None:
        # Transactions are local wall-clock times; comparing them with an aware
        # instant would silently shift every window by the UTC offset.
        raise ValueError(f"{name} must be a local timestamp without time zone, got {ts}")
    return ts


def _as_table(data: ir.Table | pd.DataFrame) -> ir.Table:
    if not isinstance(data, pd.DataFrame):
        return data
    # Ibis timestamps are microseconds; a nanosecond column with sub-microsecond parts
    # (e.g. from float Timedelta arithmetic) makes the Arrow conversion refuse to cast.
    nanos = [c for c in data.columns if str(data[c].dtype) == "datetime64[ns]"]
    if nanos:
        data = data.assign(**{c: data[c].dt.as_unit("us") for c in nanos})
    return ibis.memtable(data)


def _customer_ids(customers: pd.Series | pd.DataFrame | pd.Index | Iterable[str]) -> pd.Index:
    """Unique customer ids as text (or integer keys: :func:`_id_values`), sorted, from a frame (its
    ``customer_id``) or a sequence."""
    if isinstance(customers, pd.DataFrame):
        require_columns(customers.columns, ["customer_id"], "customers")
        ids = customers["customer_id"]
    else:
        # An Index or array keeps its dtype (listing a million Arrow strings made a Python object of each).
        ids = customers if isinstance(customers, pd.Series) else \
            pd.Series(customers if isinstance(customers, pd.Index | np.ndarray) else list(customers))
    if ids.isna().any():
        raise ValueError("customer ids must not be missing")
    return pd.Index(_id_values(ids).unique(), name="customer_id").sort_values()


def _day_delta(later: pd.Series | pd.Timestamp, earlier: pd.Series) -> pd.Series:
    """Whole calendar days between two local timestamps (dates compared, times ignored)."""
    later_day = later.normalize() if isinstance(later, pd.Timestamp) else later.dt.normalize()
    return (later_day - earlier.dt.normalize()).dt.days





def compute_customer_snapshot(
    transactions: ir.Table | pd.DataFrame,
    *,
    as_of: Any,
    lookback_days: int,
) -> pd.DataFrame:
    """Recency, frequency, monetary and the BG/NBD repeat-purchase summary per customer.

    Only orders with ``as_of - lookback_days <= ts < as_of`` count. An order is a
    distinct ``order_id`` per customer; its time is its earliest line item and its
    value the sum of its line items. Money is summed as ``decimal(18, 2)`` and turned
    into float only at customer level, so totals are exact to the cent.

    Day arithmetic compares calendar dates (times of day are ignored), so
    ``recency_days == T - recency_bgnbd`` for every customer.

    The BG/NBD columns follow the BTYD convention of the ``lifetimes`` package [2]_:
    a *purchase occasion* is a distinct calendar day with at least one order (two orders
    on the same day are one occasion), and the first occasion is not a repeat.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        Line items with columns ``customer_id`` (str), ``order_id`` (str), ``ts``
        (local timestamp, no zone) and ``amount`` (currency units).
    as_of : date-like
        End of the observation window (exclusive), local time.
    lookback_days : int
        Length of the window in days.

    Returns
    -------
    pandas.DataFrame
        One row per customer with an order in the window, sorted by ``customer_id``:

        - ``frequency``: number of distinct orders.
        - ``monetary``: total spend (float).
        - ``first_order_ts``, ``last_order_ts``: first and last order time in the window.
        - ``recency_days``: days from the last order's date to ``as_of``'s date.
        - ``frequency_repeat``: distinct purchase days minus one (BG/NBD ``x``).
        - ``recency_bgnbd``: days between the first and last purchase day (BG/NBD ``t_x``).
        - ``T``: days from the first purchase day to ``as_of``'s date (BG/NBD ``T``).
        - ``monetary_repeat_mean``: mean spend per repeat purchase day, first day
          excluded (Gamma-Gamma ``z-bar``); NaN when ``frequency_repeat == 0``.

        An empty window gives an empty frame with these columns.

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "order_id": ["o1", "o2", "o3", "o4"],
    ...     "ts": pd.to_datetime(["2024-01-10 09:00", "2024-01-10 17:00", "2024-02-01 12:00",
    ...                           "2024-02-20 08:00"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.5],
    ... })
    >>> snap = compute_customer_snapshot(tx, as_of="2024-03-01", lookback_days=365)
    >>> print(snap[["customer_id", "frequency", "monetary", "recency_days", "frequency_repeat",
    ...             "recency_bgnbd", "T", "monetary_repeat_mean"]].to_string(index=False))
    customer_id  frequency  monetary  recency_days  frequency_repeat  recency_bgnbd  T  monetary_repeat_mean
              a          3      35.0            29                 1             22 51                  20.0
              b          1       7.5            10                 0              0 10                   NaN
    """
    as_of_ts = _as_timestamp(as_of)
    if int(lookback_days) <= 0:
        raise ValueError(f"lookback_days must be > 0, got {lookback_days}")
    t = _as_table(transactions)
    require_columns(t.columns, ["customer_id", "order_id", "ts", "amount"], "transactions")

    start = as_of_ts - pd.Timedelta(days=int(lookback_days))
    ts = t.ts.cast("timestamp") if t.ts.type().is_date() else t.ts
    if not ts.type().is_timestamp():
        raise ValueError(f"Column 'ts' of transactions must be a timestamp, got {t.ts.type()}")
    if ts.type().timezone is not None:
        raise ValueError("Column 'ts' of transactions must be local time without time zone")
    t = t.mutate(ts=ts)
    window = t.filter(
        (t.ts >= ibis.literal(start.to_pydatetime(), type="timestamp"))
        & (t.ts < ibis.literal(as_of_ts.to_pydatetime(), type="timestamp"))
    )
    lines = window.mutate(
        customer_id=window.customer_id.cast("string"),
        order_id=window.order_id.cast("string"),
        amount=window.amount.cast("decimal(18, 2)"),
    )
    orders = lines.group_by(["customer_id", "order_id"]).aggregate(
        order_ts=lines.ts.min(), order_amount=lines.amount.sum()
    )
    orders = orders.mutate(order_day=orders.order_ts.date())
    per_customer = orders.group_by("customer_id").aggregate(
        frequency=orders.order_id.count(),
        monetary=orders.order_amount.sum(),
        first_order_ts=orders.order_ts.min(),
        last_order_ts=orders.order_ts.max(),
    )
    days = orders.group_by(["customer_id", "order_day"]).aggregate(day_amount=orders.order_amount.sum())
    days = days.mutate(
        day_index=ibis.row_number().over(ibis.window(group_by="customer_id", order_by="order_day"))
    )
    per_day = days.group_by("customer_id").aggregate(
        n_days=days.count(),
        first_day=days.order_day.min(),
        last_day=days.order_day.max(),
        # row_number is 0-based: index 0 is the first purchase day, which is not a repeat.
        repeat_amount=days.day_amount.sum(where=days.day_index > 0),
    )
    as_of_day = ibis.literal(as_of_ts.date(), type="date")
    joined = per_customer.join(per_day, "customer_id")
    frequency_repeat = joined.n_days - 1
    expr = joined.select(
        customer_id=joined.customer_id,
        frequency=joined.frequency.cast("int64"),
        monetary=joined.monetary.cast("float64"),
        first_order_ts=joined.first_order_ts,
        last_order_ts=joined.last_order_ts,
        recency_days=as_of_day.delta(joined.last_order_ts.date(), unit="day").cast("int64"),
        frequency_repeat=frequency_repeat.cast("int64"),
        recency_bgnbd=joined.last_day.delta(joined.first_day, unit="day").cast("int64"),
        T=as_of_day.delta(joined.first_day, unit="day").cast("int64"),
        monetary_repeat_mean=ibis.ifelse(
            frequency_repeat > 0,
            joined.repeat_amount.cast("float64") / frequency_repeat.cast("float64"),
            ibis.null("float64"),
        ),
    ).order_by("customer_id")
    out = expr.to_pandas()
    out = out.astype(
        {
            "customer_id": "str",
            "frequency": "int64",
            "monetary": "float64",
            "recency_days": "int64",
            "frequency_repeat": "int64",
            "recency_bgnbd": "int64",
            "T": "int64",
            "monetary_repeat_mean": "float64",
        }
    )
    for col in ("first_order_ts", "last_order_ts"):
        out[col] = pd.to_datetime(out[col])
    return out.reset_index(drop=True)[list(SNAPSHOT_COLUMNS)]


