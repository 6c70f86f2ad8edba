"""One verdict per campaign: the effect every page acts on, over which window, and how far it can be trusted.

The verdict is the primary metric's effect of all treated arms together against the comparison group, over the
campaign window, with a trust level that says what the design supports:

- ``randomized``: a randomized holdout whose split matches the plan (sample-ratio check passed);
- ``adjusted``: a matched comparison where every check passes (balance after weighting, enough effective
  comparison customers, little trimming, doubly robust and IPW agree, few targeted customers in overlapping
  campaigns, a pre-period placebo finds no effect);
- ``indicative``: a comparison with a failed check, each failure said in one plain sentence;
- ``not_estimable``: no comparison could be formed, with the reason.

Only ``randomized`` and ``adjusted`` verdicts speak of causes (:data:`CAUSAL_VERBS`); an ``indicative`` one
describes a difference between groups. :func:`find_silent_arms` finds arms whose numbers point at the data rather
than the campaign (no buyer where the other arms' rate expects many): such an arm makes the verdict indicative.

References
----------
.. [1] Austin, P. C. (2009). "Balance diagnostics for comparing the distribution of baseline covariates between
       treatment groups in propensity-score matched samples." *Statistics in Medicine*, 28(25), 3083-3107.
.. [2] Kish, L. (1965). *Survey Sampling*. Wiley. (Effective sample size of a weighted group.)
.. [3] Crump, R. K., Hotz, V. J., Imbens, G. W., & Mitnik, O. A. (2009). "Dealing with limited overlap in
       estimation of average treatment effects." *Biometrika*, 96(1), 187-199.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from campaignlab.formatting import as_number

__all__ = [
    "CAUSAL_VERBS",
    "TRUST_LEVELS",
    "Verdict",
    "assess_trust",
    "compose_verdict_sentence",
    "effective_sample_size",
]

TRUST_LEVELS = ("randomized", "adjusted", "indicative", "not_estimable")
#: Verbs that claim a cause; only randomized and adjusted verdicts may use them.
CAUSAL_VERBS = ("raised", "lowered", "increased", "decreased", "caused", "drove", "generated", "lifted", "cut")
#: Matched-design checks (see the module docstring).
MIN_EFFECTIVE_COMPARISON = 100
MAX_TRIMMED_SHARE = 0.10
MIN_NOT_OVERLAPPING_SHARE = 0.5

METRIC_LABELS = {
    "revenue_per_customer": "revenue per customer",
    "conversion_rate": "conversion rate",
    "response_rate": "response rate",
}


@dataclass
class Verdict:
    """The campaign's one verdict, as every page shows it (``response.verdict`` in summary.json)."""

    arm: str
    metric: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    window: dict[str, str]
    method: str
    trust: str
    trust_reasons: list[str]
    sentence: str
    arms: list[dict[str, Any]] = field(default_factory=list)
    #: Caveat of the estimate itself (e.g. fewer than 10 events in a group: the interval is approximate).
    warning: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of a weighted group, ``(sum w)^2 / sum w^2`` [2]_.

    Examples
    --------
    >>> effective_sample_size(np.ones(50))
    50.0
    >>> round(effective_sample_size(np.array([1.0, 1.0, 10.0])), 2)
    1.41
    """
    w = np.asarray(weights, dtype=float)
    w = w[np.isfinite(w) & (w > 0)]
    return float(w.sum() ** 2 / (w**2).sum()) if w.size else 0.0


def _covers_zero(row: dict | None) -> bool:
    lo, hi = as_number((row or {}).get("ci_low")), as_number((row or {}).get("ci_high"))
    return not (lo > 0 or hi < 0)


def assess_trust(design: str | None, *, srm: dict | None = None, planned_split: bool = False,
                 diagnostics: dict | None = None, doubly_robust: dict | None = None, ipw: dict | None = None,
                 treated: int = 0, in_overlapping: int = 0, placebo: dict | None = None,
                 not_estimable_reason: str = "", silent_arms: list[dict] | None = None) -> tuple[str, list[str]]:
    """The trust level of a design's estimate and, for each failed check, one plain sentence.

    Parameters
    ----------
    design : {"holdout", "matched"} or None
        None when no comparison could be formed.
    srm : dict, optional
        Holdout: the sample-ratio check (``passed``, ``p_value``).
    planned_split : bool
        Holdout: whether ``response.planned_split`` was set (else the check assumed an equal split).
    diagnostics : dict, optional
        Matched: ``balanced``, ``max_abs_smd_after``, ``threshold``, ``effective_comparison``, ``trimmed_treated``.
    doubly_robust, ipw : dict, optional
        Matched: the two estimates of the verdict's metric (``estimate``, ``ci_low``, ``ci_high``).
    treated, in_overlapping : int
        Matched: targeted customers, and those also in an overlapping campaign.
    placebo : dict, optional
        Matched: the pre-period placebo estimate (``ci_low``, ``ci_high``), or None when it could not be run.
    not_estimable_reason : str
        Why no comparison could be formed.
    silent_arms : list of dict, optional
        Either design: :func:`find_silent_arms` of the arms compared. An arm without a buyer where many were
        expected points at the data (an export that lost its transactions), so no design makes its comparison an
        effect: the verdict is indicative, as for a failed sample-ratio check.

    Returns
    -------
    (str, list of str)
        One of :data:`TRUST_LEVELS`, and the reasons it is not higher.

    Examples
    --------
    >>> assess_trust("holdout", srm={"passed": True, "p_value": 0.4}, planned_split=True)
    ('randomized', [])
    >>> level, why = assess_trust("holdout", srm={"passed": False, "p_value": 1e-6})
    >>> level, why[0][:40]
    ('indicative', 'The split of customers between the arms ')
    """
    if design is None:
        return "not_estimable", [not_estimable_reason or "no comparison group could be formed"]
    silent = [f"Arm {a['arm']} has no buyer among its {a['customers']:,} customers, where the other arms' rate "
              f"would give about {a['expected']:,.0f}: the data probably lacks this arm's transactions (check the "
              "export and its customer ids)." for a in silent_arms or []]
    if design == "holdout":
        if srm is None or srm.get("passed") is not False:
            return ("indicative" if silent else "randomized"), silent
        hint = "" if planned_split else (" The check assumed an equal split: if the split was planned otherwise, "
                                         "set response.planned_split in the params file.")
        return "indicative", [f"The split of customers between the arms differs from the plan (sample-ratio check "
                              f"p = {as_number(srm.get('p_value')):.2g}): the assignment may not be random.{hint}",
                              *silent]
    reasons = _matched_failures(diagnostics or {}, doubly_robust, ipw, treated, in_overlapping, placebo) + silent
    return ("indicative" if reasons else "adjusted"), reasons


def _matched_failures(d: dict, dr: dict | None, ipw: dict | None, treated: int, in_overlapping: int,
                      placebo: dict | None) -> list[str]:
    reasons = []
    smd, threshold = as_number(d.get("max_abs_smd_after")), as_number(d.get("threshold", 0.1))
    if not d.get("balanced"):
        reasons.append(f"After weighting, targeted and comparison customers still differ (largest standardized "
                       f"difference {smd:.2f}, against {threshold:g}) [Austin 2009].")
    before = as_number(d.get("max_abs_smd_before"))
    if smd > before:
        reasons.append(f"Weighting made the groups less alike, not more (largest standardized difference {before:.2f} "
                       f"before weighting, {smd:.2f} after): the propensity model does not describe the targeting.")
    ess = as_number(d.get("effective_comparison"))
    if not ess >= MIN_EFFECTIVE_COMPARISON:
        reasons.append(f"The weighted comparison group counts as only {ess:,.0f} customers (Kish effective size; "
                       f"at least {MIN_EFFECTIVE_COMPARISON} needed): a few customers carry the comparison.")
    trimmed = as_number(d.get("trimmed_treated"))
    if treated and trimmed / treated > MAX_TRIMMED_SHARE:
        reasons.append(f"{trimmed / treated:.0%} of the targeted customers have no comparable untargeted customers "
                       f"and were left out (more than {MAX_TRIMMED_SHARE:.0%}).")
    if dr and ipw and not (_covers_zero(dr) and _covers_zero(ipw)):
        same_sign = math.copysign(1, as_number(dr.get("estimate"))) == math.copysign(1, as_number(ipw.get("estimate")))
        if not same_sign:
            reasons.append(f"The doubly robust ({as_number(dr.get('estimate')):+,.2f}) and inverse-probability-weighted "
                           f"({as_number(ipw.get('estimate')):+,.2f}) estimates disagree in sign.")
    if treated and in_overlapping / treated > 1 - MIN_NOT_OVERLAPPING_SHARE:
        reasons.append(f"{in_overlapping:,} of the {treated:,} targeted customers were also in an overlapping "
                       "campaign: part of the difference may be the other campaigns'.")
    if placebo is None:
        reasons.append("The data have too little history for a placebo test (the same estimator one pre-period "
                       "earlier, before the campaign could act), so hidden differences between the groups are not "
                       "ruled out.")
    elif not _covers_zero(placebo):
        reasons.append(f"A placebo test on the pre-period, before the campaign could act, finds a difference of "
                       f"{as_number(placebo.get('estimate')):+,.2f} (95% CI {as_number(placebo.get('ci_low')):+,.2f} "
                       f"to {as_number(placebo.get('ci_high')):+,.2f}): the groups differ in ways the adjustment "
                       "does not capture.")
    return reasons


def compose_verdict_sentence(trust: str, *, metric: str, estimate: float, ci_low: float, ci_high: float,
                             method: str, window_label: str, reasons: list[str], compared_with: str) -> str:
    """The verdict in one or two sentences, with causal verbs only where the trust level supports them.

    Examples
    --------
    >>> compose_verdict_sentence("randomized", metric="revenue_per_customer", estimate=4.0, ci_low=1.0,
    ...                          ci_high=7.0, method="Welch", window_label="campaign window", reasons=[],
    ...                          compared_with="the randomized holdout")
    'The campaign raised revenue per customer by 4.00 in the campaign window (95% CI +1.00 to +7.00; Welch).'
    >>> s = compose_verdict_sentence("indicative", metric="revenue_per_customer", estimate=-10.0, ci_low=-30.0,
    ...                              ci_high=10.0, method="DR", window_label="campaign window",
    ...                              reasons=["Balance failed."], compared_with="comparable untargeted customers")
    >>> s.startswith("Targeted customers spent 10.00 less per customer than comparable untargeted customers")
    True
    >>> any(v in s.split() for v in CAUSAL_VERBS)
    False
    """
    label = METRIC_LABELS.get(metric, metric.replace("_", " "))
    est, lo, hi = as_number(estimate), as_number(ci_low), as_number(ci_high)
    ci = f"95% CI {lo:+,.2f} to {hi:+,.2f}; {method}"
    if trust == "not_estimable" or math.isnan(est):
        return f"The effect of this campaign on {label} cannot be estimated: {'; '.join(reasons) or 'no estimate'}."
    if trust in ("randomized", "adjusted"):
        if lo > 0 or hi < 0:
            verb = "raised" if est > 0 else "lowered"
            return f"The campaign {verb} {label} by {abs(est):,.2f} in the {window_label} ({ci})."
        return (f"We cannot tell whether the campaign changed {label}: the estimate is {est:+,.2f} in the "
                f"{window_label}, but its interval includes zero ({ci}).")
    more = "more" if est >= 0 else "less"
    what = ("spent" if metric == "revenue_per_customer" else f"had a {label}")
    amount = f"{abs(est):,.2f} {more} per customer" if metric == "revenue_per_customer" else (
        f"{abs(est):.1%} {'higher' if est >= 0 else 'lower'}")
    because = " ".join(r.rstrip(".") + "." for r in reasons[:2])
    return (f"Targeted customers {what} {amount} than {compared_with} in the {window_label} ({ci}). This is "
            f"indicative only, not a measured effect of the campaign: {because}")


#: How many buyers an arm would be expected to have, at the other arms' conversion rate, before its having none is
#: flagged: the chance of none when about 10 are expected is below 1e-4 (Poisson, e**-10).
SILENT_ARM_EXPECTED_BUYERS = 10.0


def find_silent_arms(arms: pd.DataFrame) -> list[dict]:
    """Arms without a single buyer while the other arms' conversion rate would give them at least
    :data:`SILENT_ARM_EXPECTED_BUYERS`: more often an export that lost the arm's transactions (or ids that do not
    match them) than a campaign that stopped everyone buying. Each: ``arm``, ``customers`` and ``expected`` buyers.

    Examples
    --------
    >>> arms = pd.DataFrame({"arm": ["control", "mail"], "customers": [2000, 2000], "converters": [300, 0]})
    >>> find_silent_arms(arms)
    [{'arm': 'mail', 'customers': 2000, 'expected': 300.0}]
    >>> find_silent_arms(arms.assign(converters=[3, 0]))  # 3 expected: none is not unusual
    []
    """
    out = []
    for a in arms.itertuples():
        if a.converters != 0:
            continue
        rest = arms[arms["arm"] != a.arm]
        rate = rest["converters"].sum() / rest["customers"].sum() if rest["customers"].sum() else 0.0
        expected = float(rate * a.customers)
        if expected >= SILENT_ARM_EXPECTED_BUYERS:
            out.append({"arm": a.arm, "customers": int(a.customers), "expected": round(expected, 1)})
    return out
