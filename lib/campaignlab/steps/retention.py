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
from campaignlab.formatting import NotAvailable, escape_text
from campaignlab.params import RetentionConfig
from campaignlab.plots import retention as rplots
from campaignlab.stats import retention
from campaignlab.stats.response import COMPARISON, records
from campaignlab.steps.display import describe_result, result_html, say_written, show_markdown, show_not_available
from campaignlab.steps.response.analysis import OUTCOMES_FILE, read_segments

if TYPE_CHECKING:
    from campaignlab.run.session import Run

RESPONDER, NON_RESPONDER = "responder", "non-responder"
#: Responders chose to respond: comparisons between the groups describe, they do not measure the campaign.
DESCRIPTIVE = ("Responders select themselves (they chose to respond), so comparisons of responders with "
               "non-responders or with the {control} group are descriptive: they show who came back, not what the "
               "campaign caused. The campaign's effect is 03_response's comparison of everyone targeted with the "
               "{control} group.")


@dataclass(repr=False)
class RetentionResult:
    """Every retention view of 04_retention; ``result`` alone prints a short summary without customer ids.

    Attributes
    ----------
    groups : pandas.DataFrame
        ``customer_id`` and ``group``: responders, non-responders and the control or comparison group (holds
        customer ids).
    anchor : datetime.date
        The campaign's end, from which time to the next purchase is counted.
    data_end : datetime.date
        The day after the data's last transaction.
    repurchase : pandas.DataFrame
        Share of each group buying again within each window (days), and whether the data cover the window.
    km : pandas.DataFrame
        Kaplan-Meier curves of the time to the next purchase, per group.
    logrank : dict
        The log-rank test across groups (statistic, df, p-value) and whether the comparison is descriptive.
    churn : pandas.DataFrame
        Churn rates per group before and after the campaign.
    cohorts_first_month : pandas.DataFrame
        Retention by month of first purchase.
    cohorts_by_group : pandas.DataFrame
        Retention by month since the campaign start, per group.
    by_segment : pandas.DataFrame
        Repurchase per segment and group (empty when there are no segments).
    nps : pandas.DataFrame
        Net promoter score per group (empty without feedback).
    notes : list of str
        Sentences on what the data cannot show yet, and why group comparisons are descriptive.
    history_days : int
        Days of data a first-purchase cohort needs before it to count as new customers (the churn threshold).
    by_segment_missing : NotAvailable or None
        Why there is no retention-by-segment table, when there is none.
    campaign : str
        The campaign's id (the run folder's name).
    """

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
    history_days: int = 0
    by_segment_missing: NotAvailable | None = None
    campaign: str = ""

    def _repr_html_(self) -> str:
        sizes = self.groups["group"].value_counts().sort_index() if "group" in self.groups else pd.Series(dtype=int)
        p = self.logrank.get("p_value")
        header = {"campaign": self.campaign, "from": f"{self.anchor} to {self.data_end}",
                  "groups": ", ".join(f"{g} {n:,}" for g, n in sizes.items()),
                  "log-rank p-value": f"{p:.3g} ({self.logrank.get('comparison', '')})" if isinstance(p, float)
                  else "not computed"}
        return result_html(self, header, ["repurchase", "km", "logrank", "churn", "cohorts_first_month",
                                          "cohorts_by_group", "by_segment", "nps", "notes", "history_days",
                                          "anchor", "data_end", "groups", "by_segment_missing"],
                           {"repurchase": self.repurchase, "churn": self.churn})

    def __repr__(self) -> str:
        sizes = self.groups["group"].value_counts().sort_index() if "group" in self.groups else pd.Series(dtype=int)
        p = self.logrank.get("p_value")
        lines = [f"campaign: {self.campaign or 'unknown'}", f"from {self.anchor} to {self.data_end}",
                 "groups: " + (", ".join(f"{g} {n:,}" for g, n in sizes.items()) or "none"),
                 f"log-rank p-value: {p:.4g} ({self.logrank.get('comparison', '')})" if isinstance(p, float)
                 else "log-rank: not computed",
                 f"notes: {len(self.notes)}"]
        tables = {k: getattr(self, k) for k in ("groups", "repurchase", "km", "churn", "cohorts_first_month",
                                                "cohorts_by_group", "by_segment", "nps")}
        return describe_result("RetentionResult", lines, tables)


