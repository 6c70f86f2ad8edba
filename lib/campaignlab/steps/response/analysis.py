"""Notebook 03_response's steps: build the customer table, run the analysis, write the run folder's results.

The statistics are in :mod:`campaignlab.stats.response`, :mod:`campaignlab.stats.effects` and :mod:`campaignlab.stats.causal`; this
module only wires them to a :class:`campaignlab.run.session.Run` and decides what goes into ``summary.json``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from campaignlab import iorw
from campaignlab.data import outcomes
from campaignlab.data.features import is_in
from campaignlab.stats import causal, planning, response, verdict
from campaignlab.steps.display import say_written
from campaignlab.steps.response.result import ResponseResult, unavailable

if TYPE_CHECKING:
    from campaignlab.run.session import Run

OUTCOMES_FILE = iorw.RunFiles.OUTCOMES
SEGMENTS_FILE = iorw.RunFiles.SEGMENTS


OUTCOME_WINDOWS = ("pre_", "campaign_", "post_", "other_campaigns")
PLACEBO_WINDOWS = ("placebo_pre_", "pre_", "placebo_post_", "placebo_other_campaigns")


def build_customer_table(run: Run, windows: dict | None = None, *, placebo: bool = False) -> pd.DataFrame:
    """Customer-level outcomes joined with customer attributes (missing text attributes become ``unknown``).

    ``windows`` defaults to the run's; the placebo test passes the windows one pre-period earlier with ``placebo``.
    Both are read from the run's feature table; other windows are queried from the transactions.
    """
    p = run.params
    if windows is None or placebo:
        out = outcomes.compute_outcomes_from_features(
            run.features(prefixes=PLACEBO_WINDOWS if placebo else OUTCOME_WINDOWS), windows=windows or run.windows,
            response_event=p.response_event, funnel=p.funnel, placebo=placebo)
    else:
        out = outcomes.compute_customer_outcomes(run.tables, campaign_id=p.campaign, windows=windows,
                                                 response_event=p.response_event, funnel=p.funnel)
    customers = run.tables["customers"].to_pandas()
    attrs = attribute_columns(customers)
    for col in attrs:
        if not pd.api.types.is_numeric_dtype(customers[col]):
            customers[col] = customers[col].astype("string").fillna("unknown")
    # Customers assigned to two arms of this campaign were set aside by cleaning; without this they would look
    # unassigned and join the comparison group.
    rejected = iorw.read_rejected(run.clean_dir, "assignments")
    two_arms = set(rejected.loc[(rejected["rule"] == "two_arms")
                                & (rejected.get("campaign_id", pd.Series(dtype=str)) == p.campaign), "customer_id"]
                   if len(rejected) else [])
    table = out[~is_in(out["customer_id"], sorted(two_arms))].merge(customers[["customer_id", *attrs]], on="customer_id",
                                                          how="left")
    table.attrs["excluded_two_arms"] = len(two_arms)
    return table


def attribute_columns(customers: pd.DataFrame) -> list[str]:
    """The customers table's attribute columns (all but ``customer_id`` and ``signup_date``)."""
    return [c for c in customers.columns if c not in ("customer_id", "signup_date")]


