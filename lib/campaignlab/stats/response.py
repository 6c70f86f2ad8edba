"""Campaign response analysis: design, comparison group, arm metrics, effects, segments, ROI, funnel, planning.

Everything here is pure and works on the customer-level table of :func:`campaignlab.data.outcomes.compute_customer_outcomes`
(one row per customer). The statistics come from :mod:`campaignlab.stats.effects` (experiments) and
:mod:`campaignlab.stats.causal` (effect on the treated without a randomized control).

Designs
-------
holdout
    The campaign's assignments include the control arm named in params: every treatment arm is compared with it
    (and treatment arms with each other). Sample-ratio mismatch is checked against the planned split.
matched
    No control arm (all bundled Complete Journey campaigns): the effect on the targeted (ATT) is estimated against
    eligible customers the campaign did not assign, by a doubly robust estimator (propensity odds weights plus an
    outcome regression; Sant'Anna & Zhao 2020) with influence-function intervals. Covariate balance is shown and an
    effect is not called causal when balance fails.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from campaignlab import workers
from campaignlab.data.outcomes import NOT_ASSIGNED
from campaignlab.params import ResponseConfig
from campaignlab.stats import causal, effects, verdict

COMPARISON = "comparison"
METRICS = ("response_rate", "conversion_rate", "revenue_per_customer")
OUTCOME_OF = {"conversion_rate": "converted", "revenue_per_customer": "revenue", "response_rate": "responded"}
NUMERIC_COVARIATES = ("pre_orders", "pre_revenue", "pre_recency_days")


# ------------------------------------------------------------------------------------------------ design
def choose_design(outcomes: pd.DataFrame, control_arm: str | None) -> Literal["holdout", "matched"]:
    """``holdout`` when the control arm named in params has customers, else ``matched``.

    Examples
    --------
    >>> d = pd.DataFrame({"arm": ["t", "control", "not_assigned"]})
    >>> choose_design(d, "control"), choose_design(d, None)
    ('holdout', 'matched')
    """
    if control_arm and (outcomes["arm"] == control_arm).any():
        return "holdout"
    if control_arm:
        raise ValueError(f"control_arm '{control_arm}' has no customers in this campaign's assignments "
                         f"(arms found: {', '.join(sorted(set(outcomes['arm']) - {NOT_ASSIGNED}))}). "
                         "Fix control_arm in the params file, or set it to null for a matched comparison.")
    return "matched"


def compute_analysis_frame(
    outcomes: pd.DataFrame, *, design: str, control_arm: str | None, config: ResponseConfig
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Customers in the analysis with a ``group`` column, and the counts behind who was left out.

    In the holdout design every assigned customer is kept and ``group`` is the arm. In the matched design the
    treated are the assigned customers and the comparison group the unassigned ones; both must have at least
    ``min_pre_orders`` pre-period orders, and comparison customers assigned to another overlapping campaign are
    dropped when ``exclude_overlapping`` (the counts say how many).
    """
    info: dict[str, Any] = {"design": design}
    if design == "holdout":
        frame = outcomes[outcomes["arm"] != NOT_ASSIGNED].copy()
        frame["group"] = frame["arm"]
        info["customers"] = int(len(frame))
        return frame.reset_index(drop=True), info
    assigned = outcomes["arm"] != NOT_ASSIGNED
    active = outcomes["pre_orders"].fillna(0) >= config.min_pre_orders
    overlapping = outcomes["other_campaigns"] > 0
    info.update(
        targeted=int(assigned.sum()),
        targeted_excluded_no_pre_orders=int((assigned & ~active).sum()),
        pool=int((~assigned).sum()),
        pool_excluded_no_pre_orders=int((~assigned & ~active).sum()),
        pool_excluded_overlapping=int((~assigned & active & overlapping).sum()) if config.exclude_overlapping else 0,
        targeted_in_overlapping_campaigns=int((assigned & active & overlapping).sum()),
        rule=(f"at least {config.min_pre_orders} order(s) in the pre-period"
              + ("; comparison customers not assigned to another campaign overlapping the analysis windows"
                 if config.exclude_overlapping else "")),
    )
    keep_comparison = ~assigned & active & (~overlapping if config.exclude_overlapping else True)
    frame = outcomes[(assigned & active) | keep_comparison].copy()
    frame["group"] = np.where(frame["arm"] == NOT_ASSIGNED, COMPARISON, frame["arm"])
    info["treated"] = int((frame["group"] != COMPARISON).sum())
    info["comparison"] = int((frame["group"] == COMPARISON).sum())
    return frame.reset_index(drop=True), info


