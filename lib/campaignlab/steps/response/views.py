"""What notebooks show: small display helpers that turn lib results into tables and text for readers.

Each helper computes nothing new: it calls a ``compute_*`` function and formats its result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignlab import iorw
from campaignlab.formatting import (
    NOT_AVAILABLE,
    NotAvailable,
    escape_text,
    format_ci,
    money_change_format,
    money_format,
)
from campaignlab.stats.response import COMPARISON
from campaignlab.stats.verdict import find_silent_arms
from campaignlab.steps.display import drop_empty_columns, label_methods, say, show_markdown, show_not_available
from campaignlab.steps.response.result import NO_FUNNEL

#: Rows of a long table shown on screen; the run folder's CSV and workbook hold all of them.
SCREEN_ROWS = 15

# --------------------------------------------------------------------------------------------- 03_response


def show_design(result) -> None:
    """Say which design was used, who is compared with whom, and who was left out and why."""
    i = result.info
    if not result.estimable:
        show_markdown(f"**No effect estimate for this campaign.** {i['reason']}")
        return
    if result.design == "holdout":
        text = (f"**Design: randomized holdout.** Arms are compared with the control arm **{escape_text(result.control)}** "
                f"({i['customers']:,} customers assigned).")
    else:
        text = (
            f"**Design: matched comparison** (the campaign has no holdout arm). {i['targeted']:,} customers were "
            f"targeted; {i['targeted_excluded_no_pre_orders']:,} of them had no order in the pre-period and are left "
            f"out. The comparison group is drawn from the {i['pool']:,} customers not targeted: "
            f"{i['pool_excluded_no_pre_orders']:,} had no pre-period order and {i['pool_excluded_overlapping']:,} were "
            f"assigned to another campaign overlapping the analysis windows, leaving {i['comparison']:,}. "
            f"{i['targeted_in_overlapping_campaigns']:,} targeted customers were also in overlapping campaigns: "
            "their effect may partly belong to those. Eligibility rule: " + i["rule"] + ". **These campaigns were "
            "targeted, not randomized: a naive targeted-vs-rest comparison is biased**, and is shown only next to "
            "the adjusted estimate."
        )
    text += f" Covariates: {', '.join(map(escape_text, result.covariates)) or 'none'}."
    for note in result.notes:
        text += " " + note
    show_markdown(text)


def arm_table(result):
    """One row per arm: customers, responders, conversion, orders, revenue and discounts, rounded for reading.

    An arm without orders has no average order value (left empty); an arm without a buyer where the other arms'
    rate expects many (:func:`~campaignlab.stats.verdict.find_silent_arms`) is said above the table.
    """
    for s in find_silent_arms(result.arms):
        show_markdown(f"**Arm {escape_text(s['arm'])} has no buyer** among its {s['customers']:,} customers, where the "
                      f"other arms' conversion rate would give about {s['expected']:,.0f}: check that the export "
                      "holds this arm's transactions and that its customer ids match them before reading its "
                      "estimates.")
    a = result.arms.set_index("arm")
    out = pd.DataFrame({
        "customers": a["customers"], "responders": a["responders"],
        "response rate %": (100 * a["response_rate"]).round(1), "converters": a["converters"],
        "conversion rate %": (100 * a["conversion_rate"]).round(1), "orders": a["orders"],
        "revenue": a["revenue"].round(0), "revenue per customer": a["revenue_per_customer"].round(2),
        "average order value": a["aov"].round(2), "campaign discounts": a["discount_cost"].round(0),
    })
    counts = ["customers", "responders", "converters", "orders"]
    return (out.style.format("{:,.0f}", subset=[*counts, "revenue", "campaign discounts"], na_rep=NOT_AVAILABLE)
            .format("{:.1f}", subset=["response rate %", "conversion rate %"], na_rep=NOT_AVAILABLE)
            .format("{:,.2f}", subset=["revenue per customer"], na_rep=NOT_AVAILABLE)
            .format("{:,.2f}", subset=["average order value"], na_rep="no orders"))


def effects_table(result) -> pd.DataFrame:
    """Every estimate, with its method (a short label, spelled out in the footnote above), role, interval, p-value."""
    e = result.effects
    if e.empty or "arm" not in e:
        show_not_available(NotAvailable("The table of effects", "no effect could be estimated (see the notes above)"))
        return pd.DataFrame()
    labels, note = label_methods(e["method"])
    say(note)
    out = pd.DataFrame({
        "arm": e["arm"], "versus": e["versus"], "metric": e["metric"], "role": e["role"], "method": labels,
        "estimate": e["estimate"].round(4), "95% CI low": e["ci_low"].round(4), "95% CI high": e["ci_high"].round(4),
        "p-value": e["p_value"].map(lambda p: "" if pd.isna(p) else ("<0.0001" if p < 1e-4 else f"{p:.4f}")),
        "warning": e["warning"].fillna("") if "warning" in e else "",
    })
    if "q_value" in e and e["q_value"].notna().any():
        # Arm-versus-arm comparisons are one Benjamini-Hochberg family per campaign: read them by their q-value.
        out.insert(9, "q-value (arm vs arm)", e["q_value"].map(lambda q: "" if pd.isna(q) else f"{q:.4f}"))
        show_markdown(f"Treatment arms compared with each other: {e['q_value'].notna().sum()} tests, one "
                      "Benjamini-Hochberg family for the campaign; a difference between arms counts only where its "
                      "q-value is below 0.05.")
    return out.reset_index(drop=True)


def show_trust(result):
    """Balance and overlap (matched) or the sample-ratio check (holdout), with a verdict in words."""
    from campaignlab.plots import response as rp

    if not result.estimable:
        show_markdown("Not applicable: no effect was estimated (see above).")
        return None
    if result.design == "holdout":
        s = result.srm
        verdict = ("passes" if s["passed"] else "**FAILS: the split is not as planned; effects may be biased**")
        show_markdown(f"Sample-ratio check (chi-square against the planned split): chi2 = {s['chi2']:.2f}, "
                          f"p = {s['p_value']:.4f}; the check {verdict}.")
        failed = [x for x in s.get("segments", []) if not x["passed"]]
        if failed:
            show_markdown(f"**Sample-ratio mismatch in {len(failed)} segment(s):** " + ", ".join(
                f"{escape_text(x['dimension'])}={escape_text(x['segment'])} (p={x['p_value']:.4f})" for x in failed[:10]))
        return pd.DataFrame({"observed": s["observed"], "expected": s["expected"]}).round(1)
    d = result.diagnostics
    ov = d["overlap"]
    verdict = ("All covariates are balanced after weighting: the adjusted estimate can be read as the campaign's "
               "effect, under the assumption that targeting depended only on these covariates."
               if d["balanced"] else
               f"**Balance fails after weighting** (largest |SMD| {d['max_abs_smd_after']:.2f} against the threshold "
               f"{result.effects.attrs.get('threshold', 0.1)}): the adjusted estimate is the best available "
               "comparison but is **not called causal** in this report.")
    show_markdown(
        f"{verdict} Overlap: {100 * ov['share_treated_outside_control_support']:.1f}% of targeted customers have a "
        f"propensity outside the comparison group's range; the weighted comparison group is worth "
        f"{ov['ess_control']:.0f} customers (effective sample size of {ov['n_control']:,}); {d['trimmed']} customers "
        f"outside the trimming bounds were dropped. Propensity model: {d['propensity_method']}.")
    rp.plot_balance(d["balance"])


def segment_effects(result) -> pd.DataFrame:
    """Revenue-per-customer lift per segment with its interval and q-value, most significant first.

    At most :data:`SCREEN_ROWS` rows are shown (estimated segments by q-value, then by the size of the lift; small
    segments last), with a sentence saying how many there are and where the whole table is; a sentence replaces
    the table when there are no segments.
    """
    s = result.segments
    if s.empty:
        show_markdown("No segments: run 02_segment first to get per-segment results.")
        return s
    out = s[s["metric"] == "revenue_per_customer"][
        ["dimension", "segment", "arm", "customers", "control_customers", "response_rate", "lift", "ci_low",
         "ci_high", "q_value", "small"]].copy()
    out["response_rate"] = (100 * out["response_rate"]).round(1)
    for c in ("lift", "ci_low", "ci_high"):
        out[c] = out[c].round(2)
    out["q_value"] = out["q_value"].round(4)
    out = out.assign(_size=-out["lift"].abs()).sort_values(
        ["small", "q_value", "_size"], na_position="last", kind="stable").drop(columns="_size")
    if len(out) > SCREEN_ROWS:
        say(f"The {SCREEN_ROWS} most significant of {len(out):,} segment rows (by q-value, then size of the lift; "
            f"small segments last). All rows: `{iorw.RunFiles.SEGMENT_EFFECTS}` in the run folder, and the "
            f"`segment_effects` sheet of `{iorw.RunFiles.TABLES_WORKBOOK}` after 05_review.")
        out = out.head(SCREEN_ROWS)
    return out.rename(columns={"response_rate": "response %", "lift": "lift in revenue per customer"}).reset_index(
        drop=True)


def plot_segment_lifts(result) -> None:
    """Plot the lift per segment with intervals for up to four segment dimensions."""
    import matplotlib.pyplot as plt

    from campaignlab.plots import response as rp

    if result.segments.empty:
        return
    dims = [d for d in result.dimensions if not d.startswith("tag_")][:4]
    if not dims:
        return
    fig, axes = plt.subplots(len(dims), 1, figsize=(8, 2.8 * len(dims)))
    for dim, ax in zip(dims, [axes] if len(dims) == 1 else axes):
        rp.plot_segment_lift(result.segments, dim, ax=ax)
    fig.tight_layout()


def response_crosstabs(result) -> pd.DataFrame:
    """Response rate per arm and segment (RFM segment when there is one)."""
    from campaignlab.stats import response as resp

    segs = result.segment_table
    if segs is None or not result.dimensions:
        segs, dim = result.frame[["customer_id"]].assign(all="all customers"), "all"
    else:
        dim = "rfm_segment" if "rfm_segment" in result.dimensions else result.dimensions[0]
    return resp.compute_response_crosstab(result.frame, segs, dim, control=result.control).round(3)


def show_funnel(result):
    """Plot the funnel per arm, name the biggest drop-off, and return the funnel table."""
    from campaignlab.plots import response as rp
    from campaignlab.stats import response as resp

    if result.funnel.empty or set(result.funnel["step"]) <= {"purchased"}:
        show_not_available(NO_FUNNEL)
    if result.funnel.empty:
        return None
    drop = resp.biggest_drop(result.funnel)
    if drop and drop["step_conversion"] < 1:
        show_markdown(f"Biggest drop-off: to **{escape_text(drop['step'])}** in arm **{escape_text(drop['arm'])}** "
                          f"({100 * drop['step_conversion']:.1f}% of the previous step).")
    rp.plot_funnel(result.funnel)
    return result.funnel.round(3)


def show_roi(result) -> pd.DataFrame | None:
    """Say the incremental revenue, costs and ROI with intervals, and return them per arm."""
    r = result.roi
    if not r:
        show_markdown("No ROI: there is no effect estimate to turn into money (see above).")
        return None
    inc, roi = r["incremental_revenue"], r["roi"]
    money = money_change_format(r.get("currency"))
    show_markdown(
        f"Incremental revenue ({r['window']}): {format_ci(inc['estimate'], inc['ci_low'], inc['ci_high'], fmt=money)}, "
        f"from a "
        f"per-customer effect of {format_ci(*(r['per_customer_effect'][k] for k in ('estimate', 'ci_low', 'ci_high')))} "
        f"({r['per_customer_effect']['method']}) times {r['contacts']:,} customers. Costs: "
        f"{money_format(r.get('currency'), 2)(r['total_cost'])}. "
        f"ROI: {format_ci(roi['estimate'], roi['ci_low'], roi['ci_high'])} per unit of cost. Break-even needs "
        f"{r['break_even_lift_per_customer']:,.2f} of extra revenue per customer at a {r['gross_margin']:.0%} margin.")
    rows = {k: r[k] for k in ("incremental_revenue", "incremental_margin", "net_profit", "roi")}
    return pd.DataFrame(rows).T.astype(float).round(2)


def show_planning(result) -> pd.DataFrame | None:
    """Say the smallest effect this campaign could detect and the holdout a next campaign needs; return the table."""
    p = result.planning
    if not p:
        show_markdown("A holdout in the next campaign is the only way to measure it: keep a random 10% of the "
                          "targeted customers out of the campaign.")
        return None
    show_markdown(
        f"With {p['n_treat']:,} treated and {p['n_control']:,} comparison customers and a revenue spread of "
        f"{p['sd_revenue']:,.2f} per customer, the smallest detectable effect on revenue per customer is "
        f"{p['mde_revenue_per_customer']:,.2f} ({100 * p['power']:.0f}% power, two-sided {p['alpha']:.0%} test). To "
        f"detect the effect seen here ({p['observed_lift']:,.2f}) with a 90/10 split, the next campaign needs a "
        f"holdout of {p['holdout_needed_at_9_to_1']:,} customers. Method: {p['method']}.")
    options = p.get("options") or []
    if options:
        show_markdown(f"Splits of the {p.get('customers_available', 0):,} customers there are:\n\n" + "\n".join(
            f"- {escape_text(o['option'])}: {o['n_treat']:,} treated, {o['n_control']:,} held out, smallest detectable "
            f"effect {o['mde_revenue_per_customer']:,.2f} per customer"
            f"{'' if o.get('detects_observed') else ' (would not detect the effect seen here)'}" for o in options))
    return pd.DataFrame({"value": {k: _planning_value(k, v) for k, v in p.items() if k != "options"}})


def _planning_value(key: str, value):
    """A planning figure as a reader wants it: shares in %, counts with separators, money with two decimals."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or pd.isna(value):
        return value
    if key in ("power", "alpha"):
        return f"{100 * value:.0f}%"
    if isinstance(value, int) or key.startswith(("n_", "holdout")):
        return f"{int(value):,}"
    return f"{value:,.2f}"


