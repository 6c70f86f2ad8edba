"""Which test runs at which group sizes: part of :mod:`campaignlab.stats.effects`.

Small holdouts (a 10% control of a few hundred customers, or a segment of 30 per group) make
the tests that lean on large-sample normality reject far more often than they claim. The
rules here pick a test that keeps its level, and say when an interval is approximate. They
take plain numbers or numpy arrays, so ``benchmarks/calibration.py`` applies exactly the same
rules to every table it enumerates.

Rules
-----
Exact test
    A difference of proportions is tested with Fisher's exact test when the smallest expected
    cell count of the 2x2 table under no difference is below 5 (Cochran 1954, "Some methods
    for strengthening the common chi-square tests", *Biometrics* 10), else with the score test.
Regression adjustment (Lin 2013)
    Used for the headline only when all of these hold, else the unadjusted test leads:

    * the smaller arm has at least ``MIN_ADJUSTED_ARM`` (100) customers: below that the
      HC2 standard error of the interacted regression is itself too noisy (Imbens & Kolesar
      2016, "Robust standard errors in small samples", *Review of Economics and Statistics* 98);
    * at least ``MIN_EXPECTED_EVENTS`` (10) events are expected in the smaller arm at the
      pooled rate (for a 0/1 outcome also 10 non-events; for spend an event is a customer who
      spent anything);
    * the skewness of the difference in means is at most ``MAX_DIFFERENCE_SKEWNESS`` (0.2).
      For a single mean this is Cochran's rule n > 25 G1^2 (Cochran 1977, *Sampling
      Techniques*, 3rd ed., section 2.15); for a difference the third cumulant is
      ``k3 (1/n_t^2 - 1/n_c^2)``, so the skewness is
      ``G1 |1/n_t^2 - 1/n_c^2| / (1/n_t + 1/n_c)^(3/2)``: zero for equal arms, about
      ``G1 / sqrt(n_c)`` for a small control. Zero-inflated spend has G1 of 10-50, which is why
      the unpooled (Welch / HC2) variance fails with a 10% holdout even at 1,000 controls.

    All three are computed from the pooled outcomes, which do not depend on who was treated,
    so choosing the test this way does not bias its level.
Large-sample form of the permutation test
    An unadjusted difference in means is tested by permutation (exact at any size) up to
    ``PERMUTATION_MAX_CUSTOMERS`` (10,000) customers in the two groups, where its 9,999
    resamples take one to three seconds. Above that, and only where the three conditions above hold
    (the same conditions under which a normal interval is trusted), it is tested by Student's
    pooled-variance t-test: the normal limit of the permutation distribution, whose variance
    under no effect is the pooled one (Hajek 1961's combinatorial central limit theorem).
    ``benchmarks/calibration.py`` measures its level in the large cells; a permutation test
    over a million customers would take minutes per metric and segment.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

EXACT_BELOW_EXPECTED_COUNT = 5
FEW_EVENTS = 10
MIN_ADJUSTED_ARM = 100
MIN_EXPECTED_EVENTS = 10
MAX_DIFFERENCE_SKEWNESS = 0.2
PERMUTATION_MAX_CUSTOMERS = 10_000


def needs_exact_test(n_treat, n_control, events):
    """True where the smallest expected cell count of the 2x2 table is below 5.

    Parameters
    ----------
    n_treat, n_control : int or array of int
        Group sizes.
    events : int or array of int
        Events in both groups together.

    Returns
    -------
    bool or numpy.ndarray of bool

    Examples
    --------
    >>> bool(needs_exact_test(900, 100, 18)), bool(needs_exact_test(900, 100, 60))
    (True, False)
    """
    n_t, n_c, x = (np.asarray(v, dtype=float) for v in (n_treat, n_control, events))
    share = x / (n_t + n_c)
    expected = np.minimum(n_t, n_c) * np.minimum(share, 1 - share)
    out = expected < EXACT_BELOW_EXPECTED_COUNT
    return bool(out) if out.ndim == 0 else out


def few_events_warning(events_treat: int, events_control: int, nonevents_treat: int | None = None,
                       nonevents_control: int | None = None) -> str:
    """A sentence when a group has fewer than 10 events (or non-events), else ``""``.

    Examples
    --------
    >>> few_events_warning(18, 0)
    'fewer than 10 events in a group (18 in treatment, 0 in control): the interval is approximate'
    >>> few_events_warning(40, 30, 2, 50)
    'fewer than 10 non-events in a group (2 in treatment, 50 in control): the interval is approximate'
    >>> few_events_warning(40, 30)
    ''
    """
    pairs = [("events", events_treat, events_control)]
    if nonevents_treat is not None and nonevents_control is not None:
        pairs.append(("non-events", nonevents_treat, nonevents_control))
    for name, a, b in pairs:
        if min(a, b) < FEW_EVENTS:
            return (f"fewer than {FEW_EVENTS} {name} in a group ({a:,} in treatment, {b:,} in control): "
                    "the interval is approximate")
    return ""


def compute_difference_skewness(skewness, n_treat, n_control):
    """Skewness of a difference of two means from the outcome's skewness and the group sizes.

    Examples
    --------
    >>> round(float(compute_difference_skewness(10.0, 9000, 1000)), 3)
    0.267
    >>> float(compute_difference_skewness(10.0, 500, 500))
    0.0
    """
    g, n_t, n_c = (np.asarray(v, dtype=float) for v in (skewness, n_treat, n_control))
    return np.abs(g) * np.abs(1 / n_t**2 - 1 / n_c**2) / (1 / n_t + 1 / n_c) ** 1.5


def allows_adjustment(n_treat, n_control, expected_events, skewness):
    """True where the Lin (2013) adjusted estimate may lead (the rule in the module docstring).

    Parameters
    ----------
    n_treat, n_control : int or array of int
        Group sizes.
    expected_events : float or array
        Events (and, for a 0/1 outcome, non-events; the smaller) expected in the smaller arm at
        the pooled rate.
    skewness : float or array
        Skewness of the pooled outcome (``scipy.stats.skew``); NaN (a constant outcome) fails.

    Returns
    -------
    bool or numpy.ndarray of bool

    Examples
    --------
    >>> bool(allows_adjustment(200, 200, 60.0, 3.0)), bool(allows_adjustment(900, 100, 60.0, 3.0))
    (True, False)
    """
    n_t, n_c, e = (np.asarray(v, dtype=float) for v in (n_treat, n_control, expected_events))
    with np.errstate(invalid="ignore", divide="ignore"):
        skew = compute_difference_skewness(skewness, n_t, n_c)
    out = (np.minimum(n_t, n_c) >= MIN_ADJUSTED_ARM) & (e >= MIN_EXPECTED_EVENTS) & (skew <= MAX_DIFFERENCE_SKEWNESS)
    return bool(out) if out.ndim == 0 else out


def uses_large_sample_test(n_treat, n_control, expected_events, skewness):
    """True where a difference in means is tested by the permutation test's large-sample form.

    Above ``PERMUTATION_MAX_CUSTOMERS`` customers in the two groups, where
    :func:`allows_adjustment` holds (the rule in the module docstring).

    Examples
    --------
    >>> bool(uses_large_sample_test(90_000, 10_000, 500.0, 3.0)), bool(uses_large_sample_test(900, 100, 60.0, 3.0))
    (True, False)
    """
    n_t, n_c = (np.asarray(v, dtype=float) for v in (n_treat, n_control))
    out = (n_t + n_c > PERMUTATION_MAX_CUSTOMERS) & np.asarray(allows_adjustment(n_t, n_c, expected_events, skewness))
    return bool(out) if out.ndim == 0 else out


def compute_adjustment_check(y_treat, y_control, *, binary: bool) -> dict:
    """Whether regression adjustment may lead for these outcomes, with the numbers and the reason.

    Parameters
    ----------
    y_treat, y_control : array-like of float
        Per-customer outcomes (NaN ignored).
    binary : bool
        The outcome is 0/1 (then non-events count too).

    Returns
    -------
    dict
        ``allowed`` (bool), ``reason`` (a sentence), ``smaller_arm``, ``expected_events``,
        ``difference_skewness`` and ``large_sample`` (:func:`uses_large_sample_test`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> check = compute_adjustment_check(rng.random(900) < 0.02, rng.random(100) < 0.02, binary=True)
    >>> check["allowed"], check["reason"]
    (False, 'unadjusted: 2.4 events expected in the smaller arm (fewer than 10)')
    """
    yt = np.asarray(y_treat, dtype=float).ravel()
    yc = np.asarray(y_control, dtype=float).ravel()
    yt, yc = yt[~np.isnan(yt)], yc[~np.isnan(yc)]
    n_t, n_c = yt.size, yc.size
    pooled = np.concatenate([yt, yc])
    share = float(np.mean(pooled != 0)) if pooled.size else 0.0
    if binary:
        share = min(share, 1 - share)
    expected = min(n_t, n_c) * share
    skew = float(stats.skew(pooled)) if pooled.size > 2 and np.ptp(pooled) > 0 else float("nan")
    dskew = float(compute_difference_skewness(skew, n_t, n_c)) if n_t and n_c else float("nan")
    allowed = bool(n_t and n_c and allows_adjustment(n_t, n_c, expected, skew))
    if allowed:
        reason = (f"regression adjustment: smaller arm {min(n_t, n_c):,} customers, {expected:,.1f} events expected, "
                  f"skewness of the difference {dskew:.2f}")
    elif min(n_t, n_c) < MIN_ADJUSTED_ARM:
        reason = f"unadjusted: the smaller arm has {min(n_t, n_c):,} customers (fewer than {MIN_ADJUSTED_ARM})"
    elif expected < MIN_EXPECTED_EVENTS:
        reason = f"unadjusted: {expected:,.1f} events expected in the smaller arm (fewer than {MIN_EXPECTED_EVENTS})"
    else:
        reason = (f"unadjusted: the skewness of the difference in means is {dskew:.2f} (above "
                  f"{MAX_DIFFERENCE_SKEWNESS}), too skewed for a normal interval")
    large = bool(n_t and n_c and uses_large_sample_test(n_t, n_c, expected, skew))
    return {"allowed": allowed, "reason": reason, "smaller_arm": int(min(n_t, n_c)), "expected_events": expected,
            "difference_skewness": dskew, "large_sample": large}
