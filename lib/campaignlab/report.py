"""What notebooks show: small display helpers that turn lib results into tables and text for readers.

Each helper computes nothing new: it calls a ``compute_*`` function and formats its result.
"""

from __future__ import annotations

import pandas as pd

from . import assignments, iorw
from .session import Run


def _display_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_params(run: Run) -> None:
    """Say which campaign, data and run folder this run uses."""
    p = run.params
    data = "the bundled Complete Journey data" if p.data.startswith("bundled:") else f"`{p.data}`"
    design = f"holdout arm `{p.control_arm}`" if p.control_arm else "no holdout arm (matched comparison group)"
    _display_markdown(
        f"**Campaign** `{p.id}` (campaign `{p.campaign}` in {data}); pre-period {p.pre_period_days} days, "
        f"post-period {p.post_period_days} days; response = `{p.response_event}` events; {design}; "
        f"gross margin {p.economics.gross_margin:.0%}."
    )


def quality_table(clean: iorw.CleanData) -> pd.DataFrame:
    """The data-quality table, with rule columns that removed nothing anywhere left out."""
    q = iorw.read_quality(clean.path)
    keep = [c for c in q.columns if not (c.startswith(("removed_", "kept_")) and (q[c] == 0).all())]
    return q[keep].set_index("table")


def show_windows(run: Run) -> pd.DataFrame:
    """The analysis windows and, where the data does not cover them, a plain sentence saying so."""
    from . import windows as w

    notes = w.describe_clipping(run.windows)
    lo, hi = run.data_range
    text = f"The data covers {lo} to {hi - pd.Timedelta(days=1):%Y-%m-%d}. "
    text += " ".join(notes) if notes else "All three windows lie inside the data."
    _display_markdown(text)
    return run.windows_table()


def concurrent_campaigns(run: Run) -> pd.DataFrame:
    """Other campaigns overlapping this campaign's analysis span, and how many customers they share."""
    ws = run.windows
    out = assignments.compute_concurrent_assignments(
        run.tables["assignments"], run.tables["campaigns"], run.params.campaign, ws["pre"].start, ws["post"].end
    )
    n_shared = int((out["shared_customers"] > 0).sum())
    _display_markdown(
        f"{n_shared} other campaign(s) overlapping {ws['pre'].start} to {ws['post'].end} share customers with "
        "this one. Effects measured for this campaign may partly be theirs; the comparison group excludes customers "
        "assigned to overlapping campaigns (see 03_response)."
    )
    shown = out[out["shared_customers"] > 0].copy()
    shown["share_of_this_campaign"] = (100 * shown["share_of_this_campaign"]).round(1)
    return shown.rename(columns={"share_of_this_campaign": "% of this campaign's customers"}).reset_index(drop=True)


# --------------------------------------------------------------------------------------------- 03_response
def say(text: str) -> None:
    """Show one paragraph of generated text."""
    if text:
        _display_markdown(text)


def _fmt_ci(est, lo, hi, pct=False) -> str:
    if est is None or pd.isna(est):
        return "not available"
    f = (lambda v: f"{100 * v:+.1f} pts") if pct else (lambda v: f"{v:+,.2f}")
    if lo is None or pd.isna(lo):
        return f"{f(est)} (no interval)"
    return f"{f(est)} (95% CI {f(lo)} to {f(hi)})"