def analyse(run: Run, table: pd.DataFrame, segments: pd.DataFrame | None = None) -> ResponseResult:
    """Run the whole response analysis for the run's campaign.

    The steps: choose the design (holdout or matched) and the analysis frame, the covariates, the effects and their
    trust checks, then the segment effects, the descriptive views (funnel, products, weekly, periods) and the money
    (ROI, planning). Each step is a function below; the statistics are in :mod:`campaignlab.stats.response`.
    """
    p, cfg = run.params, run.params.response
    if run.windows["campaign"].covered_days == 0:
        raise ValueError(f"The campaign window of {p.id} lies entirely outside the data: there is nothing to measure.")
    design = response.choose_design(table, p.control_arm)
    control = p.control_arm if design == "holdout" else response.COMPARISON
    if design == "matched" and run.windows["pre"].covered_days == 0:
        return _not_estimable(run, table, design, (
            f"The pre-period ({run.windows['pre'].start} to {run.windows['campaign'].start}) lies entirely outside the "
            "data, so there is no pre-campaign behaviour to compare targeted and untargeted customers on. Without a "
            "holdout, the effect of this campaign cannot be estimated from this data; the arm table below is "
            "descriptive only."))
    frame, info = response.compute_analysis_frame(table, design=design, control_arm=p.control_arm, config=cfg)
    info["excluded_two_arms"] = int(table.attrs.get("excluded_two_arms", 0))
    groups = set(frame["group"].unique())
    if control not in groups or len(groups) < 2:
        who = ("no customer of the control arm" if design == "holdout" else
               f"no comparison customer ({info.get('pool', 0):,} not targeted, {info.get('comparison', 0):,} eligible)")
        return _not_estimable(run, table, design, (
            f"There is {who} left to compare the targeted customers with, so the effect of this campaign cannot be "
            "estimated from this data: keep a random holdout of the targeted customers next time. The arm table "
            "below is descriptive only."))
    notes: list[str] = []
    wins = response.apply_winsorization(frame, cfg.winsorize_quantile)
    if wins["applied"]:
        caps = ", ".join(f"{k} at {v:,.2f}" for k, v in wins["caps"].items())
        notes.append(f"Revenue is winsorized at the pooled {cfg.winsorize_quantile:.0%} quantile ({caps}).")
    covariates = _choose_covariates(run, frame, design, notes)
    # One propensity fit per sample (arm, pooled arms, segment, placebo window), shared by every estimator and metric.
    fits = causal.PropensityFits()
    rows, diagnostics, srm, balanced = _estimate_effects(run, frame, design, control, covariates, fits)
    headline = response.choose_headline(rows, design=design, balanced=balanced,
                                        srm_passed=srm["passed"] if srm else None)
    result = ResponseResult(design=design, control=control, frame=frame, info=info, covariates=covariates,
                            arms=response.compute_arm_metrics(frame), effects=pd.DataFrame(rows), headline=headline,
                            diagnostics=diagnostics, srm=srm, winsorization=wins, notes=notes,
                            campaign=run.params.id)
    if segments is not None and not segments.empty:
        _add_segment_effects(result, segments, cfg, fits)
    _add_descriptives(run, result, fits)
    # All treated arms against the comparison, once per metric the verdict and the money need (with several arms
    # each is a fresh estimate).
    pooled = {m: _pooled_row(run, result, m, rows, fits)
              for m in dict.fromkeys((run.params.response.primary_metric, "revenue_per_customer"))}
    _add_verdict(run, result, rows, pooled[run.params.response.primary_metric], fits)
    _add_economics(run, result, pooled["revenue_per_customer"])
    return result


def _choose_covariates(run: Run, frame: pd.DataFrame, design: str, notes: list[str]) -> list[str]:
    """Pre-period behaviour and customer attributes to adjust for, within what the group sizes support."""
    cfg = run.params.response
    attrs = attribute_columns(run.tables["customers"].to_pandas()) if cfg.use_attributes else []
    notes.extend(run.attribute_notes if attrs else [])
    covariates = response.covariate_columns(frame, attrs)
    if design == "matched":
        covariates, dropped = response.limit_covariates(frame, covariates)
        if dropped:
            notes.append(f"With {min(frame['group'].value_counts()):,} customers in the smaller group, the propensity "
                         f"model keeps to pre-period behaviour: the attributes {', '.join(dropped)} would give fewer "
                         f"than {response.EVENTS_PER_VARIABLE} customers per model term (Peduzzi et al. 1996), which "
                         "makes the weights and intervals unstable.")
    if run.windows["pre"].covered_days == 0:
        covariates = [c for c in covariates if c not in response.NUMERIC_COVARIATES]
        notes.append("The pre-period lies outside the data: no pre-period covariates; balance rests on attributes.")
    return covariates