def apply_winsorization(frame: pd.DataFrame, quantile: float | None, columns=("revenue", "post_revenue")) -> dict:
    """Cap heavy-tailed revenue at a pooled quantile (in place); returns what was done, for the report."""
    if quantile is None:
        return {"applied": False}
    caps = {}
    for col in columns:
        if col in frame and frame[col].notna().any():
            frame[col], caps[col] = effects.compute_winsorized(frame[col], quantile)
    return {"applied": True, "quantile": quantile, "caps": caps}


# ------------------------------------------------------------------------------------------------ metrics
def compute_arm_metrics(frame: pd.DataFrame, group: str = "group") -> pd.DataFrame:
    """Per group: customers, responders, response rate, converters, conversion rate, orders, revenue, revenue
    per customer, average order value and discount cost.

    Examples
    --------
    >>> d = pd.DataFrame({"group": ["a", "a", "b"], "responded": [1, 0, 0], "converted": [1, 1, 0],
    ...                   "orders": [2, 1, 0], "revenue": [30.0, 10.0, 0.0], "discount_cost": [1.0, 0.0, 0.0]})
    >>> r = compute_arm_metrics(d).iloc[0]
    >>> r["arm"], int(r["customers"]), float(r["response_rate"]), round(float(r["aov"]), 2)
    ('a', 2, 0.5, 13.33)
    """
    g = frame.groupby(group, sort=True)
    out = pd.DataFrame({
        "customers": g.size(),
        "responders": g["responded"].sum(),
        "converters": g["converted"].sum(),
        "orders": g["orders"].sum(),
        "revenue": g["revenue"].sum(),
        "discount_cost": g["discount_cost"].sum(),
    })
    out["response_rate"] = out["responders"] / out["customers"]
    out["conversion_rate"] = out["converters"] / out["customers"]
    out["revenue_per_customer"] = out["revenue"] / out["customers"]
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out = out.reset_index().rename(columns={group: "arm"})
    cols = ["arm", "customers", "responders", "response_rate", "converters", "conversion_rate", "orders",
            "revenue", "revenue_per_customer", "aov", "discount_cost"]
    for c in ("customers", "responders", "converters", "orders"):
        out[c] = out[c].astype("int64")
    return out[cols]


# ------------------------------------------------------------------------------------------------ effects
def covariate_columns(frame: pd.DataFrame, attributes: list[str]) -> list[str]:
    """Pre-period behaviour plus attribute columns that vary (a missing attribute is its own level)."""
    cols = [c for c in NUMERIC_COVARIATES if c in frame and frame[c].notna().any() and frame[c].nunique() > 1]
    cols += [a for a in attributes if a in frame and frame[a].nunique(dropna=False) > 1]
    return cols


EVENTS_PER_VARIABLE = 10


def limit_covariates(frame: pd.DataFrame, covariates: list[str]) -> tuple[list[str], list[str]]:
    """Drop attribute covariates when the smaller group has fewer than 10 customers per model term.

    A logistic propensity model with too many terms for its smaller group separates; odds weights then explode and
    doubly robust intervals run to astronomical widths (seen on bundled campaigns with 65-250 targeted households
    and ~45 attribute dummies). Pre-period behaviour is always kept: it is what targeting depended on.

    Examples
    --------
    >>> d = pd.DataFrame({"group": ["t"] * 20 + ["comparison"] * 200, "pre_revenue": range(220),
    ...                   "band": list("abcdefghij") * 22})
    >>> limit_covariates(d, ["pre_revenue", "band"])
    (['pre_revenue'], ['band'])
    """
    smaller = int(frame["group"].value_counts().min())
    numeric = [c for c in covariates if c in NUMERIC_COVARIATES]
    attrs = [c for c in covariates if c not in NUMERIC_COVARIATES]
    terms = len(numeric) + sum(max(frame[a].nunique(dropna=False) - 1, 1) for a in attrs)
    if smaller >= EVENTS_PER_VARIABLE * terms:
        return covariates, []
    return numeric, attrs