def show_design(result) -> None:
    """Say which design was used, who is compared with whom, and who was left out and why."""
    i = result.info
    if not result.estimable:
        _display_markdown(f"**No effect estimate for this campaign.** {i['reason']}")
        return
    if result.design == "holdout":
        text = (f"**Design: randomized holdout.** Arms are compared with the control arm `{result.control}` "
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
    text += f" Covariates: {', '.join(result.covariates) or 'none'}."
    for note in result.notes:
        text += " " + note
    _display_markdown(text)


def arm_table(result) -> pd.DataFrame:
    a = result.arms.set_index("arm")
    out = pd.DataFrame({
        "customers": a["customers"], "responders": a["responders"],
        "response rate %": (100 * a["response_rate"]).round(1), "converters": a["converters"],
        "conversion rate %": (100 * a["conversion_rate"]).round(1), "orders": a["orders"],
        "revenue": a["revenue"].round(0), "revenue per customer": a["revenue_per_customer"].round(2),
        "average order value": a["aov"].round(2), "campaign discounts": a["discount_cost"].round(0),
    })
    return out


def effects_table(result) -> pd.DataFrame:
    """Every estimate, with its method, role in the report, interval and p-value."""
    e = result.effects
    out = pd.DataFrame({
        "arm": e["arm"], "versus": e["versus"], "metric": e["metric"], "role": e["role"], "method": e["method"],
        "estimate": e["estimate"].round(4), "95% CI low": e["ci_low"].round(4), "95% CI high": e["ci_high"].round(4),
        "p-value": e["p_value"].map(lambda p: "" if pd.isna(p) else ("<0.0001" if p < 1e-4 else f"{p:.4f}")),
    })
    return out.reset_index(drop=True)


def show_trust(result):
    """Balance and overlap (matched) or the sample-ratio check (holdout), with a verdict in words."""
    from . import response_plots as rp

    if not result.estimable:
        _display_markdown("Not applicable: no effect was estimated (see above).")
        return None
    if result.design == "holdout":
        s = result.srm
        verdict = ("passes" if s["passed"] else "**FAILS: the split is not as planned; effects may be biased**")
        _display_markdown(f"Sample-ratio check (chi-square against the planned split): chi2 = {s['chi2']:.2f}, "
                          f"p = {s['p_value']:.4f}; the check {verdict}.")
        failed = [x for x in s.get("segments", []) if not x["passed"]]
        if failed:
            _display_markdown(f"**Sample-ratio mismatch in {len(failed)} segment(s):** " + ", ".join(
                f"{x['dimension']}={x['segment']} (p={x['p_value']:.4f})" for x in failed[:10]))
        return pd.DataFrame({"observed": s["observed"], "expected": s["expected"]}).round(1)
    d = result.diagnostics
    ov = d["overlap"]
    verdict = ("All covariates are balanced after weighting: the adjusted estimate can be read as the campaign's "
               "effect, under the assumption that targeting depended only on these covariates."
               if d["balanced"] else
               f"**Balance fails after weighting** (largest |SMD| {d['max_abs_smd_after']:.2f} against the threshold "
               f"{result.effects.attrs.get('threshold', 0.1)}): the adjusted estimate is the best available "
               "comparison but is **not called causal** in this report.")
    _display_markdown(
        f"{verdict} Overlap: {100 * ov['share_treated_outside_control_support']:.1f}% of targeted customers have a "
        f"propensity outside the comparison group's range; the weighted comparison group is worth "
        f"{ov['ess_control']:.0f} customers (effective sample size of {ov['n_control']:,}); {d['trimmed']} customers "
        f"outside the trimming bounds were dropped. Propensity model: {d['propensity_method']}.")
    rp.plot_balance(d["balance"])


def segment_effects(result) -> pd.DataFrame:
    s = result.segments
    if s.empty:
        _display_markdown("No segments: run 02_segment first to get per-segment results.")
        return s
    out = s[s["metric"] == "revenue_per_customer"][
        ["dimension", "segment", "arm", "customers", "control_customers", "response_rate", "lift", "ci_low",
         "ci_high", "q_value", "small"]].copy()
    out["response_rate"] = (100 * out["response_rate"]).round(1)
    for c in ("lift", "ci_low", "ci_high"):
        out[c] = out[c].round(2)
    out["q_value"] = out["q_value"].round(4)
    return out.rename(columns={"response_rate": "response %", "lift": "lift in revenue per customer"}).reset_index(
        drop=True)


def plot_segment_lifts(result) -> None:
    import matplotlib.pyplot as plt

    from . import response_plots as rp

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
    from . import response as resp

    segs = result.segment_table
    if segs is None or not result.dimensions:
        segs, dim = result.frame[["customer_id"]].assign(all="all customers"), "all"
    else:
        dim = "rfm_segment" if "rfm_segment" in result.dimensions else result.dimensions[0]
    return resp.compute_response_crosstab(result.frame, segs, dim, control=result.control).round(3)


def show_funnel(result):
    from . import response as resp
    from . import response_plots as rp

    drop = resp.biggest_drop(result.funnel)
    if drop and drop["step_conversion"] < 1:
        _display_markdown(f"Biggest drop-off: to **{drop['step']}** in arm `{drop['arm']}` "
                          f"({100 * drop['step_conversion']:.1f}% of the previous step).")
    rp.plot_funnel(result.funnel)
    return result.funnel.round(3)


def show_roi(result) -> pd.DataFrame | None:
    r = result.roi
    if not r:
        _display_markdown("No ROI: there is no effect estimate to turn into money (see above).")
        return None
    inc, roi = r["incremental_revenue"], r["roi"]
    _display_markdown(
        f"Incremental revenue ({r['window']}): {_fmt_ci(inc['estimate'], inc['ci_low'], inc['ci_high'])}, from a "
        f"per-customer effect of {_fmt_ci(*(r['per_customer_effect'][k] for k in ('estimate', 'ci_low', 'ci_high')))} "
        f"({r['per_customer_effect']['method']}) times {r['contacts']:,} customers. Costs: {r['total_cost']:,.2f}. "
        f"ROI: {_fmt_ci(roi['estimate'], roi['ci_low'], roi['ci_high'])} per unit of cost. Break-even needs "
        f"{r['break_even_lift_per_customer']:,.2f} of extra revenue per customer at a {r['gross_margin']:.0%} margin.")
    rows = {k: r[k] for k in ("incremental_revenue", "incremental_margin", "net_profit", "roi")}
    return pd.DataFrame(rows).T.astype(float).round(2)


def show_planning(result) -> pd.DataFrame | None:
    p = result.planning
    if not p:
        _display_markdown("A holdout in the next campaign is the only way to measure it: keep a random 10% of the "
                          "targeted customers out of the campaign.")
        return None
    _display_markdown(
        f"With {p['n_treat']:,} treated and {p['n_control']:,} comparison customers and a revenue spread of "
        f"{p['sd_revenue']:,.2f} per customer, the smallest detectable effect on revenue per customer is "
        f"{p['mde_revenue_per_customer']:,.2f} ({100 * p['power']:.0f}% power, two-sided {p['alpha']:.0%} test). To "
        f"detect the effect seen here ({p['observed_lift']:,.2f}) with a 90/10 split, the next campaign needs a "
        f"holdout of {p['holdout_needed_at_9_to_1']:,} customers. Method: {p['method']}.")
    return pd.DataFrame([p]).T.rename(columns={0: "value"})


# --------------------------------------------------------------------------------------------- 04_retention
def show_retention_notes(result) -> None:
    counts = result.groups["group"].value_counts().sort_index()
    text = "Groups: " + ", ".join(f"{g} {n:,}" for g, n in counts.items()) + f". Time is counted from {result.anchor}."
    if result.notes:
        text += " " + " ".join(result.notes)
    _display_markdown(text)


def show_repurchase(result) -> pd.DataFrame:
    from . import retention

    if result.repurchase["complete"].any():
        retention.plot_repurchase(result.repurchase)
    r = result.repurchase.copy()
    for c in ("rate", "ci_low", "ci_high"):
        r[c] = (100 * r[c].astype(float)).round(1)
    return r.rename(columns={"rate": "rate %", "ci_low": "95% CI low %", "ci_high": "95% CI high %"})


def show_km(result) -> None:
    from . import retention

    lr = result.logrank
    if result.km.empty:
        _display_markdown("No customer can be followed after the campaign.")
        return
    retention.plot_km_curves(result.km)
    if lr.get("p_value") is not None and not pd.isna(lr.get("p_value")):
        _display_markdown(f"Log-rank test across groups: chi2 = {lr['statistic']:.2f} on {lr['df']} df, "
                          f"p = {lr['p_value']:.4f} ({lr['method']}).")


def show_churn(result) -> pd.DataFrame:
    c = result.churn.copy()
    for col in ("rate", "ci_low", "ci_high"):
        c[col] = (100 * c[col].astype(float)).round(1)
    return c.rename(columns={"rate": "churn %"})


def show_retention_by_segment(result) -> pd.DataFrame:
    if result.by_segment.empty:
        _display_markdown("No segments: run 02_segment first to see retention by segment.")
        return result.by_segment
    b = result.by_segment.copy()
    for col in ("rate", "ci_low", "ci_high"):
        b[col] = (100 * b[col].astype(float)).round(1)
    return b.drop(columns=["note"], errors="ignore")


def show_cohorts(result) -> None:
    import matplotlib.pyplot as plt

    from . import retention

    fig, axes = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [3, 2]})
    retention.plot_cohort_heatmap(result.cohorts_first_month, ax=axes[0])
    axes[0].set_title("by month of first purchase")
    retention.plot_cohort_heatmap(result.cohorts_by_group, ax=axes[1])
    axes[1].set_title("by campaign group, months from the campaign start")
    fig.tight_layout()