def _estimate_effects(run: Run, frame: pd.DataFrame, design: str, control: str, covariates: list[str],
                      fits: causal.PropensityFits) -> tuple[list[dict], dict[str, Any], dict | None, bool | None]:
    """Effect rows of the design, its diagnostics, the sample-ratio check (holdout) and the balance verdict."""
    from campaignlab.stats import effects as fx

    p, cfg, w = run.params, run.params.response, run.windows
    diagnostics: dict[str, Any] = {}
    srm = None
    balanced = None
    if design == "holdout":
        rows = response.compute_holdout_effects(frame, control_arm=control, covariates=covariates, alpha=cfg.alpha)
        counts = frame["group"].value_counts().to_dict()
        srm = fx.compute_srm({k: int(v) for k, v in counts.items()}, cfg.planned_split, threshold=cfg.srm_threshold)
    else:
        if not covariates:
            raise ValueError(f"{p.id}: the matched design needs pre-period behaviour or attributes to compare on.")
        rows = response.compute_matched_effects(frame, covariates=covariates, alpha=cfg.alpha, trim=cfg.trim,
                                                campaign_days=w["campaign"].covered_days,
                                                pre_days=w["pre"].covered_days, propensity_fits=fits)
        diagnostics = response.matched_diagnostics(frame, covariates=covariates, trim=cfg.trim,
                                                   threshold=cfg.balance_threshold, propensity_fits=fits)
        balanced = diagnostics["balanced"]
        rows += _post_effects(frame, covariates, cfg, run, fits)
    rows += _product_effects(frame, design, control, covariates, cfg, fits)
    return rows, diagnostics, srm, balanced


def _add_segment_effects(result: ResponseResult, segments: pd.DataFrame, cfg, fits: causal.PropensityFits) -> None:
    dims = segment_dimensions(segments)
    result.dimensions = dims
    result.segment_table = segments
    result.segments = response.compute_segment_effects(
        result.frame, segments, dims, design=result.design, control=result.control, covariates=result.covariates,
        alpha=cfg.alpha, trim=cfg.trim, min_size=cfg.min_segment_size, propensity_fits=fits)
    if result.srm is not None:
        result.srm["segments"] = _segment_srm(result.frame, segments, dims, cfg)


def _add_descriptives(run: Run, result: ResponseResult, fits: causal.PropensityFits) -> None:
    """Funnel, promoted versus other products, the weekly series and the pre/during/post table."""
    frame, w = result.frame, run.windows
    result.funnel = response.compute_funnel(frame, list(run.params.funnel))
    result.products = _product_split(frame, result.control)
    span_start = next((x.clipped_start for x in (w["pre"], w["campaign"]) if x.clipped_start), None)
    span_end = next((x.clipped_end for x in (w["post"], w["campaign"]) if x.clipped_end), None)
    weekly = outcomes.compute_weekly_series(run.tables["transactions"], frame[["customer_id", "group"]],
                                            start=span_start, end=span_end)
    # Whole weeks only: a week cut by the span's edge would show as a fall in revenue that is not there.
    whole = (weekly["week"] >= pd.Timestamp(span_start)) & (weekly["week"] + pd.Timedelta(days=7)
                                                            <= pd.Timestamp(span_end)) if len(weekly) else []
    result.weekly = weekly[whole].reset_index(drop=True) if len(weekly) else weekly
    if result.design == "matched":
        result.weekly_weighted = _weighted_weekly(run, result, span_start, span_end, fits)
    result.periods = compute_period_table(run, frame)


def _weighted_weekly(run: Run, result: ResponseResult, start: dt.date, end: dt.date,
                     fits: causal.PropensityFits) -> pd.DataFrame:
    """Weekly revenue per targeted customer against the comparison weighted as the verdict's estimator weights it
    (the propensity fits the estimators made are reused, not refitted)."""
    from campaignlab.stats import weekly

    frame = result.frame
    treated = frame["group"] != response.COMPARISON
    w = causal.compute_att_weights(frame.assign(_t=treated.astype(int)), treatment="_t",
                                   covariates=result.covariates, trim=run.params.response.trim,
                                   propensity_fits=fits)
    per_customer = outcomes.compute_customer_weekly_revenue(run.tables["transactions"], frame["customer_id"],
                                                            start=start, end=end)
    # Whole weeks only: a week cut by the data's edge would show as a fall in revenue that is not there.
    first = pd.Timestamp(start) + pd.Timedelta(days=(7 - pd.Timestamp(start).weekday()) % 7)
    weeks = pd.date_range(first, pd.Timestamp(end) - pd.Timedelta(days=7), freq="W-MON")
    spans = {k: (run.windows[k].clipped_start, run.windows[k].clipped_end) for k in ("pre", "campaign", "post")}
    return weekly.compute_weighted_weekly(
        per_customer, pd.DataFrame({"customer_id": frame["customer_id"], "treated": treated, "weight": w}),
        weeks=weeks, windows=spans)


