"""Effect on the treated (ATT) when there is no randomized control group.

The campaign targeted some customers; the comparison group is eligible customers who
were not targeted. Under "no unmeasured confounding" given pre-period covariates, the
ATT is identified, and the headline estimator is the doubly robust ATT of Sant'Anna &
Zhao (2020), "Doubly robust difference-in-differences estimators", *Journal of
Econometrics* 219: a linear outcome regression fitted on the comparison group,
augmented with propensity-odds weights from a logistic regression. It is consistent
if either model is right, and its standard error comes from the estimator's influence
function, including the estimation of both nuisance models (so no bootstrap is needed;
:func:`estimate_att_bootstrap` is there to cross-check).

Input everywhere is a customer-level DataFrame: one row per customer, a 0/1 treatment
column, an outcome column and covariate columns (numeric, or text where a missing value
is its own level, see :func:`campaignlab.stats.effects.compute_covariate_matrix`).
Results are dicts with the same keys as :mod:`campaignlab.stats.effects`
(``metric, method, estimate, ci_low, ci_high, p_value, relative``), so naive,
difference-in-differences, regression and doubly robust estimates stack in one table.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from campaignlab.stats.effects import (
    _treatment_indicator,
    compute_adjusted_effect,
    compute_covariate_matrix,
    compute_mean_effect,
)

__all__ = [
    "compute_balance",
    "compute_overlap",
    "estimate_att_bootstrap",
    "estimate_att_doubly_robust",
    "estimate_att_ipw",
    "estimate_did",
    "estimate_linear_adjusted",
    "estimate_naive",
    "fit_propensity",
]

_NAN = float("nan")
SMD_THRESHOLD = 0.1  # Austin (2009), Statistics in Medicine 28, 3083-3107


def _require(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"Required column(s) {missing} missing from the customer table "
            f"(found: {', '.join(map(str, df.columns))})"
        )


def _auto_log1p(df: pd.DataFrame, covariates: Sequence[str]) -> list[str]:
    """Numeric, non-negative, right-skewed (skewness > 1) covariates: spend and counts."""
    out = []
    for col in covariates:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            continue
        x = s.dropna().to_numpy(dtype=float)
        if x.size > 2 and x.min() >= 0 and np.unique(x).size > 2 and stats.skew(x) > 1:
            out.append(col)
    return out


# ------------------------------------------------------------------------- propensity


def _fit_logit(X: np.ndarray, d: np.ndarray, ridge_alpha: float) -> dict:
    """Logistic regression of d on X (first column the intercept, others standardized).

    Returns fitted probabilities, parameters, the per-observation inverse Hessian used
    by the influence function, and whether the ridge fallback was used.
    """
    model = sm.GLM(d, X, family=sm.families.Binomial())
    reason = ""
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="ignore", divide="ignore"):
        warnings.simplefilter("always")
        try:
            # IRLS converges in under 10 iterations on well-posed data; running on to the default 100 only
            # delays the ridge fallback under separation (seconds per fit on wide designs).
            res = model.fit(maxiter=30)
            params = np.asarray(res.params)
            converged = bool(res.converged)
        except (np.linalg.LinAlgError, ValueError) as exc:  # singular or diverging IRLS
            params, converged, reason = None, False, f"maximum likelihood failed ({type(exc).__name__})"
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    if params is not None and (separated or not converged or not np.all(np.isfinite(params))):
        reason = "perfect or quasi-perfect separation" if separated else "maximum likelihood did not converge"
    penalty = np.zeros(X.shape[1])
    if reason:
        # Under separation the MLE does not exist (coefficients run to infinity and
        # propensities to exactly 0 or 1). A small ridge penalty on the standardized
        # slopes (not the intercept) gives finite, nearly unpenalized estimates
        # (le Cessie & van Houwelingen 1992, Applied Statistics 41).
        penalty[1:] = ridge_alpha
        with warnings.catch_warnings(), np.errstate(over="ignore", divide="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = model.fit_regularized(alpha=penalty, L1_wt=0.0)
        params = np.asarray(res.params)
        converged = True
    eta = np.clip(X @ params, -35, 35)
    ps = 1.0 / (1.0 + np.exp(-eta))
    n = X.shape[0]
    # statsmodels' elastic net minimizes -loglik/n + alpha/2 * |b|^2, so the per-observation
    # Hessian of the penalized objective is X'WX/n + diag(alpha).
    info_matrix = (X * (ps * (1 - ps))[:, None]).T @ X / n + np.diag(penalty)
    return {
        "ps": ps,
        "params": params,
        "hessian_inv": np.linalg.pinv(info_matrix),
        "penalty": penalty,
        "regularized": bool(reason),
        "reason": reason,
        "converged": converged,
    }


def _propensity_design(
    df: pd.DataFrame, covariates: Sequence[str], log1p_columns: Sequence[str] | None
) -> tuple[np.ndarray, list[str], list[str]]:
    logs = _auto_log1p(df, covariates) if log1p_columns is None else list(log1p_columns)
    Xdf = compute_covariate_matrix(df, covariates, log1p_columns=logs)
    X = Xdf.to_numpy(dtype=float)
    # Standardizing keeps IRLS well conditioned and makes one ridge penalty fit all columns.
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    X = np.column_stack([np.ones(len(df)), X])
    return X, ["const", *Xdf.columns], logs


def fit_propensity(
    df: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    log1p_columns: Sequence[str] | None = None,
    ridge_alpha: float = 0.01,
) -> tuple[np.ndarray, dict]:
    """Propensity scores P(treated | covariates) from a logistic regression.

    Maximum likelihood with statsmodels ``GLM(family=Binomial())`` on standardized
    covariates (Rosenbaum & Rubin 1983, *Biometrika* 70). If statsmodels reports
    perfect separation or the fit does not converge, the model is refitted with a
    small ridge penalty (``fit_regularized(L1_wt=0)``) and ``info["regularized"]`` says
    so. Text covariates become dummies with missing as its own level.

    Spend and frequency covariates are log1p-transformed by default: a logit linear in
    raw spend lets a handful of very heavy spenders drive propensities to 0 or 1,
    whereas targeting rules usually act on tiers or ranks, which a log scale follows
    much better. With ``log1p_columns=None`` every numeric covariate that is
    non-negative, has more than two distinct values and sample skewness above 1 is
    transformed; pass a list to choose explicitly, or ``()`` to transform none.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    treatment : str
        0/1 (or boolean) column, 1 = targeted.
    covariates : sequence of str
        Pre-treatment covariates.
    log1p_columns : sequence of str, optional
        Numeric covariates to log1p-transform; ``None`` = automatic (see above).
    ridge_alpha : float, default 0.01
        Ridge penalty (per observation, standardized scale) used only as a fallback.

    Returns
    -------
    ps : numpy.ndarray
        Propensity score per row, in the order of ``df``.
    info : dict
        ``method`` (text), ``regularized`` (bool), ``reason`` (why the fallback was
        used, else ""), ``converged``, ``columns`` (design columns, standardized),
        ``params`` (pandas.Series on the standardized scale), ``log1p_columns``,
        ``design`` (the design matrix), ``hessian_inv`` (per-observation inverse
        Hessian, for influence functions) and ``penalty``.

    Examples
    --------
    >>> from campaignlab.data.simulate import simulate_customer_panel
    >>> panel = simulate_customer_panel(2000, true_att=5.0, confounding=1.0, seed=7)
    >>> ps, info = fit_propensity(panel, treatment="treatment",
    ...                           covariates=["pre_orders", "pre_revenue", "income_band"])
    >>> info["log1p_columns"], info["regularized"]
    (['pre_orders', 'pre_revenue'], False)
    >>> bool(ps[panel.treatment == 1].mean() > ps[panel.treatment == 0].mean())
    True
    """
    _require(df, [treatment, *covariates])
    d = _treatment_indicator(df[treatment], treatment)
    X, columns, logs = _propensity_design(df, covariates, log1p_columns)
    fit = _fit_logit(X, d, ridge_alpha)
    method = "logistic regression (statsmodels GLM Binomial, maximum likelihood)"
    if fit["regularized"]:
        method = (
            f"ridge-penalized logistic regression (statsmodels fit_regularized, alpha={ridge_alpha}; "
            f"fallback because of {fit['reason']})"
        )
    info = {
        "method": method,
        "regularized": fit["regularized"],
        "reason": fit["reason"],
        "converged": fit["converged"],
        "columns": columns,
        "params": pd.Series(fit["params"], index=columns),
        "log1p_columns": logs,
        "design": X,
        "hessian_inv": fit["hessian_inv"],
        "penalty": fit["penalty"],
    }
    return fit["ps"], info


# ---------------------------------------------------------------------------- balance


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = w / w.sum()
    m = w @ x
    v = w @ (x - m) ** 2
    return m, v


def compute_balance(
    df: pd.DataFrame,
    *,
    treatment: str,
    covariates: Sequence[str],
    weights: Sequence[float] | np.ndarray | None = None,
    threshold: float = SMD_THRESHOLD,
    log1p_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Standardized mean differences of covariates before and after weighting.

    ``SMD = (mean_treated - mean_control) / sqrt((var_treated + var_control) / 2)``;
    after weighting the means are weighted but the denominator stays the unweighted
    one, so the two columns are comparable (Austin & Stuart 2015, *Statistics in
    Medicine* 34). Text covariates get one row per level (missing is a level). A row
    is balanced when ``|SMD| < threshold``, 0.1 by convention (Austin 2009).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    treatment : str
        0/1 (or boolean) column.
    covariates : sequence of str
        Covariates to check (raw scale, as a reader knows them).
    weights : array-like of float, optional
        Per-row weights (e.g. 1 for treated, ``ps / (1 - ps)`` for controls for the
        ATT). ``None``: only the unweighted SMD, ``smd_after`` is NaN.
    threshold : float, default 0.1
        Balance threshold for ``|SMD|``.
    log1p_columns : sequence of str, default ()
        Covariates to compare on the log1p scale (rows named ``log1p(<name>)``). Pass
        the propensity model's ``info["log1p_columns"]`` to judge balance on the scale
        the model was fitted on; raw-scale means of heavy-tailed spend stay noisy after
        weighting even when the model is right.

    Returns
    -------
    pandas.DataFrame
        Columns ``covariate, smd_before, smd_after, balanced``; ``balanced`` uses
        ``smd_after`` when weights are given, else ``smd_before``.
        ``attrs["balanced"]`` is the overall verdict (all rows balanced) and
        ``attrs["max_abs_smd"]`` the largest ``|SMD|`` it was judged on.

    Examples
    --------
    >>> d = pd.DataFrame({"t": [1, 1, 0, 0], "x": [2.0, 4.0, 1.0, 3.0]})
    >>> tab = compute_balance(d, treatment="t", covariates=["x"])
    >>> round(float(tab.loc[0, "smd_before"]), 4), tab.attrs["balanced"]
    (0.7071, False)
    >>> w = np.array([1.0, 1.0, 0.0, 1.0])  # reweighting controls to mean 3
    >>> float(compute_balance(d, treatment="t", covariates=["x"], weights=w)["smd_after"][0])
    0.0
    """
    _require(df, [treatment, *covariates])
    d = _treatment_indicator(df[treatment], treatment).astype(bool)
    Xdf = compute_covariate_matrix(df, covariates, drop_constant=True, drop_first=False, log1p_columns=log1p_columns)
    Xdf = Xdf.rename(columns={c: f"log1p({c})" for c in log1p_columns})
    X = Xdf.to_numpy(dtype=float)
    if d.all() or (~d).all():
        raise ValueError(f"Balance needs both treated and untreated rows in '{treatment}'")
    m_t, v_t = _weighted_mean_var(X[d], np.ones(d.sum()))
    m_c, v_c = _weighted_mean_var(X[~d], np.ones((~d).sum()))
    # Sample variances (ddof=1) as in Austin (2009).
    v_t = v_t * d.sum() / max(d.sum() - 1, 1)
    v_c = v_c * (~d).sum() / max((~d).sum() - 1, 1)
    denom = np.sqrt((v_t + v_c) / 2)

    def smd(diff: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = diff / denom
        return np.where(denom > 0, out, np.where(np.isclose(diff, 0), 0.0, np.inf))

    before = smd(m_t - m_c)
    if weights is None:
        after = np.full(before.shape, np.nan)
        judged = before
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(df),) or (w < 0).any() or not np.isfinite(w).all():
            raise ValueError(f"weights must be {len(df)} finite non-negative numbers, one per row")
        if w[d].sum() <= 0 or w[~d].sum() <= 0:
            raise ValueError("weights sum to zero in the treated or the untreated group")
        wm_t, _ = _weighted_mean_var(X[d], w[d])
        wm_c, _ = _weighted_mean_var(X[~d], w[~d])
        after = smd(wm_t - wm_c)
        judged = after
    table = pd.DataFrame(
        {
            "covariate": list(Xdf.columns),
            "smd_before": before,
            "smd_after": after,
            "balanced": np.abs(judged) < threshold,
        }
    )
    table.attrs["balanced"] = bool(table["balanced"].all())
    table.attrs["max_abs_smd"] = float(np.max(np.abs(judged))) if judged.size else 0.0
    table.attrs["threshold"] = threshold
    return table


