"""Pooling campaign effects: a random-effects meta-analysis within groups of comparable campaigns.

Campaigns differ (audience, offer, season), so their true effects differ too; a fixed-effect pool assumes they share
one and gives an interval that is too narrow when they do not: for equally precise campaigns the random-effects
variance is ``1 / (1 - I^2)`` times the fixed-effect one, so at I-squared = 0.84 the fixed-effect interval is 2.5 times
too narrow (more when the campaigns' precisions differ). The pool here is the DerSimonian-Laird random-effects estimate [1]_ with I-squared [2]_ and the
between-campaign variance tau-squared reported beside it, and only campaigns that measure the same thing are pooled:
the same campaign type, the same design (holdout or matched), the same window kind (the windows the effect covers and
whether the data observe them fully) and window lengths within 25% of each other. Revenue per customer over an
8-week window is not the same quantity as over a 2-week one.

Only verdicts whose trust supports a causal reading are pooled: ``randomized`` (a holdout whose split matches the
plan) and ``adjusted`` (a matched comparison that passed every check). An ``indicative`` verdict describes a
difference between groups that may be selection; averaging several biased differences gives a narrower interval
around the same bias, which would read as a firmer effect than any one campaign shows. Indicative campaigns are
therefore listed by :func:`compute_unpooled` with that reason and read on their own; so are verdicts without a trust
level (summaries before version 2) and ``not_estimable`` ones.

Everything here is pure: tables in, tables out.

References
----------
.. [1] DerSimonian, R. & Laird, N. (1986). "Meta-analysis in clinical trials." *Controlled Clinical Trials* 7(3),
       177-188.
.. [2] Higgins, J. P. T. & Thompson, S. G. (2002). "Quantifying heterogeneity in a meta-analysis." *Statistics in
       Medicine* 21(11), 1539-1558.
.. [3] Borenstein, M., Hedges, L. V., Higgins, J. P. T. & Rothstein, H. R. (2009). *Introduction to Meta-Analysis*.
       Wiley, chapters 12-13 (the random-effects model) and 16 (I-squared).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "MAX_LENGTH_RATIO",
    "POOLED_COLUMNS",
    "POOLING_METHOD",
    "compute_pooled_effects",
    "compute_pooling_groups",
    "compute_random_effects_pool",
    "compute_unpooled",
]

POOLED_COLUMNS = ("group", "method", "estimate", "ci_low", "ci_high", "i2", "tau2", "campaigns")
#: Trust levels whose verdicts may be pooled (both support a causal reading); each forms its own groups.
POOLABLE_TRUST = ("randomized", "adjusted")
#: Campaigns are pooled only when the longest window is at most this many times the shortest.
MAX_LENGTH_RATIO = 1.25
POOLING_METHOD = (
    "random-effects pool (DerSimonian-Laird tau-squared, statsmodels combine_effects), normal 95% interval; each "
    "campaign's standard error from its 95% interval; only randomized or adjusted verdicts (indicative ones are "
    "listed, not pooled) of the same type, design, trust and window kind with window lengths within 25% of each other "
    "are pooled; I-squared is the share of the spread beyond chance and "
    "tau-squared the variance of the true effects between campaigns"
)

_Z95 = 1.959963984540054
_EFFECT = ("revenue_per_customer", "revenue_per_customer_ci_low", "revenue_per_customer_ci_high")


def compute_random_effects_pool(estimates: Sequence[float], variances: Sequence[float], *,
                                alpha: float = 0.05) -> dict[str, float]:
    """DerSimonian-Laird random-effects pool of independent estimates [1]_, with I-squared [2]_ and tau-squared.

    ``tau2 = max(0, (Q - (k - 1)) / (sum(w) - sum(w ** 2) / sum(w)))`` with ``w = 1 / variance`` and ``Q`` Cochran's
    heterogeneity statistic; the pool weighs each estimate by ``1 / (variance + tau2)``. statsmodels'
    ``combine_effects(method_re="dl")`` computes it but leaves a negative tau-squared as it is (when ``Q < k - 1``);
    DerSimonian and Laird truncate it at 0, where the random-effects pool is the fixed-effect one, so that row is
    reported then. I-squared ``(Q - (k - 1)) / Q`` is floored at 0 the same way.

    Parameters
    ----------
    estimates : sequence of float
        One effect per campaign (at least two).
    variances : sequence of float
        Their sampling variances (squared standard errors), all positive.
    alpha : float
        1 - the interval's coverage.

    Returns
    -------
    dict
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``i2``, ``tau2``, ``q`` and ``k`` (the number of estimates).

    Examples
    --------
    >>> pool = compute_random_effects_pool([1.0, 4.0, 2.0], [1.0, 1.0, 0.25])
    >>> {k: round(v, 3) for k, v in pool.items()}
    {'estimate': 2.276, 'se': 0.732, 'ci_low': 0.841, 'ci_high': 3.711, 'i2': 0.586, 'tau2': 0.944, 'q': 4.833, 'k': 3}
    """
    from statsmodels.stats.meta_analysis import combine_effects

    est = np.asarray(estimates, dtype="float64")
    var = np.asarray(variances, dtype="float64")
    if est.ndim != 1 or est.shape != var.shape or len(est) < 2:
        raise ValueError(f"need at least two estimates with one variance each (got {est.size} and {var.size})")
    if not (np.isfinite(est).all() and np.isfinite(var).all() and (var > 0).all()):
        raise ValueError("estimates must be finite and variances finite and positive")
    with warnings.catch_warnings():
        # statsmodels also fills rows not reported here; with a negative tau-squared their variances can be negative.
        warnings.simplefilter("ignore", RuntimeWarning)
        res = combine_effects(est, var, method_re="dl", alpha=alpha)
        tau2 = float(res.tau2)
        row = res.summary_frame(alpha=alpha).loc["random effect" if tau2 > 0 else "fixed effect"]
    return {"estimate": float(row["eff"]), "se": float(row["sd_eff"]), "ci_low": float(row["ci_low"]),
            "ci_high": float(row["ci_upp"]), "i2": max(0.0, float(res.i2)), "tau2": max(0.0, tau2),
            "q": float(res.q), "k": len(est)}


def _measurable(table: pd.DataFrame) -> pd.Series:
    """Rows with an estimate, a positive-width interval and a known design, window kind and window length."""
    est, low, high = (table[c].astype("float64") for c in _EFFECT)
    days = table["window_days"].astype("float64")
    return (est.notna() & (high - low > 0) & table["design"].notna() & table["window_kind"].notna()
            & days.notna() & (days > 0))


def _trusted(table: pd.DataFrame) -> pd.Series:
    """Rows whose verdict's trust supports pooling (randomized or adjusted)."""
    trust = table["trust"] if "trust" in table else pd.Series(None, index=table.index, dtype="object")
    return trust.isin(POOLABLE_TRUST)


