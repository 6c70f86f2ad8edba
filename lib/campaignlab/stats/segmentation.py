"""Customer segmentation: RFM, value tiers, lifecycle, tags, response history.

Transaction-level work is written as Ibis expressions (any Ibis backend; DuckDB by
default) and every customer-level result comes back as a pandas DataFrame with one
row per customer and a ``customer_id`` column. Everything here is pure: no IO, no
plotting imports (figures live in :mod:`campaignlab.plots.segments`; the ``plot_*`` names
are re-exported from here lazily so importing this module stays cheap).

Business rules (RFM rule table, tiers, thresholds) are parameters, validated by
:class:`SegmentationConfig`; their default values live in
the ``segmentation:`` section of ``params/defaults.yaml``, not in code.

References
----------
.. [1] Hughes, A. M. (1994). *Strategic Database Marketing*. Probus. (RFM scoring by quintiles.)
.. [2] Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers the easy
       way: An alternative to the Pareto/NBD model." *Marketing Science*, 24(2), 275-284.
       (The repeat-purchase summary: frequency, recency, T.)
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal, NamedTuple

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from campaignlab.params import (  # noqa: F401
    NO_PURCHASE,
    LifecycleConfig,
    RfmRule,
    ValueTier,
    ValueTierConfig,
    validate_rfm_rules,
)

__all__ = [
    "LIFECYCLE_STATES",
    "NO_PURCHASE",
    "RESPONSE_STATES",
    "SNAPSHOT_COLUMNS",
    "TagDimensions",
    "compute_customer_snapshot",
    "compute_holdout_split",
    "compute_lifecycle",
    "compute_migration",
    "compute_response_history",
    "compute_rfm_scores",
    "compute_rfm_segments",
    "compute_segment_profile",
    "compute_tag_dimensions",
    "compute_value_tiers",
    "pseudonymize_ids",
]


#: Lifecycle states in display order (also the order of :func:`compute_lifecycle`'s categories).
LIFECYCLE_STATES = (
    "new",
    "active",
    "sleeping",
    "churned",
    "registered_never_purchased",
    "never_purchased",
    "not_yet_registered",
)

#: Response-history states in display order.
RESPONSE_STATES = ("responded_before", "contacted_not_responded", "never_contacted")

#: Columns of :func:`compute_customer_snapshot`, in order.
SNAPSHOT_COLUMNS = (
    "customer_id",
    "frequency",
    "monetary",
    "first_order_ts",
    "last_order_ts",
    "recency_days",
    "frequency_repeat",
    "recency_bgnbd",
    "T",
    "monetary_repeat_mean",
)



# --------------------------------------------------------------------------------------
# Boundary helpers
# --------------------------------------------------------------------------------------


def _as_timestamp(value: Any, name: str = "as_of") -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date or timestamp, got {value!r}")
    if ts.tz is not None:
        # Transactions are local wall-clock times; comparing them with an aware
        # instant would silently shift every window by the UTC offset.
        raise ValueError(f"{name} must be a local timestamp without time zone, got {ts}")
    return ts


def _require_columns(columns: Iterable[str], required: Sequence[str], what: str) -> None:
    found = list(columns)
    for col in required:
        if col not in found:
            raise ValueError(f"Required column {col!r} missing from {what} (found: {', '.join(map(str, found))})")


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
    """Unique customer ids as text, sorted, from a frame (its ``customer_id``) or a sequence."""
    if isinstance(customers, pd.DataFrame):
        _require_columns(customers.columns, ["customer_id"], "customers")
        ids = customers["customer_id"]
    else:
        ids = pd.Series(list(customers) if not isinstance(customers, pd.Series) else customers)
    if ids.isna().any():
        raise ValueError("customer ids must not be missing")
    return pd.Index(ids.astype(str).unique(), name="customer_id").sort_values()


def _day_delta(later: pd.Series | pd.Timestamp, earlier: pd.Series) -> pd.Series:
    """Whole calendar days between two local timestamps (dates compared, times ignored)."""
    later_day = later.normalize() if isinstance(later, pd.Timestamp) else later.dt.normalize()
    return (later_day - earlier.dt.normalize()).dt.days


# --------------------------------------------------------------------------------------
# Snapshot
# --------------------------------------------------------------------------------------


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
    _require_columns(t.columns, ["customer_id", "order_id", "ts", "amount"], "transactions")

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


# --------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------


def _quintile_scores(values: pd.Series, ids: pd.Series, *, higher_is_better: bool) -> np.ndarray:
    """Scores 1-5: ``ceil(5 * rank / n)`` with rank 1 the worst, ties split by customer id."""
    key = values.to_numpy(dtype="float64")
    frame = pd.DataFrame({"key": key if higher_is_better else -key, "id": ids.to_numpy()})
    # A stable sort on (value, id) makes equal values land in id order, so a tie that
    # straddles a quintile boundary is split the same way on every run.
    order = frame.sort_values(["key", "id"], kind="mergesort").index.to_numpy()
    n = len(frame)
    rank = np.empty(n, dtype="int64")
    rank[order] = np.arange(1, n + 1)
    return np.ceil(5 * rank / n).astype("int64")


def compute_rfm_scores(
    snapshot: pd.DataFrame,
    customers: pd.Series | pd.DataFrame | pd.Index | Iterable[str],
) -> pd.DataFrame:
    """Recency, frequency and monetary scores 1-5 by quintile [1]_.

    Scores are computed among the customers who ordered in the look-back window:
    each customer's rank ``1..n`` (worst to best) becomes ``ceil(5 * rank / n)``, so
    the best 20% score 5. 5 means most recent (smallest ``recency_days``), most
    frequent, highest spend. Ties are ranked by value and then by ``customer_id``
    (ascending), so equal values are split deterministically: of two tied customers,
    the one with the larger id can score higher, the same way on every run.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        Output of :func:`compute_customer_snapshot` (``customer_id``,
        ``recency_days``, ``frequency``, ``monetary``).
    customers : Series, DataFrame or sequence
        Every customer id (a DataFrame's ``customer_id`` column). Customers in the
        snapshot but missing here are kept: an order makes them customers.

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by ``customer_id``: ``customer_id``,
        ``recency_days``, ``frequency``, ``monetary``, ``r_score``, ``f_score``,
        ``m_score`` (nullable ``Int64``) and ``rfm_cell`` (e.g. ``"545"``).
        Customers without an order in the window have missing scores (they get the
        segment ``no_purchase`` from :func:`compute_rfm_segments`).

    Examples
    --------
    >>> snap = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
    ...                      "recency_days": [1, 10, 20, 30, 40],
    ...                      "frequency": [5, 4, 3, 2, 1],
    ...                      "monetary": [50.0, 40.0, 30.0, 20.0, 10.0]})
    >>> scores = compute_rfm_scores(snap, ["a", "b", "c", "d", "e", "f"])
    >>> scores["rfm_cell"].tolist()
    ['555', '444', '333', '222', '111', <NA>]
    """
    _require_columns(snapshot.columns, ["customer_id", "recency_days", "frequency", "monetary"], "snapshot")
    purchasers = snapshot[["customer_id", "recency_days", "frequency", "monetary"]].copy()
    purchasers["customer_id"] = purchasers["customer_id"].astype(str)
    if purchasers["customer_id"].duplicated().any():
        raise ValueError("snapshot has duplicate customer_id rows: expected one row per customer")
    if len(purchasers):
        ids = purchasers["customer_id"]
        purchasers["r_score"] = _quintile_scores(purchasers["recency_days"], ids, higher_is_better=False)
        purchasers["f_score"] = _quintile_scores(purchasers["frequency"], ids, higher_is_better=True)
        purchasers["m_score"] = _quintile_scores(purchasers["monetary"], ids, higher_is_better=True)
    else:
        for col in ("r_score", "f_score", "m_score"):
            purchasers[col] = pd.Series(dtype="int64")

    universe = _customer_ids(customers).union(pd.Index(purchasers["customer_id"], name="customer_id"))
    out = (
        pd.DataFrame({"customer_id": universe.astype(str)})
        .merge(purchasers, on="customer_id", how="left")
        .sort_values("customer_id", kind="mergesort")
        .reset_index(drop=True)
    )
    for col in ("r_score", "f_score", "m_score"):
        out[col] = out[col].astype("Int64")
    cell = out["r_score"].astype("string") + out["f_score"].astype("string") + out["m_score"].astype("string")
    out["rfm_cell"] = cell
    return out


def compute_rfm_segments(scores: pd.DataFrame, rules: Sequence[RfmRule | dict]) -> pd.DataFrame:
    """Name each customer's segment from the recency and frequency scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`compute_rfm_scores` (``r_score``, ``f_score``).
    rules : sequence of RfmRule or dict
        The rule table (checked with :func:`validate_rfm_rules`).

    Returns
    -------
    pandas.DataFrame
        ``scores`` with a ``segment`` column: the rule's name, or ``no_purchase``
        where the scores are missing.

    Examples
    --------
    >>> scores = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                        "r_score": pd.array([5, 1, None], dtype="Int64"),
    ...                        "f_score": pd.array([5, 2, None], dtype="Int64")})
    >>> rules = [{"name": "recent", "r": [3, 5], "f": [1, 5]},
    ...          {"name": "lapsed", "r": [1, 2], "f": [1, 5]}]
    >>> compute_rfm_segments(scores, rules)["segment"].tolist()
    ['recent', 'lapsed', 'no_purchase']
    """
    parsed = validate_rfm_rules(rules)
    _require_columns(scores.columns, ["r_score", "f_score"], "scores")
    lookup = {
        (r, f): rule.name
        for rule in parsed
        for r in range(rule.r[0], rule.r[1] + 1)
        for f in range(rule.f[0], rule.f[1] + 1)
    }
    out = scores.copy()
    r_vals = out["r_score"].astype("Int64")
    f_vals = out["f_score"].astype("Int64")
    missing = r_vals.isna() | f_vals.isna()
    segment = [
        NO_PURCHASE if miss else lookup[(int(r), int(f))]
        for r, f, miss in zip(r_vals.fillna(0), f_vals.fillna(0), missing)
    ]
    out["segment"] = pd.Series(segment, index=out.index, dtype="str")
    return out


# --------------------------------------------------------------------------------------
# Value tiers
# --------------------------------------------------------------------------------------


def compute_value_tiers(
    spend: pd.Series,
    *,
    method: Literal["share", "threshold"],
    tiers: Sequence[ValueTier | dict],
) -> pd.DataFrame:
    """Assign a value tier to each customer from their spend.

    ``method="share"``: customers are ranked by spend (highest first, ties by
    ``customer_id`` ascending) and cut by cumulative share of *all* customers, the
    boundaries rounded down (with 10 customers and shares 0.2 / 0.3 / 0.5 the tiers get
    2 / 3 / 5). ``method="threshold"``: a customer gets the first tier whose
    ``min_spend`` their spend reaches (``>=``); pass annualised spend when the
    thresholds are annual.

    Customers with zero, negative or missing spend always get the lowest tier, under
    either method: with many non-buyers the top tiers are then smaller than their share.

    Parameters
    ----------
    spend : pandas.Series
        Spend per customer, indexed by customer id.
    method : {"share", "threshold"}
        How tiers are cut.
    tiers : sequence of ValueTier or dict
        Tiers from highest to lowest (see :class:`ValueTierConfig`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``spend`` and ``value_tier``, sorted by ``customer_id``.

    Examples
    --------
    >>> spend = pd.Series([900.0, 50.0, 0.0, 6000.0], index=["a", "b", "c", "d"])
    >>> compute_value_tiers(spend, method="threshold", tiers=[
    ...     {"name": "high", "min_spend": 5000}, {"name": "medium", "min_spend": 100},
    ...     {"name": "low", "min_spend": 0}])["value_tier"].tolist()
    ['medium', 'low', 'low', 'high']
    """
    cfg = ValueTierConfig(method=method, tiers=list(tiers))
    names = [t.name for t in cfg.tiers]
    ids = pd.Index(spend.index.astype(str), name="customer_id")
    if ids.duplicated().any():
        raise ValueError("spend has duplicate customer ids in its index")
    values = pd.to_numeric(pd.Series(spend.to_numpy(), index=ids), errors="raise").astype("float64")
    no_value = ~(values > 0)  # zero, negative and NaN alike
    n = len(values)
    tier_index = np.full(n, len(names) - 1, dtype="int64")
    if n and cfg.method == "share":
        frame = pd.DataFrame({"neg_spend": -values.fillna(0.0).to_numpy(), "id": ids.to_numpy()})
        order = frame.sort_values(["neg_spend", "id"], kind="mergesort").index.to_numpy()
        position = np.empty(n, dtype="int64")
        position[order] = np.arange(1, n + 1)
        bounds = np.cumsum([t.share for t in cfg.tiers]) * n
        # A tier takes the positions up to its cumulative share, rounded down; the
        # small tolerance keeps 0.2 * 10 from becoming 1.9999999.
        tier_index = np.searchsorted(np.floor(bounds + 1e-9), position, side="left")
        tier_index = np.minimum(tier_index, len(names) - 1)
    elif n:
        floors = np.array([t.min_spend for t in cfg.tiers], dtype="float64")
        v = values.fillna(0.0).to_numpy()
        reached = v[:, None] >= floors[None, :]
        tier_index = np.where(reached.any(axis=1), reached.argmax(axis=1), len(names) - 1)
    tier_index = np.where(no_value.to_numpy(), len(names) - 1, tier_index)
    out = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "spend": values.to_numpy(),
            "value_tier": pd.Series(np.asarray(names, dtype=object)[tier_index], dtype="str")
            if n
            else pd.Series(dtype="str"),
        }
    )
    return out.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Lifecycle
# --------------------------------------------------------------------------------------


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
    _require_columns(snapshot.columns, ["customer_id", "first_order_ts", "last_order_ts"], "snapshot")
    snap = snapshot[["customer_id", "first_order_ts", "last_order_ts"]].copy()
    snap["customer_id"] = snap["customer_id"].astype(str)
    universe = _customer_ids(customers).union(pd.Index(snap["customer_id"], name="customer_id"))
    out = pd.DataFrame({"customer_id": universe.astype(str)}).merge(snap, on="customer_id", how="left")

    signup = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
    if isinstance(customers, pd.DataFrame) and "signup_date" in customers.columns:
        s = customers[["customer_id", "signup_date"]].copy()
        s["customer_id"] = s["customer_id"].astype(str)
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


# --------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------


class TagDimensions(NamedTuple):
    """Result of :func:`compute_tag_dimensions`."""

    #: ``customer_id`` plus one text column per dimension, missing values as ``"unknown"``.
    wide: pd.DataFrame
    #: ``dimension``, ``value``, ``customers``, ``share``; ``unknown`` always listed.
    counts: pd.DataFrame


def _is_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return bool(
        isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)
    )


def _tag_value(value: Any, unknown: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return unknown
    text = str(value).strip()
    return text if text else unknown


def compute_tag_dimensions(
    customers: pd.DataFrame,
    *,
    exclude: Sequence[str] = ("customer_id", "signup_date"),
    unknown: str = "unknown",
) -> TagDimensions:
    """Turn every text attribute of the customer table into a segment dimension.

    Text columns (string, object or categorical dtype) other than ``exclude`` become
    dimensions; numeric, boolean and date columns are ignored. Missing values and
    blank strings become the explicit value ``unknown`` so they are counted, not lost;
    other values are stripped of surrounding spaces.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id`` plus any attribute columns.
    exclude : sequence of str
        Columns that are never dimensions.
    unknown : str
        Label for missing values.

    Returns
    -------
    TagDimensions
        ``wide``: one row per customer (sorted), ``customer_id`` and the dimensions.
        ``counts``: one row per (dimension, value) with ``customers`` and ``share``,
        sorted by dimension and descending count; ``unknown`` is listed for every
        dimension, with 0 when nothing is missing. A table without text attributes
        gives a ``wide`` of ids only and an empty ``counts``.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                           "region": ["north", None, "north"], "age": [30, 40, 50]})
    >>> dims = compute_tag_dimensions(customers)
    >>> dims.wide["region"].tolist()
    ['north', 'unknown', 'north']
    >>> dims.counts[["dimension", "value", "customers"]].values.tolist()
    [['region', 'north', 2], ['region', 'unknown', 1]]
    """
    _require_columns(customers.columns, ["customer_id"], "customers")
    wide = customers.copy()
    wide["customer_id"] = wide["customer_id"].astype(str)
    if wide["customer_id"].duplicated().any():
        raise ValueError("customers has duplicate customer_id rows")
    dims = [c for c in wide.columns if c not in exclude and _is_text(wide[c])]
    out = pd.DataFrame({"customer_id": wide["customer_id"]})
    for col in dims:
        out[col] = pd.Series([_tag_value(v, unknown) for v in wide[col].astype(object)], index=wide.index, dtype="str")
    out = out.sort_values("customer_id", kind="mergesort").reset_index(drop=True)

    rows = []
    n = len(out)
    for col in dims:
        counts = out[col].value_counts()
        if unknown not in counts.index:
            counts.loc[unknown] = 0
        for value, count in counts.items():
            rows.append({"dimension": col, "value": value, "customers": int(count)})
    counts_df = pd.DataFrame(rows, columns=["dimension", "value", "customers"])
    counts_df["customers"] = counts_df["customers"].astype("int64")
    counts_df["share"] = counts_df["customers"] / n if n else np.nan
    counts_df = counts_df.sort_values(
        ["dimension", "customers", "value"], ascending=[True, False, True], kind="mergesort"
    ).reset_index(drop=True)
    return TagDimensions(wide=out, counts=counts_df)


# --------------------------------------------------------------------------------------
# Response history
# --------------------------------------------------------------------------------------


def compute_response_history(
    events: ir.Table | pd.DataFrame,
    customers: pd.Series | pd.DataFrame | pd.Index | Iterable[str],
    *,
    as_of: Any,
    response_events: Sequence[str] = ("redeemed",),
) -> pd.DataFrame:
    """Whether each customer responded to, or was only contacted by, earlier campaigns.

    Only events strictly before ``as_of`` count. Any event is a contact; an event whose
    ``event`` is in ``response_events`` is a response. Events of ids absent from
    ``customers`` are ignored: the customer table is the universe.

    Parameters
    ----------
    events : ibis.Table or pandas.DataFrame
        ``campaign_id``, ``customer_id``, ``event``, ``ts``.
    customers : DataFrame, Series or sequence
        Every customer id.
    as_of : date-like
        Only events with ``ts < as_of`` count.
    response_events : sequence of str
        Event names that count as a response.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``response_history`` (``responded_before``,
        ``contacted_not_responded`` or ``never_contacted``), ``campaigns_contacted``
        and ``campaigns_responded`` (distinct campaigns), sorted by ``customer_id``.

    Examples
    --------
    >>> events = pd.DataFrame({"campaign_id": ["c1", "c1", "c1", "c2"],
    ...                        "customer_id": ["a", "a", "b", "c"],
    ...                        "event": ["sent", "redeemed", "sent", "sent"],
    ...                        "ts": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-01",
    ...                                              "2024-03-01"])})
    >>> compute_response_history(events, ["a", "b", "c"], as_of="2024-02-01")[
    ...     "response_history"].tolist()
    ['responded_before', 'contacted_not_responded', 'never_contacted']
    """
    as_of_ts = _as_timestamp(as_of)
    t = _as_table(events)
    _require_columns(t.columns, ["campaign_id", "customer_id", "event", "ts"], "events")
    responses = list(response_events)
    if not responses:
        raise ValueError("response_events must name at least one event")
    ts = t.ts.cast("timestamp") if t.ts.type().is_date() else t.ts
    before = t.mutate(ts=ts).filter(lambda x: x.ts < ibis.literal(as_of_ts.to_pydatetime(), type="timestamp"))
    per_customer = before.group_by(before.customer_id.cast("string").name("customer_id")).aggregate(
        campaigns_contacted=before.campaign_id.nunique(),
        campaigns_responded=before.campaign_id.nunique(where=before.event.isin(responses)),
    )
    agg = per_customer.to_pandas()
    agg["customer_id"] = agg["customer_id"].astype(str)
    universe = _customer_ids(customers)
    out = pd.DataFrame({"customer_id": universe.astype(str)}).merge(agg, on="customer_id", how="left")
    for col in ("campaigns_contacted", "campaigns_responded"):
        out[col] = out[col].fillna(0).astype("int64")
    out["response_history"] = np.select(
        [out["campaigns_responded"] > 0, out["campaigns_contacted"] > 0],
        ["responded_before", "contacted_not_responded"],
        default="never_contacted",
    )
    out["response_history"] = out["response_history"].astype("str")
    return out[["customer_id", "response_history", "campaigns_contacted", "campaigns_responded"]]


# --------------------------------------------------------------------------------------
# Migration and profiles
# --------------------------------------------------------------------------------------


def compute_migration(
    before: pd.Series,
    after: pd.Series,
    order: Sequence[str] | None = None,
    *,
    absent: str = "absent",
) -> pd.DataFrame:
    """Count customers moving between segments from one snapshot to the next.

    Parameters
    ----------
    before, after : pandas.Series
        Segment per customer, indexed by customer id.
    order : sequence of str, optional
        Category order. Every category appears as a row and a column even with no
        customers; a label not in ``order`` raises (catches misspelt segments).
        Default: sorted labels.
    absent : str
        Label for customers present in only one of the two series (new or gone);
        added last, only when needed.

    Returns
    -------
    pandas.DataFrame
        Square count matrix (``int64``): rows ``before``, columns ``after``.

    Examples
    --------
    >>> before = pd.Series({"a": "low", "b": "low", "c": "high"})
    >>> after = pd.Series({"a": "high", "b": "low", "d": "low"})
    >>> m = compute_migration(before, after, order=["high", "mid", "low"])
    >>> m.index.tolist() == m.columns.tolist() == ["high", "mid", "low", "absent"]
    True
    >>> m.to_numpy().tolist()  # rows before, columns after
    [[0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 1, 0]]
    """
    b = pd.Series(before.to_numpy(), index=before.index.astype(str), dtype=object)
    a = pd.Series(after.to_numpy(), index=after.index.astype(str), dtype=object)
    if b.index.duplicated().any() or a.index.duplicated().any():
        raise ValueError("before and after must have one row per customer id")
    ids = b.index.union(a.index)
    b = b.reindex(ids).fillna(absent)
    a = a.reindex(ids).fillna(absent)
    seen = set(b) | set(a)
    if order is None:
        categories = sorted(seen - {absent})
    else:
        categories = list(order)
        unknown = sorted(seen - set(categories) - {absent})
        if unknown:
            raise ValueError(f"segments {unknown} are not in order {categories}")
    if absent in seen and absent not in categories:
        categories.append(absent)
    matrix = pd.crosstab(
        pd.Categorical(b, categories=categories), pd.Categorical(a, categories=categories), dropna=False
    )
    matrix = matrix.reindex(index=categories, columns=categories, fill_value=0).astype("int64")
    matrix.index.name = "before"
    matrix.columns.name = "after"
    return matrix


def compute_segment_profile(
    segments: pd.DataFrame,
    dimension: str,
    *,
    order: Sequence[str] | None = None,
    revenue: str = "monetary",
    recency: str = "recency_days",
    frequency: str = "frequency",
    expected_value: str = "expected_value",
) -> pd.DataFrame:
    """Size, revenue share and mean behaviour of each segment of one dimension.

    Missing spend and frequency count as 0 (customers without orders spent nothing);
    missing recency is left out of the mean (it is undefined without an order).

    Parameters
    ----------
    segments : pandas.DataFrame
        One row per customer with ``dimension`` and the measure columns.
    dimension : str
        Column to group by (e.g. ``"segment"``, ``"value_tier"``, ``"lifecycle"``).
    order : sequence of str, optional
        Row order; segments in ``order`` without customers get a row of zeros.
        Default: by descending customer count.
    revenue, recency, frequency, expected_value : str
        Measure columns; ``mean_expected_value`` is added only when
        ``expected_value`` is a column of ``segments``.

    Returns
    -------
    pandas.DataFrame
        ``dimension``, ``customers``, ``share``, ``revenue``, ``revenue_share``,
        ``mean_recency_days``, ``mean_frequency``, ``mean_spend`` and, if present,
        ``mean_expected_value``.

    Examples
    --------
    >>> df = pd.DataFrame({"segment": ["a", "a", "b", "c"], "monetary": [10.0, 30.0, 60.0, None],
    ...                    "recency_days": [1, 3, 10, None], "frequency": [1, 3, 2, None]})
    >>> compute_segment_profile(df, "segment")[["segment", "customers", "revenue_share",
    ...                                         "mean_recency_days", "mean_spend"]].values.tolist()
    [['a', 2, 0.4, 2.0, 20.0], ['b', 1, 0.6, 10.0, 60.0], ['c', 1, 0.0, nan, 0.0]]
    """
    _require_columns(segments.columns, [dimension, revenue, recency, frequency], "segments")
    df = segments.copy()
    df[revenue] = pd.to_numeric(df[revenue]).astype("float64").fillna(0.0)
    df[frequency] = pd.to_numeric(df[frequency]).astype("float64").fillna(0.0)
    df[recency] = pd.to_numeric(df[recency]).astype("float64")
    aggs: dict[str, tuple[str, str]] = {
        "customers": (dimension, "size"),
        "revenue": (revenue, "sum"),
        "mean_recency_days": (recency, "mean"),
        "mean_frequency": (frequency, "mean"),
        "mean_spend": (revenue, "mean"),
    }
    if expected_value in df.columns:
        aggs["mean_expected_value"] = (expected_value, "mean")
    profile = df.groupby(dimension, sort=False, observed=True).agg(**aggs)
    if order is None:
        profile = profile.sort_values("customers", ascending=False, kind="mergesort")
    else:
        extra = [k for k in profile.index if k not in set(order)]
        if extra:
            raise ValueError(f"{dimension} values {sorted(map(str, extra))} are not in order {list(order)}")
        profile = profile.reindex(list(order))
        profile["customers"] = profile["customers"].fillna(0)
        profile["revenue"] = profile["revenue"].fillna(0.0)
    profile["customers"] = profile["customers"].astype("int64")
    total_customers = profile["customers"].sum()
    total_revenue = profile["revenue"].sum()
    profile["share"] = profile["customers"] / total_customers if total_customers else np.nan
    profile["revenue_share"] = profile["revenue"] / total_revenue if total_revenue else np.nan
    columns = ["customers", "share", "revenue", "revenue_share", "mean_recency_days", "mean_frequency", "mean_spend"]
    if "mean_expected_value" in profile.columns:
        columns.append("mean_expected_value")
    profile.index.name = dimension
    return profile[columns].reset_index()


# --------------------------------------------------------------------------------------
# Target lists
# --------------------------------------------------------------------------------------


def compute_holdout_split(
    customer_ids: pd.Series | pd.Index | Iterable[str],
    *,
    holdout_share: float,
    seed: int,
) -> pd.DataFrame:
    """Split customers into ``send`` and ``holdout`` groups, reproducibly.

    The ids are de-duplicated and sorted, then shuffled with
    ``numpy.random.default_rng(seed)``; the first ``round(holdout_share * n)`` (half up)
    form the holdout. The same ids and seed always give the same split, whatever their
    input order, and the holdout size is exact rather than a coin flip per customer.

    Parameters
    ----------
    customer_ids : sequence of str
        Customers on the target list.
    holdout_share : float
        Share kept as control, in ``[0, 1)``.
    seed : int
        Seed of the shuffle (from the params file).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` and ``group`` (``"send"`` or ``"holdout"``), sorted by ``customer_id``.

    Examples
    --------
    >>> split = compute_holdout_split([f"c{i:02d}" for i in range(10)], holdout_share=0.2, seed=7)
    >>> split["group"].value_counts().to_dict()
    {'send': 8, 'holdout': 2}
    """
    if not 0 <= holdout_share < 1:
        raise ValueError(f"holdout_share must be in [0, 1), got {holdout_share}")
    ids = _customer_ids(customer_ids)
    n = len(ids)
    n_holdout = int(math.floor(holdout_share * n + 0.5))
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(n)
    group = np.full(n, "send", dtype=object)
    group[shuffled[:n_holdout]] = "holdout"
    return pd.DataFrame({"customer_id": ids.astype(str).to_numpy(), "group": pd.Series(group, dtype="str")})


def pseudonymize_ids(
    ids: pd.Series | pd.Index | Iterable[str],
    *,
    key: bytes,
    length: int = 16,
) -> pd.Series:
    """Replace customer ids by keyed hashes (HMAC-SHA256, truncated hex) for reports.

    The same id and key always give the same pseudonym, so tables can still be joined;
    without the key the ids cannot be recovered or recomputed from a list of guesses.
    The key comes from the caller (the CLI reads it from an environment variable).

    Parameters
    ----------
    ids : sequence of str
        Customer ids (compared as text).
    key : bytes
        Secret key, not empty.
    length : int
        Hex characters kept (4-64); 16 gives 64 bits, enough to avoid collisions for
        millions of customers.

    Returns
    -------
    pandas.Series
        Pseudonyms (``str``), same order and index as a Series input.

    Examples
    --------
    >>> pseudonymize_ids(["c1", "c2"], key=b"secret", length=8).tolist()
    ['4d8f8eb5', '2eccad7c']
    """
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"key must be bytes, got {type(key).__name__}")
    if not key:
        raise ValueError("key must not be empty")
    if not 4 <= length <= 64:
        raise ValueError(f"length must be between 4 and 64, got {length}")
    series = ids if isinstance(ids, pd.Series) else pd.Series(list(ids))
    hashed = [hmac.new(bytes(key), str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:length] for v in series]
    return pd.Series(hashed, index=series.index, dtype="str", name="customer_pseudonym")

