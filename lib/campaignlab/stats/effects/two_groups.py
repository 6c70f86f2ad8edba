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
from campaignlab.stats.effects.rules import few_events_warning, needs_exact_test

PROPORTION_METHODS = ("auto", "score", "exact", "wald")
MEAN_METHODS = ("permutation", "pooled", "welch")
# House seed (seaborn's habit): the permutation test gives the same p-value on every run and machine.
PERMUTATION_SEED = sum(map(ord, "permutation test"))
PERMUTATION_RESAMPLES = 9999


def compute_proportion_effect(
    successes_treat: int,
    n_treat: int,
    successes_control: int,
    n_control: int,
    *,
    metric: str,
    alpha: float = 0.05,
    method: str = "auto",
) -> dict:
    """Difference of two independent proportions (treatment minus control).

    ``method="auto"`` (the default) tests with the score test, whose variance is pooled under
    the null of no difference (Miettinen & Nurminen 1985, *Statistics in Medicine* 4), or, when
    the smallest expected cell count of the 2x2 table is below 5, with Fisher's exact test
    (Cochran 1954, *Biometrics* 10; see :func:`needs_exact_test`). The interval is Newcombe's
    hybrid score interval (Newcombe 1998, *Statistics in Medicine* 17, method 10), built from
    the two Wilson intervals. The unpooled Wald test (``method="wald"``, the earlier default)
    rejects 8-43% of true nulls at 5% with a 10% holdout of 30 or 100 customers and event rates of
    1-5% (``benchmarks/calibration.py``) and is kept only for comparison.

    Statsmodels computes the tests and the interval, scipy the exact test. Its own score
    interval (``confint_proportions_2indep(method="score")``) is not used: in statsmodels 0.15
    the restricted estimate behind it has a wrong coefficient (statsmodels issue #10269) and the
    root finding fails on tables with a zero cell, the very tables a small holdout produces.
    The test at a difference of zero pools the two groups and is unaffected.

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
    method : {"auto", "score", "exact", "wald"}, default "auto"
        Which test gives the p-value. ``"wald"`` also gives the Wald interval.

    Returns
    -------
    dict
        ``metric, method, estimate, ci_low, ci_high, p_value, relative`` plus
        ``se, n_treat, n_control, mean_treat, mean_control`` (the two rates) and ``warning``
        (empty, or a sentence when a group has fewer than 10 events or non-events). ``se`` is
        the standard error the test uses (pooled under the null for the score and exact tests).
        An empty arm gives NaN results. The Newcombe interval need not agree with the p-value
        exactly: with the score test they disagree on about 0.2% of tables, with the more
        conservative exact test more often; the p-value decides.

    Examples
    --------
    >>> r = compute_proportion_effect(120, 1000, 100, 1000, metric="conversion")
    >>> r["method"].split(" (")[0], round(r["estimate"], 3), round(r["p_value"], 3)
    ('score test', 0.02, 0.153)
    >>> round(r["ci_low"], 4), round(r["ci_high"], 4), r["warning"]
    (-0.0075, 0.0476, '')

    A small holdout with no buyer in it: the exact test runs, and the interval includes zero.

    >>> r = compute_proportion_effect(18, 900, 0, 100, metric="conversion")
    >>> r["method"].split(" (")[0], round(r["p_value"], 3), bool(r["ci_low"] < 0 < r["ci_high"])
    ('Fisher exact test', 0.244, True)
    >>> r["warning"]
    'fewer than 10 events in a group (18 in treatment, 0 in control): the interval is approximate'
    """
    counts = (successes_treat, n_treat, successes_control, n_control)
    if any(c < 0 for c in counts):
        raise ValueError(f"Counts must be non-negative, got {counts}")
    if successes_treat > n_treat or successes_control > n_control:
        raise ValueError(
            f"Successes exceed group size: treat {successes_treat}/{n_treat}, "
            f"control {successes_control}/{n_control}"
        )
    if method not in PROPORTION_METHODS:
        raise ValueError(f"method must be one of {PROPORTION_METHODS}, got {method!r}")
    x_t, n_t, x_c, n_c = (int(c) for c in counts)
    p_t = x_t / n_t if n_t > 0 else _NAN
    p_c = x_c / n_c if n_c > 0 else _NAN
    if method == "auto":
        method = "exact" if n_t and n_c and needs_exact_test(n_t, n_c, x_t + x_c) else "score"
    base = dict(
        metric=metric,
        method=_PROPORTION_METHOD_TEXT[method],
        control_mean=p_c,
        n_treat=n_t,
        n_control=n_c,
        mean_treat=float(p_t),
        mean_control=float(p_c),
        warning=few_events_warning(x_t, x_c, n_t - x_t, n_c - x_c) if n_t and n_c else "",
    )
    if n_t == 0 or n_c == 0:
        return _result(estimate=_NAN, ci_low=_NAN, ci_high=_NAN, p_value=_NAN, se=_NAN, **base)
    if method == "wald":
        return _wald_proportions(x_t, n_t, x_c, n_c, alpha=alpha, base=base)
    # statsmodels also reports the ratio and odds ratio, which divide by zero on an empty cell.
    with np.errstate(divide="ignore", invalid="ignore"):
        score = sm_proportion.test_proportions_2indep(x_t, n_t, x_c, n_c, method="score", compare="diff")
        low, high = sm_proportion.confint_proportions_2indep(
            x_t, n_t, x_c, n_c, method="newcomb", compare="diff", alpha=alpha
        )
    if method == "exact":
        p_value = stats.fisher_exact([[x_t, n_t - x_t], [x_c, n_c - x_c]]).pvalue
    else:
        p_value = score.pvalue
    return _result(
        estimate=p_t - p_c,
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(p_value),
        se=math.sqrt(score.variance) if score.variance > 0 else _NAN,
        **base,
    )


