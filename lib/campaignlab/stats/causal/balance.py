"""Balance; overlap: part of :mod:`campaignlab.stats.causal`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from campaignlab.formatting import require_columns
from campaignlab.stats.causal._common import _NAN, SMD_THRESHOLD
from campaignlab.stats.effects import (
    _treatment_indicator,
    compute_covariate_matrix,
)


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
    require_columns(df.columns, [treatment, *covariates], "the customer table")
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