def _poolable(table: pd.DataFrame) -> pd.Series:
    return _measurable(table) & _trusted(table)


def compute_unpooled(table: pd.DataFrame, *, max_ratio: float = MAX_LENGTH_RATIO) -> pd.DataFrame:
    """The campaigns left out of every pool, each with the reason in words.

    Examples
    --------
    >>> t = pd.DataFrame({"campaign_id": ["a", "b", "c"], "type": "A", "design": "matched",
    ...                   "window_kind": "campaign window", "window_days": 56, "trust": ["indicative", "adjusted", None],
    ...                   "revenue_per_customer": 1.0, "revenue_per_customer_ci_low": 0.0,
    ...                   "revenue_per_customer_ci_high": 2.0})
    >>> compute_unpooled(t)["reason"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['indicative: a difference between groups, not an effect; averaging biased comparisons is not pooled',
     'no comparable campaign of the same type, design, trust and window length',
     'no trust level (summary before version 2): not pooled']
    """
    groups = compute_pooling_groups(table, max_ratio=max_ratio)
    trust = table["trust"] if "trust" in table else pd.Series(None, index=table.index, dtype="object")
    measurable = _measurable(table)
    rows = []
    for idx in table.index[groups.isna()]:
        t = trust.at[idx]
        if not measurable.at[idx]:
            reason = "no estimate with an interval to pool"
        elif t == "indicative":
            reason = "indicative: a difference between groups, not an effect; averaging biased comparisons is not pooled"
        elif t in POOLABLE_TRUST:
            reason = "no comparable campaign of the same type, design, trust and window length"
        elif t is None or (isinstance(t, float) and np.isnan(t)):
            reason = "no trust level (summary before version 2): not pooled"
        else:
            reason = f"trust {str(t).replace('_', ' ')}: not pooled"
        rows.append({"campaign_id": table.at[idx, "campaign_id"], "trust": t, "reason": reason})
    return pd.DataFrame(rows, columns=["campaign_id", "trust", "reason"])


def _days(low: float, high: float) -> str:
    return f"{low:.0f} days" if low == high else f"{low:.0f}-{high:.0f} days"


