"""Multiple testing; sample-ratio mismatch; power: part of :mod:`campaignlab.stats.effects`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

# Module import (not ``from ... import test_proportions_2indep``): a name starting with
# ``test_`` in this namespace would be collected by pytest as a test.
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from campaignlab.stats.effects._common import _NAN


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
        # solve_power returns a one-element array instead of a number for some sizes (its root finder's fallback).
        d = float(np.ravel(TTestIndPower().solve_power(effect_size=None, nobs1=n_treat, ratio=ratio, alpha=alpha,
                                                       power=power))[0])
        out.update(mde=d * sd, effect_size=d)
    else:
        h = float(np.ravel(NormalIndPower().solve_power(effect_size=None, nobs1=n_treat, ratio=ratio, alpha=alpha,
                                                        power=power))[0])
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
    n_c = float(np.ravel(power_class.solve_power(effect_size=es, nobs1=None, ratio=ratio, alpha=alpha, power=power))[0])
    n_c_int = math.ceil(n_c - 1e-9)
    n_t_int = math.ceil(ratio * n_c - 1e-9)
    return {**out, "n_control": n_c_int, "n_treat": n_t_int, "n_total": n_c_int + n_t_int, "effect_size": es}


