"""Lifecycle: part of :mod:`campaignlab.stats.segmentation`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from campaignlab.formatting import require_columns
from campaignlab.params import (
    LifecycleConfig,
)
from campaignlab.stats.segmentation.snapshot import _as_timestamp, _customer_ids, _day_delta, _id_values


def compute_lifecycle(
    snapshot: pd.DataFrame,
    customers: pd.Series | pd.DataFrame | pd.Index | Iterable[str],
    *,
    as_of: Any,
    new_days: int,
    sleeping_days: int,
    churned_days: int,
) -> pd.DataFrame:
    """Lifecycle state per customer.

    A window of ``N`` days before ``as_of`` is ``[as_of - N days, as_of)``. States:

    - ``new``: first order within ``new_days``;
    - ``active``: an order within ``sleeping_days`` and not new;
    - ``sleeping``: no order within ``sleeping_days`` (but one within ``churned_days``);
    - ``churned``: no order within ``churned_days``;
    - ``registered_never_purchased``: no order, ``signup_date <= as_of`` (only when
      ``customers`` has a ``signup_date`` column and the date is known);
    - ``never_purchased``: no order and no known signup date;
    - ``not_yet_registered``: no order and ``signup_date > as_of``. These customers are
      labelled rather than dropped so counts reconcile with the customer table; filter
      them out for targeting.

    Precedence when several apply: ``churned`` > ``sleeping`` > ``new`` > ``active``
    (inactivity wins: a first-time buyer of 100 days ago with ``new_days=120`` and
    ``sleeping_days=90`` is sleeping). A customer with orders keeps the order-based
    state even if their signup date is later (guest checkout, registered afterwards).

    "First order" means the first order *in the snapshot*: for true first purchases,
    build the snapshot with a look-back covering the whole history. Customers missing
    from the snapshot are treated as never having ordered.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        Output of :func:`compute_customer_snapshot` (``first_order_ts``, ``last_order_ts``).
    customers : DataFrame, Series or sequence
        Every customer; a DataFrame may carry ``signup_date``.
    as_of : date-like
        Reference time (exclusive), local.
    new_days, sleeping_days, churned_days : int
        Thresholds in days (``sleeping_days < churned_days``).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``lifecycle``, ``days_since_first_order`` and
        ``days_since_last_order`` (calendar days, ``Int64``, missing without orders),
        sorted by ``customer_id``.

    Examples
    --------
    >>> snap = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...     "first_order_ts": pd.to_datetime(["2024-05-20", "2023-01-01", "2023-01-01"]),
    ...     "last_order_ts": pd.to_datetime(["2024-05-20", "2024-05-01", "2023-06-01"])})
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
    ...     "signup_date": pd.to_datetime(["2024-05-20", "2023-01-01", "2023-01-01",
    ...                                    "2024-01-01", "2024-07-01"])})
    >>> compute_lifecycle(snap, customers, as_of="2024-06-01", new_days=30,
    ...                   sleeping_days=90, churned_days=180)["lifecycle"].tolist()
    ['new', 'active', 'churned', 'registered_never_purchased', 'not_yet_registered']
    """
    LifecycleConfig(new_days=new_days, sleeping_days=sleeping_days, churned_days=churned_days)
    as_of_ts = _as_timestamp(as_of)
    require_columns(snapshot.columns, ["customer_id", "first_order_ts", "last_order_ts"], "snapshot")
    snap = snapshot[["customer_id", "first_order_ts", "last_order_ts"]].copy()
    snap["customer_id"] = _id_values(snap["customer_id"])
    universe = _customer_ids(customers).union(pd.Index(snap["customer_id"], name="customer_id"))
    out = pd.DataFrame({"customer_id": _id_values(universe)}).merge(snap, on="customer_id", how="left")

    signup = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
    if isinstance(customers, pd.DataFrame) and "signup_date" in customers.columns:
        s = customers[["customer_id", "signup_date"]].copy()
        s["customer_id"] = _id_values(s["customer_id"])
        s["signup_date"] = pd.to_datetime(s["signup_date"])
        s = s.drop_duplicates("customer_id")
        signup = out[["customer_id"]].merge(s, on="customer_id", how="left")["signup_date"]

    first = pd.to_datetime(out["first_order_ts"])
    last = pd.to_datetime(out["last_order_ts"])
    has_order = last.notna().to_numpy()
    before = lambda days: as_of_ts - pd.Timedelta(days=int(days))  # noqa: E731
    state = np.select(
        [
            has_order & (last < before(churned_days)).to_numpy(),
            has_order & (last < before(sleeping_days)).to_numpy(),
            has_order & (first >= before(new_days)).to_numpy(),
            has_order,
            (signup > as_of_ts).to_numpy(),
            (signup <= as_of_ts).to_numpy(),
        ],
        ["churned", "sleeping", "new", "active", "not_yet_registered", "registered_never_purchased"],
        default="never_purchased",
    )
    result = pd.DataFrame(
        {
            "customer_id": out["customer_id"],
            "lifecycle": pd.Series(state, index=out.index, dtype="str"),
            "days_since_first_order": _day_delta(as_of_ts, first).astype("Int64"),
            "days_since_last_order": _day_delta(as_of_ts, last).astype("Int64"),
        }
    )
    return result.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