def compute_pooling_groups(table: pd.DataFrame, *, max_ratio: float = MAX_LENGTH_RATIO) -> pd.Series:
    """Which campaigns may be pooled together: a group label per campaign, None where it cannot be pooled.

    Only randomized or adjusted verdicts (``trust``) are grouped; each trust level forms its own groups.
    Campaigns share a group when they have the same ``type``, ``design``, ``trust`` and ``window_kind``, and window lengths
    (``window_days``) within ``max_ratio`` of each other. Within a type, design and window kind the campaigns are
    sorted by window length and a new group starts at the first one longer than ``max_ratio`` times the group's
    shortest, so in every group the longest window is at most ``max_ratio`` times the shortest. A campaign without
    an estimate, an interval of positive width, a design or a window gets None; so does one alone in its group.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`campaignlab.stats.portfolio.compute_campaign_table` (``campaign_id``, ``type``,
        ``design``, ``window_kind``, ``window_days``, ``revenue_per_customer`` and its interval).
    max_ratio : float
        Longest / shortest window allowed in one group.

    Returns
    -------
    pandas.Series
        Aligned with ``table``: labels such as ``"type A, holdout, campaign window, 28-31 days"`` or None.

    Examples
    --------
    >>> t = pd.DataFrame({"campaign_id": ["a", "b", "c", "d"], "type": "A", "design": "holdout",
    ...                   "trust": "randomized", "window_kind": "campaign window", "window_days": [28, 31, 56, 60],
    ...                   "revenue_per_customer": 1.0, "revenue_per_customer_ci_low": 0.0,
    ...                   "revenue_per_customer_ci_high": 2.0})
    >>> compute_pooling_groups(t).tolist()
    ['type A, holdout, randomized, campaign window, 28-31 days', \
'type A, holdout, randomized, campaign window, 28-31 days', \
'type A, holdout, randomized, campaign window, 56-60 days', \
'type A, holdout, randomized, campaign window, 56-60 days']
    """
    labels = pd.Series([None] * len(table), index=table.index, dtype="object")
    if table.empty:
        return labels
    ok = table[_poolable(table)]
    if ok.empty:
        return labels
    kinds = ok.assign(type=ok["type"].fillna("unknown").astype(str), _days=ok["window_days"].astype("float64"))
    for (kind, design, trust, window), part in kinds.groupby(["type", "design", "trust", "window_kind"], sort=True):
        part = part.sort_values(["_days", "campaign_id"], kind="stable")
        clusters: list[list] = []
        for idx, days in part["_days"].items():
            if not clusters or days > max_ratio * part.at[clusters[-1][0], "_days"]:
                clusters.append([])
            clusters[-1].append(idx)
        for members in clusters:
            if len(members) < 2:
                continue
            span = _days(part.at[members[0], "_days"], part.at[members[-1], "_days"])
            labels.loc[members] = f"type {kind}, {design}, {trust}, {window}, {span}"
    return labels


def compute_pooled_effects(table: pd.DataFrame, *, max_ratio: float = MAX_LENGTH_RATIO) -> pd.DataFrame:
    """Random-effects pools of the campaigns' headline revenue per customer, one row per group of comparable campaigns.

    Groups come from :func:`compute_pooling_groups` (randomized or adjusted verdicts of the same type, design, trust
    and window kind; window lengths within 25%);
    each is pooled with :func:`compute_random_effects_pool`. A campaign's standard error is recovered from its 95%
    interval as ``(ci_high - ci_low) / (2 * 1.96)``, which assumes a symmetric normal interval. A campaign in no
    group is not pooled with anything: read it on its own.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`campaignlab.stats.portfolio.compute_campaign_table`.
    max_ratio : float
        Longest / shortest window allowed in one group.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``method``, ``estimate``, ``ci_low``, ``ci_high`` (95%), ``i2``, ``tau2`` and ``campaigns`` (the
        pooled campaign ids, sorted), sorted by group; empty (with these columns) when no two campaigns are comparable.

    Examples
    --------
    >>> t = pd.DataFrame({"campaign_id": ["a", "b", "c"], "type": "A", "design": "holdout", "trust": "randomized",
    ...                   "window_kind": "campaign window", "window_days": [28, 30, 56],
    ...                   "revenue_per_customer": [1.0, 3.0, 2.0],
    ...                   "revenue_per_customer_ci_low": [1.0 - _Z95, 3.0 - _Z95, 0.0],
    ...                   "revenue_per_customer_ci_high": [1.0 + _Z95, 3.0 + _Z95, 4.0]})
    >>> out = compute_pooled_effects(t)  # c's 56-day window is more than 25% longer: c stays on its own
    >>> print(out[["group", "estimate", "i2", "tau2", "campaigns"]].round(2).to_string(index=False))
                                                       group  estimate  i2  tau2 campaigns
    type A, holdout, randomized, campaign window, 28-30 days       2.0 0.5   1.0    [a, b]
    """
    groups = compute_pooling_groups(table, max_ratio=max_ratio)
    rows = []
    for label in sorted(groups.dropna().unique()):
        part = table[groups == label]
        est, low, high = (part[c].astype("float64").to_numpy() for c in _EFFECT)
        se = (high - low) / (2 * _Z95)
        pool = compute_random_effects_pool(est, se ** 2)
        rows.append({"group": label, "method": POOLING_METHOD, "estimate": pool["estimate"],
                     "ci_low": pool["ci_low"], "ci_high": pool["ci_high"], "i2": pool["i2"], "tau2": pool["tau2"],
                     "campaigns": sorted(map(str, part["campaign_id"]))})
    return pd.DataFrame(rows, columns=list(POOLED_COLUMNS))
