"""Notebook 04_retention's steps: do responders stay? Repurchase, time to next purchase, churn, cohorts, NPS.

Statistics live in :mod:`campaignlab.stats.retention`; this module wires them to a run and writes the ``retention``
section of ``summary.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from campaignlab import iorw
from campaignlab.formatting import NotAvailable
from campaignlab.params import RetentionConfig
from campaignlab.plots import retention as rplots
from campaignlab.stats import retention
from campaignlab.stats.response import COMPARISON, records
from campaignlab.steps.display import show_markdown, show_not_available
from campaignlab.steps.response.analysis import OUTCOMES_FILE, read_segments

if TYPE_CHECKING:
    from campaignlab.run.session import Run

RESPONDER, NON_RESPONDER = "responder", "non-responder"


@dataclass
class RetentionResult:
    groups: pd.DataFrame
    anchor: Any
    data_end: Any
    repurchase: pd.DataFrame
    km: pd.DataFrame
    logrank: dict
    churn: pd.DataFrame
    cohorts_first_month: pd.DataFrame
    cohorts_by_group: pd.DataFrame
    by_segment: pd.DataFrame = field(default_factory=pd.DataFrame)
    nps: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


def compute_retention_groups(outcomes: pd.DataFrame, control: str) -> pd.DataFrame:
    """customer_id and group: responders and non-responders among the treated, and the comparison or control.

    Examples
    --------
    >>> d = pd.DataFrame({"customer_id": ["a", "b", "c"], "group": ["t", "t", "comparison"], "responded": [1, 0, 0]})
    >>> compute_retention_groups(d, "comparison")["group"].tolist()
    ['responder', 'non-responder', 'comparison']
    """
    treated = outcomes["group"] != control
    group = np.where(~treated, outcomes["group"], np.where(outcomes["responded"] > 0, RESPONDER, NON_RESPONDER))
    return pd.DataFrame({"customer_id": outcomes["customer_id"].to_numpy(), "group": group})


def analyse(run: Run) -> RetentionResult:
    """Every retention view for the run's campaign, from the customer table 03_response wrote."""
    p = run.params
    cfg: RetentionConfig = p.retention
    outcomes = iorw.read_table(run.require(OUTCOMES_FILE, "03_response"))
    summary = run.summary()
    control = (summary.get("response") or {}).get("control_arm") or COMPARISON
    groups = compute_retention_groups(outcomes, control)
    tx = run.tables["transactions"]
    anchor = run.windows["campaign"].end
    data_end = run.data_range[1]
    notes = []
    if anchor >= data_end:
        notes.append("The data ends before the campaign does: nothing after the campaign can be observed.")
    nxt = retention.compute_next_purchase(tx, groups, anchor=anchor, data_end=data_end)
    rep = retention.compute_repurchase(nxt, windows_days=cfg.windows_days, anchor=anchor, data_end=data_end)
    incomplete = sorted(set(rep.loc[~rep["complete"], "window_days"]))
    if incomplete:
        notes.append(f"The data ends {(data_end - anchor).days} days after the campaign: repurchase within "
                     f"{', '.join(map(str, incomplete))} days cannot be measured yet and is shown as incomplete.")
    km = retention.compute_km_curves(nxt)
    logrank = retention.compute_logrank(nxt)
    churned_days = int(p.segmentation.lifecycle.churned_days)
    churn = retention.compute_churn_rates(tx, groups, as_of_before=run.windows["campaign"].start,
                                          as_of_after=run.windows["post"].end, churned_days=churned_days,
                                          data_end=data_end)
    cohort_month = retention.compute_cohort_retention(tx, cohort="first_month", data_end=data_end)
    by_group = retention.compute_cohort_retention(tx, cohort=groups.set_index("customer_id")["group"],
                                                  data_end=data_end, origin=run.windows["campaign"].start)
    result = RetentionResult(groups, anchor, data_end, rep, km, logrank, churn, cohort_month, by_group, notes=notes)
    segments = read_segments(run)
    if segments is not None:
        dims = [d for d in cfg.segment_dimensions if d in segments]
        frames = [retention.compute_retention_by_segment(nxt, segments, d, cfg.segment_window_days, anchor=anchor,
                                                         data_end=data_end) for d in dims]
        result.by_segment = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    fb = run.tables["feedback"]
    fb = fb.filter(fb.campaign_id == p.campaign).to_pandas()
    if not fb.empty:
        fb = fb.merge(groups, on="customer_id", how="inner")
        result.nps = retention.compute_nps(fb, by=["group"])
    return result


