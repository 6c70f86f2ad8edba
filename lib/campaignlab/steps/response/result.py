"""The result of notebook 03_response: what :func:`campaignlab.steps.response.analyse` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from campaignlab.formatting import NotAvailable
from campaignlab.steps.display import describe_result, result_html


@dataclass(repr=False)
class ResponseResult:
    """Everything 03_response shows and writes; ``result`` alone prints a short summary without customer ids.

    Attributes
    ----------
    design : str
        ``"holdout"`` (a randomized control arm) or ``"matched"`` (targeted against comparable untargeted customers).
    control : str
        The group the arms are compared with: the control arm, or ``"comparison"`` in the matched design.
    frame : pandas.DataFrame
        The analysis frame, one row per customer: ``customer_id``, ``group``, outcomes, pre-period behaviour and
        covariates (holds customer ids; written to ``customer_outcomes.parquet``).
    info : dict
        Eligibility: who was compared, who was left out and why (counts).
    covariates : list of str
        The columns the adjusted estimates adjust for.
    arms : pandas.DataFrame
        One row per group: customers, response, conversion and revenue.
    effects : pandas.DataFrame
        Every estimate: arm, versus, metric, method, role (naive, headline, supporting, sensitivity, ...), estimate,
        interval, p-value.
    headline : list of dict
        The headline rows of ``effects``, one per arm and metric.
    diagnostics : dict
        Matched design: balance, overlap, propensity model and placebo; empty for a holdout.
    srm : dict or None
        Holdout: the sample-ratio check of the arms' sizes against the planned split; None when matched.
    segments : pandas.DataFrame
        Effects per segment (dimension, segment, arm, metric, lift, interval, p- and q-value).
    dimensions : list of str
        The segment dimensions of ``segments``.
    segment_table : pandas.DataFrame or None
        ``segments.parquet`` of 02_segment as read (holds customer ids); None without it.
    funnel : pandas.DataFrame
        Customers reaching each funnel event, per group.
    products : pandas.DataFrame
        Promoted products against the rest of the basket, per group.
    weekly : pandas.DataFrame
        Revenue per customer per week and group, across the windows.
    weekly_weighted : pandas.DataFrame
        Matched design: weekly revenue per targeted customer against the comparison group weighted with the
        verdict estimator's propensity odds weights, and their difference (empty for a holdout).
    periods : pandas.DataFrame
        Revenue per customer before, during and after the campaign, per group.
    roi : dict
        Incremental revenue, margin, cost and ROI per arm and in total.
    planning : dict
        The sample size a next campaign needs to measure the effect.
    winsorization : dict
        Whether revenue was capped, and at which values.
    notes : list of str
        Sentences on choices made (winsorizing, covariates dropped, missing pre-period).
    estimable : bool
        False when the data cannot support an effect estimate (the reason is in ``notes``).
    verdict : dict
        The campaign's one verdict: primary metric, estimate, interval, trust and its ``sentence``.
    campaign : str
        The campaign's id (the run folder's name).
    """

    design: str
    control: str
    frame: pd.DataFrame
    info: dict[str, Any]
    covariates: list[str]
    arms: pd.DataFrame
    effects: pd.DataFrame
    headline: list[dict]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    srm: dict[str, Any] | None = None
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    dimensions: list[str] = field(default_factory=list)
    segment_table: pd.DataFrame | None = None
    funnel: pd.DataFrame = field(default_factory=pd.DataFrame)
    products: pd.DataFrame = field(default_factory=pd.DataFrame)
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)
    weekly_weighted: pd.DataFrame = field(default_factory=pd.DataFrame)
    periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    roi: dict[str, Any] = field(default_factory=dict)
    planning: dict[str, Any] = field(default_factory=dict)
    winsorization: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    estimable: bool = True
    verdict: dict[str, Any] = field(default_factory=dict)
    campaign: str = ""

    def headline_for(self, metric: str) -> dict | None:
        """The headline row of ``metric`` (the first arm's), or None."""
        return next((h for h in self.headline if h["metric"] == metric), None)

    def _repr_html_(self) -> str:
        sizes = self.frame["group"].value_counts() if "group" in self.frame else pd.Series(dtype=int)
        header = {"campaign": self.campaign, "design": f"{self.design}, compared with {self.control}",
                  "verdict": self.verdict.get("sentence") or ("no effect estimate" if not self.estimable else ""),
                  "customers": ", ".join(f"{g} {n:,}" for g, n in sizes.sort_index().items())}
        return result_html(self, header, ["verdict", "arms", "effects", "headline", "segments", "dimensions",
                                          "funnel", "products", "weekly", "weekly_weighted", "periods", "roi", "planning", "diagnostics",
                                          "srm", "covariates", "info", "winsorization", "notes", "frame",
                                          "segment_table", "design", "control", "estimable"],
                           {"arms": self.arms,
                            "headline effects": pd.DataFrame(self.headline).drop(columns=["detail"], errors="ignore")})

    def __repr__(self) -> str:
        sizes = self.frame["group"].value_counts() if "group" in self.frame else pd.Series(dtype=int)
        arms = ", ".join(f"{g} {n:,}" for g, n in sizes.sort_index().items())
        lines = [f"campaign: {self.campaign or 'unknown'}",
                 f"design: {self.design}, compared with {self.control}" + ("" if self.estimable else
                                                                           " (no effect estimate)"),
                 f"arms: {arms or 'none'}",
                 f"verdict: {self.verdict.get('sentence') or 'none'}",
                 f"covariates: {len(self.covariates)}; segment dimensions: {', '.join(self.dimensions) or 'none'}; "
                 f"notes: {len(self.notes)}"]
        tables = {k: getattr(self, k) for k in ("frame", "arms", "effects", "segments", "funnel", "products",
                                                "weekly", "periods")}
        return describe_result("ResponseResult", lines, tables)


def unavailable(result: ResponseResult) -> list[NotAvailable]:
    """The response sections the data cannot fill, as the pages say them and as summary.json's ``notes`` keep them."""
    out = []
    if not result.estimable:
        out.append(NotAvailable("The campaign's effect", str(result.info.get("reason") or "it could not be estimated"),
                                "keep a random holdout of the targeted customers (control_arm), or compare with "
                                "customers who were not targeted and bought before the campaign"))
    if not result.roi:
        out.append(NotAvailable("Return on investment", "there is no effect estimate to turn into money"))
    if result.funnel.empty or set(result.funnel["step"]) <= {"purchased"}:
        out.append(NO_FUNNEL)
    return out


NO_FUNNEL = NotAvailable("The funnel of campaign events", "the data has no events of this campaign (delivered, "
                         "opened, clicked, redeemed, ...), so only purchases can be counted",
                         "add an events table (campaign_id, customer_id, event, ts) with the events named in 'funnel'")