def show_nps(result) -> pd.DataFrame:
    if result.nps.empty:
        _display_markdown("No feedback for this campaign in the data.")
    return result.nps.round(2)


# --------------------------------------------------------------------------------------------- 05_review
def review_header(summary: dict) -> None:
    c = summary.get("campaign") or {}
    r = summary.get("response") or {}
    _display_markdown(f"### {c.get('title') or c.get('id')} · `{c.get('id')}`\n\nCampaign window {c.get('start_date')} "
                      f"to {c.get('end_date')} (exclusive) · design: {r.get('design')} · data fingerprint "
                      f"`{(summary.get('data') or {}).get('fingerprint', '')[:12]}`")


def executive_summary(summary: dict) -> None:
    from . import review

    _display_markdown("\n\n".join(review.compose_executive_summary(summary)))


def recommendations(summary: dict) -> pd.DataFrame:
    from . import review

    rec = review.compute_recommendations(summary)
    nxt = review.compose_next_campaign(summary)
    counts = rec["action"].value_counts().to_dict() if not rec.empty else {}
    text = (f"{counts.get('target', 0)} segment(s) to target, {counts.get('suppress', 0)} to suppress, "
            f"{counts.get('test with holdout', 0)} to test again." if not rec.empty else
            "No per-segment results (run 02_segment and 03_response) to recommend from.")
    shown = rec.copy()
    tests = shown["action"] == "test with holdout"
    if tests.sum() > 5:
        # A manager reads the decisions; the long tail of inconclusive segments is in tables.xlsx.
        shown = pd.concat([shown[~tests], shown[tests].head(5)])
        text += f" The table shows the decisions and the 5 largest inconclusive lifts; all {len(rec)} are in tables.xlsx."
    _display_markdown(text + " " + nxt)
    for col in ("lift", "ci_low", "ci_high"):
        shown[col] = shown[col].astype(float).round(2)
    shown["q_value"] = shown["q_value"].astype(float).round(4)
    shown = shown.rename(columns={"ci_low": "95% CI low", "ci_high": "95% CI high", "q_value": "q-value",
                                  "lift": "lift per customer"})
    return (shown.style.hide(axis="index").format(precision=2, subset=["lift per customer", "95% CI low",
                                                                      "95% CI high"])
            .format(precision=4, subset=["q-value"]).set_properties(subset=["reason"], **{"text-align": "left"}))


