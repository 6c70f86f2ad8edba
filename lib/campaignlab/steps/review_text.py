"""The campaign review write-up, generated only from the run's results (``summary.json``).

No sentence here carries a number that was not computed by the analysis notebooks; the wording follows the sign and
the interval of each estimate, so it stays correct when a result is null or negative.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import pandas as pd

from campaignlab.data.sampling import describe_sample
from campaignlab.formatting import NOT_AVAILABLE, escape_text, format_ci, money_change_format, money_format
from campaignlab.steps.glossary import GLOSSARY  # noqa: F401  (re-exported: the review shows it)


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def _money(x: Any, currency: str | None = None) -> str:
    v = _num(x)
    return NOT_AVAILABLE if math.isnan(v) else money_format(currency)(v)


def _amt(x: Any, digits: int = 2) -> str:
    v = _num(x)
    return NOT_AVAILABLE if math.isnan(v) else f"{v:,.{digits}f}"


def _signed(x: Any) -> str:
    """A signed ratio, as every other page writes the ROI (``formatting.format_ci``'s default)."""
    v = _num(x)
    return NOT_AVAILABLE if math.isnan(v) else f"{v:+,.2f}"


def _change(x: Any, currency: str | None = None) -> str:
    v = _num(x)
    return NOT_AVAILABLE if math.isnan(v) else money_change_format(currency)(v)


def _ci(d: dict | None, fmt=_amt) -> str:
    return format_ci(d.get("estimate"), d.get("ci_low"), d.get("ci_high"), fmt=fmt) if d else NOT_AVAILABLE


def _direction(lo: float, hi: float) -> str:
    if math.isnan(lo) or math.isnan(hi):
        return "unknown"
    if lo > 0:
        return "positive"
    if hi < 0:
        return "negative"
    return "inconclusive"


def headline_effect(summary: dict, metric: str = "revenue_per_customer") -> dict | None:
    """The headline effect of ``metric`` for the first treatment arm, or None."""
    for h in (summary.get("response") or {}).get("headline") or []:
        if h.get("metric") == metric:
            return h
    return None


def _sample_text(summary: dict[str, Any]) -> str:
    """For 'What ran' when the run analysed a customer sample: the sentence 01_clean and ``engine.note`` give."""
    sample = (summary.get("engine") or {}).get("sample")
    return " " + describe_sample(sample) if sample else ""


def compose_executive_summary(summary: dict) -> list[str]:
    """Plain-language paragraphs: what ran, the headline effect and its money, trust, segments, retention.

    Examples
    --------
    >>> s = {"campaign": {"title": "Spring", "type": "A", "start_date": "2024-03-01", "end_date": "2024-03-29"},
    ...      "windows": {"notes": []}, "quality": [],
    ...      "response": {"design": "holdout", "control_arm": "control", "arms": [
    ...          {"arm": "control", "customers": 100}, {"arm": "t", "customers": 900}],
    ...        "headline": [{"arm": "t", "metric": "revenue_per_customer", "estimate": -1.0, "ci_low": -3.0,
    ...                      "ci_high": 1.0, "method": "ANCOVA", "causal": True, "caveat": ""}],
    ...        "roi": {"incremental_revenue": {"estimate": -900.0, "ci_low": -2700.0, "ci_high": 900.0},
    ...                "roi": {"estimate": -1.2, "ci_low": -2.0, "ci_high": 0.1}, "total_cost": 500.0}}}
    >>> print(compose_executive_summary(s)[1])  # a version-1 summary: no verdict  # doctest: +ELLIPSIS
    **Headline.** Revenue per customer: -1.00 (95% CI -3.00 to 1.00; ANCOVA). In money ...
    """
    c = summary.get("campaign") or {}
    r = summary.get("response") or {}
    paras = []
    arms = {a.get("arm"): a for a in r.get("arms") or []}
    control = r.get("control_arm")
    treated = sum(int(a.get("customers") or 0) for k, a in arms.items() if k != control)
    n_control = int((arms.get(control) or {}).get("customers") or 0)
    design = r.get("design")
    not_estimable = (r.get("eligibility") or {}).get("estimable") is False
    if not_estimable:
        design = None
    design_text = {"holdout": f"a randomized holdout of {n_control:,} customers",
                   "matched": f"a matched comparison group of {n_control:,} eligible customers the campaign did "
                              "not target (the campaign had no holdout)"}.get(
        design, "nothing: no comparison group could be formed")
    paras.append(
        f"**What ran.** {escape_text(c.get('title', c.get('id', 'The campaign')))} (type {escape_text(c.get('type') or NOT_AVAILABLE)}) ran from "
        f"{c.get('start_date')} until {c.get('end_date')} (exclusive) and reached {treated:,} customers in the "
        f"analysis. It is measured against {design_text}." + _sample_text(summary))
    h = headline_effect(summary)
    v = r.get("verdict")
    if v:
        if v.get("trust") == "indicative":
            failed = ("its randomized holdout failed a check (below)" if r.get("design") == "holdout" else
                      "it had no randomized holdout, and the comparison with similar customers failed at least one "
                      "check (below)")
            paras.insert(0, f"> **Indicative only.** This campaign's numbers are not shown to be its effects: {failed}. "
                            "They describe differences between groups, not effects of the campaign.")
        caveat = f" Note: {v['warning'].rstrip('.')}." if v.get("warning") else ""
        paras.append(f"**Verdict ({_TRUST_WORDS.get(v.get('trust'), v.get('trust'))}).** {v.get('sentence')}"
                     + caveat + _money_text(r, v, summary.get("windows") or {}))
    elif h is None:
        paras.append("**Headline.** No effect could be estimated for this campaign (see the response notebook).")
    else:
        paras.append("**Headline.** " + _legacy_headline(h, r.get("roi") or {}))
    paras.append("**Can we trust it?** " + _trust_text(summary, h))
    seg = _segment_text(summary)
    if seg:
        paras.append("**Segments.** " + seg)
    target = summary.get("targeting")
    if target:
        from campaignlab.steps.targeting import compose_recommendation

        paras.append("**Who to target next time.** "
                     + compose_recommendation(target, (r.get("roi") or {}).get("currency")))
    ret = _retention_text(summary)
    if ret:
        paras.append("**Do responders stay?** " + ret)
    return paras


_TRUST_WORDS = {"randomized": "randomized test", "adjusted": "adjusted comparison, every check passed",
                "indicative": "indicative only", "not_estimable": "not estimable"}


def _partial_campaign(windows: dict) -> str:
    """A sentence when the data covers only part of the campaign window (revenue and costs then cover different
    periods), else "" (the window's ``days`` and ``covered_days`` as the summary records them)."""
    w = windows.get("campaign") or {}
    if w.get("complete", True):
        return ""
    return (f" The data covers only {w.get('covered_days')} of the campaign's {w.get('days')} days: the revenue "
            "counted is that of those days, the costs are the whole campaign's, so the ROI says nothing yet about "
            "whether the campaign paid.")


def _money_text(r: dict, v: dict, windows: dict | None = None) -> str:
    """Incremental revenue and ROI over the verdict's window, with the costs counted and the ones missing."""
    roi = r.get("roi") or {}
    inc = roi.get("incremental_revenue") or {}
    if not inc or v.get("trust") == "not_estimable":
        return ""
    window = (v.get("window") or {}).get("label", "campaign window")
    money = functools.partial(_money, currency=roi.get("currency"))
    change = functools.partial(_change, currency=roi.get("currency"))
    lead = (" If that difference were the campaign's effect, it would be worth" if v.get("trust") == "indicative"
            else " In money, that is")
    text = f"{lead} {_ci(inc, change)} of incremental revenue in the {window}; "
    if _num(roi.get("total_cost")) > 0:
        text += f"against costs of {money(roi.get('total_cost'))}, the ROI is {_ci(roi.get('roi'), _signed)} per unit spent."
    else:  # ROI is a ratio to costs: with none counted there is no ROI to state
        text += "no costs were counted, so there is no ROI."
    roi_ci = roi.get("roi") or {}
    partial = _partial_campaign(windows or {})
    text += partial
    if v.get("trust") in ("randomized", "adjusted") and not partial:
        if _num(roi_ci.get("ci_high")) < 0:
            text += " Even the optimistic end of the interval loses money."
        elif _num(roi_ci.get("ci_low")) > 0:
            text += " The campaign paid for itself even at the pessimistic end of the interval."
    arms = roi.get("arms") or []
    if arms:
        text += " By arm: " + "; ".join(f"{escape_text(a.get('arm'))} {_ci(a.get('incremental_revenue'), change)}" for a in arms) + "."
    missing = roi.get("costs_missing") or []
    if missing:
        text += " Costs counted: campaign discounts only (" + "; ".join(missing) + ")."
    post = next((e for e in r.get("effects") or [] if e.get("metric") == "revenue_incl_post_per_customer"
                 and e.get("role") == "headline"), None)
    if post:
        text += (f" A separate figure, over the campaign window and the post-period together (it nets out sales "
                 f"pulled forward): {_ci(post)} per customer.")
    return text


def _legacy_headline(h: dict, roi: dict) -> str:
    """The headline of a version-1 summary (reports kept in outputs/_history), as it was written then."""
    lo, hi, est = _num(h.get("ci_low")), _num(h.get("ci_high")), _num(h.get("estimate"))
    return (f"Revenue per customer: {_amt(est)} (95% CI {_amt(lo)} to {_amt(hi)}; {h.get('method')}). In money "
            f"({roi.get('window', 'campaign window')}): {_ci(roi.get('incremental_revenue') or {}, _change)}.")


def _trust_text(summary: dict, h: dict | None) -> str:
    r = summary.get("response") or {}
    parts = []
    v = r.get("verdict") or {}
    if v.get("trust_reasons"):
        parts.append(f"Trust: **{_TRUST_WORDS.get(v.get('trust'), v.get('trust'))}**, because: "
                     + " ".join(x.rstrip(".") + "." for x in v["trust_reasons"]))
    elif v.get("trust") in ("randomized", "adjusted"):
        parts.append(f"Trust: **{_TRUST_WORDS[v['trust']]}**.")
    reason = (r.get("eligibility") or {}).get("reason")
    if (r.get("eligibility") or {}).get("estimable") is False and reason:
        parts.append(reason)
    elif r.get("design") == "matched":
        b = r.get("balance") or {}
        if v:
            pass  # the verdict's reasons above say what failed
        elif b.get("balanced"):
            parts.append("Targeted and comparison customers are balanced on every covariate after weighting, so the "
                         "estimate can be read as the campaign's effect, assuming targeting depended only on them.")
        else:
            parts.append(f"Targeted customers differ strongly from the rest (largest standardized difference "
                         f"{_amt(b.get('max_abs_smd_before'))} before and {_amt(b.get('max_abs_smd_after'))} after "
                         "weighting, against 0.1): **the estimate is the best available comparison but not a proven "
                         "causal effect**. A holdout in the next campaign would settle it.")
        naive = next((e for e in r.get("effects") or [] if e.get("role") == "naive"
                      and e.get("metric") == "revenue_per_customer"), None)
        if naive and h:
            parts.append(f"A naive targeted-versus-rest comparison would claim {_amt(naive.get('estimate'))} per "
                         f"customer instead of {_amt(h.get('estimate'))}: most of that gap is who was targeted, "
                         "not what the campaign did.")
    elif r.get("design") == "holdout" and not v.get("trust_reasons"):
        srm = r.get("srm") or {}
        parts.append("Customers were split at random into the arms; " + (
            "the split matches the plan (sample-ratio check passed)." if srm.get("passed")
            else f"**but the split differs from the plan (sample-ratio check p = {_amt(srm.get('p_value'), 4)})**: "
                 "check how customers were assigned before acting on these numbers."))
    two_arms = int(_num((r.get("eligibility") or {}).get("excluded_two_arms") or 0))
    if two_arms:
        parts.append(f"**Warning: {two_arms:,} customers were assigned to two arms of this campaign**; they are "
                     "left out of the comparison (see the data-quality table in 01_clean) and the assignment "
                     "process should be checked.")
    notes = (summary.get("windows") or {}).get("notes") or []
    if notes:
        parts.append("Data coverage: " + " ".join(notes))
    removed = sum(int(v) for q in summary.get("quality") or [] for k, v in q.items() if k.startswith("removed_"))
    if removed:
        parts.append(f"Cleaning set aside {removed:,} rows (see 01_clean).")
    return " ".join(parts) or "No diagnostics are available."


def _segment_text(summary: dict) -> str:
    segs = pd.DataFrame((summary.get("response") or {}).get("segments") or [])
    if segs.empty:
        return ""
    tested = segs[(segs["metric"] == "revenue_per_customer") & ~segs["small"].astype(bool)]
    choices = choosable_segments(summary)
    sig = choices[choices["q_value"].astype(float) < 0.05]
    up = sig[sig["lift"].astype(float) > 0].sort_values("lift", ascending=False)
    down = sig[sig["lift"].astype(float) < 0].sort_values("lift")
    if up.empty and down.empty:
        return (f"No segment's lift differs from zero after correcting for the {len(tested)} segment comparisons "
                "(Benjamini-Hochberg, q < 0.05).")
    # With several treatment arms a segment's lift is one arm's: the arm is named, or the lines would contradict.
    arm = (lambda r: f"{escape_text(r.arm)}: ") if "arm" in choices and choices["arm"].nunique() > 1 else (lambda r: "")

    def listed(rows: pd.DataFrame) -> str:
        return "; ".join(f"{arm(r)}{escape_text(r.dimension)} = {escape_text(r.segment)} ({_amt(r.lift)} per customer, "
                         f"q = {_amt(r.q_value, 3)})" for r in rows.head(5).itertuples()) + "."

    out = []
    effects = segments_are_effects(summary)
    if not up.empty:
        out.append(("Responded: " if effects else "Spent more than their comparison group: ") + listed(up))
    if not down.empty:
        out.append(("Lost revenue: " if effects else "Spent less than their comparison group: ") + listed(down))
    if not effects:
        matched = (summary.get("response") or {}).get("design") == "matched"
        out.append("Like the headline, these are differences between groups, not shown to be the campaign's effects"
                   + (": they compare targeted and untargeted customers within each segment, adjusted for pre-period "
                      "behaviour only" if matched else "") + ". Treat them as leads to test with a holdout.")
    return " ".join(out)


def _retention_text(summary: dict) -> str:
    rep = pd.DataFrame((summary.get("retention") or {}).get("repurchase") or [])
    if rep.empty:
        return ""
    done = rep[rep["complete"].astype(bool)]
    if done.empty:
        return ("The data ends too soon after the campaign to measure repurchase "
                f"within {', '.join(str(w) for w in sorted(rep['window_days'].unique()))} days.")
    w = int(done["window_days"].max())
    part = done[done["window_days"] == w]
    return f"Within {w} days after the campaign: " + "; ".join(
        f"{escape_text(r.group)} {100 * _num(r.rate):.1f}% bought again (95% CI {100 * _num(r.ci_low):.1f}-"
        f"{100 * _num(r.ci_high):.1f}%)" for r in part.itertuples()) + "." + (
        " These are descriptive: responders chose to respond, so they differ from the others in more than the "
        "campaign." if {"responder", "non-responder"} & set(part["group"]) else "")


#: Customers a segment needs before the review advises targeting or suppressing it.
MIN_DECISION_CUSTOMERS = 100


def segments_are_effects(summary: dict) -> bool:
    """Whether the campaign's segment lifts may be read as its effects: its verdict is randomized or adjusted (every
    check passed). Without a verdict (an older summary), a matched design must have passed its balance check."""
    r = summary.get("response") or {}
    verdict = r.get("verdict")
    if verdict:
        return verdict.get("trust") in ("randomized", "adjusted")
    return not (r.get("design") == "matched" and not (r.get("balance") or {}).get("balanced"))


def choosable_segments(summary: dict) -> pd.DataFrame:
    """The segments' revenue lifts a campaign could act on: estimated (not too small), of a known value, listed once
    when several dimensions hold the same customers with the same numbers, and not holding every customer of their
    arm (without purchase history everyone is ``rfm_segment = no_purchase``: no choice, the verdict speaks for it).
    The write-up's segment lines and the recommendations both read these."""
    r = summary.get("response") or {}
    segs = pd.DataFrame(r.get("segments") or [])
    if segs.empty:
        return segs
    segs = segs[(segs["metric"] == "revenue_per_customer") & ~segs["small"].astype(bool)
                & (segs["segment"].astype(str).str.lower() != "unknown")].copy()
    segs = segs.drop_duplicates(subset=[c for c in ("arm", "customers", "lift", "ci_low", "ci_high") if c in segs])
    arm_customers = {str(a.get("arm")): _num(a.get("customers")) for a in r.get("arms") or []}
    if "arm" in segs and arm_customers:
        whole_arm = segs["arm"].astype(str).map(arm_customers) == segs["customers"].map(_num)
        segs = segs[~whole_arm.to_numpy()]
    return segs


def compute_recommendations(summary: dict) -> pd.DataFrame:
    """Segments to target, to suppress, or to test again, each with its reason in numbers.

    Target: the lift's interval lies above the break-even lift per customer (pays for itself) or, failing a known
    break-even, above zero; suppress: the interval lies below the break-even lift (even the optimistic end does not
    pay). Both need q < 0.05 (Benjamini-Hochberg within the arm and metric) and at least
    :data:`MIN_DECISION_CUSTOMERS` customers in the segment. Otherwise: test again with a holdout, saying why.
    A campaign whose verdict is not an effect (:func:`segments_are_effects`) decides nothing: a segment's difference
    there is selection as much as the campaign, so every segment is to test with a holdout, its numbers kept.
    The segments are :func:`choosable_segments`. With several treatment arms each row names its arm (``arm``, after
    ``action``).
    """
    r = summary.get("response") or {}
    cols = ["action", "dimension", "segment", "customers", "lift", "ci_low", "ci_high", "q_value", "reason"]
    segs = choosable_segments(summary)
    if segs.empty:
        return pd.DataFrame(columns=cols)
    be = _num((r.get("roi") or {}).get("break_even_lift_per_customer"))
    effects = segments_are_effects(summary)
    rows = []
    for s in segs.itertuples():
        lo, hi, q = _num(s.ci_low), _num(s.ci_high), _num(s.q_value)
        if math.isnan(lo):
            continue
        if not effects:
            trust = str((r.get("verdict") or {}).get("trust") or "not assessed").replace("_", " ")
            action, why = "test with holdout", (f"difference {_amt(s.lift)} (CI {_amt(lo)} to {_amt(hi)}, q = "
                                                f"{_amt(q, 3)}) in a campaign whose verdict is {trust}: not shown to "
                                                "be the campaign's effect")
        elif _num(s.customers) < MIN_DECISION_CUSTOMERS:
            action, why = "test with holdout", (f"only {_num(s.customers):,.0f} customers: a decision needs at least "
                                                f"{MIN_DECISION_CUSTOMERS}")
        elif not math.isnan(be) and lo > be and q < 0.05:
            action, why = "target", f"lift {_amt(s.lift)} (CI {_amt(lo)} to {_amt(hi)}) is above the break-even {_amt(be)}"
        elif math.isnan(be) and lo > 0 and q < 0.05:
            action, why = "target", f"lift {_amt(s.lift)} (CI {_amt(lo)} to {_amt(hi)}) is above zero, q = {_amt(q, 3)}"
        elif not math.isnan(be) and hi < be and q < 0.05:
            action, why = "suppress", f"even the upper bound {_amt(hi)} is below the break-even lift {_amt(be)}"
        elif lo > 0 and q < 0.05:
            action, why = "test with holdout", (f"lift {_amt(s.lift)} is above zero (q = {_amt(q, 3)}) but its lower "
                                                f"bound {_amt(lo)} is below the break-even {_amt(be)}: it may not pay")
        elif not q < 0.05:
            action, why = "test with holdout", (f"interval {_amt(lo)} to {_amt(hi)} is too wide to decide "
                                                f"(q = {_amt(q, 3)} across the segments tested)")
        else:
            action, why = "test with holdout", f"interval {_amt(lo)} to {_amt(hi)} is too wide to decide"
        rows.append({"action": action, "arm": getattr(s, "arm", None), "dimension": s.dimension, "segment": s.segment,
                     "customers": s.customers, "lift": s.lift, "ci_low": lo, "ci_high": hi, "q_value": q, "reason": why})
    out = pd.DataFrame(rows, columns=[cols[0], "arm", *cols[1:]])
    if out["arm"].nunique() <= 1:
        # One arm: the column would repeat it. With several, a segment's row per arm would read like a duplicate
        # without it (the same segment, two sizes, two lifts).
        out = out.drop(columns="arm")
    # Decisions first; among the segments to test, the differences that passed q < 0.05 lead (in an indicative
    # campaign they are the leads worth a holdout), then the largest lifts.
    order = {"target": 0, "suppress": 1, "test with holdout": 2}
    out["_lead"] = ~(out["q_value"].astype(float) < 0.05)
    out = out.sort_values(["action", "_lead", "lift"], key=lambda c: c.map(order) if c.name == "action"
                          else (c if c.name == "_lead" else -c))
    return out.drop(columns="_lead").reset_index(drop=True)


def compose_next_campaign(summary: dict) -> str:
    """What the next campaign needs to be measurable, within the customer base there is.

    Examples
    --------
    >>> plan = {"mde_revenue_per_customer": 45.7, "power": 0.8, "observed_lift": -10.0, "customers_available": 2469,
    ...         "holdout_needed_at_9_to_1": 4157, "treated_needed_at_9_to_1": 37413, "feasible": False,
    ...         "options": [{"option": "50/50 split of every customer", "mde_revenue_per_customer": 25.0,
    ...                      "detects_observed": False}]}
    >>> print(compose_next_campaign({"response": {"planning": plan}}))  # doctest: +ELLIPSIS
    With this campaign's group sizes ... An effect of the size seen here (-10.00 per customer) would need a random holdout of 4,157 and 37,413 treated customers (90/10 split): more than the 2,469 customers there are. ...
    """
    p = (summary.get("response") or {}).get("planning") or {}
    if not p:
        return ""
    need, treated = _num(p.get("holdout_needed_at_9_to_1")), _num(p.get("treated_needed_at_9_to_1"))
    mde, lift = _num(p.get("mde_revenue_per_customer")), _num(p.get("observed_lift"))
    text = (f"With this campaign's group sizes the smallest detectable effect on revenue per customer is {_amt(mde)} "
            f"({100 * _num(p.get('power')):.0f}% power). ")
    if math.isnan(need) or math.isinf(need):
        return text + ("The observed effect is zero or unknown, so no holdout size can be derived from it; plan on "
                       "the smallest effect worth acting on instead.")
    available = _num(p.get("customers_available"))
    if p.get("feasible") is False:
        text += (f"An effect of the size seen here ({lift:+,.2f} per customer) would need a random holdout of "
                 f"{need:,.0f} and {treated:,.0f} treated customers (90/10 split): more than the {available:,.0f} "
                 "customers there are. ")
        options = p.get("options") or []
        fits = [o for o in options if o.get("detects_observed")]
        listed = "; ".join(f"{o['option']}: {_amt(o.get('mde_revenue_per_customer'))}" for o in options)
        text += f"What each plan could detect: {listed}. " if listed else ""
        text += (f"Choose '{fits[0]['option']}'." if fits else "No plan within this customer base can detect an "
                 "effect of that size: measure a larger effect (a stronger offer), a longer window, or accept that "
                 "the campaign's effect is below what this base can measure.")
        return text
    return text + (f"To detect an effect of the size seen here ({lift:+,.2f} per customer) the next campaign should "
                   f"keep a random holdout of at least {need:,.0f} customers (90/10 split).")


def glossary_table() -> pd.DataFrame:
    """The glossary as a table (term, definition)."""
    return pd.DataFrame({"term": list(GLOSSARY), "definition": list(GLOSSARY.values())})