_NEWCOMBE = "Newcombe hybrid score interval (statsmodels)"
_PROPORTION_METHOD_TEXT = {
    "score": f"score test (Miettinen-Nurminen, pooled under the null; statsmodels) with {_NEWCOMBE}",
    "exact": f"Fisher exact test (scipy) with {_NEWCOMBE}",
    "wald": "two-proportion z-test (Wald, unpooled variance, statsmodels)",
}


def _wald_proportions(x_t: int, n_t: int, x_c: int, n_c: int, *, alpha: float, base: dict) -> dict:
    p_t, p_c = x_t / n_t, x_c / n_c
    var = p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c
    if var == 0:
        # statsmodels would return the zero-width interval [d, d]; that claims
        # certainty the data cannot give, so report the interval as undefined.
        return _result(estimate=p_t - p_c, ci_low=_NAN, ci_high=_NAN, p_value=_NAN, se=0.0, **base)
    with np.errstate(divide="ignore", invalid="ignore"):
        test = sm_proportion.test_proportions_2indep(x_t, n_t, x_c, n_c, method="wald", compare="diff")
        low, high = sm_proportion.confint_proportions_2indep(
            x_t, n_t, x_c, n_c, method="wald", compare="diff", alpha=alpha
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
    method: str = "permutation",
    n_resamples: int = PERMUTATION_RESAMPLES,
    seed: int = PERMUTATION_SEED,
) -> dict:
    """Difference in means (treatment minus control) with a test that keeps its level.

    ``method="permutation"`` (the default) is a permutation test of the difference in means
    (Fisher 1935; ``scipy.stats.permutation_test`` with a seeded generator), exact under the
    null that the campaign changed no one's outcome, whatever the distribution: zero-inflated,
    skewed spend with a 10% holdout included. Its interval collects the constant shifts the
    same permutations do not reject (Garthwaite 1996, "Confidence intervals from randomization
    tests", *Biometrics* 52): each permutation's statistic is linear in the shift, so the
    bounds are order statistics of the shifts where it crosses the observed one, and the
    interval excludes zero exactly when ``p_value < alpha``. scipy has no such interval, hence
    the few lines here (checked against shifting the data and re-running scipy in the tests).

    ``"welch"`` (Welch 1947, *Biometrika* 34; ``scipy.stats.ttest_ind(equal_var=False)``)
    rejects 15-29% of true nulls at 5% with a 900 / 100 split of zero-inflated spend and still
    7-14% at 9,000 / 1,000 (``benchmarks/calibration.py``); it stays for observational
    comparisons, whose null is equal means rather than no effect at all. ``"pooled"`` is
    Student's pooled-variance t-test, the permutation test's large-sample form, which still
    rejects 6-8% with 30 controls. NaN values are ignored.

    Parameters
    ----------
    y_treat, y_control : array-like of float
        Per-customer outcomes in the treatment and control groups.
    metric : str
        Name of the metric, copied into the result.
    alpha : float, default 0.05
        Two-sided significance level.
    method : {"permutation", "pooled", "welch"}, default "permutation"
        The test and its matching interval.
    n_resamples : int, default 9999
        Permutations drawn (all distinct splits are enumerated when there are fewer).
    seed : int
        Seed of the permutations.

    Returns
    -------
    dict
        ``metric, method, estimate, ci_low, ci_high, p_value, relative`` plus
        ``se, df, n_treat, n_control, mean_treat, mean_control`` and ``warning`` (empty, or a
        sentence when a group has fewer than 10 customers with a non-zero outcome). For the
        permutation test ``se`` is the standard deviation of the permutation distribution and
        ``df`` is NaN. Groups with fewer than two values, or no variation at all, give a NaN
        interval and p-value (and a NaN estimate when a group is empty).

    Examples
    --------
    >>> r = compute_mean_effect([1, 2, 3, 4], [2, 3, 5, 6, 9], metric="spend")
    >>> r["method"][:16], round(r["estimate"], 1), round(r["p_value"], 4)
    ('permutation test', -2.5, 0.1746)
    >>> round(r["ci_low"], 3), round(r["ci_high"], 3)
    (-6.0, 1.0)
    >>> w = compute_mean_effect([1, 2, 3, 4], [2, 3, 5, 6, 9], metric="spend", method="welch")
    >>> round(w["ci_low"], 3), round(w["ci_high"], 3), round(w["p_value"], 4)
    (-5.898, 0.898, 0.1216)
    """
    if method not in MEAN_METHODS:
        raise ValueError(f"method must be one of {MEAN_METHODS}, got {method!r}")
    yt, yc = _clean(y_treat), _clean(y_control)
    mt = float(yt.mean()) if yt.size else _NAN
    mc = float(yc.mean()) if yc.size else _NAN
    base = dict(
        metric=metric,
        method=_MEAN_METHOD_TEXT[method].format(n=f"{n_resamples:,}", seed=seed),
        control_mean=mc,
        n_treat=int(yt.size),
        n_control=int(yc.size),
        mean_treat=mt,
        mean_control=mc,
        warning=few_events_warning(int(np.count_nonzero(yt)), int(np.count_nonzero(yc))) if yt.size and yc.size else "",
    )
    estimate = mt - mc
    undefined = dict(estimate=estimate, ci_low=_NAN, ci_high=_NAN, p_value=_NAN, df=_NAN, **base)
    if yt.size < 2 or yc.size < 2:
        return _result(se=_NAN, **undefined)
    if yt.var(ddof=1) == 0 and yc.var(ddof=1) == 0:
        return _result(se=0.0, **undefined)
    if method == "permutation":
        return _result(estimate=estimate, df=_NAN, **_permutation_test(yt, yc, alpha, n_resamples, seed), **base)
    res = stats.ttest_ind(yt, yc, equal_var=method == "pooled")
    ci = res.confidence_interval(confidence_level=1 - alpha)
    if method == "pooled":
        pooled_var = ((yt.size - 1) * yt.var(ddof=1) + (yc.size - 1) * yc.var(ddof=1)) / (yt.size + yc.size - 2)
        se = math.sqrt(pooled_var * (1 / yt.size + 1 / yc.size))
    else:
        se = math.sqrt(yt.var(ddof=1) / yt.size + yc.var(ddof=1) / yc.size)
    return _result(
        estimate=estimate,
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        p_value=float(res.pvalue),
        se=se,
        df=float(res.df),
        **base,
    )