def review_charts(run, summary: dict) -> None:
    import matplotlib.pyplot as plt

    from . import response_plots as rp
    from . import retention
    from .review_report import read_result_table

    effects = read_result_table(run, "effects.csv")
    rev = effects[effects["metric"] == "revenue_per_customer"]
    order = {"naive": 0, "headline": 1, "supporting": 2, "sensitivity": 3, "descriptive": 4, "post-period": 5}
    rev = rev.sort_values("role", key=lambda s: s.map(order))
    rp.plot_estimates(rev, title="Effect on revenue per customer: naive versus adjusted")
    plt.show()
    segs = read_result_table(run, "segment_effects.csv")
    if not segs.empty:
        est = segs[(segs["metric"] == "revenue_per_customer") & ~segs["small"].astype(bool)]
        dims = [d for d in ("rfm_segment", "value_tier", "lifecycle") if d in set(est["dimension"])]
        if dims:
            fig, axes = plt.subplots(1, len(dims), figsize=(6 * len(dims), 4))
            for dim, ax in zip(dims, [axes] if len(dims) == 1 else axes):
                rp.plot_segment_lift(segs, dim, ax=ax)
            fig.tight_layout()
            plt.show()
    km = read_result_table(run, "km_curves.csv")
    if not km.empty:
        ax = retention.plot_km_curves(km)
        ax.set_title("Time to next purchase after the campaign (share not yet back)")
        plt.show()


