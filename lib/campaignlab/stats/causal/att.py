"""ATT: DR and IPW core: part of :mod:`campaignlab.stats.causal`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from campaignlab.formatting import require_columns
from campaignlab.stats.causal._common import _NAN
from campaignlab.stats.causal.propensity import PropensityFits, _logit, _propensity_design
from campaignlab.stats.effects import (
    _treatment_indicator,
    compute_covariate_matrix,
)


def _att_result(
    *,
    metric: str,
    method: str,
    estimate: float,
    se: float,
    alpha: float,
    n_treat: int,
    n_control: int,
    n_trimmed: int,
    mean_treat: float,
    **extra: object,
) -> dict:
    z = stats.norm.ppf(1 - alpha / 2)
    ok = np.isfinite(se) and se > 0
    counterfactual = mean_treat - estimate
    return {
        "metric": metric,
        "method": method,
        "estimate": float(estimate),
        "ci_low": float(estimate - z * se) if ok else _NAN,
        "ci_high": float(estimate + z * se) if ok else _NAN,
        "p_value": float(2 * stats.norm.sf(abs(estimate / se))) if ok else _NAN,
        "relative": float(estimate / counterfactual) if np.isfinite(counterfactual) and counterfactual != 0 else _NAN,
        "se": float(se),
        "n_treat": int(n_treat),
        "n_control": int(n_control),
        "n_trimmed": int(n_trimmed),
        "mean_treat": float(mean_treat),
        "counterfactual_mean": float(counterfactual),
        **extra,
    }


def _att_influence(
    y: np.ndarray,
    d: np.ndarray,
    ps: np.ndarray,
    X_ps: np.ndarray,
    hessian_inv: np.ndarray,
    score_penalty: np.ndarray,
    X_or: np.ndarray | None,
) -> tuple[float, np.ndarray]:
    """ATT and its influence function; ``X_or=None`` gives normalized IPW (odds weights).

    A transcription of the ``drdid_panel`` / ``std_ipw_did_panel`` estimators of
    Sant'Anna & Zhao (2020) as implemented in their DRDID R package, with the outcome
    change replaced by the outcome: hand-written because neither statsmodels nor scipy
    has a doubly robust ATT with estimated-nuisance influence functions.
    """
    n = y.size
    ps = np.minimum(ps, 1 - 1e-12)
    w_treat = d
    w_cont = ps * (1 - d) / (1 - ps)
    if X_or is not None:
        ctrl = d == 0
        beta = np.linalg.lstsq(X_or[ctrl], y[ctrl], rcond=None)[0]
        out = X_or @ beta
    else:
        out = np.zeros(n)
    resid = y - out
    eta_treat = np.mean(w_treat * resid) / np.mean(w_treat)
    eta_cont = np.mean(w_cont * resid) / np.mean(w_cont)
    att = eta_treat - eta_cont

    # Influence of the logit coefficients: score times inverse Hessian (per observation).
    score_ps = (d - ps)[:, None] * X_ps - score_penalty[None, :]
    lin_ps = score_ps @ hessian_inv
    inf_treat = w_treat * resid - w_treat * eta_treat
    inf_cont = w_cont * resid - w_cont * eta_cont
    m2 = np.mean((w_cont * (resid - eta_cont))[:, None] * X_ps, axis=0)
    inf_cont = inf_cont + lin_ps @ m2
    if X_or is not None:
        # Influence of the OLS coefficients fitted on the comparison group.
        w_ols = 1 - d
        xpx_inv = np.linalg.pinv((X_or * w_ols[:, None]).T @ X_or / n)
        lin_ols = (w_ols * resid)[:, None] * X_or @ xpx_inv
        inf_treat = inf_treat - lin_ols @ np.mean(w_treat[:, None] * X_or, axis=0)
        inf_cont = inf_cont - lin_ols @ np.mean(w_cont[:, None] * X_or, axis=0)
    influence = inf_treat / np.mean(w_treat) - inf_cont / np.mean(w_cont)
    return float(att), influence


def _prepare(
    df: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    pre_outcome: str | None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    cols = [outcome, treatment, *covariates] + ([pre_outcome] if pre_outcome else [])
    require_columns(df.columns, cols, "the customer table")
    keep = df[outcome].notna()
    if pre_outcome:
        keep &= df[pre_outcome].notna()
    data = df.loc[keep]
    d = _treatment_indicator(data[treatment], treatment)
    y = data[outcome].to_numpy(dtype=float)
    if pre_outcome:
        y = y - data[pre_outcome].to_numpy(dtype=float)
    return data, d, y


def _fit_trimmed_propensity(data: pd.DataFrame, d: np.ndarray, covariates: Sequence[str],
                            trim: tuple[float, float] | None, log1p_columns: Sequence[str] | None,
                            ridge_alpha: float, propensity_fits: PropensityFits | None = None,
                            ) -> tuple[np.ndarray | None, np.ndarray, dict | None]:
    """The propensity fit the ATT estimators use: fit, trim, refit on the retained rows.

    Returns the kept-rows mask (None when nothing was trimmed), the design matrix and the fit of the rows kept
    (fit None when trimming leaves fewer than two customers in a group).
    """
    X_ps, _, logs = _propensity_design(data, covariates, log1p_columns)
    fit = _logit(X_ps, d, ridge_alpha, propensity_fits)
    if trim is None:
        return None, X_ps, fit
    keep = (fit["ps"] >= trim[0]) & (fit["ps"] <= trim[1])
    if keep.all():
        return None, X_ps, fit
    # Trimming follows Crump et al. (2009, Biometrika 96); refitting on the retained
    # sample makes the influence function describe the estimator actually used.
    dk = d[keep]
    if (dk == 1).sum() < 2 or (dk == 0).sum() < 2:
        return keep, X_ps, None
    X_ps, _, _ = _propensity_design(data.loc[keep], covariates, logs)
    return keep, X_ps, _logit(X_ps, dk, ridge_alpha, propensity_fits)


def compute_att_weights(
    df: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    trim: tuple[float, float] | None = (0.01, 0.99),
    log1p_columns: Sequence[str] | None = None,
    ridge_alpha: float = 0.01,
    propensity_fits: PropensityFits | None = None,
) -> pd.Series:
    """The ATT weights of :func:`estimate_att_doubly_robust` and :func:`estimate_att_ipw`, one per row of ``df``.

    Treated rows weigh 1, comparison rows their propensity odds ``ps / (1 - ps)`` from the same fit, trimming and
    refit as the estimators; trimmed rows get NaN (they are not in the estimate).

    Examples
    --------
    >>> from campaignlab.data.simulate import simulate_customer_panel
    >>> panel = simulate_customer_panel(2000, true_att=5.0, confounding=1.0, seed=13)
    >>> w = compute_att_weights(panel, treatment="treatment", covariates=["pre_orders", "pre_revenue"])
    >>> bool((w[panel["treatment"] == 1].dropna() == 1).all()), bool((w.dropna() > 0).all())
    (True, True)
    """
    require_columns(df.columns, [treatment, *covariates], "the customer table")
    d = _treatment_indicator(df[treatment], treatment)
    keep, _, fit = _fit_trimmed_propensity(df, d, covariates, trim, log1p_columns, ridge_alpha, propensity_fits)
    keep = np.ones(len(df), dtype=bool) if keep is None else keep
    out = pd.Series(np.nan, index=df.index, dtype=float)
    if fit is None:
        return out
    ps = np.minimum(fit["ps"], 1 - 1e-12)
    out[keep] = np.where(d[keep] == 1, 1.0, ps / (1 - ps))
    return out


def _estimate_att(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    pre_outcome: str | None,
    trim: tuple[float, float] | None,
    log1p_columns: Sequence[str] | None,
    ridge_alpha: float,
    doubly_robust: bool,
    propensity_fits: PropensityFits | None = None,
) -> dict:
    """Point estimate, influence function and bookkeeping shared by DR, IPW and bootstrap."""
    data, d, y = _prepare(df, outcome, treatment, covariates, pre_outcome)
    n_trimmed = 0
    if (d == 1).sum() < 2 or (d == 0).sum() < 2:
        return {"att": _NAN, "influence": None, "d": d, "y_level": data[outcome].to_numpy(float),
                "n_trimmed": 0, "ps_info": None, "ok": False}
    keep, X_ps, fit = _fit_trimmed_propensity(data, d, covariates, trim, log1p_columns, ridge_alpha,
                                              propensity_fits)
    if keep is not None:
        n_trimmed = int((~keep).sum())
        data, d, y = data.loc[keep], d[keep], y[keep]
        if fit is None:
            return {"att": _NAN, "influence": None, "d": d, "y_level": data[outcome].to_numpy(float),
                    "n_trimmed": n_trimmed, "ps_info": None, "ok": False}
    X_or = None
    if doubly_robust:
        X_or = np.column_stack([np.ones(len(data)), compute_covariate_matrix(data, covariates).to_numpy(float)])
    att, influence = _att_influence(y, d, fit["ps"], X_ps, fit["hessian_inv"], fit["penalty"] * fit["params"], X_or)
    return {
        "att": att,
        "influence": influence,
        "d": d,
        "y_level": data[outcome].to_numpy(float),
        "n_trimmed": n_trimmed,
        "ps_info": fit,
        "ok": True,
    }


def _method_text(base: str, pre_outcome: str | None, ps_fit: dict | None, se_text: str) -> str:
    text = base if pre_outcome is None else f"{base} on the change from '{pre_outcome}' (DR DiD)"
    if ps_fit is not None and ps_fit["regularized"]:
        text += f"; ridge-penalized propensity ({ps_fit['reason']})"
    return f"{text}, {se_text}"


def estimate_att_doubly_robust(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    alpha: float = 0.05,
    trim: tuple[float, float] | None = (0.01, 0.99),
    pre_outcome: str | None = None,
    log1p_columns: Sequence[str] | None = None,
    ridge_alpha: float = 0.01,
    metric: str | None = None,
    propensity_fits: PropensityFits | None = None,
) -> dict:
    """Doubly robust effect on the treated (ATT), with influence-function standard error.

    ``ATT = mean_treated(Y - m0(X)) - sum_controls w (Y - m0(X)) / sum_controls w``
    where ``m0`` is an OLS outcome regression fitted on the comparison group and
    ``w = ps / (1 - ps)`` are propensity odds weights (Sant'Anna & Zhao 2020, the
    ``drdid_panel`` estimator with the outcome in place of the outcome change). It is
    consistent if either the propensity model or the outcome model is correct. The
    standard error is ``sd(influence) / sqrt(n)`` with the influence function that
    accounts for estimating both models; the interval is normal.

    Customers with propensity outside ``trim`` are dropped and both models refitted:
    the estimand becomes the ATT among treated customers with comparable controls
    (Crump et al. 2009); ``n_trimmed`` reports how many rows were dropped.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer; rows with a missing outcome are dropped.
    outcome : str
        Outcome column, e.g. revenue in the campaign window.
    treatment : str
        0/1 column, 1 = targeted.
    covariates : sequence of str
        Pre-treatment covariates for both models (text columns to dummies). The
        propensity model log1p-transforms skewed spend/frequency columns (see
        :func:`fit_propensity`); the outcome model uses them raw because revenue is
        roughly linear in past revenue.
    alpha : float, default 0.05
        Two-sided level of the interval.
    trim : tuple of float or None, default (0.01, 0.99)
        Propensity bounds; ``None`` keeps everyone.
    pre_outcome : str, optional
        If given, the estimator is applied to ``outcome - pre_outcome`` (the doubly
        robust difference-in-differences of Sant'Anna & Zhao 2020).
    log1p_columns : sequence of str, optional
        Passed to the propensity model; ``None`` = automatic.
    ridge_alpha : float, default 0.01
        Ridge penalty used only if the logistic fit separates.
    metric : str, optional
        Name in the result; defaults to ``outcome``.
    propensity_fits : PropensityFits, optional
        Shares one propensity fit per sample between estimators and metrics (same numbers, fitted once; see
        :class:`campaignlab.stats.causal.PropensityFits`).

    Returns
    -------
    dict
        ``metric, method, estimate, ci_low, ci_high, p_value, relative`` (ATT divided
        by the counterfactual mean of the treated) plus ``se, n_treat, n_control,
        n_trimmed, mean_treat, counterfactual_mean`` (``mean_treat - estimate``) and
        ``propensity_regularized``. NaN estimates when fewer than two treated or
        untreated customers remain.

    Examples
    --------
    >>> from campaignlab.data.simulate import simulate_customer_panel
    >>> panel = simulate_customer_panel(4000, true_att=5.0, confounding=1.0, seed=13)
    >>> r = estimate_att_doubly_robust(panel, outcome="revenue", treatment="treatment",
    ...                                covariates=["pre_orders", "pre_revenue", "income_band"])
    >>> bool(r["ci_low"] < 5.0 < r["ci_high"]), r["n_treat"] + r["n_control"] + r["n_trimmed"]
    (True, 4000)
    """
    res = _estimate_att(
        df, outcome=outcome, treatment=treatment, covariates=covariates, pre_outcome=pre_outcome,
        trim=trim, log1p_columns=log1p_columns, ridge_alpha=ridge_alpha, doubly_robust=True,
        propensity_fits=propensity_fits,
    )
    return _finish(res, metric or outcome, "doubly robust ATT (Sant'Anna & Zhao 2020)", pre_outcome, alpha)


def estimate_att_ipw(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    alpha: float = 0.05,
    trim: tuple[float, float] | None = (0.01, 0.99),
    pre_outcome: str | None = None,
    log1p_columns: Sequence[str] | None = None,
    ridge_alpha: float = 0.01,
    metric: str | None = None,
    propensity_fits: PropensityFits | None = None,
) -> dict:
    """Inverse-probability-weighted ATT with normalized (Hajek) odds weights.

    Treated mean minus the control mean weighted by ``ps / (1 - ps)``, weights
    normalized to sum to one (Hirano, Imbens & Ridder 2003, *Econometrica* 71;
    the ``std_ipw_did_panel`` form of Sant'Anna & Zhao 2020). Consistent only if the
    propensity model is right; reported next to the doubly robust estimate as a check.
    Standard error from the influence function including propensity estimation.

    Parameters
    ----------
    df, outcome, treatment, covariates, alpha, trim, pre_outcome, log1p_columns, ridge_alpha, metric, propensity_fits
        As in :func:`estimate_att_doubly_robust`.

    Returns
    -------
    dict
        Same keys as :func:`estimate_att_doubly_robust`.

    Examples
    --------
    >>> from campaignlab.data.simulate import simulate_customer_panel
    >>> panel = simulate_customer_panel(4000, true_att=5.0, confounding=1.0, seed=11)
    >>> r = estimate_att_ipw(panel, outcome="revenue", treatment="treatment",
    ...                      covariates=["pre_orders", "pre_revenue", "income_band"])
    >>> r["method"]
    'IPW ATT, normalized odds weights (Hajek), influence-function SE (propensity estimation included)'
    """
    res = _estimate_att(
        df, outcome=outcome, treatment=treatment, covariates=covariates, pre_outcome=pre_outcome,
        trim=trim, log1p_columns=log1p_columns, ridge_alpha=ridge_alpha, doubly_robust=False,
        propensity_fits=propensity_fits,
    )
    return _finish(res, metric or outcome, "IPW ATT, normalized odds weights (Hajek)", pre_outcome, alpha)


def _finish(res: dict, metric: str, base: str, pre_outcome: str | None, alpha: float) -> dict:
    d = res["d"]
    n = d.size
    se = float(np.std(res["influence"], ddof=1) / math.sqrt(n)) if res["ok"] else _NAN
    method = _method_text(base, pre_outcome, res["ps_info"], "influence-function SE (propensity estimation included)")
    if not res["ok"]:
        method = f"{base} (not estimable: fewer than two treated or untreated customers)"
    y_level = res["y_level"]
    mean_treat = float(y_level[d == 1].mean()) if (d == 1).any() else _NAN
    return _att_result(
        metric=metric,
        method=method,
        estimate=res["att"],
        se=se,
        alpha=alpha,
        n_treat=int((d == 1).sum()),
        n_control=int((d == 0).sum()),
        n_trimmed=res["n_trimmed"],
        mean_treat=mean_treat,
        propensity_regularized=bool(res["ps_info"]["regularized"]) if res["ps_info"] else False,
    )


def estimate_att_bootstrap(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    seed: int,
    n_boot: int = 200,
    alpha: float = 0.05,
    trim: tuple[float, float] | None = (0.01, 0.99),
    doubly_robust: bool = True,
    log1p_columns: Sequence[str] | None = None,
    metric: str | None = None,
) -> dict:
    """Doubly robust (or IPW) ATT with a nonparametric bootstrap percentile interval.

    Customers are resampled with replacement within the treated and the untreated
    group (so both stay present) and the whole pipeline, propensity fit and trimming
    included, is rerun on every resample (Efron & Tibshirani 1993, *An Introduction to
    the Bootstrap*, ch. 13). Slower than the influence-function interval of
    :func:`estimate_att_doubly_robust`; use it to cross-check that interval.

    Parameters
    ----------
    df, outcome, treatment, covariates, alpha, trim, log1p_columns, metric
        As in :func:`estimate_att_doubly_robust`.
    seed : int
        Seed for ``numpy.random.default_rng``.
    n_boot : int, default 200
        Number of bootstrap resamples.
    doubly_robust : bool, default True
        False bootstraps the IPW estimator instead.

    Returns
    -------
    dict
        Same keys as :func:`estimate_att_doubly_robust`; ``se`` is the bootstrap
        standard deviation, ``ci_low``/``ci_high`` the percentile interval and
        ``p_value`` the normal approximation ``2 * (1 - Phi(|estimate| / se))``.
        Also ``n_boot`` (successful resamples).

    Examples
    --------
    >>> from campaignlab.data.simulate import simulate_customer_panel
    >>> panel = simulate_customer_panel(1000, true_att=5.0, confounding=1.0, seed=2)
    >>> r = estimate_att_bootstrap(panel, outcome="revenue", treatment="treatment",
    ...                            covariates=["pre_revenue", "income_band"], seed=3, n_boot=50)
    >>> r["n_boot"], bool(r["ci_low"] < r["estimate"] < r["ci_high"])
    (50, True)
    """
    kwargs = dict(outcome=outcome, treatment=treatment, covariates=covariates, pre_outcome=None, trim=trim,
                  log1p_columns=log1p_columns, ridge_alpha=0.01, doubly_robust=doubly_robust)
    base = "doubly robust ATT (Sant'Anna & Zhao 2020)" if doubly_robust else "IPW ATT, normalized odds weights (Hajek)"
    full = _estimate_att(df, **kwargs)
    result = _finish(full, metric or outcome, base, None, alpha)
    if not full["ok"]:
        return {**result, "n_boot": 0}
    rng = np.random.default_rng(seed)
    _, d_all, _ = _prepare(df, outcome, treatment, covariates, None)
    data = df.loc[df[outcome].notna()]
    groups = [np.flatnonzero(d_all == 1), np.flatnonzero(d_all == 0)]
    draws = []
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
        rep = _estimate_att(data.iloc[idx].reset_index(drop=True), **kwargs)
        if rep["ok"] and np.isfinite(rep["att"]):
            draws.append(rep["att"])
    draws_arr = np.asarray(draws)
    se = float(np.std(draws_arr, ddof=1)) if draws_arr.size > 1 else _NAN
    low, high = (np.quantile(draws_arr, [alpha / 2, 1 - alpha / 2]) if draws_arr.size > 1 else (_NAN, _NAN))
    ok = np.isfinite(se) and se > 0
    return {
        **result,
        "method": _method_text(base, None, full["ps_info"], f"percentile bootstrap CI ({draws_arr.size} resamples)"),
        "ci_low": float(low),
        "ci_high": float(high),
        "se": se,
        "p_value": float(2 * stats.norm.sf(abs(result["estimate"] / se))) if ok else _NAN,
        "n_boot": int(draws_arr.size),
    }