def compute_retention_groups(outcomes: pd.DataFrame, control: str, response_known: bool = True) -> pd.DataFrame:
    """customer_id and group: responders and non-responders among the treated, and the comparison or control.
    When the data records no response event (``response_known`` false) the treated keep their arm's name: who
    responded is unknown, and calling them all non-responders would be wrong.

    Examples
    --------
    >>> d = pd.DataFrame({"customer_id": ["a", "b", "c"], "group": ["t", "t", "comparison"], "responded": [1, 0, 0]})
    >>> compute_retention_groups(d, "comparison")["group"].tolist()
    ['responder', 'non-responder', 'comparison']
    >>> compute_retention_groups(d.assign(responded=0), "comparison", response_known=False)["group"].tolist()
    ['t', 't', 'comparison']
    """
    treated = (outcomes["group"] != control) & response_known
    group = np.where(~treated, outcomes["group"], np.where(outcomes["responded"] > 0, RESPONDER, NON_RESPONDER))
    return pd.DataFrame({"customer_id": outcomes["customer_id"].to_numpy(), "group": group})


def compute_descriptive_note(groups: pd.DataFrame, control: str) -> str:
    """The sentence that labels the group comparisons descriptive, or "" when no group is self-selected.

    Examples
    --------
    >>> g = pd.DataFrame({"customer_id": ["a", "b"], "group": ["responder", "control"]})
    >>> compute_descriptive_note(g, "control")[:60]
    'Responders select themselves (they chose to respond), so com'
    >>> compute_descriptive_note(g.iloc[1:], "control")
    ''
    """
    if not set(groups["group"]) & {RESPONDER, NON_RESPONDER}:
        return ""
    return DESCRIPTIVE.format(control=control)


def analyse(run: Run) -> RetentionResult:
    """Every retention view for the run's campaign, from the customer table 03_response wrote."""
    p = run.params
    cfg: RetentionConfig = p.retention
    outcomes = iorw.read_table(run.require(OUTCOMES_FILE, "03_response"))
    summary = run.summary()
    control = (summary.get("response") or {}).get("control_arm") or COMPARISON
    known = (summary.get("response") or {}).get("response_known") is not False
    groups = compute_retention_groups(outcomes, control, known)
    tx = run.tables["transactions"]
    anchor = run.windows["campaign"].end
    data_end = run.data_range[1]
    notes = [] if known else [f"The data records no '{p.response_event}' event of this campaign, so who responded is "
                              "unknown: each arm is one group here, not responders and non-responders."]
    if anchor >= data_end:
        notes.append("The data ends before the campaign does: nothing after the campaign can be observed.")
    feats = run.features(["customer_id", "after_end_first_ts", "churn_before_orders", "churn_after_orders"])
    first = feats[["customer_id", "after_end_first_ts"]].rename(columns={"after_end_first_ts": "first_order_ts"})
    nxt = retention.compute_next_purchase_table(groups, first, anchor=anchor, data_end=data_end)
    rep = retention.compute_repurchase(nxt, windows_days=cfg.windows_days, anchor=anchor, data_end=data_end)
    incomplete = sorted(set(rep.loc[~rep["complete"], "window_days"]))
    if incomplete:
        notes.append(f"The data ends {(data_end - anchor).days} days after the campaign: repurchase within "
                     f"{', '.join(map(str, incomplete))} days cannot be measured yet and is shown as incomplete.")
    descriptive = compute_descriptive_note(groups, control)
    if descriptive:
        notes.append(descriptive)
    km = retention.compute_km_curves(nxt)
    logrank = {**retention.compute_logrank(nxt), "comparison": "descriptive" if descriptive else "groups"}
    churned_days = int(p.segmentation.lifecycle.churned_days)
    # Active = an order in the churned_days before each date (the feature table's churn_before / churn_after).
    activity = groups.merge(feats, on="customer_id", how="left").assign(
        active_before=lambda d: (d["churn_before_orders"] > 0).astype("int64"),
        active_after=lambda d: (d["churn_after_orders"] > 0).astype("int64"))
    churn = retention.compute_churn_table(activity, as_of_before=run.windows["campaign"].start,
                                          as_of_after=run.windows["post"].end, data_end=data_end)
    data_start = run.data_range[0]
    cohort_month = retention.compute_cohort_retention(tx, cohort="first_month", data_end=data_end,
                                                      data_start=data_start, history_days=churned_days)
    by_group = retention.compute_cohort_retention(tx, cohort=groups.set_index("customer_id")["group"],
                                                  data_end=data_end, origin=run.windows["campaign"].start,
                                                  data_start=data_start)
    result = RetentionResult(groups, anchor, data_end, rep, km, logrank, churn, cohort_month, by_group, notes=notes,
                             history_days=churned_days, campaign=run.params.id)
    _add_by_segment(run, result, nxt)
    fb = run.tables["feedback"]
    fb = fb.filter(fb.campaign_id == p.campaign).to_pandas()
    if not fb.empty:
        fb = fb.merge(groups, on="customer_id", how="inner")
        result.nps = retention.compute_nps(fb, by=["group"])
    return result


