"""Effect estimates for randomized campaign experiments (treatment arm vs control).

Every ``compute_*_effect`` function returns a plain ``dict`` with at least the keys
``metric, method, estimate, ci_low, ci_high, p_value, relative`` so that results from
different estimators stack into one table with ``pd.DataFrame([...])``.
``relative`` is ``estimate / control mean`` (NaN when the control mean is zero or
undefined); no interval is given for it.

The functions are pure: they take numbers, arrays or a DataFrame and return numbers.
Where a well-kept library implements the statistic (statsmodels, scipy) it is used;
the few hand-written formulas say why in a comment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

# Module import (not ``from ... import test_proportions_2indep``): a name starting with
# ``test_`` in this namespace would be collected by pytest as a test.
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, TTestIndPower

__all__ = [
    "compute_adjusted_effect",
    "compute_covariate_matrix",
    "compute_mde",
    "compute_mean_effect",
    "compute_proportion_effect",
    "compute_qvalues",
    "compute_required_sample",
    "compute_roi",
    "compute_srm",
    "compute_winsorized",
]

_NAN = float("nan")


def _relative(estimate: float, control_mean: float) -> float:
    if not np.isfinite(control_mean) or control_mean == 0:
        return _NAN
    return float(estimate / control_mean)


def _result(
    *,
    metric: str,
    method: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    p_value: float,
    control_mean: float,
    **extra: object,
) -> dict:
    out = {
        "metric": metric,
        "method": method,
        "estimate": float(estimate),
        "ci_low": float(ci_low),
        "ci_high": float(ci_high),
        "p_value": float(p_value),
        "relative": _relative(float(estimate), float(control_mean)),
    }
    out.update(extra)
    return out


# --------------------------------------------------------------------------- proportions


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


# --------------------------------------------------------------------------------- means


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


# ------------------------------------------------------------------- covariate matrices


def compute_covariate_matrix(
    df: pd.DataFrame,
    covariates: Sequence[str],
    *,
    log1p_columns: Sequence[str] = (),
    drop_constant: bool = True,
    drop_first: bool = True,
) -> pd.DataFrame:
    """Numeric design columns for a list of covariates (no intercept).

    * Text / categorical / boolean-as-object columns become 0/1 dummies (first level
      dropped unless ``drop_first=False``); a missing value is its own level ``"<missing>"`` because in CRM data
      "attribute unknown" usually means something (e.g. never filled a profile).
    * Numeric columns with missing values are mean-imputed and get an extra
      ``<name>__missing`` indicator, the missing-indicator method (Groenwold et al.
      2012, CMAJ 184) which is fine for adjustment although not for inference on the
      covariate itself.
    * Columns listed in ``log1p_columns`` are replaced by ``log1p(x)`` (x must be >= 0).
    * Constant columns carry no information and would make the design singular, so
      they are dropped when ``drop_constant``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit.
    covariates : sequence of str
        Column names to encode.
    log1p_columns : sequence of str, default ()
        Numeric covariates to log1p-transform.
    drop_constant : bool, default True
        Drop columns with a single distinct value.
    drop_first : bool, default True
        Drop the first level of each text covariate (needed next to an intercept;
        keep all levels for balance tables).

    Returns
    -------
    pandas.DataFrame
        float columns, same index as ``df``; dummy columns are named
        ``"<covariate>=<level>"``.

    Examples
    --------
    >>> d = pd.DataFrame({"spend": [0.0, 10.0, 20.0], "band": ["a", None, "b"],
    ...                   "flag": [1, 1, 1]})
    >>> list(compute_covariate_matrix(d, ["spend", "band", "flag"]).columns)
    ['spend', 'band=a', 'band=b']
    """
    missing = [c for c in covariates if c not in df.columns]
    if missing:
        raise ValueError(
            f"Covariate column(s) {missing} missing from the data (found: {', '.join(map(str, df.columns))})"
        )
    unknown_log = [c for c in log1p_columns if c not in covariates]
    if unknown_log:
        raise ValueError(f"log1p_columns {unknown_log} are not among the covariates {list(covariates)}")
    parts: list[pd.DataFrame] = []
    for col in covariates:
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(float)
        if pd.api.types.is_numeric_dtype(s):
            x = s.astype(float)
            if col in log1p_columns:
                if (x < 0).any():
                    raise ValueError(f"Column '{col}' has negative values; cannot log1p-transform it")
                x = np.log1p(x)
            block = pd.DataFrame({col: x}, index=df.index)
            if x.isna().any():
                block[f"{col}__missing"] = x.isna().astype(float)
                block[col] = x.fillna(x.mean() if x.notna().any() else 0.0)
            parts.append(block)
        else:
            levels = s.astype(object).where(s.notna(), "<missing>").astype(str)
            dummies = pd.get_dummies(levels, prefix=col, prefix_sep="=", drop_first=drop_first, dtype=float)
            parts.append(dummies)
    X = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=df.index)
    if drop_constant and X.shape[1]:
        X = X.loc[:, X.nunique(dropna=False) > 1]
    return X.astype(float)


# --------------------------------------------------------------- regression adjustment


def _treatment_indicator(s: pd.Series, name: str) -> np.ndarray:
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    ok = np.isin(values, [0.0, 1.0])
    if not ok.all():
        bad = pd.unique(s[~ok])[:5]
        raise ValueError(f"Treatment column '{name}' must be 0/1 (or boolean); found values {list(bad)}")
    return values


def _drop_dependent_columns(design: pd.DataFrame, tol: float = 1e-9) -> pd.DataFrame:
    """Keep, in order, only columns not in the span of the columns before them.

    The diagonal of R in a QR decomposition of the norm-scaled design measures what is
    left of each column after projecting on the earlier ones. Putting the intercept and
    treatment first guarantees they are kept, so the treatment coefficient is identified
    even when, say, a category occurs in one arm only.
    """
    M = design.to_numpy(dtype=float)
    norms = np.linalg.norm(M, axis=0)
    norms[norms == 0] = 1.0
    r = np.abs(np.diag(np.linalg.qr(M / norms, mode="r")))
    return design.loc[:, r > tol]


def compute_adjusted_effect(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    metric: str,
    alpha: float = 0.05,
    interactions: bool = True,
) -> dict:
    """Regression-adjusted (ANCOVA / CUPED-equivalent) difference in means.

    OLS of the outcome on the treatment indicator, centered covariates and, by
    default, their interactions with treatment (Lin 2013, "Agnostic notes on
    regression adjustments to experimental data", *Annals of Applied Statistics* 7),
    with HC2 heteroskedasticity-robust standard errors (statsmodels). Because the
    covariates are centered at the pooled mean, the treatment coefficient is the
    average effect over the whole sample. With a pre-period outcome as the only
    covariate and no interactions this is CUPED (Deng et al. 2013, WSDM).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    outcome : str
        Outcome column (numeric); rows where it is missing are dropped.
    treatment : str
        0/1 (or boolean) treatment column.
    covariates : sequence of str
        Pre-treatment covariates, encoded with :func:`compute_covariate_matrix`
        (text columns to dummies with missing as a level; constant columns dropped).
    metric : str
        Name of the metric, copied into the result.
    alpha : float, default 0.05
        Two-sided significance level.
    interactions : bool, default True
        Include treatment x covariate interactions (Lin 2013). Set False for plain
        ANCOVA. Interactions are also skipped when an arm has no more rows than
        covariate columns, since the arm-specific slopes are then not estimable.

    Returns
    -------
    dict
        ``metric, method, estimate, ci_low, ci_high, p_value, relative`` plus
        ``se, n_treat, n_control, mean_treat, mean_control`` (raw means) and
        ``covariates_used`` (the design column names). ``relative`` divides by the
        raw control mean.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pre = rng.gamma(2.0, 50.0, 400)
    >>> t = np.tile([0, 1], 200)
    >>> d = pd.DataFrame({"pre": pre, "t": t, "y": pre + 5 * t + rng.normal(0, 10, 400)})
    >>> r = compute_adjusted_effect(d, outcome="y", treatment="t", covariates=["pre"],
    ...                             metric="spend")
    >>> bool(r["ci_low"] < 5 < r["ci_high"]), bool(r["ci_high"] - r["ci_low"] < 5)
    (True, True)
    """
    for col in (outcome, treatment):
        if col not in df.columns:
            raise ValueError(
                f"Required column '{col}' missing from the data (found: {', '.join(map(str, df.columns))})"
            )
    data = df[df[outcome].notna()]
    t = _treatment_indicator(data[treatment], treatment)
    y = data[outcome].to_numpy(dtype=float)
    n_t, n_c = int((t == 1).sum()), int((t == 0).sum())
    mt = float(y[t == 1].mean()) if n_t else _NAN
    mc = float(y[t == 0].mean()) if n_c else _NAN
    X = compute_covariate_matrix(data, covariates)
    k = X.shape[1]
    use_inter = interactions and k > 0 and min(n_t, n_c) > k + 1
    base = dict(metric=metric, control_mean=mc, n_treat=n_t, n_control=n_c, mean_treat=mt, mean_control=mc)
    if n_t == 0 or n_c == 0 or n_t + n_c < k + 3:
        return _result(
            method="OLS regression adjustment (not estimable)",
            estimate=mt - mc,
            ci_low=_NAN,
            ci_high=_NAN,
            p_value=_NAN,
            se=_NAN,
            covariates_used=list(X.columns),
            **base,
        )
    Xc = X - X.mean()
    blocks = [pd.Series(1.0, index=data.index, name="const"), pd.Series(t, index=data.index, name="treatment"), Xc]
    if use_inter:
        blocks.append(Xc.mul(t, axis=0).add_prefix("treatment:"))
    # Collinear columns (a level present in one arm only makes its interaction a copy
    # of the treatment column) would leave the treatment coefficient unidentified.
    design = _drop_dependent_columns(pd.concat(blocks, axis=1))
    fit = sm.OLS(y, design.to_numpy()).fit()
    # HC2 is unbiased under homoskedasticity and behaves well in small samples
    # (MacKinnon & White 1985); it is undefined when a row has leverage 1 (e.g. the only
    # treated customer in a category), where we fall back to HC1.
    leverage = fit.get_influence().hat_matrix_diag
    cov_type = "HC2" if np.max(leverage) < 1 - 1e-8 else "HC1"
    robust = fit.get_robustcov_results(cov_type=cov_type)
    est = float(robust.params[1])
    se = float(robust.bse[1])
    low, high = robust.conf_int(alpha=alpha)[1]
    label = "Lin (2013) interacted OLS" if use_inter else "ANCOVA OLS"
    return _result(
        method=f"{label} regression adjustment, {cov_type} robust SE (statsmodels)",
        estimate=est,
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(robust.pvalues[1]),
        se=se,
        covariates_used=list(X.columns),
        **base,
    )


# ---------------------------------------------------------------------- winsorization


def compute_winsorized(
    values: Sequence[float] | np.ndarray | pd.Series, upper_quantile: float
) -> tuple[np.ndarray, float]:
    """Clip values above an upper quantile (one-sided winsorization).

    Heavy-tailed spend inflates variance; capping at a high quantile trades a small
    bias for a large variance reduction (Kohavi, Tang & Xu 2020, *Trustworthy Online
    Controlled Experiments*). Compute the cap on the pooled data of all arms
    (what the caller passes) so every arm is clipped at the same value.
    ``numpy.clip`` with ``numpy.nanquantile`` is used rather than
    ``scipy.stats.mstats.winsorize`` because the latter clips by rank count, not at a
    quantile value, and does not return the cap.

    Parameters
    ----------
    values : array-like of float
        Pooled values; NaN stays NaN and is ignored for the quantile.
    upper_quantile : float
        Quantile in (0, 1]; 1 leaves the data unchanged.

    Returns
    -------
    clipped : numpy.ndarray
        ``min(value, cap)`` element-wise.
    cap : float
        The upper cap (NaN when there is no non-missing value).

    Examples
    --------
    >>> clipped, cap = compute_winsorized([1.0, 2.0, 3.0, 4.0, 100.0], 0.8)
    >>> round(cap, 6), clipped.round(6).tolist()
    (23.2, [1.0, 2.0, 3.0, 4.0, 23.2])
    """
    if not 0 < upper_quantile <= 1:
        raise ValueError(f"upper_quantile must be in (0, 1], got {upper_quantile}")
    arr = np.asarray(values, dtype=float)
    if np.all(np.isnan(arr)):
        return arr.copy(), _NAN
    cap = float(np.nanquantile(arr, upper_quantile))
    return np.minimum(arr, cap), cap


# ------------------------------------------------------------------ multiple testing


def compute_qvalues(p_values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) for a family of tests.

    Benjamini & Hochberg (1995), "Controlling the false discovery rate", *JRSS B* 57.
    Computed with ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``.
    NaN p-values (tests that could not be computed) are excluded from the family and
    returned as NaN.

    Parameters
    ----------
    p_values : array-like of float
        Raw p-values.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same length and order as the input.

    Examples
    --------
    >>> compute_qvalues([0.01, 0.04, float("nan"), 0.03]).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(p_values, dtype=float).ravel()
    out = np.full(p.shape, np.nan)
    mask = ~np.isnan(p)
    if mask.any():
        out[mask] = multipletests(p[mask], method="fdr_bh")[1]
    return out


# ----------------------------------------------------------------- sample-ratio mismatch


def compute_srm(
    observed_counts: Mapping[str, int],
    planned_shares: Mapping[str, float] | None = None,
    *,
    threshold: float = 0.001,
) -> dict:
    """Sample-ratio-mismatch check: chi-square goodness of fit of arm sizes.

    An SRM means the assignment or the data pipeline is broken and effect estimates
    should not be trusted (Fabijan et al. 2019, "Diagnosing sample ratio mismatch in
    online controlled experiments", KDD). Uses ``scipy.stats.chisquare``; the usual
    alarm threshold is ``p < 0.001``.

    Parameters
    ----------
    observed_counts : mapping of str to int
        Customers per arm, e.g. ``{"treatment": 9000, "control": 1000}``.
    planned_shares : mapping of str to float, optional
        Planned share per arm (normalized to sum to 1). Default: equal shares.
    threshold : float, default 0.001
        The check passes when ``p_value >= threshold``.

    Returns
    -------
    dict
        ``chi2, p_value, df, observed, expected`` (dicts by arm), ``passed`` (bool)
        and ``threshold``.

    Examples
    --------
    >>> r = compute_srm({"treatment": 9120, "control": 880}, {"treatment": 0.9, "control": 0.1})
    >>> round(r["chi2"], 2), r["expected"]["control"], r["passed"]
    (16.0, 1000.0, False)
    """
    arms = list(observed_counts)
    if len(arms) < 2:
        raise ValueError(f"Need at least two arms for an SRM check, got {arms}")
    if planned_shares is None:
        planned_shares = {a: 1.0 for a in arms}
    missing = [a for a in arms if a not in planned_shares]
    if missing:
        raise ValueError(f"No planned share for arm(s) {missing} (planned: {list(planned_shares)})")
    obs = np.array([observed_counts[a] for a in arms], dtype=float)
    shares = np.array([planned_shares[a] for a in arms], dtype=float)
    if (shares <= 0).any():
        raise ValueError(f"Planned shares must be positive, got {dict(planned_shares)}")
    expected = obs.sum() * shares / shares.sum()
    if obs.sum() == 0:
        chi2, p = _NAN, _NAN
    else:
        res = stats.chisquare(obs, expected)
        chi2, p = float(res.statistic), float(res.pvalue)
    return {
        "chi2": chi2,
        "p_value": p,
        "df": len(arms) - 1,
        "observed": {a: int(o) for a, o in zip(arms, obs)},
        "expected": {a: float(e) for a, e in zip(arms, expected)},
        "passed": bool(p >= threshold) if np.isfinite(p) else False,
        "threshold": threshold,
    }


# ------------------------------------------------------------------------------ power


def _check_sd_p(sd: float | None, p: float | None) -> None:
    if (sd is None) == (p is None):
        raise ValueError("Give exactly one of sd= (for a mean) or p= (baseline rate, for a proportion)")
    if p is not None and not 0 < p < 1:
        raise ValueError(f"Baseline proportion p must be in (0, 1), got {p}")
    if sd is not None and not sd > 0:
        raise ValueError(f"sd must be positive, got {sd}")


def compute_mde(
    n_treat: int,
    n_control: int,
    *,
    sd: float | None = None,
    p: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> dict:
    """Minimum detectable (absolute) effect for a two-arm comparison.

    For a mean (give ``sd``) the standardized effect is solved with statsmodels
    ``TTestIndPower`` and multiplied by ``sd``. For a proportion (give the baseline
    rate ``p``) Cohen's arcsine effect size *h* is solved with ``NormalIndPower`` and
    mapped back to the rate scale, ``p1 = sin(asin(sqrt(p)) + h/2)**2`` (Cohen 1988,
    *Statistical Power Analysis for the Behavioral Sciences*, ch. 6). Two-sided test;
    the proportion MDE is the upward one.

    Parameters
    ----------
    n_treat, n_control : int
        Group sizes.
    sd : float, optional
        Standard deviation of the outcome (mean metrics).
    p : float, optional
        Baseline (control) rate (proportion metrics).
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Desired power.

    Returns
    -------
    dict
        ``mde`` (absolute, outcome units), ``mde_relative`` (``mde / p`` for a
        proportion, NaN for a mean), ``effect_size`` (Cohen's d or h), ``n_treat,
        n_control, alpha, power``. NaN when a group is empty.

    Examples
    --------
    >>> round(compute_mde(1000, 1000, sd=10.0)["mde"], 3)
    1.254
    >>> round(compute_mde(5000, 5000, p=0.1)["mde"], 4)
    0.0174
    """
    _check_sd_p(sd, p)
    out = {"mde": _NAN, "mde_relative": _NAN, "effect_size": _NAN,
           "n_treat": n_treat, "n_control": n_control, "alpha": alpha, "power": power}
    if n_treat <= 1 or n_control <= 1:
        return out
    ratio = n_control / n_treat
    if sd is not None:
        d = TTestIndPower().solve_power(effect_size=None, nobs1=n_treat, ratio=ratio, alpha=alpha, power=power)
        out.update(mde=float(d) * sd, effect_size=float(d))
    else:
        h = float(NormalIndPower().solve_power(effect_size=None, nobs1=n_treat, ratio=ratio, alpha=alpha, power=power))
        angle = math.asin(math.sqrt(p)) + h / 2
        p1 = math.sin(angle) ** 2 if angle <= math.pi / 2 else _NAN
        out.update(mde=p1 - p, mde_relative=(p1 - p) / p, effect_size=h)
    return out


def compute_required_sample(
    effect: float,
    *,
    sd: float | None = None,
    p: float | None = None,
    ratio: float,
    alpha: float = 0.05,
    power: float = 0.8,
) -> dict:
    """Holdout (control) size needed to detect an absolute effect.

    Inverts the same statsmodels power calculations as :func:`compute_mde`
    (``TTestIndPower`` with Cohen's d = effect / sd for means, ``NormalIndPower``
    with Cohen's h for proportions).

    Parameters
    ----------
    effect : float
        Absolute effect to detect (outcome units; for a proportion, the rate
        difference). Its sign is ignored for a mean.
    sd : float, optional
        Standard deviation of the outcome (mean metrics).
    p : float, optional
        Baseline (control) rate (proportion metrics).
    ratio : float
        Treatment-to-control size ratio, e.g. 9 for a 10% holdout.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Desired power.

    Returns
    -------
    dict
        ``n_control`` (the holdout size, rounded up), ``n_treat``
        (``ceil(ratio * n_control)``), ``n_total`` and ``effect_size``. Sizes are
        ``inf`` when ``effect`` is 0 and NaN when it is NaN or ``p + effect`` is
        outside (0, 1).

    Examples
    --------
    >>> compute_required_sample(1.0, sd=10.0, ratio=1.0)["n_control"]
    1571
    >>> r = compute_required_sample(0.01, p=0.05, ratio=9.0)
    >>> r["n_control"], r["n_treat"]
    (4524, 40713)
    """
    _check_sd_p(sd, p)
    if not ratio > 0:
        raise ValueError(f"ratio (treatment:control) must be positive, got {ratio}")
    out = {"n_control": _NAN, "n_treat": _NAN, "n_total": _NAN, "effect_size": _NAN,
           "ratio": ratio, "alpha": alpha, "power": power}
    if effect is None or not np.isfinite(effect):
        return out
    if sd is not None:
        es = abs(effect) / sd
        power_class = TTestIndPower()
    else:
        p1 = p + effect
        if not 0 < p1 < 1:
            return out
        es = abs(float(sm_proportion.proportion_effectsize(p1, p)))
        power_class = NormalIndPower()
    if es == 0:
        return {**out, "n_control": math.inf, "n_treat": math.inf, "n_total": math.inf, "effect_size": 0.0}
    # nobs1 is the control arm so that statsmodels' ``ratio = nobs2 / nobs1`` is the
    # treatment:control ratio the caller thinks in.
    n_c = float(power_class.solve_power(effect_size=es, nobs1=None, ratio=ratio, alpha=alpha, power=power))
    n_c_int = math.ceil(n_c - 1e-9)
    n_t_int = math.ceil(ratio * n_c - 1e-9)
    return {**out, "n_control": n_c_int, "n_treat": n_t_int, "n_total": n_c_int + n_t_int, "effect_size": es}


# -------------------------------------------------------------------------------- ROI


def compute_roi(
    incremental_revenue: float,
    incremental_revenue_ci: tuple[float, float],
    *,
    gross_margin: float,
    discount_cost: float,
    contacts: int,
    cost_per_contact: float,
    fixed_cost: float,
) -> dict:
    """Campaign profit and return on investment from incremental revenue.

    ``incremental_margin = gross_margin * incremental_revenue``;
    ``total_cost = contacts * cost_per_contact + fixed_cost + discount_cost``;
    ``net_profit = incremental_margin - total_cost``; ``roi = net_profit / total_cost``.
    Costs are treated as known, so intervals are the revenue interval pushed through
    these monotone maps (exact for a known-cost linear transform, no delta method
    needed).

    Parameters
    ----------
    incremental_revenue : float
        Total incremental revenue of the campaign (e.g. ATT per customer times the
        number of treated customers), in currency units.
    incremental_revenue_ci : tuple of float
        ``(low, high)`` interval for the incremental revenue.
    gross_margin : float
        Margin as a fraction of revenue, in [0, 1].
    discount_cost : float
        Total cost of discounts/coupons redeemed (currency units).
    contacts : int
        Number of customers contacted.
    cost_per_contact : float
        Variable cost per contact.
    fixed_cost : float
        Fixed campaign cost.

    Returns
    -------
    dict
        ``incremental_revenue, incremental_revenue_ci_low, incremental_revenue_ci_high,
        incremental_margin, incremental_margin_ci_low, incremental_margin_ci_high,
        total_cost, net_profit, net_profit_ci_low, net_profit_ci_high, roi,
        roi_ci_low, roi_ci_high, break_even_incremental_revenue,
        break_even_lift_per_customer``. ROI is NaN when ``total_cost`` is 0; the
        break-even revenue is NaN when ``gross_margin`` is 0 and the per-customer
        break-even is NaN when ``contacts`` is 0.

    Examples
    --------
    >>> r = compute_roi(50_000.0, (20_000.0, 80_000.0), gross_margin=0.4,
    ...                 discount_cost=2_000.0, contacts=10_000, cost_per_contact=0.5,
    ...                 fixed_cost=3_000.0)
    >>> r["total_cost"], r["net_profit"], r["roi"], r["roi_ci_low"], r["roi_ci_high"]
    (10000.0, 10000.0, 1.0, -0.2, 2.2)
    >>> r["break_even_incremental_revenue"], r["break_even_lift_per_customer"]
    (25000.0, 2.5)
    """
    if not 0 <= gross_margin <= 1:
        raise ValueError(f"gross_margin must be a fraction in [0, 1], got {gross_margin}")
    if min(discount_cost, contacts, cost_per_contact, fixed_cost) < 0:
        raise ValueError("Costs and contacts must be non-negative")
    low, high = (float(v) for v in incremental_revenue_ci)
    rev = float(incremental_revenue)
    total_cost = float(contacts * cost_per_contact + fixed_cost + discount_cost)

    def margin(r: float) -> float:
        return gross_margin * r

    def profit(r: float) -> float:
        return margin(r) - total_cost

    def roi(r: float) -> float:
        return profit(r) / total_cost if total_cost > 0 else _NAN

    break_even = total_cost / gross_margin if gross_margin > 0 else _NAN
    return {
        "incremental_revenue": rev,
        "incremental_revenue_ci_low": low,
        "incremental_revenue_ci_high": high,
        "incremental_margin": margin(rev),
        "incremental_margin_ci_low": margin(low),
        "incremental_margin_ci_high": margin(high),
        "total_cost": total_cost,
        "net_profit": profit(rev),
        "net_profit_ci_low": profit(low),
        "net_profit_ci_high": profit(high),
        "roi": roi(rev),
        "roi_ci_low": roi(low),
        "roi_ci_high": roi(high),
        "break_even_incremental_revenue": break_even,
        "break_even_lift_per_customer": break_even / contacts if contacts > 0 else _NAN,
    }