ALL_ARMS = "all arms"


def _pooled_row(run: Run, result: ResponseResult, metric: str, rows: list[dict],
                fits: causal.PropensityFits) -> dict | None:
    """The headline effect of all treated arms together against the comparison group (one arm: its own)."""
    treated = sorted(set(result.frame["group"]) - {result.control})
    if len(treated) == 1:
        return next((r for r in rows if r.get("role") == "headline" and r["metric"] == metric
                     and r["arm"] == treated[0] and r["versus"] == result.control), None)
    cfg = run.params.response
    frame = result.frame.assign(group=np.where(result.frame["group"] == result.control, result.control, ALL_ARMS))
    if result.design == "holdout":
        pooled = response.compute_holdout_effects(frame, control_arm=result.control, covariates=result.covariates,
                                                  alpha=cfg.alpha, metrics=(metric,))
    else:
        w = run.windows
        pooled = response.compute_matched_effects(frame, covariates=result.covariates, alpha=cfg.alpha, trim=cfg.trim,
                                                  campaign_days=w["campaign"].covered_days,
                                                  pre_days=w["pre"].covered_days, metrics=(metric,),
                                                  propensity_fits=fits)
    return next((r for r in pooled if r.get("role") == "headline" and r["metric"] == metric), None)


def _placebo(run: Run, result: ResponseResult, metric: str, fits: causal.PropensityFits) -> dict | None:
    """The same estimator one pre-period earlier, before the campaign could act: it should find nothing.

    The placebo "campaign" is the pre-period, its covariates come from the period before that. None when the data
    do not cover both in full (too little history for the test).
    """
    from campaignlab.data import windows as wins

    start = run.windows["campaign"].start
    days = run.params.pre_period_days
    lo, hi = run.data_range
    shifted = wins.compute_windows(start - dt.timedelta(days=days), start, pre_days=days, post_days=days,
                                   data_start=lo, data_end=hi)
    if not (shifted["pre"].complete and shifted["campaign"].complete):
        return None
    table = build_customer_table(run, shifted, placebo=True)
    frame, _ = response.compute_analysis_frame(table, design="matched", control_arm=None, config=run.params.response)
    covariates = [c for c in result.covariates if c in frame and frame[c].nunique(dropna=False) > 1]
    if frame["group"].nunique() < 2 or not covariates:
        return None
    sub = frame.assign(_t=(frame["group"] != response.COMPARISON).astype(int))
    cfg = run.params.response
    est = causal.estimate_att_doubly_robust(sub, outcome=response.OUTCOME_OF[metric], treatment="_t",
                                            covariates=covariates, alpha=cfg.alpha, trim=cfg.trim, metric=metric,
                                            propensity_fits=fits)
    return {k: est.get(k) for k in ("estimate", "ci_low", "ci_high", "p_value", "method")} | {
        "window": {"start": str(shifted["campaign"].start), "end": str(shifted["campaign"].end),
                   "label": "placebo window (the pre-period)"}}


