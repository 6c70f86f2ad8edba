"""Notebook 05_review's steps: read the run's results, show the key charts again, export the tables.

Everything shown is read back from the run folder that the earlier notebooks wrote (summary.json, CSV tables), so
the review says exactly what the analyses found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from campaignlab import iorw
from campaignlab.formatting import escape_text
from campaignlab.plots import retention as rplots
from campaignlab.steps import glossary as terms
from campaignlab.steps import review_text as review
from campaignlab.steps.display import show_markdown

if TYPE_CHECKING:
    from campaignlab.run.session import Run

TABLES_WORKBOOK = iorw.RunFiles.TABLES_WORKBOOK


def load_summary(run: Run) -> dict[str, Any]:
    """The run's summary.json, refusing to write a review without the response analysis."""
    run.require(iorw.RunFiles.EFFECTS, "03_response")
    summary = run.summary()
    if not summary.get("response"):
        raise FileNotFoundError(f"{run.run_dir}/summary.json has no response section: run 03_response first.")
    return summary


def read_result_table(run: Run, name: str) -> pd.DataFrame:
    """A table an earlier notebook wrote (empty when that notebook did not write it)."""
    path = run.path(name)
    return iorw.read_table(path) if path.exists() else pd.DataFrame()


def export_tables(run: Run, summary: dict[str, Any]) -> pd.DataFrame:
    """Write the tables behind the report as CSV and as one XLSX workbook (one sheet per table); return one row per
    sheet written, with its rows and columns."""
    sheets = {
        "arms": pd.DataFrame((summary.get("response") or {}).get("arms") or []),
        "effects": read_result_table(run, iorw.RunFiles.EFFECTS),
        "segment_effects": read_result_table(run, iorw.RunFiles.SEGMENT_EFFECTS),
        "segment_profiles": read_result_table(run, iorw.RunFiles.SEGMENT_PROFILES),
        "recommendations": review.compute_recommendations(summary),
        "repurchase": read_result_table(run, iorw.RunFiles.REPURCHASE),
        "glossary": review.glossary_table(),
    }
    for name in ("recommendations", "arms"):
        iorw.write_table(sheets[name], run.path(f"{name}.csv"))
    written = iorw.write_workbook(run.path(TABLES_WORKBOOK), sheets)
    show_markdown(f"Wrote `recommendations.csv`, `arms.csv` and `{TABLES_WORKBOOK}` (every table at full length, "
                  f"one sheet each) in `{run.report_dir}`.")
    return pd.DataFrame({"sheet": written, "rows": [len(sheets[n]) for n in written],
                         "columns": [sheets[n].shape[1] for n in written]})


# ------------------------------------------------------------------------------------------ views
def review_header(summary: dict) -> None:
    """Show the campaign's title, window, design and data fingerprint."""
    c = summary.get("campaign") or {}
    r = summary.get("response") or {}
    show_markdown(f"### {escape_text(c.get('title') or c.get('id'))} · `{c.get('id')}`\n\nCampaign window {c.get('start_date')} "
                      f"to {c.get('end_date')} (exclusive) · design: {r.get('design')} · data fingerprint "
                      f"`{(summary.get('data') or {}).get('fingerprint', '')[:12]}`")


def executive_summary(summary: dict) -> None:
    """Show the plain-language paragraphs of the write-up (verdict, money, trust, segments, retention)."""
    from campaignlab.steps import review_text as review

    show_markdown("\n\n".join(review.compose_executive_summary(summary)))


def recommendations(summary: dict) -> pd.DataFrame | None:
    """Say how many segments to target, suppress or test again, and return the recommendations table (None, with a
    sentence saying why, when there is none)."""
    from campaignlab.steps import review_text as review

    rec = review.compute_recommendations(summary)
    nxt = review.compose_next_campaign(summary)
    if rec.empty:
        segments = (summary.get("response") or {}).get("segments")
        show_markdown(("No segment to recommend: each estimated segment holds every customer of its arm, has an "
                       "unknown value or was too small for an estimate; the verdict speaks for the whole campaign."
                       if segments else "No per-segment results (run 02_segment and 03_response) to recommend from.")
                      + " " + nxt)
        return None
    counts = rec["action"].value_counts().to_dict()
    text = (f"{counts.get('target', 0)} segment(s) to target, {counts.get('suppress', 0)} to suppress, "
            f"{counts.get('test with holdout', 0)} to test again.")
    if not review.segments_are_effects(summary):
        text += (" The campaign's verdict is not a measured effect, so neither is any segment's difference: each is a "
                 "lead to test with a holdout, not a decision.")
    shown = rec.copy()
    tests = shown["action"] == "test with holdout"
    if tests.sum() > 5:
        # A manager reads the decisions; the long tail of inconclusive segments is in tables.xlsx.
        shown = pd.concat([shown[~tests], shown[tests].head(5)])
        text += (f" The table shows {'the decisions and ' if (~tests).any() else ''}the first 5 segments to test "
                 f"(those with q < 0.05 first, then the largest lifts); all {len(rec)} are in tables.xlsx.")
    show_markdown(text + " " + nxt)
    for col in ("lift", "ci_low", "ci_high"):
        shown[col] = shown[col].astype(float).round(2)
    shown["q_value"] = shown["q_value"].astype(float).round(4)
    shown = shown.rename(columns={"ci_low": "95% CI low", "ci_high": "95% CI high", "q_value": "q-value",
                                  "lift": "lift per customer"})
    return (shown.style.hide(axis="index").format(escape="html")
            .format(precision=2, subset=["lift per customer", "95% CI low", "95% CI high"], escape="html")
            .format(precision=4, subset=["q-value"], escape="html").set_properties(subset=["reason"], **{"text-align": "left"}))