def _fill_recency(frame: pd.DataFrame) -> pd.DataFrame:
    # Customers without a pre-period order have no recency; give them the longest observed gap plus one day and
    # let pre_orders = 0 carry the difference (only the holdout design keeps such customers).
    out = frame.copy()
    if "pre_recency_days" in out and out["pre_recency_days"].isna().any():
        fill = (out["pre_recency_days"].max() if out["pre_recency_days"].notna().any() else 0.0) + 1.0
        out["pre_recency_days"] = out["pre_recency_days"].fillna(fill)
    return out


def _tag(result: dict, **extra: Any) -> dict:
    return {**result, **extra}


def compute_holdout_effects(
    frame: pd.DataFrame, *, control_arm: str, covariates: list[str], alpha: float, metrics=METRICS
) -> list[dict]:
    """Every treatment arm against the control, and treatment arms against each other.

    Each metric gets the unadjusted test that keeps its level at any group size (score or Fisher exact test for
    rates, the permutation test for revenue per customer) and, where covariates exist, the Lin (2013) regression
    adjustment with HC2 errors. The adjusted estimate leads only where :func:`effects.compute_adjustment_check`
    allows it (smaller arm of at least 100, at least 10 expected events, a difference in means that is not too
    skewed); otherwise the unadjusted test leads and the adjusted row stays as supporting, with a warning. Every
    row's ``method_reason`` says which rule chose the headline.

    Examples
    --------
    A 900 / 100 split where 18 e-mailed and no held-out customers bought: the exact test leads.

    >>> d = pd.DataFrame({"group": ["t"] * 900 + ["control"] * 100, "pre_revenue": np.arange(1000.0) % 7,
    ...                   "converted": [1] * 18 + [0] * 982, "revenue": [20.0] * 18 + [0.0] * 982})
    >>> rows = compute_holdout_effects(d, control_arm="control", covariates=["pre_revenue"], alpha=0.05,
    ...                                metrics=("conversion_rate",))
    >>> [(r["role"], r["method"].split(" (")[0], round(r["p_value"], 3)) for r in rows]
    [('headline', 'Fisher exact test', 0.244), ('supporting', 'Lin', 0.0)]
    """
    frame = _fill_recency(frame)
    arms = sorted(set(frame["group"].unique()) - {control_arm})
    pairs = [(a, control_arm) for a in arms] + list(itertools.combinations(arms, 2))
    # Each arm pair and metric is its own test: on threads (campaignlab.workers), in the same order.
    tasks = [(arm, versus, metric) for arm, versus in pairs for metric in metrics]
    parts = workers.map_ordered(lambda task: _pair_rows(frame, *task, control_arm=control_arm,
                                                        covariates=covariates, alpha=alpha), tasks,
                                 workers.for_rows(len(frame), workers.MIN_ROWS_TESTS))
    rows = [row for part in parts for row in part]
    return add_arm_pair_qvalues(rows, control_arm)