_MEAN_METHOD_TEXT = {
    "permutation": "permutation test of the difference in means ({n} resamples, seed {seed}; scipy) "
                   "with the interval inverted from it",
    "pooled": "Student two-sample t-test (pooled variance, scipy)",
    "welch": "Welch two-sample t-test (unequal variances, scipy)",
}


def _difference_at(y: np.ndarray, n_treat: int):
    """The statistic scipy permutes: differences in means of ``y`` and of the treatment indicator, read at positions.

    scipy's permutation test gathers its data at every permutation's positions before calling the statistic. It is
    given the positions themselves (``0 .. n - 1``, the first ``n_treat`` treated), so it gathers one small integer
    per customer instead of an (outcome, indicator) pair of floats, reads the outcomes once, and counts the treated
    positions for the indicator's difference, which is exact (a count over a group size, as ``np.mean`` of 0/1 gives
    it). Half the time of the gathered pairs (a 7,000 / 6,000 split: 2.3 s against 4.7 s), the same numbers: each
    permuted sum is added in order, as numpy summed scipy's interleaved pairs; the observed one pairwise, as numpy
    sums a contiguous row (tests/unit/stats/test_effects.py compares with scipy's test on the data).
    """

    def statistic(at_treat: np.ndarray, at_control: np.ndarray, axis: int = -1) -> np.ndarray:
        size_t, size_c = at_treat.shape[-1], at_control.shape[-1]
        if at_treat.ndim == 1:
            a = np.mean(y[at_treat]) - np.mean(y[at_control])
        else:
            a = np.cumsum(y[at_treat], axis=-1)[..., -1] / size_t - np.cumsum(y[at_control], axis=-1)[..., -1] / size_c
        k = np.count_nonzero(at_treat < n_treat, axis=-1)
        return np.stack([a, k / size_t - (n_treat - k) / size_c], axis=-1)

    return statistic