def review_charts(run, summary: dict) -> None:
    """Plot the naive versus adjusted estimates and the charts the write-up refers to."""
    import matplotlib.pyplot as plt

    from campaignlab.plots import response as rp
    from campaignlab.steps.review import read_result_table

    effects = read_result_table(run, iorw.RunFiles.EFFECTS)
    rev = effects[effects["metric"] == "revenue_per_customer"]
    order = {"naive": 0, "headline": 1, "supporting": 2, "sensitivity": 3, "descriptive": 4, "post-period": 5}
    rev = rev.sort_values("role", key=lambda s: s.map(order))
    rp.plot_estimates(rev, title="Effect on revenue per customer: naive versus adjusted")
    plt.show()
    weekly = read_result_table(run, iorw.RunFiles.WEEKLY_COMPARISON)
    if not weekly.empty:
        from campaignlab.steps.response.views import show_weighted_weekly

        window = ((summary.get("response") or {}).get("verdict") or {}).get("window") or {}
        weekly["week"] = pd.to_datetime(weekly["week"])
        weekly["period"] = weekly["period"].fillna("")
        show_weighted_weekly(weekly, (window.get("start"), window.get("end")),
                             currency=(summary.get("response", {}).get("roi") or {}).get("currency"))
        plt.show()
    segs = read_result_table(run, iorw.RunFiles.SEGMENT_EFFECTS)
    if not segs.empty:
        est = segs[(segs["metric"] == "revenue_per_customer") & ~segs["small"].astype(bool)]
        dims = [d for d in ("rfm_segment", "value_tier", "lifecycle") if d in set(est["dimension"])]
        if dims:
            fig, axes = plt.subplots(1, len(dims), figsize=(6 * len(dims), 4))
            for dim, ax in zip(dims, [axes] if len(dims) == 1 else axes):
                rp.plot_segment_lift(segs, dim, ax=ax)
            fig.tight_layout()
            plt.show()
    target = summary.get("targeting") or {}
    if target.get("policy"):
        from campaignlab.plots import targeting as tplots

        tplots.plot_policy_curve(pd.DataFrame(target["policy"]), currency=target.get("currency"),
                                 recommended=target.get("recommended_share"))
        plt.show()
    km = read_result_table(run, iorw.RunFiles.KM_CURVES)
    if not km.empty:
        ax = rplots.plot_km_curves(km)
        ax.set_title("Time to next purchase after the campaign (share not yet back)")
        plt.show()


def method_appendix(summary: dict) -> None:
    """Show the design, covariates, estimators, multiple-testing rule and economics used."""
    r = summary.get("response") or {}
    methods = sorted({e.get("method") for e in r.get("effects") or [] if e.get("method")})
    lines = [
        f"- **Design**: {r.get('design')}; comparison: **{escape_text(r.get('control_arm'))}**. Eligibility: "
        f"{escape_text((r.get('eligibility') or {}).get('rule', 'all assigned customers'))}.",
        f"- **Covariates**: {', '.join(map(escape_text, r.get('covariates') or [])) or 'none'}.",
        "- **Estimators used**: " + "; ".join(methods) + ".",
        "- **Multiple testing**: Benjamini-Hochberg q-values, one family per arm and metric across all segments; "
        "treatment arms compared with each other form one family per campaign.",
        f"- **Economics**: gross margin {100 * float((r.get('roi') or {}).get('gross_margin') or 0):.0f}%, costs = "
        "campaign discounts + cost per contact x contacts + fixed cost; ROI interval from the incremental revenue "
        "interval.",
        f"- **Retention**: {(summary.get('retention') or {}).get('method', 'not run')}.",
        "- **Data**: cleaning rules and windows in 01_clean; the data fingerprint identifies the input exactly.",
    ]
    if (summary.get("engine") or {}).get("sample"):
        lines.append(f"- **Customers**: {escape_text(summary['engine']['note'])}")
    if (r.get("winsorization") or {}).get("applied"):
        lines.append(f"- **Winsorization**: revenue capped at the {r['winsorization']['quantile']:.0%} quantile.")
    show_markdown("\n".join(lines))


def glossary() -> None:
    """Show the glossary of the terms the report uses."""
    show_markdown(terms.as_markdown())