def _pair_rows(frame: pd.DataFrame, arm: str, versus: str, metric: str, *, control_arm: str, covariates: list[str],
               alpha: float) -> list[dict]:
    """The rows of one arm pair and metric: the unadjusted test and, with covariates, the Lin adjustment, each
    tagged headline, supporting or descriptive."""
    y = OUTCOME_OF[metric]
    # Only the columns the tests read: a copy of every column of a million customers, per task and thread, made up
    # most of 03's peak memory (about 1 GB at a million customers).
    sub = frame.loc[frame["group"].isin([arm, versus]).to_numpy(), list(dict.fromkeys(["group", y, *covariates]))]
    sub["_t"] = (sub["group"] == arm).astype(int)
    raw = effects.compute_randomized_effect(sub, outcome=y, treatment="_t", covariates=[], metric=metric,
                                            binary=metric != "revenue_per_customer", alpha=alpha)
    lead = "headline" if versus == control_arm else "supporting"
    if metric == "response_rate":
        raw["method_reason"] = "unadjusted: the response rate is descriptive"
        return [_tag(raw, arm=arm, versus=versus, role="descriptive" if versus == control_arm else "supporting")]
    if not covariates:
        return [_tag(raw, arm=arm, versus=versus, role=lead, leads_pair=True)]
    check = effects.compute_adjustment_check(sub.loc[sub["_t"] == 1, y], sub.loc[sub["_t"] == 0, y],
                                             binary=metric != "revenue_per_customer")
    adj = effects.compute_adjusted_effect(sub, outcome=y, treatment="_t", covariates=covariates, metric=metric,
                                          alpha=alpha)
    adj["method_reason"] = raw["method_reason"] = check["reason"]
    if check["allowed"]:
        return [_tag(raw, arm=arm, versus=versus, role="supporting"),
                _tag(adj, arm=arm, versus=versus, role=lead, leads_pair=True)]
    note = f"not the headline ({check['reason']}): its interval is too narrow at these group sizes"
    adj["warning"] = "; ".join(w for w in (adj.get("warning"), note) if w)
    return [_tag(raw, arm=arm, versus=versus, role=lead, leads_pair=True),
            _tag(adj, arm=arm, versus=versus, role="supporting")]


def add_arm_pair_qvalues(rows: list[dict], control_arm: str) -> list[dict]:
    """Benjamini-Hochberg q-values over the campaign's arm-versus-arm comparisons, one family per campaign.

    The family is the leading test of every pair of treatment arms and every metric that is not descriptive
    (conversion, revenue per customer): with three arms and two metrics, six tests. Each row of the family gets
    ``q_value`` and ``family`` ("arm versus arm"); the other rows keep no q-value.

    Examples
    --------
    >>> rows = [{"arm": "a", "versus": "c", "metric": "m", "p_value": 0.01, "leads_pair": True},
    ...         {"arm": "a", "versus": "b", "metric": "m", "p_value": 0.01, "leads_pair": True},
    ...         {"arm": "a", "versus": "b", "metric": "n", "p_value": 0.04, "leads_pair": True},
    ...         {"arm": "a", "versus": "b", "metric": "n", "p_value": 0.001, "leads_pair": False}]
    >>> [r.get("q_value") for r in add_arm_pair_qvalues(rows, "c")]
    [None, 0.02, 0.04, None]
    """
    family = [r for r in rows if r.get("leads_pair") and r["versus"] != control_arm]
    if family:
        q = effects.compute_qvalues(np.array([r.get("p_value", np.nan) for r in family], dtype=float))
        for r, value in zip(family, q):
            r["q_value"] = float(value)
            r["family"] = f"arm versus arm ({len(family)} tests, Benjamini-Hochberg)"
    for r in rows:
        r.pop("leads_pair", None)
    return rows