# --------------------------------------------------------------------------------------------- 04_retention


# --------------------------------------------------------------------------------------------- 05_review


# --------------------------------------------------------------------------------------------- 02_segment


# --------------------------------------------------------------------------------------------- 06_portfolio


def show_weekly(result, run) -> None:
    """Plot revenue per customer per week and arm across the pre, campaign and post windows."""
    from campaignlab.plots import response as rp

    if result.weekly.empty:
        show_markdown("No weekly series (no effect analysis for this campaign).")
        return
    rp.plot_weekly(result.weekly, run.windows)
    if not result.weekly_weighted.empty:
        import matplotlib.pyplot as plt

        plt.show()
        w = run.windows["campaign"]
        show_weighted_weekly(result.weekly_weighted, (w.clipped_start, w.clipped_end),
                             currency=run.params.economics.currency)


def show_weighted_weekly(weekly: pd.DataFrame, campaign: tuple, *, currency: str | None = None) -> None:
    """The weekly targeted-vs-weighted-comparison chart with the sentence that says what it is and is not."""
    from campaignlab.plots import response as rp

    pre = weekly[weekly["period"] == "pre"]
    gap = (pre["difference"].abs().mean() / pre["comparison_weighted"].mean()
           if len(pre) and pre["comparison_weighted"].mean() else float("nan"))
    pre_text = ("" if not pd.notna(gap) else
                f" Before the campaign the weekly gap averaged {gap:.0%} of the comparison's weekly revenue: "
                + ("the weighting made the groups alike, so the gap after the start is worth reading."
                   if gap < 0.1 else "the groups differ even before the campaign, so the gap after the start "
                   "cannot be read as the campaign's doing."))
    show_markdown(
        "**Weekly revenue per customer: targeted against the weighted comparison group.** Descriptive of the "
        "weighted comparison, not a model forecast: each comparison customer counts with the propensity odds weight "
        f"of the verdict's estimator (Kish effective size {weekly['comparison_effective'].iloc[0]:,.0f} of "
        f"{weekly['comparison_customers'].iloc[0]:,} comparison customers). The lower panel is the weekly "
        "difference; the campaign window is shaded. The verdict's doubly robust estimate also adjusts with an "
        "outcome model, so these weekly gaps need not add up to it." + pre_text)
    rp.plot_weighted_weekly(weekly, campaign, currency=currency)