def method_appendix(summary: dict) -> None:
    r = summary.get("response") or {}
    methods = sorted({e.get("method") for e in r.get("effects") or [] if e.get("method")})
    lines = [
        f"- **Design**: {r.get('design')}; comparison: `{r.get('control_arm')}`. Eligibility: "
        f"{(r.get('eligibility') or {}).get('rule', 'all assigned customers')}.",
        f"- **Covariates**: {', '.join(r.get('covariates') or []) or 'none'}.",
        "- **Estimators used**: " + "; ".join(methods) + ".",
        "- **Multiple testing**: Benjamini-Hochberg q-values, one family per arm and metric across all segments.",
        f"- **Economics**: gross margin {100 * float((r.get('roi') or {}).get('gross_margin') or 0):.0f}%, costs = "
        "campaign discounts + cost per contact x contacts + fixed cost; ROI interval from the incremental revenue "
        "interval.",
        f"- **Retention**: {(summary.get('retention') or {}).get('method', 'not run')}.",
        "- **Data**: cleaning rules and windows in 01_clean; the data fingerprint identifies the input exactly.",
    ]
    if (r.get("winsorization") or {}).get("applied"):
        lines.append(f"- **Winsorization**: revenue capped at the {r['winsorization']['quantile']:.0%} quantile.")
    _display_markdown("\n".join(lines))


def glossary() -> None:
    from . import review

    _display_markdown("\n".join(f"- **{t}**: {d}" for t, d in review.GLOSSARY.items()))


# --------------------------------------------------------------------------------------------- 02_segment
def show_segment_notes(result) -> None:
    text = (f"Snapshot on **{result.as_of}** (orders before the campaign start); {len(result.segments):,} customers. "
            f"Dimensions: {', '.join(result.dimensions)}.")
    if result.notes:
        text += " " + " ".join(result.notes)
    _display_markdown(text)


def _profile_view(profile: pd.DataFrame) -> pd.DataFrame:
    out = profile.copy()
    for c in ("share", "revenue_share"):
        if c in out:
            out[c] = (100 * out[c]).round(1)
    if "mean_expected_value" in out:
        # Lifetime value comes from a fit: three significant digits; no column when it was not estimated.
        ev = out.pop("mean_expected_value")
        if ev.notna().any():
            out["mean_expected_value"] = ev.map(lambda v: float(f"{v:.3g}"))
    return out.rename(columns={"share": "share %", "revenue_share": "revenue share %"}).round(2)


def show_profiles(result, dimension: str) -> pd.DataFrame:
    from . import plotting

    profile = result.profiles[dimension]
    plotting.plot_segment_sizes(profile)
    return _profile_view(profile)