def compute_matched_effects(
    frame: pd.DataFrame, *, covariates: list[str], alpha: float, trim: tuple[float, float],
    campaign_days: int, pre_days: int, metrics=("conversion_rate", "revenue_per_customer"),
    propensity_fits: causal.PropensityFits | None = None,
) -> list[dict]:
    """Effect on the targeted versus the matched comparison group, by several methods side by side.

    Headline: doubly robust ATT. Also: IPW ATT, the naive difference (biased by targeting), and in the
    sensitivity section a difference-in-differences on revenue and a plain linear covariate adjustment. Every
    estimator and metric of an arm shares one propensity fit (``propensity_fits``, one is made when not given).
    """
    fits = propensity_fits if propensity_fits is not None else causal.PropensityFits()
    rows = []
    arms = sorted(set(frame["group"].unique()) - {COMPARISON})
    for arm in arms:
        sub = frame[frame["group"].isin([arm, COMPARISON])].copy()
        sub["_t"] = (sub["group"] == arm).astype(int)
        for metric in metrics:
            y = OUTCOME_OF[metric]
            naive = causal.estimate_naive(sub, outcome=y, treatment="_t", alpha=alpha)
            rows.append(_tag(naive, metric=metric, arm=arm, versus=COMPARISON, role="naive"))
            dr = causal.estimate_att_doubly_robust(sub, outcome=y, treatment="_t", covariates=covariates,
                                                   alpha=alpha, trim=trim, metric=metric, propensity_fits=fits)
            rows.append(_tag(dr, arm=arm, versus=COMPARISON, role="headline"))
            ipw = causal.estimate_att_ipw(sub, outcome=y, treatment="_t", covariates=covariates, alpha=alpha,
                                          trim=trim, metric=metric, propensity_fits=fits)
            rows.append(_tag(ipw, arm=arm, versus=COMPARISON, role="supporting"))
            lin = causal.estimate_linear_adjusted(sub, outcome=y, treatment="_t", covariates=covariates,
                                                  alpha=alpha)
            rows.append(_tag(lin, metric=metric, arm=arm, versus=COMPARISON, role="sensitivity"))
            if metric == "revenue_per_customer" and pre_days > 0:
                # Put pre-period revenue on the campaign window's scale so the difference is per window.
                sub["_pre_scaled"] = sub["pre_revenue"] * campaign_days / pre_days
                did = causal.estimate_did(sub, outcome=y, pre_outcome="_pre_scaled", treatment="_t", alpha=alpha)
                rows.append(_tag(did, metric=metric, arm=arm, versus=COMPARISON, role="sensitivity"))
    return rows


def matched_diagnostics(frame: pd.DataFrame, *, covariates: list[str], trim: tuple[float, float],
                        threshold: float, propensity_fits: causal.PropensityFits | None = None) -> dict[str, Any]:
    """Propensity model, overlap and covariate balance before and after odds weighting (ATT weights)."""
    sub = frame.copy()
    sub["_t"] = (sub["group"] != COMPARISON).astype(int)
    ps, info = causal.fit_propensity(sub, treatment="_t", covariates=covariates, propensity_fits=propensity_fits)
    overlap = causal.compute_overlap(ps, sub["_t"].to_numpy())
    inside = (ps >= trim[0]) & (ps <= trim[1])
    t = sub["_t"].to_numpy() == 1
    if (inside & t).sum() < 2 or (inside & ~t).sum() < 2:
        # Trimming would leave one group empty (tiny campaigns, separated propensities): judge balance on everyone.
        inside = np.ones(len(sub), dtype=bool)
    w = np.where(sub["_t"] == 1, 1.0, ps / (1 - ps))
    bal = causal.compute_balance(sub[inside], treatment="_t", covariates=covariates, weights=w[inside],
                                 threshold=threshold)
    comparison_inside = inside & ~t
    # The effective size is that of the weights the estimators use (fit, trim, refit on the rows kept), so the trust
    # check and the weekly chart quote one number; the balance table keeps the first fit's weights.
    w_est = causal.compute_att_weights(sub, treatment="_t", covariates=covariates, trim=trim,
                                       propensity_fits=propensity_fits).to_numpy()
    w_comp = w_est[~t & ~np.isnan(w_est)]
    if not len(w_comp):
        w_comp = w[comparison_inside]
    return {
        "propensity_method": info["method"],
        "propensity_regularized": bool(info["regularized"]),
        "overlap": overlap,
        "trimmed": int((~inside).sum()),
        "trimmed_treated": int((~inside & t).sum()),
        # Kish effective size of the odds-weighted comparison group: how many customers it counts as.
        "effective_comparison": verdict.effective_sample_size(w_comp) if len(w_comp) else 0.0,
        "balance": bal,
        "balanced": bool(bal.attrs.get("balanced", False)),
        "max_abs_smd_after": float(bal.attrs.get("max_abs_smd", float("nan"))),
        "max_abs_smd_before": float(bal["smd_before"].abs().max()),
        "ps": ps,
    }