def show_naive_vs_adjusted(result) -> None:
    """The forest plot of naive versus adjusted estimates, and the sentence on why they differ."""
    import matplotlib.pyplot as plt

    from campaignlab.plots import response as rp

    if result.effects.empty:
        show_markdown("No estimates (see above).")
        return
    rp.plot_estimates(naive_vs_adjusted(result), title="Revenue per customer in the campaign window")
    plt.show()
    say(explain_naive_gap(result))


def show_periods(result) -> pd.DataFrame | None:
    """Revenue per customer before, during and after the campaign, per arm (rates in %)."""
    if result.periods.empty:
        return None
    p = result.periods.copy()
    for c in ("repurchase_rate", "churn_rate"):
        if c in p:
            p[c] = (100 * p[c].astype(float)).round(1)
    return drop_empty_columns(p.rename(columns={"repurchase_rate": "repurchase %", "churn_rate": "churn %"}).round(2))


def show_products(result) -> pd.DataFrame:
    """Promoted products against the rest of the basket: per-customer revenue, and the effect on each."""
    e = result.effects
    prod = e[e["role"] == "products"] if not e.empty else e
    if not prod.empty:
        lines = []
        for r in prod.itertuples():
            what = "the campaign's products" if r.metric.startswith("promoted") else "the rest of the basket"
            lines.append(f"- {what} ({escape_text(r.arm)}): {format_ci(r.estimate, r.ci_low, r.ci_high)} per customer ({r.method})")
        promoted = prod[prod["metric"].str.startswith("promoted")]["ci_low"].astype(float)
        other = prod[prod["metric"].str.startswith("other")]
        verdict = ""
        if len(promoted) and promoted.iloc[0] > 0 and len(other):
            o_lo, o_hi = float(other["ci_low"].iloc[0]), float(other["ci_high"].iloc[0])
            verdict = (" Promoted products gained while the rest of the basket fell: **substitution**." if o_hi < 0 else
                       " Promoted products gained and so did the rest of the basket: **halo**." if o_lo > 0 else
                       " Promoted products gained; the effect on the rest of the basket is inconclusive.")
        show_markdown("Effect on revenue per customer in the campaign window:\n" + "\n".join(lines) + verdict)
    out = result.products.copy()
    return out.round(2)


