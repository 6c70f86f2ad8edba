"""Kaplan-Meier: part of :mod:`campaignlab.stats.retention`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignlab.stats.retention._common import _NAN, _Z95, KM_COLUMNS
from campaignlab.stats.retention.purchases import _check_next_purchase, _group_order


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