def _add_by_segment(run: Run, result: RetentionResult, nxt: pd.DataFrame) -> None:
    """Retention by segment from 02_segment's table, or why it is not available."""
    cfg: RetentionConfig = run.params.retention
    segments = read_segments(run)
    if segments is None:
        result.by_segment_missing = NotAvailable("Retention by segment", "the run folder has no segments",
                                                 "run 02_segment first with the same parameters")
        return
    dims = [d for d in cfg.segment_dimensions if d in segments]
    if not dims:
        result.by_segment_missing = NotAvailable(
            "Retention by segment", f"none of the dimensions {', '.join(cfg.segment_dimensions) or '(none)'} is in "
            "the segments table", "list segment columns in retention.segment_dimensions")
        return
    result.by_segment = retention.compute_retention_by_segment(nxt, segments, dims, cfg.segment_window_days,
                                                               anchor=result.anchor, data_end=result.data_end)


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
        "notes": result.notes + [na.as_note() for na in unavailable(result).values()],
        "method": "repurchase: share with an order within N days after the campaign end, Wilson 95% intervals; "
                  "time to next purchase: Kaplan-Meier with log-log 95% bands, log-rank test (statsmodels); "
                  "responders select themselves, so group comparisons are descriptive, not effects",
    }
    run.write_section("retention", section)
    say_written(run.report_dir, [iorw.RunFiles.REPURCHASE, iorw.RunFiles.KM_CURVES], "retention")
    return section


def unavailable(result) -> dict[str, NotAvailable]:
    """The retention views the data cannot fill, each with what is missing and what would provide it.

    The same entries are the pages' "not available" sentences and the ``{section, missing, fix}`` notes of the
    ``retention`` section of summary.json.
    """
    out: dict[str, NotAvailable] = {}
    rep = result.repurchase
    follow = "use data that continue after the campaign's end"
    if rep.empty or not rep["complete"].any():
        missing = ("no customer of the campaign's groups can be followed" if rep.empty else
                   f"the data end {(result.data_end - result.anchor).days} days after the campaign, before the "
                   f"shortest window ({int(rep['window_days'].min())} days) is over")
        out["repurchase"] = NotAvailable("Repurchase after the campaign", missing, follow)
    if result.km.empty:
        out["km"] = NotAvailable("Time to next purchase", "no customer can be followed after the campaign", follow)
    if result.churn.empty:
        out["churn"] = NotAvailable("Churn before and after", "no customer is in the campaign's groups")
    if result.by_segment.empty:
        out["by_segment"] = result.by_segment_missing or NotAvailable(
            "Retention by segment", "no customer of the campaign's groups has a segment")
    if result.cohorts_first_month.empty and result.cohorts_by_group.empty:
        out["cohorts"] = NotAvailable("Cohort retention", "no cohort has a fully observed month",
                                      "use data that cover at least two calendar months")
    if result.nps.empty:
        out["nps"] = NotAvailable("Net promoter score", "the data has no feedback for this campaign",
                                  "add a feedback table (campaign_id, customer_id, ts, score 0-10)")
    return out


# ------------------------------------------------------------------------------------------ views
def show_retention_notes(result) -> None:
    """Say the groups' sizes, when time is counted from, and the notes on what the data cannot show."""
    counts = result.groups["group"].value_counts().sort_index()
    text = "Groups: " + ", ".join(f"{escape_text(g)} {n:,}" for g, n in counts.items()) + f". Time is counted from {result.anchor}."
    if result.notes:
        text += " " + " ".join(result.notes)
    show_markdown(text)