def _add_verdict(run: Run, result: ResponseResult, rows: list[dict], pooled: dict | None,
                 fits: causal.PropensityFits) -> None:
    """The campaign's one verdict: the primary metric, all treated arms against the comparison, campaign window."""
    metric = run.params.response.primary_metric
    w = run.windows["campaign"]
    window = {"start": str(w.clipped_start or w.start), "end": str(w.clipped_end or w.end), "label": "campaign window"}
    dr = pooled if result.design == "matched" else None
    ipw = next((r for r in rows if r.get("role") == "supporting" and r["metric"] == metric
                and "IPW" in str(r.get("method")) and r["versus"] == result.control), None)
    placebo = None
    if result.design == "matched":
        placebo = result.diagnostics["placebo"] = _placebo(run, result, metric, fits)
    trust, reasons = verdict.assess_trust(
        result.design, srm=result.srm, planned_split=run.params.response.planned_split is not None,
        diagnostics={**result.diagnostics, "threshold": run.params.response.balance_threshold},
        doubly_robust=dr, ipw=ipw, treated=int(result.info.get("treated") or 0),
        in_overlapping=int(result.info.get("targeted_in_overlapping_campaigns") or 0), placebo=placebo,
        silent_arms=verdict.find_silent_arms(result.arms))
    if pooled is None:
        trust, reasons = "not_estimable", [f"no estimate of {metric.replace('_', ' ')} could be made"]
    pooled = pooled or {}
    compared_with = "the randomized holdout" if result.design == "holdout" else "comparable untargeted customers"
    est, lo, hi = (pooled.get(k, float("nan")) for k in ("estimate", "ci_low", "ci_high"))
    arms = [{k: h.get(k) for k in ("arm", "estimate", "ci_low", "ci_high", "p_value", "method")}
            for h in result.headline if h["metric"] == metric and h["versus"] == result.control]
    result.verdict = verdict.Verdict(
        arm=pooled.get("arm", ALL_ARMS), metric=metric, estimate=est, ci_low=lo, ci_high=hi,
        p_value=pooled.get("p_value", float("nan")), window=window, method=pooled.get("method", ""), trust=trust,
        trust_reasons=reasons, arms=arms, warning=str(pooled.get("warning") or ""),
        sentence=verdict.compose_verdict_sentence(trust, metric=metric, estimate=est, ci_low=lo, ci_high=hi,
                                                  method=pooled.get("method", ""), window_label=window["label"],
                                                  reasons=reasons, compared_with=compared_with)).to_dict()


def _add_economics(run: Run, result: ResponseResult, pooled: dict | None) -> None:
    """Money over the verdict's window: incremental revenue, margin and ROI per arm and in total (sum over arms)."""
    p, cfg, frame, control = run.params, run.params.response, result.frame, result.control
    econ = p.economics
    costs, missing = campaign_costs(run)
    cpc, fixed = costs["cost_per_contact"], costs["fixed_cost"]
    treated_groups = sorted(set(frame["group"].unique()) - {control})
    n_treated = int(frame["group"].isin(treated_groups).sum())
    by_arm = []
    for arm in treated_groups:
        sub = frame[frame["group"] == arm]
        head = next((h for h in result.headline if h["metric"] == "revenue_per_customer" and h["arm"] == arm
                     and h["versus"] == control), {})
        # The fixed cost is shared by the arms in proportion to the customers each contacted.
        roi = response.compute_campaign_roi(
            head, treated=len(sub), discount_cost=float(sub["discount_cost"].sum()), gross_margin=econ.gross_margin,
            cost_per_contact=cpc, fixed_cost=fixed * len(sub) / n_treated if n_treated else 0.0,
            count_discount_cost=econ.count_discount_cost)
        by_arm.append({"arm": arm, **roi})
    # The total comes from all treated arms against the comparison (each arm's effect times its customers sums to
    # it, exactly for unadjusted differences), so it carries its own interval.
    pooled = pooled or {}
    result.roi = response.compute_campaign_roi(
        pooled, treated=n_treated, discount_cost=float(frame.loc[frame["group"].isin(treated_groups),
                                                                  "discount_cost"].sum()),
        gross_margin=econ.gross_margin, cost_per_contact=cpc, fixed_cost=fixed,
        count_discount_cost=econ.count_discount_cost)
    result.roi["arms"] = by_arm if len(by_arm) > 1 else []
    result.roi["window"] = "campaign window"
    result.roi["currency"] = econ.currency
    result.roi["costs_missing"] = missing
    plan = response.compute_planning(frame, treated_groups=treated_groups, control=control,
                                     observed_lift=pooled.get("estimate", float("nan")), alpha=cfg.alpha,
                                     power=cfg.power)
    customers = int(run.tables["customers"].count().to_pyarrow().as_py())
    result.planning = planning.compute_feasibility(plan, frame, customers_available=customers, control=control)


