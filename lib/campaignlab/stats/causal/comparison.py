"""Comparison estimators: part of :mod:`campaignlab.stats.causal`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from campaignlab.formatting import require_columns
from campaignlab.stats.causal._common import _NAN
from campaignlab.stats.effects import (
    _treatment_indicator,
    compute_adjusted_effect,
    compute_mean_effect,
)


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
    require_columns(df.columns, [outcome, treatment], "the customer table")
    d = _treatment_indicator(df[treatment], treatment)
    y = df[outcome].to_numpy(dtype=float)
    # Welch, not the permutation test: without randomization the groups are not exchangeable, and
    # the question is whether the means differ, which Welch's interval answers.
    res = compute_mean_effect(y[d == 1], y[d == 0], metric=outcome, alpha=alpha, method="welch")
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
    require_columns(df.columns, [outcome, pre_outcome, treatment], "the customer table")
    data = df[df[outcome].notna() & df[pre_outcome].notna()]
    d = _treatment_indicator(data[treatment], treatment)
    post = data[outcome].to_numpy(dtype=float)
    change = post - data[pre_outcome].to_numpy(dtype=float)
    res = compute_mean_effect(change[d == 1], change[d == 0], metric=outcome, alpha=alpha, method="welch")
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
