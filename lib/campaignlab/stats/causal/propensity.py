"""Propensity: part of :mod:`campaignlab.stats.causal`."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from campaignlab.formatting import require_columns
from campaignlab.stats.causal._common import _auto_log1p
from campaignlab.stats.effects import (
    _treatment_indicator,
    compute_covariate_matrix,
)


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


class PropensityFits:
    """One propensity fit per sample, shared by every estimator and metric that uses that sample.

    The doubly robust and IPW estimators, the balance and overlap diagnostics and the trimming refit all fit the
    same logistic regression when they see the same customers, covariates and treatment; a ``PropensityFits``
    passed to them (``propensity_fits=``) fits each distinct sample once and hands the same fit back. The key is
    the content of the design matrix, the treatment vector and the ridge penalty (a BLAKE2b digest of their bytes),
    so a different sample (a segment, the placebo window, a trimmed sample, another arm) gets its own fit and a
    reused fit is the very one a fresh call would compute. The arrays handed out are read-only.

    Examples
    --------
    >>> fits = PropensityFits()
    >>> X = np.column_stack([np.ones(6), [-1.5, -1.0, -0.5, 0.5, 1.0, 1.5]])
    >>> d = np.array([0, 1, 0, 1, 0, 1])
    >>> fits.fit(X, d, 0.01) is fits.fit(X.copy(), d.copy(), 0.01), fits.fitted, fits.reused
    (True, 1, 1)
    """

    def __init__(self) -> None:
        self.fits_: dict[bytes, dict] = {}
        self.fitted = 0
        self.reused = 0

    @staticmethod
    def _key(X: np.ndarray, d: np.ndarray, ridge_alpha: float) -> bytes:
        h = hashlib.blake2b(digest_size=20)
        for arr in (np.ascontiguousarray(X, dtype=float), np.ascontiguousarray(d, dtype=float)):
            h.update(repr(arr.shape).encode())
            h.update(arr.tobytes())
        h.update(repr(float(ridge_alpha)).encode())
        return h.digest()

    def fit(self, X: np.ndarray, d: np.ndarray, ridge_alpha: float) -> dict:
        """The fit of :func:`_fit_logit` for this sample: computed on first request, the same object after."""
        key = self._key(X, d, ridge_alpha)
        found = self.fits_.get(key)
        if found is not None:
            self.reused += 1
            return found
        fit = _fit_logit(X, d, ridge_alpha)
        for value in fit.values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        self.fits_[key] = fit
        self.fitted += 1
        return fit


def _logit(X: np.ndarray, d: np.ndarray, ridge_alpha: float, fits: PropensityFits | None) -> dict:
    return fits.fit(X, d, ridge_alpha) if fits is not None else _fit_logit(X, d, ridge_alpha)


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
    propensity_fits: PropensityFits | None = None,
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
    propensity_fits : PropensityFits, optional
        Reuse the fit of an estimator that saw the same sample (see :class:`PropensityFits`).

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
    require_columns(df.columns, [treatment, *covariates], "the customer table")
    d = _treatment_indicator(df[treatment], treatment)
    X, columns, logs = _propensity_design(df, covariates, log1p_columns)
    fit = _logit(X, d, ridge_alpha, propensity_fits)
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
    return fit["ps"].copy(), info