def naive_vs_adjusted(result, metric: str = "revenue_per_customer") -> pd.DataFrame:
    """The naive comparison next to every adjusted estimate of one metric."""
    e = result.effects
    e = e[e["metric"] == metric]
    cols = ["arm", "versus", "role", "method", "estimate", "ci_low", "ci_high", "p_value"]
    order = {"naive": 0, "headline": 1, "supporting": 2, "sensitivity": 3, "descriptive": 4, "post-period": 5}
    return e[cols].sort_values("role", key=lambda s: s.map(order)).reset_index(drop=True)


def explain_naive_gap(result) -> str:
    """One plain sentence on why the naive and adjusted estimates differ, from the numbers."""
    e = result.effects
    rev = e[e["metric"] == "revenue_per_customer"]
    naive = rev[rev["role"] == "naive"]
    head = rev[rev["role"] == "headline"]
    if result.design == "holdout":
        return ("In a randomized holdout the arms are comparable by design: the unadjusted and adjusted estimates "
                "differ only by chance, and the adjustment narrows the interval.")
    if naive.empty or head.empty:
        return ""
    n, h = naive.iloc[0], head.iloc[0]
    f = result.frame
    pre = f.groupby(f["group"] != COMPARISON)["pre_revenue"].mean()
    ratio = pre.get(True, np.nan) / pre.get(False, np.nan) if pre.get(False, 0) else np.nan
    return (f"Before the campaign, targeted customers spent {ratio:.1f} times as much as the comparison group "
            f"({pre.get(True, np.nan):,.0f} vs {pre.get(False, np.nan):,.0f} per customer in the pre-period), so the "
            f"naive difference of {n['estimate']:,.2f} per customer mostly reflects who was targeted; comparing "
            f"like with like leaves {h['estimate']:,.2f} ({h['ci_low']:,.2f} to {h['ci_high']:,.2f}).")
