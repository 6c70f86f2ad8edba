"""Cohorts; NPS: part of :mod:`campaignlab.stats.retention`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

from campaignlab.formatting import require_columns
from campaignlab.stats.retention._common import _NAN, _Z95, NPS_COLUMNS
from campaignlab.stats.retention.purchases import _as_date, _transactions, _ts


def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _first_month_cells(t: ir.Table, data_end: dt.date, data_start: dt.date,
                       history_days: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Cohort sizes (with ``max_m`` and ``left_censored``), buyers per cohort and month, and 0 unobserved months."""
    t = t.mutate(mi=t.ts.year().cast("int64") * 12 + t.ts.month().cast("int64") - 1)
    first = t.group_by("customer_id").aggregate(first_mi=t.mi.min())
    buys = t.select("customer_id", "mi").distinct().join(first, "customer_id")
    cells = (buys.group_by(buys.first_mi, months=buys.mi - buys.first_mi)
             .aggregate(buyers=buys.count()).to_pandas())
    sizes = first.group_by("first_mi").aggregate(customers=first.count()).to_pandas()
    end_mi = data_end.year * 12 + data_end.month - 1
    # Month i is fully observed when month i + 1 starts on or before data_end: true up to data_end's month - 1.
    last_full = end_mi - 1
    starts = [_month_start(int(i)) for i in sizes["first_mi"]]
    sizes["cohort"] = [m.strftime("%Y-%m") for m in starts]
    sizes["max_m"] = last_full - sizes["first_mi"]
    before = np.array([(m - data_start).days for m in starts], dtype="int64")
    sizes["left_censored"] = (before <= 0) | (before < history_days)
    return sizes, cells.merge(sizes, on="first_mi"), 0


def _labelled_cells(t: ir.Table, cohort: pd.Series, data_end: dt.date, data_start: dt.date,
                    origin: dt.date) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Cohort sizes (with ``max_m`` and ``left_censored``), buyers per cohort and month, and the number of first
    months that start before the data."""
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
    sizes["left_censored"] = origin < data_start
    # Months that start before the data are not observed: unknown, not zero.
    observed = [b for b in bounds if b["lo"].date() >= data_start]
    unobserved = len(bounds) - len(observed)
    if not observed:
        return sizes, pd.DataFrame(columns=["cohort", "months", "buyers", "customers", "max_m"]), unobserved
    periods = ibis.memtable(pd.DataFrame(observed).astype({"lo": "datetime64[us]", "hi": "datetime64[us]"}))
    # The labels join the orders in the engine, which returns buyers per cohort and month: no customer ids come
    # back (a million text ids fetched and merged in pandas cost a second).
    labelled = t.select("customer_id", "ts").join(ibis.memtable(members), "customer_id")
    hits = labelled.join(periods, (labelled.ts >= periods.lo) & (labelled.ts < periods.hi))
    hits = hits.select("customer_id", "cohort", "months").distinct()
    cells = (hits.group_by(["cohort", "months"]).aggregate(buyers=hits.count()).to_pandas()
             .sort_values(["cohort", "months"]).reset_index(drop=True).merge(sizes, on="cohort"))
    return sizes, cells, unobserved


def compute_cohort_retention(
    transactions: ir.Table | pd.DataFrame,
    *,
    cohort: str | pd.Series = "first_month",
    data_end: dt.date,
    origin: dt.date | None = None,
    data_start: dt.date | None = None,
    history_days: int = 0,
) -> pd.DataFrame:
    """Cohort x months-since matrix of the share of each cohort still buying, over fully observed months only.

    - ``cohort="first_month"``: a customer's cohort is the calendar month of their first order in the data; month
      ``m`` is the ``m``-th calendar month after it (month 0 is the first month, 100% by construction).
    - ``cohort`` a Series (index ``customer_id``, values a label such as ``"responder"``): the cohort is the label and
      month ``m`` is ``[origin + m months, origin + m + 1 months)`` (``origin`` required, e.g. the campaign end).
      Customers of the Series who never buy count in the cohort size.

    A cell is the share of the cohort with at least one order in that month. Cells whose month ends after
    ``data_end`` are NaN: a partly observed month would understate the share.

    **Left censoring.** The data start on ``data_start``, but customers bought before that. A first-month cohort is
    flagged ``left_censored`` when its month starts before ``history_days`` days of data have passed (the month
    holding the data's first day always is): its "first" orders may be the first *in the data* of customers who
    bought before it, so it mixes new and existing customers. A labelled cohort whose ``origin`` is before
    ``data_start`` is flagged too, and its months that start before the data are NaN (unobserved, not zero).

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
    data_start : datetime.date, optional
        First day of the data; the first order's day when None.
    history_days : int
        Days of data a first-month cohort needs before its month to count as new customers (for example the churn
        threshold: a customer silent that long is no longer a customer).

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (``"YYYY-MM"`` for first-month cohorts, else the labels in sorted order); columns
        ``customers`` (cohort size), ``left_censored`` (bool) then ``month_0``, ``month_1``, ... up to the last
        month observed for any cohort (shares in [0, 1], NaN where not fully observed).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "order_id": ["1", "2", "3", "4"],
    ...                    "ts": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-10", "2024-02-20"])})
    >>> compute_cohort_retention(tx, data_end=dt.date(2024, 3, 1))
             customers  left_censored  month_0  month_1
    cohort                                             
    2024-01          2           True      1.0      0.5
    2024-02          1          False      1.0      NaN
    """
    data_end = _as_date(data_end, "data_end")
    t = _transactions(transactions)
    t = t.filter(t.ts < _ts(data_end))
    if data_start is None:
        first_ts = t.ts.min().to_pyarrow().as_py()
        data_start = first_ts.date() if first_ts is not None else data_end
    data_start = _as_date(data_start, "data_start")
    if isinstance(cohort, str):
        if cohort != "first_month":
            raise ValueError(f"cohort must be 'first_month' or a Series of labels by customer_id, got {cohort!r}")
        sizes, cells, unobserved = _first_month_cells(t, data_end, data_start, history_days)
    else:
        if origin is None:
            raise ValueError("A labelled cohort needs origin= (the date month 0 starts, e.g. the campaign end)")
        sizes, cells, unobserved = _labelled_cells(t, cohort, data_end, data_start, _as_date(origin, "origin"))
    sizes = sizes.sort_values("cohort")
    n_months = int(max(sizes["max_m"].max() + 1, 0)) if len(sizes) else 0
    matrix = pd.DataFrame(0.0, index=pd.Index(sizes["cohort"], name="cohort"),
                          columns=[f"month_{m}" for m in range(n_months)])
    for row in cells.itertuples(index=False):
        matrix.loc[row.cohort, f"month_{int(row.months)}"] = row.buyers / row.customers
    for row in sizes.itertuples(index=False):
        # Months after the last fully observed one are unknown, not zero.
        matrix.loc[row.cohort, [f"month_{m}" for m in range(max(int(row.max_m) + 1, 0), n_months)]] = np.nan
    matrix.iloc[:, :unobserved] = np.nan
    matrix.insert(0, "left_censored", sizes["left_censored"].astype(bool).to_numpy())
    matrix.insert(0, "customers", sizes["customers"].astype("int64").to_numpy())
    return matrix


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
    require_columns(feedback.columns, ["score", *by], "feedback")
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