def show_lifecycle(result) -> pd.DataFrame:
    import matplotlib.pyplot as plt

    from . import plotting

    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    plotting.plot_lifecycle(result.segments, ax=axes[0])
    plotting.plot_segment_sizes(result.profiles["response_history"], ax=axes[1])
    fig.tight_layout()
    return _profile_view(result.profiles["lifecycle"])


def show_tags(result) -> pd.DataFrame:
    counts = result.tag_counts.copy()
    counts["share"] = (100 * counts["share"]).round(1)
    return counts.rename(columns={"share": "share %"})


def _sig(value: float, digits: int = 3) -> str:
    """A fitted parameter with the precision its estimate has (optimiser digits beyond it are noise)."""
    return f"{value:#.{digits}g}".rstrip(".") if abs(value) < 10 ** digits else f"{value:,.0f}"


def show_clv(result) -> pd.DataFrame | None:
    """Lifetime value: the fitted models and the predicted distribution, or one sentence saying why there is none."""
    from . import plotting

    p = result.clv_params
    if not p.get("estimated"):
        reason = p.get("reason") or "it was not fitted"
        _display_markdown(f"Lifetime value is not estimated: {reason}.")
        return None
    bg, gg = p["bgnbd"], p["gamma_gamma"]
    _display_markdown(
        f"BG/NBD: r = {_sig(bg['r'])}, alpha = {_sig(bg['alpha'])}, a = {_sig(bg['a'])}, b = {_sig(bg['b'])} "
        f"({bg['n_customers']:,} customers). Gamma-Gamma: p = {_sig(gg['p'])}, q = {_sig(gg['q'])}, "
        f"v = {_sig(gg['v'])} ({gg['n_customers']:,} repeat buyers; {gg['n_excluded_no_repeat']:,} without a repeat "
        f"purchase and {gg['n_excluded_nonpositive_spend']:,} with zero or negative spend left out of the fit). "
        f"Method: {p['method']}. Horizon {p['horizon_days']} days. Parameters to three significant digits.")
    plotting.plot_clv_distribution(result.segments)
    cols = ["expected_orders", "probability_alive", "expected_order_value", "expected_value"]
    # Predictions inherit the fit's precision: three significant digits.
    return result.segments[cols].describe().T.map(lambda v: float(f"{v:.3g}"))


def show_migration(result, dimension: str) -> None:
    import matplotlib.pyplot as plt

    from . import plotting

    by = result.migration.get(dimension)
    if not by:
        _display_markdown("No second snapshot: the data ends at the campaign start.")
        return
    fig, axes = plt.subplots(1, 2, figsize=(15, 6))
    for (group, matrix), ax in zip(by.items(), axes):
        plotting.plot_migration(matrix, ax=ax)
        ax.set_title(f"{dimension.replace('_', ' ')}: {group.replace('_', ' ')}")
    fig.tight_layout()


# --------------------------------------------------------------------------------------------- 06_portfolio
def portfolio_overview(result) -> None:
    t = result.table
    if t.empty:
        _display_markdown("No published campaign reports yet: run `campaignlab run --all` first.")
        return
    n_sig = int(t["significant"].fillna(False).astype(bool).sum())
    _display_markdown(f"{len(t)} campaign report(s); {n_sig} with an incremental revenue effect whose 95% interval "
                      "excludes zero.")