def compute_period_table(run: Run, frame: pd.DataFrame) -> pd.DataFrame:
    """Pre / during / post per group: daily revenue per customer, new customers, repurchase and churn rates.

    Repurchase and churn follow :func:`campaignlab.stats.retention.compute_repurchase_rate` and
    :func:`~campaignlab.stats.retention.compute_period_churn` (the same definitions as 04_retention), counted from
    the feature table's windows before and after each period (``next_<period>``, ``prev_<period>``).
    """
    cols = ["customer_id", "all_first_ts"] + [f"{k}{p}_orders" for p in ("pre", "campaign", "post")
                                              for k in ("", "next_", "prev_")]
    feats = run.features(cols)
    data_end = run.data_range[1]
    data = frame[["customer_id", "group"]].merge(feats, on="customer_id", how="left")
    rows = []
    for group, sub in data.groupby("group", sort=True):
        n_ids = len(sub)
        for name, col in (("pre", "pre_revenue"), ("campaign", "revenue"), ("post", "post_revenue")):
            w = run.windows[name]
            row = {"group": group, "period": name, "days_with_data": w.covered_days, "customers": n_ids}
            if w.covered_days == 0:
                rows.append(row)
                continue
            lo, hi = pd.Timestamp(w.clipped_start), pd.Timestamp(w.clipped_end)
            first = pd.to_datetime(sub["all_first_ts"])
            revenue = frame.loc[frame["group"] == group, col]
            row["daily_revenue_per_customer"] = float(revenue.sum()) / n_ids / w.covered_days
            row["new_customers"] = int(((first >= lo) & (first < hi)).sum())
            length = w.clipped_end - w.clipped_start
            bought, again, before = (sub[f"{k}{name}_orders"].fillna(0).to_numpy() > 0 for k in ("", "next_", "prev_"))
            row.update(repurchase_rate=_rate(int((bought & again).sum()), int(bought.sum()),
                                             w.clipped_end + length <= data_end),
                       churn_rate=_rate(int((before & ~bought).sum()), int(before.sum()), w.clipped_end <= data_end))
            rows.append(row)
    return pd.DataFrame(rows)


def _rate(numerator: int, denominator: int, complete: bool) -> float:
    """A share as :mod:`campaignlab.stats.retention` reports it: NaN without customers or a complete window."""
    return numerator / denominator if denominator and complete else float("nan")


def _product_effects(frame: pd.DataFrame, design: str, control: str, covariates: list[str], cfg,
                     fits: causal.PropensityFits) -> list[dict]:
    """Effect on the campaign's promoted products and on the rest of the basket, by the headline method.

    A positive effect on promoted products with a negative one on the rest is substitution; positive on both is halo.
    """
    from campaignlab.stats import effects as fx

    if frame["promoted_revenue"].fillna(0).eq(0).all():
        return []
    data = frame.assign(other_revenue=frame["revenue"] - frame["promoted_revenue"])
    rows = []
    for arm in sorted(set(data["group"].unique()) - {control}):
        sub = data[data["group"].isin([arm, control])].copy()
        sub["_t"] = (sub["group"] == arm).astype(int)
        for y in ("promoted_revenue", "other_revenue"):
            metric = f"{y}_per_customer"
            if design == "matched":
                r = causal.estimate_att_doubly_robust(sub, outcome=y, treatment="_t", covariates=covariates,
                                                      alpha=cfg.alpha, trim=cfg.trim, metric=metric,
                                                      propensity_fits=fits)
            else:
                r = fx.compute_randomized_effect(sub, outcome=y, treatment="_t", covariates=covariates, metric=metric,
                                                 binary=False, alpha=cfg.alpha)
            rows.append({**r, "arm": arm, "versus": control, "role": "products"})
    return rows