def choose_headline(effect_rows: list[dict], *, design: str, balanced: bool | None, srm_passed: bool | None) -> list[dict]:
    """Per arm and metric, the effect the report leads with, and why; with a trust verdict."""
    out = []
    seen = set()
    for r in effect_rows:
        if r.get("role") != "headline":
            continue
        key = (r["arm"], r["versus"], r["metric"])
        if key in seen:
            continue
        seen.add(key)
        if design == "matched":
            reason = ("doubly robust estimate of the effect on the targeted: consistent if either the propensity or "
                      "the outcome model is right; the naive comparison is biased by who was targeted")
            causal_ok = bool(balanced)
            caveat = "" if causal_ok else "covariate balance failed after weighting: read as association, not effect"
        else:
            adjusted = "ANCOVA" in r["method"] or "regression" in r["method"].lower()
            reason = ("randomized holdout; regression adjustment on pre-period behaviour narrows the interval"
                      if adjusted else f"randomized holdout, {r.get('method_reason') or 'unadjusted'}")
            causal_ok = srm_passed is not False
            caveat = "" if causal_ok else "sample-ratio mismatch: the split is not as planned, check the assignment"
        out.append({"arm": r["arm"], "versus": r["versus"], "metric": r["metric"], "method": r["method"],
                    "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                    "p_value": r["p_value"], "causal": causal_ok, "reason": reason, "caveat": caveat,
                    "warning": r.get("warning") or ""})
    return out


# ------------------------------------------------------------------------------------------------ segments
def compute_segment_effects(
    frame: pd.DataFrame, segments: pd.DataFrame, dimensions: list[str], *, design: str, control: str,
    covariates: list[str], alpha: float, trim: tuple[float, float], min_size: int,
    metrics=("conversion_rate", "revenue_per_customer"), propensity_fits: causal.PropensityFits | None = None,
) -> pd.DataFrame:
    """Lift per segment of every dimension, with Benjamini-Hochberg q-values per arm and metric.

    Segments come from 02_segment (one row per customer, one column per dimension). In the holdout design the
    lift is the difference against the control within the segment, by :func:`effects.compute_randomized_effect`:
    adjusted for pre-period behaviour where the segment's groups are large enough, else the score or Fisher exact
    test (rates) or the permutation test (revenue), which keep their level at 30 customers per group. In the
    matched design it is the doubly robust ATT within the segment (one propensity fit per segment and arm,
    shared by the metrics). Segments with fewer than ``min_size`` customers
    in either group are flagged ``small`` and get no estimate. ``warning`` flags groups with fewer than 10 events.
    """
    data = frame.merge(segments[["customer_id", *dimensions]], on="customer_id", how="left")
    arms = sorted(set(data["group"].unique()) - {control})
    fits = propensity_fits if propensity_fits is not None else causal.PropensityFits()
    labels = {dim: data[dim].astype("string").fillna("unknown") for dim in dimensions}
    cells = [(dim, seg) for dim in dimensions for seg in sorted(labels[dim].unique())]

    def cell_rows(cell: tuple[str, str]) -> list[dict]:
        dim, seg = cell
        in_seg = data[labels[dim] == seg]
        rows = []
        for arm in arms:
            sub = in_seg[in_seg["group"].isin([arm, control])].copy()
            sub["_t"] = (sub["group"] == arm).astype(int)
            n_t, n_c = int(sub["_t"].sum()), int((1 - sub["_t"]).sum())
            t = sub[sub["_t"] == 1]
            base = {"dimension": dim, "segment": str(seg), "arm": arm, "customers": n_t, "control_customers": n_c,
                    "response_rate": float(t["responded"].mean()) if n_t else float("nan"),
                    "conversion": float(t["converted"].mean()) if n_t else float("nan"),
                    "small": n_t < min_size or n_c < min_size}
            for metric in metrics:
                est = _no_estimate("") if base["small"] else _segment_estimate(
                    sub, metric, design=design, covariates=covariates, alpha=alpha, trim=trim, fits=fits)
                rows.append({**base, "metric": metric, "lift": est["estimate"], "ci_low": est["ci_low"],
                             "ci_high": est["ci_high"], "p_value": est["p_value"], "method": est["method"],
                             "warning": est.get("warning") or ""})
        return rows

    # The segments are independent (the matched design's propensity fits are keyed by segment and arm): on threads
    # (campaignlab.workers), in the same order.
    rows = [row for part in workers.map_ordered(cell_rows, cells, workers.for_rows(len(data), workers.MIN_ROWS_TESTS))
            for row in part]
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["q_value"] = np.nan
    for _, idx in out.groupby(["arm", "metric"]).groups.items():
        out.loc[idx, "q_value"] = effects.compute_qvalues(out.loc[idx, "p_value"].to_numpy(dtype=float))
    return out