def _permutation_test(yt: np.ndarray, yc: np.ndarray, alpha: float, n_resamples: int, seed: int) -> dict:
    """p-value, matching interval and permutation standard error of the difference in means."""
    n = yt.size + yc.size
    # The treatment indicator rides along with the outcome (read from the positions, see _difference_at): its
    # difference in means under permutation pi is B_pi below, which the interval needs.
    positions = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    res = stats.permutation_test(
        (positions[:yt.size], positions[yt.size:]), _difference_at(np.concatenate([yt, yc]), yt.size),
        permutation_type="independent", vectorized=True, n_resamples=n_resamples, alternative="two-sided", axis=-1,
        rng=np.random.default_rng(seed), batch=max(1, 2_000_000 // n),
    )
    null = np.asarray(res.null_distribution)
    a, b = null[:, 0], null[:, 1]
    d = float(res.statistic[0])
    adjustment = 0 if math.comb(n, yt.size) <= n_resamples else 1  # scipy enumerates all splits when few
    # Shifting the treated outcomes by delta moves the observed statistic to d - delta and a
    # permuted one to a - delta * b; it is at least the observed exactly when delta >= (d - a) / (1 - b).
    same = 1 - b <= 1e-12  # the observed split itself: ties at every shift
    gap = d - a[~same]
    gap[np.abs(gap) <= abs(d) * np.finfo(float).eps * 100] = 0.0  # scipy's tolerance for ties
    crossings = np.sort(gap / (1 - b[~same]))
    # Not rejected at delta: at least k crossings on each side of it (scipy's one-sided counts).
    k = math.ceil(alpha / 2 * (a.size + adjustment) - adjustment - int(same.sum()) - 1e-9)
    if k <= 0:
        low, high = -math.inf, math.inf
    else:
        low, high = float(crossings[k - 1]), float(crossings[crossings.size - k])
    return {"ci_low": low, "ci_high": high, "p_value": float(res.pvalue[0]), "se": float(np.std(a, ddof=1))}