# ---------------------------------------------------------------------------- overlap


def compute_overlap(ps: Sequence[float] | np.ndarray, treatment: Sequence[int] | np.ndarray) -> dict:
    """Common-support diagnostics of propensity scores for the ATT.

    Parameters
    ----------
    ps : array-like of float
        Propensity scores.
    treatment : array-like of {0, 1}
        Treatment indicator, same length.

    Returns
    -------
    dict
        ``n_treat, n_control``, ``ps_treat_min/max``, ``ps_control_min/max``,
        ``share_treated_outside_control_support`` (treated whose score is outside
        the controls' [min, max]), ``ess_control`` (Kish 1965 effective sample size
        of controls under ATT odds weights ``ps / (1 - ps)``: ``(sum w)^2 / sum w^2``)
        and ``ess_control_share = ess_control / n_control``; a small share means a
        few controls carry the comparison.

    Examples
    --------
    >>> ov = compute_overlap([0.2, 0.6, 0.9, 0.1, 0.5, 0.5], [1, 1, 1, 0, 0, 0])
    >>> round(ov["share_treated_outside_control_support"], 3), round(ov["ess_control"], 3)
    (0.667, 2.215)
    """
    p = np.asarray(ps, dtype=float)
    t = np.asarray(treatment).astype(float)
    if p.shape != t.shape:
        raise ValueError(f"ps and treatment differ in length ({p.size} vs {t.size})")
    pt, pc = p[t == 1], p[t == 0]
    out = {
        "n_treat": int(pt.size),
        "n_control": int(pc.size),
        "ps_treat_min": float(pt.min()) if pt.size else _NAN,
        "ps_treat_max": float(pt.max()) if pt.size else _NAN,
        "ps_control_min": float(pc.min()) if pc.size else _NAN,
        "ps_control_max": float(pc.max()) if pc.size else _NAN,
        "share_treated_outside_control_support": _NAN,
        "ess_control": _NAN,
        "ess_control_share": _NAN,
    }
    if pt.size and pc.size:
        outside = (pt < pc.min()) | (pt > pc.max())
        out["share_treated_outside_control_support"] = float(outside.mean())
    if pc.size:
        with np.errstate(divide="ignore"):
            w = pc / (1 - pc)
        if np.isfinite(w).all() and w.sum() > 0:
            out["ess_control"] = float(w.sum() ** 2 / (w**2).sum())
            out["ess_control_share"] = out["ess_control"] / pc.size
    return out