def _segment_estimate(sub: pd.DataFrame, metric: str, *, design: str, covariates: list[str], alpha: float,
                      trim: tuple[float, float], fits: causal.PropensityFits) -> dict[str, Any]:
    """One segment's lift on one metric: the doubly robust ATT (matched design) or the randomized comparison."""
    y = OUTCOME_OF[metric]
    # Within a segment only pre-period behaviour is adjusted for: the segment already fixes much of the attribute
    # mix, and wide dummy designs separate in small groups.
    cov = [c for c in covariates if c in NUMERIC_COVARIATES and sub[c].nunique() > 1]
    try:
        if design == "matched":
            return causal.estimate_att_doubly_robust(sub, outcome=y, treatment="_t", covariates=cov, alpha=alpha,
                                                     trim=trim, metric=metric, propensity_fits=fits)
        return effects.compute_randomized_effect(sub, outcome=y, treatment="_t", covariates=cov, metric=metric,
                                                 alpha=alpha, binary=metric != "revenue_per_customer")
    except (ValueError, np.linalg.LinAlgError) as exc:
        return _no_estimate(f"not estimable: {exc}")


def _no_estimate(method: str) -> dict[str, Any]:
    """A segment's row without an estimate (too small, or not estimable), saying which in ``method``."""
    nan = float("nan")
    return {"estimate": nan, "ci_low": nan, "ci_high": nan, "p_value": nan, "method": method}


def compute_response_crosstab(frame: pd.DataFrame, segments: pd.DataFrame, dimension: str, *,
                              control: str) -> pd.DataFrame:
    """Among treated customers, per segment: shares who responded and converted, responded only, converted only,
    neither. Shows which layers respond without buying and which buy without responding."""
    data = frame[frame["group"] != control].merge(segments[["customer_id", dimension]], on="customer_id")
    data[dimension] = data[dimension].astype("string").fillna("unknown")
    r, c = data["responded"].astype(bool), data["converted"].astype(bool)
    data["cell"] = np.select([r & c, r & ~c, ~r & c], ["responded and bought", "responded, did not buy",
                                                        "bought without responding"], "neither")
    tab = pd.crosstab(data[dimension], data["cell"], normalize="index")
    for col in ("responded and bought", "responded, did not buy", "bought without responding", "neither"):
        if col not in tab:
            tab[col] = 0.0
    tab = tab[["responded and bought", "responded, did not buy", "bought without responding", "neither"]]
    tab.insert(0, "customers", data.groupby(dimension).size())
    return tab


# ------------------------------------------------------------------------------------------------ money
def compute_campaign_roi(
    headline: dict, *, treated: int, discount_cost: float, gross_margin: float, cost_per_contact: float,
    fixed_cost: float, count_discount_cost: bool,
) -> dict[str, Any]:
    """Incremental revenue (per-customer effect x treated customers, with its interval), margin, costs and ROI."""
    est, lo, hi = (headline.get(k, float("nan")) for k in ("estimate", "ci_low", "ci_high"))
    roi = effects.compute_roi(est * treated, (lo * treated, hi * treated), gross_margin=gross_margin,
                              discount_cost=discount_cost if count_discount_cost else 0.0, contacts=treated,
                              cost_per_contact=cost_per_contact, fixed_cost=fixed_cost)
    roi["per_customer_effect"] = {"estimate": est, "ci_low": lo, "ci_high": hi, "method": headline.get("method")}
    roi["contacts"] = treated
    roi["gross_margin"] = gross_margin
    roi["incremental_revenue"] = {"estimate": roi["incremental_revenue"],
                                  "ci_low": roi.pop("incremental_revenue_ci_low"),
                                  "ci_high": roi.pop("incremental_revenue_ci_high")}
    for key in ("incremental_margin", "net_profit", "roi"):
        roi[key] = {"estimate": roi[key], "ci_low": roi.pop(f"{key}_ci_low"), "ci_high": roi.pop(f"{key}_ci_high")}
    return roi


