"""Covariate matrices; regression adjustment and when it leads; winsorization: part of :mod:`campaignlab.stats.effects`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

from campaignlab.formatting import require_columns
from campaignlab.stats.effects._common import _NAN, _result
from campaignlab.stats.effects.rules import PERMUTATION_MAX_CUSTOMERS, compute_adjustment_check, few_events_warning
from campaignlab.stats.effects.two_groups import compute_mean_effect, compute_proportion_effect


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
        ``covariates_used`` (the design column names) and ``warning`` (a sentence when a
        group has fewer than 10 events, i.e. non-zero outcomes, or for a 0/1 outcome fewer
        than 10 non-events). ``relative`` divides by the raw control mean. With a small or
        skewed arm the HC2 interval is too narrow: :func:`compute_randomized_effect` decides
        when this estimate may lead.

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
    require_columns(df.columns, [outcome, treatment], "the data")
    data = df[df[outcome].notna()]
    t = _treatment_indicator(data[treatment], treatment)
    y = data[outcome].to_numpy(dtype=float)
    n_t, n_c = int((t == 1).sum()), int((t == 0).sum())
    mt = float(y[t == 1].mean()) if n_t else _NAN
    mc = float(y[t == 0].mean()) if n_c else _NAN
    X = compute_covariate_matrix(data, covariates)
    k = X.shape[1]
    use_inter = interactions and k > 0 and min(n_t, n_c) > k + 1
    base = dict(metric=metric, control_mean=mc, n_treat=n_t, n_control=n_c, mean_treat=mt, mean_control=mc,
                warning=_events_warning(y, t) if n_t and n_c else "")
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





def _events_warning(y: np.ndarray, t: np.ndarray) -> str:
    events = [int(np.count_nonzero(y[t == g])) for g in (1, 0)]
    if np.isin(y, [0.0, 1.0]).all():
        return few_events_warning(*events, int((t == 1).sum()) - events[0], int((t == 0).sum()) - events[1])
    return few_events_warning(*events)


def compute_randomized_effect(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    metric: str,
    binary: bool,
    alpha: float = 0.05,
) -> dict:
    """The estimate a randomized comparison leads with: adjusted where the groups allow it.

    Lin (2013) regression adjustment (:func:`compute_adjusted_effect`) when there are
    covariates and :func:`campaignlab.stats.effects.rules.compute_adjustment_check` allows it
    (smaller arm of at least 100, at least 10 expected events, a difference in means that is
    not too skewed); otherwise the unadjusted test that keeps its level at any size: the score
    or Fisher exact test for a 0/1 outcome (:func:`compute_proportion_effect`), the permutation
    test for a mean (:func:`compute_mean_effect`); above 10,000 customers, where a normal
    interval is trusted, the permutation test's large-sample form, Student's pooled-variance
    t-test (:func:`campaignlab.stats.effects.uses_large_sample_test`).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer of the two groups.
    outcome, treatment : str
        Outcome column and 0/1 treatment column; rows with a missing outcome are dropped.
    covariates : sequence of str
        Pre-treatment covariates for the adjustment (may be empty).
    metric : str
        Name of the metric, copied into the result.
    binary : bool
        The outcome is 0/1 (a proportion).
    alpha : float, default 0.05
        Two-sided significance level.

    Returns
    -------
    dict
        The row of the estimator that ran (its ``method`` names it), plus ``method_reason``:
        why that estimator, in numbers.

    Examples
    --------
    >>> d = pd.DataFrame({"t": [1] * 900 + [0] * 100, "pre": np.arange(1000.0) % 7,
    ...                   "y": [1] * 18 + [0] * 882 + [0] * 100})
    >>> r = compute_randomized_effect(d, outcome="y", treatment="t", covariates=["pre"], metric="conversion",
    ...                               binary=True)
    >>> r["method"].split(" (")[0], round(r["p_value"], 3)
    ('Fisher exact test', 0.244)
    >>> r["method_reason"]
    'unadjusted: 1.8 events expected in the smaller arm (fewer than 10)'
    """
    require_columns(df.columns, [outcome, treatment], "the data")
    data = df[df[outcome].notna()]
    t = _treatment_indicator(data[treatment], treatment)
    y = data[outcome].to_numpy(dtype=float)
    check = compute_adjustment_check(y[t == 1], y[t == 0], binary=binary)
    if covariates and check["allowed"]:
        row = compute_adjusted_effect(data, outcome=outcome, treatment=treatment, covariates=covariates,
                                      metric=metric, alpha=alpha)
    elif binary:
        row = compute_proportion_effect(int(y[t == 1].sum()), int((t == 1).sum()), int(y[t == 0].sum()),
                                        int((t == 0).sum()), metric=metric, alpha=alpha)
    else:
        large = check["large_sample"]
        row = compute_mean_effect(y[t == 1], y[t == 0], metric=metric, alpha=alpha,
                                  method="pooled" if large else "permutation")
        if large:
            row["method"] += (f": the permutation test's large-sample form ({y.size:,} customers, above "
                              f"{PERMUTATION_MAX_CUSTOMERS:,})")
    row["method_reason"] = check["reason"] if covariates else "unadjusted: no covariates"
    return row


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