def _not_estimable(run: Run, table: pd.DataFrame, design: str, reason: str) -> ResponseResult:
    """A result that shows who was reached but makes no claim of effect, saying why."""
    frame = table.copy()
    frame["group"] = np.where(frame["arm"] == outcomes.NOT_ASSIGNED, response.COMPARISON, frame["arm"])
    empty = pd.DataFrame(columns=["arm", "versus", "metric", "method", "role", "estimate", "ci_low", "ci_high",
                                  "p_value", "relative"])
    result = ResponseResult(design=design, control=response.COMPARISON, frame=frame,
                            info={"design": design, "estimable": False, "reason": reason}, covariates=[],
                            arms=response.compute_arm_metrics(frame), effects=empty, headline=[], notes=[reason],
                            estimable=False, campaign=run.params.id)
    result.funnel = response.compute_funnel(frame, list(run.params.funnel))
    result.products = _product_split(frame, response.COMPARISON)
    metric = run.params.response.primary_metric
    w = run.windows["campaign"]
    nan = float("nan")
    result.verdict = verdict.Verdict(
        arm=ALL_ARMS, metric=metric, estimate=nan, ci_low=nan, ci_high=nan, p_value=nan,
        window={"start": str(w.clipped_start or w.start), "end": str(w.clipped_end or w.end),
                "label": "campaign window"}, method="", trust="not_estimable", trust_reasons=[reason],
        sentence=verdict.compose_verdict_sentence("not_estimable", metric=metric, estimate=nan, ci_low=nan,
                                                  ci_high=nan, method="", window_label="campaign window",
                                                  reasons=[reason], compared_with="")).to_dict()
    return result


def campaign_costs(run: Run) -> tuple[dict[str, float], list[str]]:
    """Cost per contact and fixed cost (params' economics, else the campaigns table, else 0) and those not given."""
    def given(key: str) -> float:
        value = getattr(run.params.economics, key)
        value = run.campaign.get(key) if value is None else value
        return float(value) if value is not None and not pd.isna(value) else 0.0

    costs = {key: given(key) for key in ("cost_per_contact", "fixed_cost")}
    return costs, [f"no {key.replace('_', ' ')} given: set economics.{key} (or campaigns.{key})"
                   for key, value in costs.items() if not value]


def _post_effects(frame: pd.DataFrame, covariates: list[str], cfg, run: Run,
                  fits: causal.PropensityFits) -> list[dict]:
    """Post-period revenue effect (pull-forward shows as a negative effect), only where the post-period is complete."""
    if not run.windows["post"].complete or frame["post_revenue"].isna().all():
        return []
    rows = []
    for arm in sorted(set(frame["group"].unique()) - {response.COMPARISON}):
        sub = frame[frame["group"].isin([arm, response.COMPARISON])].copy()
        sub["_t"] = (sub["group"] == arm).astype(int)
        r = causal.estimate_att_doubly_robust(sub, outcome="post_revenue", treatment="_t", covariates=covariates,
                                              alpha=cfg.alpha, trim=cfg.trim, metric="post_revenue_per_customer",
                                              propensity_fits=fits)
        rows.append({**r, "arm": arm, "versus": response.COMPARISON, "role": "post-period"})
        sub["_total"] = sub["revenue"] + sub["post_revenue"]
        r = causal.estimate_att_doubly_robust(sub, outcome="_total", treatment="_t", covariates=covariates,
                                              alpha=cfg.alpha, trim=cfg.trim, metric="revenue_incl_post_per_customer",
                                              propensity_fits=fits)
        rows.append({**r, "arm": arm, "versus": response.COMPARISON, "role": "headline"})
    return rows


def _segment_srm(frame: pd.DataFrame, segments: pd.DataFrame, dims: list[str], cfg) -> list[dict]:
    from campaignlab.stats import effects as fx

    data = frame.merge(segments[["customer_id", *dims]], on="customer_id", how="left")
    out = []
    for dim in dims:
        for seg, sub in data.groupby(data[dim].astype("string").fillna("unknown")):
            counts = sub["group"].value_counts().to_dict()
            if len(counts) < 2 or sum(counts.values()) < cfg.min_segment_size:
                continue
            r = fx.compute_srm({k: int(v) for k, v in counts.items()}, cfg.planned_split, threshold=cfg.srm_threshold)
            out.append({"dimension": dim, "segment": str(seg), "chi2": r["chi2"], "p_value": r["p_value"],
                        "passed": r["passed"]})
    return out