def show_repurchase(result) -> pd.DataFrame | None:
    """Plot the share of each group that buys again within each window; return the table."""
    rep = result.repurchase
    if "repurchase" in unavailable(result):
        show_not_available(unavailable(result)["repurchase"])
        return None
    ax = rplots.plot_repurchase(rep)
    if set(rep["group"]) & {RESPONDER, NON_RESPONDER}:
        ax.set_title("Repurchase within each window: descriptive, responders select themselves")
    r = rep.copy()
    for c in ("rate", "ci_low", "ci_high"):
        r[c] = (100 * r[c].astype(float)).round(1)
    return r.rename(columns={"rate": "rate %", "ci_low": "95% CI low %", "ci_high": "95% CI high %"})


def compute_logrank_sentence(logrank: dict) -> str:
    """What the Kaplan-Meier comparison says: descriptive first, the log-rank numbers after, for reference.

    Examples
    --------
    >>> compute_logrank_sentence({"statistic": 0.96, "df": 2, "p_value": 0.6177, "method": "log-rank test",
    ...                           "comparison": "descriptive"})[:75]
    'A descriptive comparison of self-selected groups: responders chose to respo'
    """
    lr = logrank
    numbers = ""
    if lr.get("p_value") is not None and not pd.isna(lr.get("p_value")):
        numbers = (f" For reference, a {lr['method']} of equal curves gives chi2 = {lr['statistic']:.2f} on "
                   f"{lr['df']} df (p = {lr['p_value']:.2g}).")
    if lr.get("comparison") != "descriptive":
        return numbers.strip()
    return ("A descriptive comparison of self-selected groups: responders chose to respond, so the groups differed "
            "before the campaign and a gap between the curves describes them; it is not an effect of the campaign."
            + numbers)


def show_km(result) -> None:
    """Plot the Kaplan-Meier curves of the time to the next purchase and say what the log-rank test found."""
    if result.km.empty:
        show_not_available(unavailable(result)["km"])
        return
    rplots.plot_km_curves(result.km)
    sentence = compute_logrank_sentence(result.logrank)
    if sentence:
        show_markdown(sentence)


def show_churn(result) -> pd.DataFrame | None:
    """Churn rates per group before and after the campaign, in %, with intervals."""
    if result.churn.empty:
        show_not_available(unavailable(result)["churn"])
        return None
    c = result.churn.copy()
    for col in ("rate", "ci_low", "ci_high"):
        c[col] = (100 * c[col].astype(float)).round(1)
    return c.rename(columns={"rate": "churn %"})


def show_retention_by_segment(result) -> pd.DataFrame | None:
    """Repurchase per segment and group, in %, with intervals."""
    if result.by_segment.empty:
        show_not_available(unavailable(result)["by_segment"])
        return None
    b = result.by_segment.copy()
    for col in ("rate", "ci_low", "ci_high"):
        b[col] = (100 * b[col].astype(float)).round(1)
    return b.drop(columns=["note"], errors="ignore")


def compute_cohort_sentence(result) -> str:
    """Which cohorts are left-censored and why, or "" when none is."""
    parts = []
    first = result.cohorts_first_month
    cut = first.index[first["left_censored"]].tolist() if "left_censored" in first else []
    if cut:
        parts.append(f"The first-purchase cohorts {', '.join(cut)} are marked left-censored: they start less than "
                     f"{result.history_days} days (the churn threshold) after the data begin, so their customers may "
                     "have bought before the data and are not all new.")
    by_group = result.cohorts_by_group
    if "left_censored" in by_group and by_group["left_censored"].any():
        parts.append("The campaign starts before the data, so the group cohorts are left-censored and their months "
                     "before the data are blank.")
    return " ".join(parts)


def show_cohorts(result) -> None:
    """Plot retention by month of first purchase and by month since the campaign, per group."""
    import matplotlib.pyplot as plt

    if result.cohorts_first_month.empty and result.cohorts_by_group.empty:
        show_not_available(unavailable(result)["cohorts"])
        return
    fig, axes = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [3, 2]})
    rplots.plot_cohort_heatmap(result.cohorts_first_month, ax=axes[0])
    axes[0].set_title("by month of first purchase")
    rplots.plot_cohort_heatmap(result.cohorts_by_group, ax=axes[1])
    axes[1].set_title("by campaign group (descriptive), months from the campaign start")
    fig.tight_layout()
    sentence = compute_cohort_sentence(result)
    if sentence:
        show_markdown(sentence)


def show_nps(result) -> pd.DataFrame | None:
    """Net promoter score per group, or a sentence when the data has no feedback."""
    if result.nps.empty:
        show_not_available(unavailable(result)["nps"])
        return None
    return result.nps.round(2)