# ------------------------------------------------------------------------------------------------ funnel
def compute_funnel(frame: pd.DataFrame, steps: list[str]) -> pd.DataFrame:
    """Counts and step conversion per arm along the funnel (events present in the data, then ``purchased``).

    Event steps are nested: a customer counts at a step only after passing every earlier one. ``purchased`` counts
    everyone in the group who bought in the campaign window (the conversion of the arm table), whether or not they
    passed the event steps, so a group the campaign never reached (the comparison group) shows its real buyers,
    not zero; its ``step_conversion`` is the share of the previous step's customers who bought.

    Examples
    --------
    >>> d = pd.DataFrame({"group": ["t"] * 4, "event_delivered": [1, 1, 1, 1], "event_redeemed": [1, 0, 0, 0],
    ...                   "converted": [1, 1, 0, 0]})
    >>> compute_funnel(d, ["delivered", "redeemed"])[["step", "customers", "step_conversion"]].values.tolist()
    [['delivered', 4, nan], ['redeemed', 1, 0.25], ['purchased', 2, 1.0]]
    """
    present = [s for s in steps if f"event_{s}" in frame and frame[f"event_{s}"].sum() > 0]
    rows = []
    for arm, sub in frame.groupby("group", sort=True):
        prev_mask = None
        prev_n = None
        for step in [*present, "purchased"]:
            col = "converted" if step == "purchased" else f"event_{step}"
            mask = sub[col].fillna(0).astype(bool)
            passed = mask & prev_mask if prev_mask is not None else mask  # passed every earlier step too
            n = int((mask if step == "purchased" else passed).sum())
            rows.append({"arm": arm, "step": step, "customers": n, "share_of_arm": n / len(sub) if len(sub) else np.nan,
                         "step_conversion": (int(passed.sum()) / prev_n if prev_n else np.nan)
                         if prev_n is not None else np.nan})
            prev_mask, prev_n = passed, int(passed.sum())
    return pd.DataFrame(rows)


def biggest_drop(funnel: pd.DataFrame) -> dict[str, Any] | None:
    """The step with the lowest step conversion, per the first arm that has one."""
    steps = funnel.dropna(subset=["step_conversion"])
    if steps.empty:
        return None
    row = steps.loc[steps["step_conversion"].idxmin()]
    return {"arm": row["arm"], "step": row["step"], "step_conversion": float(row["step_conversion"])}


# ------------------------------------------------------------------------------------------------ planning
def compute_planning(frame: pd.DataFrame, *, treated_groups: list[str], control: str, observed_lift: float,
                     alpha: float, power: float) -> dict[str, Any]:
    """Minimum detectable effect at the observed sizes and variance, and the holdout needed for the observed lift."""
    t = frame[frame["group"].isin(treated_groups)]
    c = frame[frame["group"] == control]
    sd = float(pd.concat([t["revenue"], c["revenue"]]).std(ddof=1))
    mde = effects.compute_mde(len(t), len(c), sd=sd, alpha=alpha, power=power)
    ratio = len(t) / len(c) if len(c) else float("nan")
    need = effects.compute_required_sample(abs(observed_lift) if np.isfinite(observed_lift) else float("nan"),
                                           sd=sd, ratio=9.0, alpha=alpha, power=power)
    conv = float(c["converted"].mean()) if len(c) else float("nan")
    mde_conv = effects.compute_mde(len(t), len(c), p=conv, alpha=alpha, power=power) if 0 < conv < 1 else {}
    return {
        "metric": "revenue_per_customer",
        "sd_revenue": sd,
        "n_treat": int(len(t)), "n_control": int(len(c)), "ratio": ratio,
        "mde_revenue_per_customer": mde.get("mde"),
        "mde_conversion_rate": mde_conv.get("mde"),
        "observed_lift": observed_lift,
        "holdout_needed_at_9_to_1": need.get("n_control"),
        "treated_needed_at_9_to_1": need.get("n_treat"),
        "alpha": alpha, "power": power,
        "method": "normal approximation, two-sided (statsmodels power classes)",
    }


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts (non-finite numbers become None when written)."""
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]
