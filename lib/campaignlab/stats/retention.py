"""Retention after a campaign: time to the next purchase, repurchase and churn rates, cohorts, NPS.

Transaction-level work is written as Ibis expressions (DuckDB by default, or an ``ibis.memtable`` over pandas in
tests); every result comes back as a small pandas DataFrame (or a ``dict`` for single numbers). Nothing here reads or
writes files.

Two conventions hold throughout:

- Windows are half-open date ranges ``[start, end)`` and the data end on ``data_end`` (exclusive). A rate whose window
  reaches past ``data_end`` is *incomplete*: it is reported as NaN with ``complete = False`` and a note, never as the
  smaller number the partial window would give.
- A day count between an order and a date compares calendar dates: an order on the anchor day is 0 days after it.

References
----------
.. [1] Kaplan, E. L. & Meier, P. (1958). "Nonparametric estimation from incomplete observations."
       *JASA* 53(282), 457-481.
.. [2] Kalbfleisch, J. D. & Prentice, R. L. (2002). *The Statistical Analysis of Failure Time Data*, 2nd ed.,
       Wiley, section 1.4 (the log(-log) pointwise interval for a survival curve).
.. [3] Mantel, N. (1966). "Evaluation of survival data and two new rank order statistics arising in its
       consideration." *Cancer Chemotherapy Reports* 50(3), 163-170 (the log-rank test).
.. [4] Wilson, E. B. (1927). "Probable inference, the law of succession, and statistical inference."
       *JASA* 22(158), 209-212.
.. [5] Rocks, B. (2016). "Interval estimation for the 'net promoter score'." *The American Statistician* 70(4),
       365-372.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "KM_COLUMNS",
    "NEXT_PURCHASE_COLUMNS",
    "NPS_COLUMNS",
    "REPURCHASE_COLUMNS",
    "compute_churn_rates",
    "compute_cohort_retention",
    "compute_km_curves",
    "compute_logrank",
    "compute_next_purchase",
    "compute_nps",
    "compute_period_churn",
    "compute_repurchase",
    "compute_repurchase_rate",
    "compute_retention_by_segment",
]

NEXT_PURCHASE_COLUMNS = ("customer_id", "group", "first_order_ts", "observed", "duration")
REPURCHASE_COLUMNS = (
    "group", "window_days", "customers", "repurchased", "rate", "ci_low", "ci_high", "complete", "note",
)
KM_COLUMNS = ("group", "day", "survival", "ci_low", "ci_high", "at_risk", "events")
CHURN_COLUMNS = ("group", "period", "as_of", "customers", "churned", "rate", "ci_low", "ci_high", "complete", "note")
NPS_COLUMNS = (
    "responses", "promoters", "passives", "detractors", "nps", "nps_ci_low", "nps_ci_high",
    "mean_score", "mean_ci_low", "mean_ci_high",
)

_NAN = float("nan")
_Z95 = float(stats.norm.ppf(0.975))


# --------------------------------------------------------------------------------------------- boundary helpers
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


def _require_columns(columns: Iterable[str], required: Sequence[str], what: str) -> None:
    found = [str(c) for c in columns]
    missing = [c for c in required if c not in found]
    if missing:
        raise ValueError(
            f"Required column {missing[0]!r} missing from {what} (found: {', '.join(found) or 'no columns'})"
        )


def _transactions(transactions: ir.Table | pd.DataFrame) -> ir.Table:
    """Validated transactions with ``ts`` as a local timestamp and ``customer_id`` as text."""
    t = ibis.memtable(transactions) if isinstance(transactions, pd.DataFrame) else transactions
    _require_columns(t.columns, ["customer_id", "order_id", "ts"], "transactions")
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
    _require_columns(customers.columns, ["customer_id", "group"], "customers")
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


# --------------------------------------------------------------------------------------------- time to next purchase
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
    first["customer_id"] = first["customer_id"].astype(str)
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
    _require_columns(next_purchase.columns, ["group", "observed", "duration"], "next_purchase")
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
    dimension: str,
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
    dimension : str
        The segment column to split by.
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
    _require_columns(df.columns, ["customer_id"], "next_purchase")
    _require_columns(segments.columns, ["customer_id", dimension], "segments")
    seg = segments[["customer_id", dimension]].copy()
    seg["customer_id"] = seg["customer_id"].astype(str)
    if seg["customer_id"].duplicated().any():
        raise ValueError(f"segments: one row per customer expected; {seg['customer_id'].duplicated().sum()} repeated")
    df = df.assign(customer_id=df["customer_id"].astype(str)).merge(
        seg.rename(columns={dimension: "segment"}), on="customer_id", how="left"
    )
    df["segment"] = df["segment"].astype(object).where(df["segment"].notna(), "unknown").astype(str)
    df = df.sort_values(["segment", "group"], key=lambda s: s.astype(str), kind="stable")
    rows = _repurchase_rows(df, ["segment", "group"], [window_days], anchor, data_end)
    out = pd.DataFrame(rows, columns=["segment", "group", *REPURCHASE_COLUMNS[1:]])
    out.insert(0, "dimension", dimension)
    out["repurchased"] = out["repurchased"].astype("Int64")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------- Kaplan-Meier
def _loglog_ci(surv: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95% interval on the log(-log S) scale [2]_ (R ``survfit(conf.type="log-log")``).

    statsmodels gives the Greenwood standard error but only *simultaneous* bands (Hall-Wellner), which are wide and
    undefined in small groups; the pointwise log(-log) interval is the usual one shown with a KM curve and stays
    inside [0, 1]. It is undefined where S is 0 (NaN) and degenerate, [1, 1], before the first event.
    """
    low = np.full_like(surv, np.nan)
    high = np.full_like(surv, np.nan)
    one = surv >= 1.0
    low[one], high[one] = 1.0, 1.0
    inside = (surv > 0) & (surv < 1) & np.isfinite(se)
    s = surv[inside]
    sd = se[inside] / (s * np.abs(np.log(s)))
    low[inside] = s ** np.exp(_Z95 * sd)
    high[inside] = s ** np.exp(-_Z95 * sd)
    return low, high