# ----------------------------------------------------------------- ATT: DR and IPW core


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
    _require(df, cols)
    keep = df[outcome].notna()
    if pre_outcome:
        keep &= df[pre_outcome].notna()
    data = df.loc[keep]
    d = _treatment_indicator(data[treatment], treatment)
    y = data[outcome].to_numpy(dtype=float)
    if pre_outcome:
        y = y - data[pre_outcome].to_numpy(dtype=float)
    return data, d, y


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
) -> dict:
    """Point estimate, influence function and bookkeeping shared by DR, IPW and bootstrap."""
    data, d, y = _prepare(df, outcome, treatment, covariates, pre_outcome)
    n_trimmed = 0
    if (d == 1).sum() < 2 or (d == 0).sum() < 2:
        return {"att": _NAN, "influence": None, "d": d, "y_level": data[outcome].to_numpy(float),
                "n_trimmed": 0, "ps_info": None, "ok": False}
    X_ps, _, logs = _propensity_design(data, covariates, log1p_columns)
    fit = _fit_logit(X_ps, d, ridge_alpha)
    if trim is not None:
        lo, hi = trim
        keep = (fit["ps"] >= lo) & (fit["ps"] <= hi)
        n_trimmed = int((~keep).sum())
        if n_trimmed:
            # Trimming follows Crump et al. (2009, Biometrika 96); refitting on the retained
            # sample makes the influence function describe the estimator actually used.
            data, d, y = data.loc[keep], d[keep], y[keep]
            if (d == 1).sum() < 2 or (d == 0).sum() < 2:
                return {"att": _NAN, "influence": None, "d": d, "y_level": data[outcome].to_numpy(float),
                        "n_trimmed": n_trimmed, "ps_info": None, "ok": False}
            X_ps, _, logs = _propensity_design(data, covariates, logs)
            fit = _fit_logit(X_ps, d, ridge_alpha)
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
) -> dict:
    """Inverse-probability-weighted ATT with normalized (Hajek) odds weights.

    Treated mean minus the control mean weighted by ``ps / (1 - ps)``, weights
    normalized to sum to one (Hirano, Imbens & Ridder 2003, *Econometrica* 71;
    the ``std_ipw_did_panel`` form of Sant'Anna & Zhao 2020). Consistent only if the
    propensity model is right; reported next to the doubly robust estimate as a check.
    Standard error from the influence function including propensity estimation.

    Parameters
    ----------
    df, outcome, treatment, covariates, alpha, trim, pre_outcome, log1p_columns, ridge_alpha, metric
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


# ------------------------------------------------------------- comparison estimators


def estimate_naive(df: pd.DataFrame, *, outcome: str, treatment: str, alpha: float = 0.05) -> dict:
    """Naive difference in means, targeted minus not targeted (Welch interval).

    Biased whenever targeting depends on anything that also drives the outcome; shown
    to make the size of the selection bias visible next to the adjusted estimates.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    outcome, treatment : str
        Outcome column and 0/1 treatment column.
    alpha : float, default 0.05
        Two-sided level.

    Returns
    -------
    dict
        As :func:`campaignlab.stats.effects.compute_mean_effect`, with ``method`` starting
        with ``"naive"``.

    Examples
    --------
    >>> d = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0], "y": [5.0, 7.0, 9.0, 1.0, 2.0, 3.0]})
    >>> r = estimate_naive(d, outcome="y", treatment="t")
    >>> r["estimate"], r["method"]
    (5.0, 'naive difference in means, Welch two-sample t-test (unequal variances, scipy)')
    """
    _require(df, [outcome, treatment])
    d = _treatment_indicator(df[treatment], treatment)
    y = df[outcome].to_numpy(dtype=float)
    res = compute_mean_effect(y[d == 1], y[d == 0], metric=outcome, alpha=alpha)
    res["method"] = f"naive difference in means, {res['method']}"
    return res


def estimate_did(
    df: pd.DataFrame, *, outcome: str, pre_outcome: str, treatment: str, alpha: float = 0.05
) -> dict:
    """Difference-in-differences on per-customer outcome changes (Welch interval).

    Mean of ``outcome - pre_outcome`` among the treated minus among the comparison
    group; valid under parallel trends (Card & Krueger 1994, *AER* 84). With spend
    whose seasonal swings scale with spend level and targeting on spend, parallel
    trends fails, which is why this sits in the sensitivity section.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    outcome, pre_outcome : str
        Campaign-period and pre-period outcome (same length of period).
    treatment : str
        0/1 treatment column.
    alpha : float, default 0.05
        Two-sided level.

    Returns
    -------
    dict
        As :func:`campaignlab.stats.effects.compute_mean_effect` on the changes, plus
        ``counterfactual_mean`` (treated campaign-period mean minus the estimate);
        ``mean_treat`` is the treated campaign-period mean and ``relative`` is the
        estimate over ``counterfactual_mean``.

    Examples
    --------
    >>> d = pd.DataFrame({"t": [1, 1, 0, 0], "pre": [10.0, 12.0, 5.0, 7.0],
    ...                   "post": [15.0, 17.0, 6.0, 8.0]})
    >>> estimate_did(d, outcome="post", pre_outcome="pre", treatment="t")["estimate"]
    4.0
    """
    _require(df, [outcome, pre_outcome, treatment])
    data = df[df[outcome].notna() & df[pre_outcome].notna()]
    d = _treatment_indicator(data[treatment], treatment)
    post = data[outcome].to_numpy(dtype=float)
    change = post - data[pre_outcome].to_numpy(dtype=float)
    res = compute_mean_effect(change[d == 1], change[d == 0], metric=outcome, alpha=alpha)
    mean_treat = float(post[d == 1].mean()) if (d == 1).any() else _NAN
    counterfactual = mean_treat - res["estimate"]
    res.update(
        method=f"difference-in-differences of per-customer changes, {res['method']}",
        mean_treat=mean_treat,
        mean_control=float(post[d == 0].mean()) if (d == 0).any() else _NAN,
        counterfactual_mean=counterfactual,
        relative=float(res["estimate"] / counterfactual) if np.isfinite(counterfactual) and counterfactual else _NAN,
    )
    return res


def estimate_linear_adjusted(
    df: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    alpha: float = 0.05,
) -> dict:
    """OLS of the outcome on treatment and covariates, heteroskedasticity-robust SE.

    The textbook regression adjustment (no interactions). Under unconfoundedness and a
    linear outcome model with a constant effect it estimates the ATT; with
    heterogeneous effects it is a variance-weighted average of effects, not the ATT
    (Angrist & Pischke 2009, *Mostly Harmless Econometrics*, section 3.3.1), which is
    why it is a sensitivity check rather than the headline.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    outcome, treatment : str
        Outcome column and 0/1 treatment column.
    covariates : sequence of str
        Covariates (text columns to dummies with missing as a level).
    alpha : float, default 0.05
        Two-sided level.

    Returns
    -------
    dict
        As :func:`campaignlab.stats.effects.compute_adjusted_effect` with
        ``interactions=False``.

    Examples
    --------
    >>> d = pd.DataFrame({"t": [0, 0, 0, 1, 1, 1], "x": [1.0, 2.0, 3.0, 2.0, 3.0, 4.0]})
    >>> d["y"] = 2 * d["x"] + 3 * d["t"] + [0.1, -0.2, 0.1, -0.1, 0.2, -0.1]
    >>> round(estimate_linear_adjusted(d, outcome="y", treatment="t", covariates=["x"])["estimate"], 2)
    3.0
    """
    res = compute_adjusted_effect(
        df, outcome=outcome, treatment=treatment, covariates=covariates, metric=outcome, alpha=alpha,
        interactions=False,
    )
    return res