def _product_split(frame: pd.DataFrame, control: str) -> pd.DataFrame:
    """Promoted-product revenue and the rest of the basket per group, per customer (substitution or halo)."""
    f = frame.assign(other_revenue=frame["revenue"] - frame["promoted_revenue"])
    g = f.groupby("group")
    out = pd.DataFrame({"customers": g.size(), "promoted_revenue_per_customer": g["promoted_revenue"].mean(),
                        "other_revenue_per_customer": g["other_revenue"].mean()})
    out["promoted_share"] = out["promoted_revenue_per_customer"] / (
        out["promoted_revenue_per_customer"] + out["other_revenue_per_customer"])
    return out.reset_index().rename(columns={"group": "arm"})


def segment_dimensions(segments: pd.DataFrame) -> list[str]:
    """Dimension columns of segments.parquet (documented in docs/run-folder.md)."""
    dims = segments.attrs.get("dimensions")
    if dims:
        return list(dims)
    fixed = ["rfm_segment", "value_tier", "lifecycle", "response_history"]
    tags = [c for c in segments.columns if c.startswith("tag_")]
    return [c for c in fixed if c in segments] + tags


def read_segments(run: Run) -> pd.DataFrame | None:
    """02_segment's ``segments.parquet`` from the run folder, or None when it has not run."""
    path = run.path(SEGMENTS_FILE)
    return iorw.read_table(path) if path.exists() else None


def write(run: Run, result: ResponseResult) -> dict[str, Any]:
    """Write the response tables and the ``response`` section of summary.json; returns that section."""
    p = run.params
    iorw.write_table(result.frame.drop(columns=[c for c in result.frame.columns if c.startswith("_")]),
                     run.path(OUTCOMES_FILE))
    iorw.write_table(result.effects, run.path(iorw.RunFiles.EFFECTS))
    written = [OUTCOMES_FILE, iorw.RunFiles.EFFECTS]
    for table, name in ((result.segments, iorw.RunFiles.SEGMENT_EFFECTS), (result.weekly_weighted, iorw.RunFiles.WEEKLY_COMPARISON)):
        if table.empty:  # removes the file, so no page reads one left by an earlier run of another design
            iorw.remove_file(run.path(name))
        else:
            iorw.write_table(table, run.path(name))
            written.append(name)
    effect_cols = ["arm", "versus", "metric", "method", "role", "estimate", "ci_low", "ci_high", "p_value", "relative",
                   "warning"]
    seg_cols = ["dimension", "segment", "arm", "metric", "customers", "response_rate", "lift", "ci_low", "ci_high",
                "p_value", "q_value", "small", "warning"]
    balance = None
    if result.diagnostics:
        d = result.diagnostics
        balance = {"balanced": d["balanced"], "threshold": run.params.response.balance_threshold,
                   "max_abs_smd_before": d["max_abs_smd_before"], "max_abs_smd_after": d["max_abs_smd_after"],
                   "propensity_method": d["propensity_method"],
                   "covariates": response.records(d["balance"])}
    section = {
        "design": result.design,
        "control_arm": result.control,
        "response_event": p.response_event,
        "response_known": outcomes.has_response_events(run.tables["events"], p.campaign, p.response_event),
        "eligibility": result.info,
        "covariates": result.covariates,
        "arms": response.records(result.arms),
        "effects": response.records(result.effects.reindex(columns=effect_cols)),
        "headline": result.headline,
        "verdict": result.verdict,
        "segments": response.records(result.segments.reindex(columns=seg_cols)) if not result.segments.empty else [],
        "srm": result.srm,
        "balance": balance,
        "overlap": result.diagnostics.get("overlap") if result.diagnostics else None,
        "placebo": result.diagnostics.get("placebo") if result.diagnostics else None,
        "roi": result.roi,
        "funnel": response.records(result.funnel),
        "products": response.records(result.products),
        "periods": response.records(result.periods),
        "planning": result.planning,
        "winsorization": result.winsorization,
        "notes": _notes(result),
    }
    run.write_section("response", section)
    say_written(run.report_dir, written, "response")
    return section


def _notes(result: ResponseResult) -> list[Any]:
    """The result's sentences, then what is not available; a sentence that an entry already says is not repeated."""
    missing = unavailable(result)
    said = {na.missing for na in missing}
    return [n for n in result.notes if n not in said] + [na.as_note() for na in missing]