def compute_km_curves(next_purchase: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier curves of "not yet repurchased" per group, with pointwise 95% confidence bands.

    The estimate is statsmodels' ``SurvfuncRight`` (Kaplan & Meier [1]_, Greenwood standard errors); the band is the
    log(-log) pointwise interval [2]_ built from that standard error.

    Parameters
    ----------
    next_purchase : pandas.DataFrame
        Output of :func:`compute_next_purchase` (``group``, ``observed``, ``duration``).

    Returns
    -------
    pandas.DataFrame
        Long table, one row per group and day where the curve can change: ``group``, ``day`` (0, every day with a
        repurchase, and the last day of follow-up), ``survival`` (share not yet repurchased after that day),
        ``ci_low``, ``ci_high``, ``at_risk`` (customers still without a repurchase at the start of the day) and
        ``events`` (repurchases that day). Read it as a step function.

    Examples
    --------
    >>> np_ = pd.DataFrame({"group": ["g"] * 4, "observed": [True, True, False, True], "duration": [1, 3, 3, 5]})
    >>> print(compute_km_curves(np_)[["day", "survival", "at_risk", "events"]].to_string(index=False))
     day  survival  at_risk  events
       0      1.00        4       0
       1      0.75        4       1
       3      0.50        3       1
       5      0.00        1       1
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    df = _check_next_purchase(next_purchase, None, None)
    frames = []
    for group in _group_order(df["group"]):
        part = df[df["group"] == group]
        time = part["duration"].to_numpy(dtype=float)
        status = part["observed"].to_numpy(dtype=int)
        n = len(part)
        if status.sum() > 0:
            sf = SurvfuncRight(time, status)
            days, surv, se = sf.surv_times, sf.surv_prob, sf.surv_prob_se
            at_risk, events = sf.n_risk, sf.n_events
        else:
            days = surv = se = at_risk = events = np.array([], dtype=float)
        curve = pd.DataFrame({"day": days, "survival": surv, "se": se, "at_risk": at_risk, "events": events})
        if not (curve["day"] == 0).any():
            start = pd.DataFrame({"day": [0.0], "survival": [1.0], "se": [0.0], "at_risk": [n], "events": [0]})
            curve = pd.concat([start, curve], ignore_index=True) if len(curve) else start
        last = float(time.max())
        if last > curve["day"].max():
            # Extend the step to the end of follow-up so the plot shows how long each group was watched.
            tail = curve.iloc[[-1]].assign(day=last, at_risk=int((time >= last).sum()), events=0)
            curve = pd.concat([curve, tail], ignore_index=True)
        low, high = _loglog_ci(curve["survival"].to_numpy(float), curve["se"].to_numpy(float))
        curve = curve.assign(group=group, ci_low=low, ci_high=high)
        frames.append(curve)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in KM_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out = out.astype({"day": "int64", "at_risk": "int64", "events": "int64"})
    return out[list(KM_COLUMNS)]


def compute_logrank(next_purchase: pd.DataFrame) -> dict:
    """Log-rank test [3]_ that the time to repurchase has the same distribution in every group.

    Computed with ``statsmodels.duration.survfunc.survdiff``.

    Parameters
    ----------
    next_purchase : pandas.DataFrame
        Output of :func:`compute_next_purchase`.

    Returns
    -------
    dict
        ``statistic`` (chi-square), ``df`` (groups - 1), ``p_value``, ``groups``, ``method``. With fewer than two
        groups or no repurchase at all the test is undefined and the numbers are NaN.

    Examples
    --------
    >>> np_ = pd.DataFrame({"group": list("aaaabbbb"), "observed": [True] * 8,
    ...                     "duration": [1, 2, 3, 4, 5, 6, 7, 8]})
    >>> r = compute_logrank(np_)
    >>> r["df"], round(r["statistic"], 3), round(r["p_value"], 4)
    (1, 7.344, 0.0067)
    """
    from statsmodels.duration.survfunc import survdiff

    df = _check_next_purchase(next_purchase, None, None)
    k = df["group"].nunique()
    out = {"statistic": _NAN, "df": max(k - 1, 0), "p_value": _NAN, "groups": int(k),
           "method": "log-rank test (statsmodels survdiff)"}
    if k < 2 or not df["observed"].any():
        return out
    stat, p = survdiff(df["duration"].to_numpy(float), df["observed"].to_numpy(int),
                       df["group"].astype(str).to_numpy())
    out.update(statistic=float(stat), p_value=float(p))
    return out


# --------------------------------------------------------------------------------------------- churn
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


# --------------------------------------------------------------------------------------------- single definitions
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
    rate = numerator / denominator if denominator and complete else _NAN
    low, high = _wilson(numerator, denominator) if complete else (_NAN, _NAN)
    return {
        "rate": rate, "numerator": numerator if complete else None, "denominator": denominator,
        "ci_low": low, "ci_high": high,
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
    rate = numerator / denominator if denominator and complete else _NAN
    low, high = _wilson(numerator, denominator) if complete else (_NAN, _NAN)
    return {
        "rate": rate, "numerator": numerator if complete else None, "denominator": denominator,
        "ci_low": low, "ci_high": high,
        "previous_start": previous_start, "start": start, "end": end, "complete": complete,
        "definition": (f"Share of customers with an order in [{previous_start}, {start}) who have no order in "
                       f"[{start}, {end})."),
    }


# --------------------------------------------------------------------------------------------- cohorts
def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def compute_cohort_retention(
    transactions: ir.Table | pd.DataFrame,
    *,
    cohort: str | pd.Series = "first_month",
    data_end: dt.date,
    origin: dt.date | None = None,
) -> pd.DataFrame:
    """Cohort x months-since matrix of the share of each cohort still buying, over fully observed months only.

    - ``cohort="first_month"``: a customer's cohort is the calendar month of their first order in the data; month
      ``m`` is the ``m``-th calendar month after it (month 0 is the first month, 100% by construction). Customers
      whose first order falls in the data's first month may be older customers (the data start cuts them off).
    - ``cohort`` a Series (index ``customer_id``, values a label such as ``"responder"``): the cohort is the label and
      month ``m`` is ``[origin + m months, origin + m + 1 months)`` (``origin`` required, e.g. the campaign end).
      Customers of the Series who never buy count in the cohort size.

    A cell is the share of the cohort with at least one order in that month. Cells whose month ends after
    ``data_end`` are NaN: a partly observed month would understate the share.

    Parameters
    ----------
    transactions : ibis.Table or pandas.DataFrame
        Canonical transactions.
    cohort : "first_month" or pandas.Series
        How customers are grouped (see above).
    data_end : datetime.date
        End of the data (exclusive).
    origin : datetime.date, optional
        Start of month 0 for a labelled cohort.

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (``"YYYY-MM"`` for first-month cohorts, else the labels in sorted order); column
        ``customers`` (cohort size) then ``month_0``, ``month_1``, ... up to the last month observed for any cohort
        (shares in [0, 1], NaN where not fully observed).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "order_id": ["1", "2", "3", "4"],
    ...                    "ts": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-10", "2024-02-20"])})
    >>> compute_cohort_retention(tx, data_end=dt.date(2024, 3, 1))
             customers  month_0  month_1
    cohort                              
    2024-01          2      1.0      0.5
    2024-02          1      1.0      NaN
    """
    data_end = _as_date(data_end, "data_end")
    t = _transactions(transactions)
    t = t.filter(t.ts < _ts(data_end))
    if isinstance(cohort, str):
        if cohort != "first_month":
            raise ValueError(f"cohort must be 'first_month' or a Series of labels by customer_id, got {cohort!r}")
        t = t.mutate(mi=t.ts.year().cast("int64") * 12 + t.ts.month().cast("int64") - 1)
        first = t.group_by("customer_id").aggregate(first_mi=t.mi.min())
        buys = t.select("customer_id", "mi").distinct().join(first, "customer_id")
        cells = (buys.group_by(buys.first_mi, months=buys.mi - buys.first_mi)
                 .aggregate(buyers=buys.count()).to_pandas())
        sizes = first.group_by("first_mi").aggregate(customers=first.count()).to_pandas()
        end_mi = data_end.year * 12 + data_end.month - 1
        # Month i is fully observed when month i + 1 starts on or before data_end: true up to data_end's month - 1.
        last_full = end_mi - 1
        sizes["cohort"] = [_month_start(int(i)).strftime("%Y-%m") for i in sizes["first_mi"]]
        sizes["max_m"] = last_full - sizes["first_mi"]
        cells = cells.merge(sizes, on="first_mi")
    else:
        if origin is None:
            raise ValueError("A labelled cohort needs origin= (the date month 0 starts, e.g. the campaign end)")
        origin = _as_date(origin, "origin")
        labels = cohort.dropna()
        if labels.index.duplicated().any():
            raise ValueError("cohort: one label per customer_id expected (the Series index repeats an id)")
        members = pd.DataFrame({"customer_id": labels.index.astype(str), "cohort": labels.astype(str).to_numpy()})
        bounds = []
        m = 0
        while (hi := (pd.Timestamp(origin) + pd.DateOffset(months=m + 1)).date()) <= data_end:
            bounds.append({"months": m, "lo": pd.Timestamp(origin) + pd.DateOffset(months=m), "hi": pd.Timestamp(hi)})
            m += 1
        sizes = members.groupby("cohort").size().rename("customers").reset_index()
        sizes["max_m"] = len(bounds) - 1
        if bounds:
            periods = ibis.memtable(pd.DataFrame(bounds).astype({"lo": "datetime64[us]", "hi": "datetime64[us]"}))
            t = _restrict(t, members["customer_id"])
            hits = t.join(periods, (t.ts >= periods.lo) & (t.ts < periods.hi))
            hits = hits.select("customer_id", "months").distinct().to_pandas()
            hits["customer_id"] = hits["customer_id"].astype(str)
            cells = (hits.merge(members, on="customer_id").groupby(["cohort", "months"]).size()
                     .rename("buyers").reset_index().merge(sizes, on="cohort"))
        else:
            cells = pd.DataFrame(columns=["cohort", "months", "buyers", "customers", "max_m"])
    sizes = sizes.sort_values("cohort")
    n_months = int(max(sizes["max_m"].max() + 1, 0)) if len(sizes) else 0
    matrix = pd.DataFrame(0.0, index=pd.Index(sizes["cohort"], name="cohort"),
                          columns=[f"month_{m}" for m in range(n_months)])
    for row in cells.itertuples(index=False):
        matrix.loc[row.cohort, f"month_{int(row.months)}"] = row.buyers / row.customers
    for row in sizes.itertuples(index=False):
        # Months after the last fully observed one are unknown, not zero.
        matrix.loc[row.cohort, [f"month_{m}" for m in range(max(int(row.max_m) + 1, 0), n_months)]] = np.nan
    matrix.insert(0, "customers", sizes["customers"].astype("int64").to_numpy())
    return matrix


# --------------------------------------------------------------------------------------------- NPS
def compute_nps(feedback: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Net promoter score with a 95% interval, and the mean score with a t interval, per arm or segment.

    NPS = % promoters (scores 9-10) minus % detractors (0-6), in points from -100 to 100. Its variance follows from
    the multinomial distribution of (promoter, passive, detractor): with shares ``p_pro``, ``p_det`` of ``n``
    answers, ``var = (p_pro + p_det - (p_pro - p_det) ** 2) / n`` [5]_; the interval is the Wald interval
    ``nps +/- 1.96 * 100 * sqrt(var)``, clipped to [-100, 100]. Hand-written because no well-kept library ships it.
    The interval is NaN when the variance is zero (all answers in one class): a zero-width interval would claim a
    certainty the sample cannot give. The mean score's interval is Student's t (``scipy.stats.t``).

    Parameters
    ----------
    feedback : pandas.DataFrame
        One row per answer: ``score`` (0-10; missing scores are ignored) and the ``by`` columns.
    by : sequence of str
        Columns to split by (e.g. ``["arm"]``); empty for one overall row.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``responses``, ``promoters``, ``passives``, ``detractors``, ``nps``, ``nps_ci_low``,
        ``nps_ci_high``, ``mean_score``, ``mean_ci_low``, ``mean_ci_high``. No answers give an empty frame with
        these columns.

    Examples
    --------
    >>> fb = pd.DataFrame({"arm": ["t"] * 10, "score": [10, 10, 9, 9, 9, 8, 7, 6, 3, 0]})
    >>> out = compute_nps(fb, ["arm"])
    >>> print(out[["arm", "responses", "promoters", "detractors", "nps", "nps_ci_low", "nps_ci_high"]].round(1)
    ...       .to_string(index=False))
    arm  responses  promoters  detractors  nps  nps_ci_low  nps_ci_high
      t         10          5           3 20.0       -34.0         74.0
    """
    by = list(by)
    _require_columns(feedback.columns, ["score", *by], "feedback")
    columns = [*by, *NPS_COLUMNS]
    df = feedback[[*by, "score"]].copy()
    df["score"] = pd.to_numeric(df["score"], errors="coerce")
    df = df[df["score"].notna()]
    bad = df[(df["score"] < 0) | (df["score"] > 10)]
    if len(bad):
        raise ValueError(f"feedback: scores must be between 0 and 10; found {bad['score'].head(5).tolist()}")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in by else float) for c in columns})
    rows = []
    parts = df.groupby(by, sort=True, dropna=False, observed=True) if by else [((), df)]
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        s = part["score"].to_numpy(float)
        n = len(s)
        pro, det = int((s >= 9).sum()), int((s <= 6).sum())
        p_pro, p_det = pro / n, det / n
        nps = 100 * (p_pro - p_det)
        var = (p_pro + p_det - (p_pro - p_det) ** 2) / n
        half = _Z95 * 100 * np.sqrt(var) if var > 0 else _NAN
        mean = float(s.mean())
        sd = float(s.std(ddof=1)) if n > 1 else _NAN
        if n > 1 and sd > 0:
            m_low, m_high = stats.t.interval(0.95, n - 1, loc=mean, scale=sd / np.sqrt(n))
        else:
            m_low = m_high = _NAN
        rows.append({**dict(zip(by, key)), "responses": n, "promoters": pro, "passives": n - pro - det,
                     "detractors": det, "nps": nps, "nps_ci_low": max(nps - half, -100.0),
                     "nps_ci_high": min(nps + half, 100.0), "mean_score": mean,
                     "mean_ci_low": float(m_low), "mean_ci_high": float(m_high)})
    return pd.DataFrame(rows, columns=columns)