def portfolio_ranking(result) -> pd.DataFrame:
    import matplotlib.pyplot as plt

    from . import portfolio

    t = result.table
    if t.empty:
        return t
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, 2, figsize=(14, 0.45 * len(t) + 2))
    portfolio.plot_campaign_ranking(t, ax=axes[0])
    portfolio.plot_roi(t, ax=axes[1])
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.tick_params(axis="x", labelrotation=20)
    fig.tight_layout()
    view = pd.DataFrame({
        "rank": t["rank"], "campaign": t["campaign_id"], "type": t["type"], "design": t["design"],
        "customers": t["customers"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        "effect per customer (95% CI)": [_fmt_ci(e, lo, hi) for e, lo, hi in zip(
            t["revenue_per_customer"], t["revenue_per_customer_ci_low"], t["revenue_per_customer_ci_high"])],
        "incremental revenue (95% CI)": [_fmt_ci(e, lo, hi) for e, lo, hi in zip(
            t["incremental_revenue"], t["incremental_revenue_ci_low"], t["incremental_revenue_ci_high"])],
        "ROI (95% CI)": [_fmt_ci(e, lo, hi) for e, lo, hi in zip(t["roi"], t["roi_ci_low"], t["roi_ci_high"])],
        "caveat": t["headline_caveat"].fillna(""),
    })
    return view.style.hide(axis="index")


def portfolio_types(result):
    t = result.types
    if t.empty:
        return t
    view = t.rename(columns=lambda c: c.replace("_", " ")).drop(columns=["method"], errors="ignore")
    return view.style.hide(axis="index").format(precision=2, na_rep="n/a (fewer than two campaigns)")


def portfolio_highlights(result) -> None:
    h = result.highlights
    if h.empty:
        _display_markdown("No highlights: no effect or segment lift has an interval that excludes zero.")
        return
    _display_markdown("\n".join(f"- {s}" for s in h["sentence"]))


def show_rfm(result) -> None:
    from . import plotting

    plotting.plot_rfm_heatmap(result.segments)


def show_weekly(result, run) -> None:
    from . import response_plots as rp

    if result.weekly.empty:
        _display_markdown("No weekly series (no effect analysis for this campaign).")
        return
    rp.plot_weekly(result.weekly, run.windows)


def show_naive_vs_adjusted(result) -> None:
    """The forest plot of naive versus adjusted estimates, and the sentence on why they differ."""
    import matplotlib.pyplot as plt

    from . import response_plots as rp
    from .response_report import explain_naive_gap, naive_vs_adjusted

    if result.effects.empty:
        _display_markdown("No estimates (see above).")
        return
    rp.plot_estimates(naive_vs_adjusted(result), title="Revenue per customer in the campaign window")
    plt.show()
    say(explain_naive_gap(result))


def show_periods(result) -> pd.DataFrame | None:
    if result.periods.empty:
        return None
    p = result.periods.copy()
    for c in ("repurchase_rate", "churn_rate"):
        if c in p:
            p[c] = (100 * p[c].astype(float)).round(1)
    return p.rename(columns={"repurchase_rate": "repurchase %", "churn_rate": "churn %"}).round(2)


def show_products(result) -> pd.DataFrame:
    """Promoted products against the rest of the basket: per-customer revenue, and the effect on each."""
    e = result.effects
    prod = e[e["role"] == "products"] if not e.empty else e
    if not prod.empty:
        lines = []
        for r in prod.itertuples():
            what = "the campaign's products" if r.metric.startswith("promoted") else "the rest of the basket"
            lines.append(f"- {what} ({r.arm}): {_fmt_ci(r.estimate, r.ci_low, r.ci_high)} per customer ({r.method})")
        promoted = prod[prod["metric"].str.startswith("promoted")]["ci_low"].astype(float)
        other = prod[prod["metric"].str.startswith("other")]
        verdict = ""
        if len(promoted) and promoted.iloc[0] > 0 and len(other):
            o_lo, o_hi = float(other["ci_low"].iloc[0]), float(other["ci_high"].iloc[0])
            verdict = (" Promoted products gained while the rest of the basket fell: **substitution**." if o_hi < 0 else
                       " Promoted products gained and so did the rest of the basket: **halo**." if o_lo > 0 else
                       " Promoted products gained; the effect on the rest of the basket is inconclusive.")
        _display_markdown("Effect on revenue per customer in the campaign window:\n" + "\n".join(lines) + verdict)
    out = result.products.copy()
    return out.round(2)