def write(run: Run, result: RetentionResult) -> dict[str, Any]:
    """Write the retention tables and the ``retention`` section of summary.json."""
    iorw.write_table(result.repurchase, run.path(iorw.RunFiles.REPURCHASE))
    iorw.write_table(result.km, run.path(iorw.RunFiles.KM_CURVES))
    section = {
        "anchor": result.anchor.isoformat(),
        "data_end": result.data_end.isoformat(),
        "groups": result.groups["group"].value_counts().sort_index().to_dict(),
        "repurchase": records(result.repurchase),
        "logrank": result.logrank,
        "churn": records(result.churn.assign(as_of=result.churn["as_of"].astype(str))),
        "by_segment": records(result.by_segment) if not result.by_segment.empty else [],
        "nps": records(result.nps) if not result.nps.empty else [],
        "notes": result.notes,
        "method": "repurchase: share with an order within N days after the campaign end, Wilson 95% intervals; "
                  "time to next purchase: Kaplan-Meier with log-log 95% bands, log-rank test (statsmodels)",
    }
    run.write_section("retention", section)
    return section


# ------------------------------------------------------------------------------------------ views
def show_retention_notes(result) -> None:
    counts = result.groups["group"].value_counts().sort_index()
    text = "Groups: " + ", ".join(f"{g} {n:,}" for g, n in counts.items()) + f". Time is counted from {result.anchor}."
    if result.notes:
        text += " " + " ".join(result.notes)
    show_markdown(text)


def show_repurchase(result) -> pd.DataFrame:

    if result.repurchase["complete"].any():
        rplots.plot_repurchase(result.repurchase)
    r = result.repurchase.copy()
    for c in ("rate", "ci_low", "ci_high"):
        r[c] = (100 * r[c].astype(float)).round(1)
    return r.rename(columns={"rate": "rate %", "ci_low": "95% CI low %", "ci_high": "95% CI high %"})


def show_km(result) -> None:

    lr = result.logrank
    if result.km.empty:
        show_markdown("No customer can be followed after the campaign.")
        return
    rplots.plot_km_curves(result.km)
    if lr.get("p_value") is not None and not pd.isna(lr.get("p_value")):
        show_markdown(f"Log-rank test across groups: chi2 = {lr['statistic']:.2f} on {lr['df']} df, "
                          f"p = {lr['p_value']:.4f} ({lr['method']}).")


def show_churn(result) -> pd.DataFrame:
    c = result.churn.copy()
    for col in ("rate", "ci_low", "ci_high"):
        c[col] = (100 * c[col].astype(float)).round(1)
    return c.rename(columns={"rate": "churn %"})


def show_retention_by_segment(result) -> pd.DataFrame:
    if result.by_segment.empty:
        show_markdown("No segments: run 02_segment first to see retention by segment.")
        return result.by_segment
    b = result.by_segment.copy()
    for col in ("rate", "ci_low", "ci_high"):
        b[col] = (100 * b[col].astype(float)).round(1)
    return b.drop(columns=["note"], errors="ignore")


def show_cohorts(result) -> None:
    import matplotlib.pyplot as plt


    fig, axes = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [3, 2]})
    rplots.plot_cohort_heatmap(result.cohorts_first_month, ax=axes[0])
    axes[0].set_title("by month of first purchase")
    rplots.plot_cohort_heatmap(result.cohorts_by_group, ax=axes[1])
    axes[1].set_title("by campaign group, months from the campaign start")
    fig.tight_layout()


def show_nps(result) -> pd.DataFrame | None:
    if result.nps.empty:
        show_not_available(NotAvailable("Net promoter score", "the data has no feedback for this campaign",
                                        "add a feedback table (campaign_id, customer_id, ts, score 0-10)"))
        return None
    return result.nps.round(2)
