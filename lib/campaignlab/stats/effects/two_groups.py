"""Two-group comparisons of proportions and means: part of :mod:`campaignlab.stats.effects`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

# Module import (not ``from ... import test_proportions_2indep``): a name starting with
# ``test_`` in this namespace would be collected by pytest as a test.
from statsmodels.stats import proportion as sm_proportion

from campaignlab.stats.effects._common import _NAN, _result


def compute_proportion_effect(
    successes_treat: int,
    n_treat: int,
    successes_control: int,
    n_control: int,
    *,
    metric: str,
    alpha: float = 0.05,
) -> dict:
    """Difference of two independent proportions (treatment minus control).

    Uses the Wald two-proportion z-test with unpooled variance and the matching
    Wald interval from statsmodels (``test_proportions_2indep`` /
    ``confint_proportions_2indep`` with ``method="wald"``), so the interval excludes
    zero exactly when ``p_value < alpha``. See Agresti (2013), *Categorical Data
    Analysis*, 3rd ed., section 3.1.

    Parameters
    ----------
    successes_treat, n_treat : int
        Responders and customers in the treatment arm.
    successes_control, n_control : int
        Responders and customers in the control arm.
    metric : str
        Name of the metric, copied into the result (e.g. ``"conversion"``).
    alpha : float, default 0.05
        Two-sided significance level; the interval has coverage ``1 - alpha``.

    Returns
    -------
    dict
        ``metric, method, estimate, ci_low, ci_high, p_value, relative`` plus
        ``se, n_treat, n_control, mean_treat, mean_control`` (the two rates).
        An empty arm gives NaN rates and NaN results. When both rates are 0 or 1
        the Wald variance is zero, so the interval and p-value are NaN rather than a
        misleading zero-width interval.

    Examples
    --------
    >>> r = compute_proportion_effect(120, 1000, 100, 1000, metric="conversion")
    >>> round(r["estimate"], 3), round(r["relative"], 2)
    (0.02, 0.2)
    >>> round(r["ci_low"], 4), round(r["ci_high"], 4), round(r["p_value"], 3)
    (-0.0074, 0.0474, 0.153)
    """
    counts = (successes_treat, n_treat, successes_control, n_control)
    if any(c < 0 for c in counts):
        raise ValueError(f"Counts must be non-negative, got {counts}")
    if successes_treat > n_treat or successes_control > n_control:
        raise ValueError(
            f"Successes exceed group size: treat {successes_treat}/{n_treat}, "
            f"control {successes_control}/{n_control}"
        )
    method = "two-proportion z-test (Wald, unpooled variance, statsmodels)"
    p_t = successes_treat / n_treat if n_treat > 0 else _NAN
    p_c = successes_control / n_control if n_control > 0 else _NAN
    base = dict(
        metric=metric,
        method=method,
        control_mean=p_c,
        n_treat=int(n_treat),
        n_control=int(n_control),
        mean_treat=float(p_t),
        mean_control=float(p_c),
    )
    if n_treat == 0 or n_control == 0:
        return _result(estimate=_NAN, ci_low=_NAN, ci_high=_NAN, p_value=_NAN, se=_NAN, **base)
    var = p_t * (1 - p_t) / n_treat + p_c * (1 - p_c) / n_control
    if var == 0:
        # statsmodels would return the zero-width interval [d, d]; that claims
        # certainty the data cannot give, so report the interval as undefined.
        return _result(
            estimate=p_t - p_c, ci_low=_NAN, ci_high=_NAN, p_value=_NAN, se=0.0, **base
        )
    test = sm_proportion.test_proportions_2indep(
        successes_treat, n_treat, successes_control, n_control, method="wald", compare="diff"
    )
    low, high = sm_proportion.confint_proportions_2indep(
        successes_treat,
        n_treat,
        successes_control,
        n_control,
        method="wald",
        compare="diff",
        alpha=alpha,
    )
    return _result(
        estimate=float(test.diff),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(test.pvalue),
        se=float(math.sqrt(test.variance)),
        **base,
    )





def _clean(values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    return arr[~np.isnan(arr)]


def compute_mean_effect(
    y_treat: Sequence[float] | np.ndarray | pd.Series,
    y_control: Sequence[float] | np.ndarray | pd.Series,
    *,
    metric: str,
    alpha: float = 0.05,
) -> dict:
    """Difference in means with Welch's unequal-variance t interval and test.

    Welch (1947), "The generalization of Student's problem when several different
    population variances are involved", *Biometrika* 34. Computed with
    ``scipy.stats.ttest_ind(equal_var=False)``. NaN values are ignored.

    Parameters
    ----------
    y_treat, y_control : array-like of float
        Per-customer outcomes in the treatment and control groups.
    metric : str
        Name of the metric, copied into the result.
    alpha : float, default 0.05
        Two-sided significance level.

    Returns
    -------
    dict
        ``metric, method, estimate, ci_low, ci_high, p_value, relative`` plus
        ``se, df, n_treat, n_control, mean_treat, mean_control``. Groups with fewer
        than two values give a NaN interval and p-value (and a NaN estimate when a
        group is empty).

    Examples
    --------
    >>> r = compute_mean_effect([1, 2, 3, 4], [2, 3, 5, 6, 9], metric="spend")
    >>> round(r["estimate"], 1), round(r["ci_low"], 3), round(r["ci_high"], 3)
    (-2.5, -5.898, 0.898)
    >>> round(r["p_value"], 4), round(r["relative"], 3)
    (0.1216, -0.5)
    """
    yt, yc = _clean(y_treat), _clean(y_control)
    mt = float(yt.mean()) if yt.size else _NAN
    mc = float(yc.mean()) if yc.size else _NAN
    base = dict(
        metric=metric,
        method="Welch two-sample t-test (unequal variances, scipy)",
        control_mean=mc,
        n_treat=int(yt.size),
        n_control=int(yc.size),
        mean_treat=mt,
        mean_control=mc,
    )
    estimate = mt - mc
    if yt.size < 2 or yc.size < 2:
        return _result(
            estimate=estimate, ci_low=_NAN, ci_high=_NAN, p_value=_NAN, se=_NAN, df=_NAN, **base
        )
    se = math.sqrt(yt.var(ddof=1) / yt.size + yc.var(ddof=1) / yc.size)
    if se == 0:
        return _result(
            estimate=estimate, ci_low=_NAN, ci_high=_NAN, p_value=_NAN, se=0.0, df=_NAN, **base
        )
    res = stats.ttest_ind(yt, yc, equal_var=False)
    ci = res.confidence_interval(confidence_level=1 - alpha)
    return _result(
        estimate=estimate,
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        p_value=float(res.pvalue),
        se=se,
        df=float(res.df),
        **base,
    )


