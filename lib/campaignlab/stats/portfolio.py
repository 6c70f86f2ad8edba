"""Across campaigns: one table of every run, comparisons by campaign type, pooled effects, highlights and run diffs.

The input is the ``summary.json`` of each run (see ``lib/campaignlab/run/summary.schema.json``), already read into dicts. Any
section of a summary may be missing or null and non-finite numbers arrive as null: every function here treats them
as "not available" (NaN in tables, the words "not available" in text) instead of failing, because the portfolio must
still show the other campaigns when one run is partial.

Everything here is pure: the summaries are read by :func:`campaignlab.iorw.read_runs` (and
:func:`campaignlab.steps.portfolio.diff_runs`). Pooling campaigns is :mod:`campaignlab.stats.pooling`
(:func:`compute_pooled_effects` is re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from campaignlab.formatting import NOT_AVAILABLE
from campaignlab.stats.pooling import POOLED_COLUMNS, compute_pooled_effects, compute_pooling_groups

__all__ = [
    "CAMPAIGN_COLUMNS",
    "DIFF_COLUMNS",
    "HIGHLIGHT_COLUMNS",
    "POOLED_COLUMNS",
    "TYPE_COLUMNS",
    "compute_campaign_table",
    "compute_highlights",
    "compute_pooled_effects",
    "compute_pooling_groups",
    "compute_summary_diff",
    "compute_type_comparison",
]

HEADLINE_METRIC = "revenue_per_customer"
CAMPAIGN_COLUMNS = (
    "rank", "campaign_id", "title", "type", "start", "end", "design", "window_kind", "window_days", "customers",
    "headline_arm", "headline_method", "headline_caveat", "revenue_per_customer", "revenue_per_customer_ci_low",
    "revenue_per_customer_ci_high", "significant", "verdict_metric", "verdict_estimate", "verdict_ci_low",
    "verdict_ci_high", "p_value", "q_value", "trust", "window", "verdict", "response_rate",
    "incremental_revenue", "incremental_revenue_ci_low", "incremental_revenue_ci_high",
    "roi", "roi_ci_low", "roi_ci_high", "net_profit", "total_cost", "currency", "note",
)
TYPE_COLUMNS = (
    "type", "campaigns", "with_estimate", "mean_revenue_per_customer", "median_revenue_per_customer",
    "share_significant",
)
#: The windows each headline metric is measured over (summary ``windows`` section), and how a reader calls them.
METRIC_WINDOWS = {"revenue_per_customer": ("campaign",), "revenue_incl_post_per_customer": ("campaign", "post")}
WINDOW_NAMES = {"pre": "pre-period", "campaign": "campaign window", "post": "post-period"}
HIGHLIGHT_COLUMNS = (
    "kind", "campaign_id", "arm", "versus", "metric", "method", "dimension", "segment",
    "estimate", "ci_low", "ci_high", "q_value", "sentence",
)
DIFF_COLUMNS = ("section", "item", "metric", "a", "b", "change")
STATUSES = ("ok", "failed", "stale")

_NAN = float("nan")


# --------------------------------------------------------------------------------------------- null-safe access
def _get(obj: Any, *keys: str) -> Any:
    """``obj[k1][k2]...``, or None as soon as a level is missing, null or not a dict."""
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _list(obj: Any) -> list[dict]:
    return [x for x in obj if isinstance(x, Mapping)] if isinstance(obj, list) else []


def _num(value: Any) -> float:
    """A finite float, or NaN for null, text, booleans and non-finite numbers."""
    if isinstance(value, bool) or value is None:
        return _NAN
    try:
        out = float(value)
    except (TypeError, ValueError):
        return _NAN
    return out if math.isfinite(out) else _NAN


def _text(value: Any, default: str = "") -> str:
    return default if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _excludes_zero(low: float, high: float) -> Any:
    if math.isnan(low) or math.isnan(high):
        return pd.NA
    return bool(low > 0 or high < 0)


def _headline_effect(response: Any) -> tuple[dict | None, str]:
    """The run's verdict (summary version 2) or, for version 1, its revenue-per-customer headline; and why none."""
    verdict = _get(response, "verdict")
    if isinstance(verdict, Mapping) and verdict.get("trust"):
        reasons = verdict.get("trust_reasons")
        return {**verdict, "caveat": " ".join(map(str, reasons)) if isinstance(reasons, list) else ""}, ""
    headline = [h for h in _list(_get(response, "headline")) if h.get("metric") == HEADLINE_METRIC]
    if not headline:
        return None, f"no {HEADLINE_METRIC} headline"
    h = headline[0]
    for effect in _list(_get(response, "effects")):
        if all(effect.get(k) == h.get(k) for k in ("arm", "metric", "method")):
            return {**effect, "caveat": h.get("caveat")}, ""
    if "estimate" in h:  # the headline entry carries its own numbers
        return dict(h), ""
    return None, f"headline {HEADLINE_METRIC} effect not in response.effects"


def _response_rate(response: Any, control: Any) -> float:
    """Share of the treated customers with the response event (redemption): the reach that acted; NaN when the
    data holds no response event of the campaign (``response_known`` false: unknown, not zero)."""
    if _get(response, "response_known") is False:
        return _NAN
    arms = [a for a in _list(_get(response, "arms")) if a.get("arm") != control]
    n = sum(_num(a.get("customers")) for a in arms)
    k = sum(_num(a.get("responders")) for a in arms)
    return k / n if n and not math.isnan(n) and not math.isnan(k) else _NAN


def _window_text(effect: Mapping | None) -> str | None:
    w = _get(effect, "window")
    if not isinstance(w, Mapping):
        return None
    return f"{w.get('label', 'window')} {w.get('start')} to {w.get('end')} (exclusive)"


def _add_qvalues(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Benjamini-Hochberg q-values over all campaigns' verdicts; ``significant`` is q below ``alpha``.

    Runs without a p-value (version-1 summaries) keep the interval rule (``significant`` when the 95% interval
    excludes zero) and no q-value.
    """
    from statsmodels.stats.multitest import multipletests

    p = pd.to_numeric(table["p_value"], errors="coerce")
    known = p.notna()
    table["q_value"] = _NAN
    if known.any():
        table.loc[known, "q_value"] = multipletests(p[known].to_numpy(), alpha=alpha, method="fdr_bh")[1]
        table.loc[known, "significant"] = table.loc[known, "q_value"] < alpha
    return table


def _targeted(response: Any, headline: dict | None) -> float:
    arms = _list(_get(response, "arms"))
    if not arms:
        return _NAN
    if headline is not None:
        for arm in arms:
            if arm.get("arm") == headline.get("arm"):
                return _num(arm.get("customers"))
    # Without a headline, or with one pooled over several arms ("all arms"): every arm but the control arm, the
    # customers the redemption rate is of (_response_rate); a summary that names no control arm counts every arm
    # that is not somebody's comparison group (arm-versus-arm tests make every arm but one a comparison group).
    control = _get(response, "control_arm")
    comparisons = {control} if control else {e.get("versus") for e in _list(_get(response, "effects"))}
    sizes = [_num(a.get("customers")) for a in arms if a.get("arm") not in comparisons]
    sizes = [s for s in sizes if not math.isnan(s)]
    return float(sum(sizes)) if sizes else _NAN


def _effect_window(summary: Any, metric: str) -> tuple[str | None, float]:
    """The kind and length (days the data cover) of the windows an effect of ``metric`` is measured over.

    The kind names the windows, with "partly observed" when the data do not cover all of them: an effect over the
    second half of a campaign is not the same quantity as one over all of it.
    """
    names = METRIC_WINDOWS.get(metric)
    windows = [_get(summary, "windows", name) for name in names or ()]
    if not names or not all(isinstance(w, Mapping) for w in windows):
        return None, _NAN
    days = [_num(w.get("covered_days")) for w in windows]
    days = [_num(w.get("days")) if math.isnan(d) else d for d, w in zip(days, windows)]
    kind = " and ".join(WINDOW_NAMES[name] for name in names)
    if any(w.get("complete") is False for w in windows):
        kind += " (partly observed)"
    return kind, float(sum(days))


# --------------------------------------------------------------------------------------------- campaign table
def _campaign_row(i: int, summary: Mapping[str, Any]) -> dict[str, Any]:
    """One campaign's row of :func:`compute_campaign_table`."""
    campaign = _get(summary, "campaign") or {}
    cid = _text(_get(campaign, "id"), f"(unknown {i + 1})")
    response = _get(summary, "response")
    notes = []
    effect, why = (None, "") if not isinstance(response, Mapping) else _headline_effect(response)
    if not isinstance(response, Mapping):
        notes.append("response not available")
    elif why:
        notes.append(why)
    roi = _get(response, "roi")
    if isinstance(response, Mapping) and not isinstance(roi, Mapping):
        notes.append("roi not available")
    is_verdict = isinstance(_get(response, "verdict"), Mapping)
    estimate = _num(_get(effect, "estimate"))
    low, high = _num(_get(effect, "ci_low")), _num(_get(effect, "ci_high"))
    revenue = effect if not is_verdict or _get(effect, "metric") == HEADLINE_METRIC else None
    window_kind, window_days = _effect_window(summary, HEADLINE_METRIC)
    return {
        "campaign_id": cid,
        "title": _text(_get(campaign, "title"), cid),
        "type": _text(_get(campaign, "type"), "unknown"),
        "start": _text(_get(campaign, "start_date")) or None,
        "end": _text(_get(campaign, "end_date")) or None,
        "design": _text(_get(response, "design")) or None,
        "window_kind": window_kind,
        "window_days": window_days,
        "customers": _targeted(response, effect),
        "headline_arm": _text(_get(effect, "arm")) or None,
        "headline_method": _text(_get(effect, "method")) or None,
        "headline_caveat": _text(_get(effect, "caveat")) or None,
        "revenue_per_customer": _num(_get(revenue, "estimate")),
        "revenue_per_customer_ci_low": _num(_get(revenue, "ci_low")),
        "revenue_per_customer_ci_high": _num(_get(revenue, "ci_high")),
        "significant": _excludes_zero(low, high),
        "verdict_metric": _text(_get(effect, "metric")) or None,
        "verdict_estimate": estimate,
        "verdict_ci_low": low,
        "verdict_ci_high": high,
        "p_value": _num(_get(effect, "p_value")) if is_verdict else _NAN,
        "q_value": _NAN,
        "trust": _text(_get(effect, "trust")) or None,
        "window": _window_text(effect),
        "verdict": _text(_get(effect, "sentence")) or None,
        "response_rate": _response_rate(response, _get(response, "control_arm")),
        "incremental_revenue": _num(_get(roi, "incremental_revenue", "estimate")),
        "incremental_revenue_ci_low": _num(_get(roi, "incremental_revenue", "ci_low")),
        "incremental_revenue_ci_high": _num(_get(roi, "incremental_revenue", "ci_high")),
        "roi": _num(_get(roi, "roi", "estimate")),
        "roi_ci_low": _num(_get(roi, "roi", "ci_low")),
        "roi_ci_high": _num(_get(roi, "roi", "ci_high")),
        "net_profit": _num(_get(roi, "net_profit", "estimate")),
        "total_cost": _num(_get(roi, "total_cost")),
        "currency": _text(_get(roi, "currency")) or None,
        "note": "; ".join(notes),
    }


def compute_campaign_table(summaries: Iterable[Mapping[str, Any] | None]) -> pd.DataFrame:
    """One row per campaign run: what it was, its headline effect and its money, ranked by incremental revenue.

    The headline is the ``response.headline`` entry for ``revenue_per_customer`` (the estimate the run itself chose,
    e.g. adjusted rather than naive), looked up in ``response.effects`` by arm, metric and method (or its own
    numbers when it carries them). ``significant``
    says whether that effect's 95% interval excludes 0. Money comes from ``response.roi``.

    Parameters
    ----------
    summaries : iterable of dict
        Parsed ``summary.json`` files. Missing or null sections give NaN and a ``note``; a null entry is skipped.

    Returns
    -------
    pandas.DataFrame
        Columns ``rank`` (1 = largest incremental revenue; <NA> without one), ``campaign_id``, ``title``, ``type``
        ("unknown" when missing), ``start``, ``end`` (ISO dates, end exclusive), ``design``, ``window_kind`` and
        ``window_days`` (the windows the headline revenue per customer covers, e.g. "campaign window", and the days
        the data cover of them), ``customers`` (customers in the headline arm), ``headline_arm``, ``headline_method``, ``headline_caveat`` (e.g. "read as
        association"), ``revenue_per_customer`` and its
        ``_ci_low``/``_ci_high``, ``significant`` (nullable bool), ``incremental_revenue`` and its CI, ``roi`` and
        its CI, ``net_profit``, ``total_cost``, ``note`` (what is not available). Sorted by rank, NaN last.

    Examples
    --------
    >>> s1 = {"campaign": {"id": "c1", "title": "Spring", "type": "A"},
    ...       "response": {"design": "holdout", "arms": [{"arm": "t", "customers": 100}],
    ...                    "headline": [{"arm": "t", "metric": "revenue_per_customer", "method": "diff"}],
    ...                    "effects": [{"arm": "t", "versus": "c", "metric": "revenue_per_customer",
    ...                                 "method": "diff", "estimate": 2.0, "ci_low": 0.5, "ci_high": 3.5}],
    ...                    "roi": {"incremental_revenue": {"estimate": 200.0, "ci_low": 50.0, "ci_high": 350.0}}}}
    >>> s2 = {"campaign": {"id": "c2", "title": "Autumn"}, "response": None}
    >>> t = compute_campaign_table([s2, s1])
    >>> print(t[["rank", "campaign_id", "revenue_per_customer", "significant", "incremental_revenue"]]
    ...       .to_string(index=False))
     rank campaign_id  revenue_per_customer  significant  incremental_revenue
        1          c1                   2.0         True                200.0
     <NA>          c2                   NaN         <NA>                  NaN
    >>> t["note"].tolist()
    ['', 'response not available']
    """
    rows = [_campaign_row(i, s) for i, s in enumerate(summaries) if isinstance(s, Mapping)]
    table = pd.DataFrame(rows, columns=[c for c in CAMPAIGN_COLUMNS if c != "rank"])
    table = table.sort_values(["incremental_revenue", "campaign_id"], ascending=[False, True], na_position="last",
                              kind="stable").reset_index(drop=True)
    known = table["incremental_revenue"].notna()
    # Sorted with unknown revenue last, so the known rows are exactly the first ranks.
    table.insert(0, "rank", pd.array([i + 1 if k else pd.NA for i, k in enumerate(known)], dtype="Int64"))
    table["significant"] = table["significant"].astype("boolean")
    return _add_qvalues(table)


def compute_type_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """Campaign types compared: count, mean and median headline revenue per customer, share significant.

    Descriptive only: campaigns of one type may differ in design and window length, so a type is not pooled as a
    whole. The pooled estimates are :func:`compute_pooled_effects` (random effects, within groups of comparable
    campaigns).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`compute_campaign_table`.

    Returns
    -------
    pandas.DataFrame
        One row per type, sorted by type: ``type``, ``campaigns``, ``with_estimate``, ``mean_revenue_per_customer``,
        ``median_revenue_per_customer``, ``share_significant`` (of campaigns whose significance is known).

    Examples
    --------
    >>> t = pd.DataFrame({"type": ["A", "A", "B"], "revenue_per_customer": [1.0, 3.0, 2.0],
    ...                   "significant": [False, True, False]})
    >>> print(compute_type_comparison(t).to_string(index=False))
    type  campaigns  with_estimate  mean_revenue_per_customer  median_revenue_per_customer  share_significant
       A          2              2                        2.0                          2.0                0.5
       B          1              1                        2.0                          2.0                0.0
    """
    rows = []
    types = table["type"].fillna("unknown").astype(str) if len(table) else pd.Series(dtype=str)
    for kind in sorted(types.unique()):
        part = table[types == kind]
        est = part["revenue_per_customer"].astype(float)
        sig = part["significant"].astype("boolean")
        rows.append({"type": kind, "campaigns": len(part), "with_estimate": int(est.notna().sum()),
                     "mean_revenue_per_customer": est.mean(), "median_revenue_per_customer": est.median(),
                     "share_significant": float(sig.dropna().astype(bool).mean()) if sig.notna().any() else _NAN})
    return pd.DataFrame(rows, columns=list(TYPE_COLUMNS))


# --------------------------------------------------------------------------------------------- highlights
def _pretty(name: Any) -> str:
    return _text(name, NOT_AVAILABLE).replace("_", " ")


def _fmt(value: float, metric: str = "") -> str:
    """A signed number for a sentence: rates in percentage points, money with 2 decimals (none from 100 up)."""
    if math.isnan(value):
        return NOT_AVAILABLE
    if "rate" in metric or "share" in metric:
        return f"{value * 100:+.1f} pp"
    if abs(value) >= 100:
        return f"{value:+,.0f}"
    return f"{value:+.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:+.3g}"


def _verdict_qvalues(summaries: list[Mapping[str, Any]]) -> dict[str, float]:
    """Benjamini-Hochberg q-values over the campaigns' verdicts (summary version 2), by campaign id."""
    from statsmodels.stats.multitest import multipletests

    ids, ps = [], []
    for summary in summaries:
        v = _get(summary, "response", "verdict")
        p = _num(_get(v, "p_value")) if isinstance(v, Mapping) else _NAN
        if not math.isnan(p):
            ids.append(_text(_get(summary, "campaign", "id"), "(unknown)"))
            ps.append(p)
    if not ps:
        return {}
    return dict(zip(ids, multipletests(ps, method="fdr_bh")[1].tolist()))


def _verdict_highlight(v: Mapping[str, Any], cid: str, title: str, q: float) -> dict[str, Any]:
    metric = _text(v.get("metric"), "unknown")
    est, lo, hi = _num(v.get("estimate")), _num(v.get("ci_low")), _num(v.get("ci_high"))
    return {
        "kind": "effect", "campaign_id": cid, "arm": v.get("arm"), "versus": None, "metric": metric,
        "method": v.get("method"), "estimate": est, "ci_low": lo, "ci_high": hi, "q_value": q,
        "sentence": (f"{title} ({cid}): verdict on {_pretty(metric)}, {_fmt(est, metric)} (95% CI {_fmt(lo, metric)} "
                     f"to {_fmt(hi, metric)}; q = {q:.3g} across campaigns; trust "
                     f"{_text(v.get('trust'), '?').replace('_', ' ')})."),
    }


def compute_highlights(
    summaries: Iterable[Mapping[str, Any] | None], *, top: int = 5, include_naive: bool = False
) -> pd.DataFrame:
    """The largest significant effects and segment lifts across campaigns, each as a plain sentence.

    Effects: a campaign with a verdict (summary version 2) is represented by its verdict alone, highlighted when its
    Benjamini-Hochberg q-value over all campaigns' verdicts is below 0.05 (the sentence names its trust). Older
    summaries: every ``response.effects`` entry whose 95% interval excludes 0, the ``top`` largest by ``|estimate|``
    *within each metric* (a revenue and a rate are not comparable). Effects whose ``role`` is ``"naive"`` (the
    unadjusted comparison of a non-randomized design, mostly selection) are left out unless ``include_naive``:
    they would otherwise top the list for exactly the wrong reason. Segments: ``response.segments`` rows with
    ``q_value < 0.05`` (Benjamini-Hochberg), the ``top`` largest by ``|lift|``, each naming the trust of its
    campaign's verdict (a segment of an indicative campaign is a difference, not an effect). Sentences are built only from the
    numbers in the summaries; rates are shown in percentage points (pp).

    Parameters
    ----------
    summaries : iterable of dict
        Parsed ``summary.json`` files.
    top : int
        How many per metric (effects) and overall (segments).
    include_naive : bool
        Also consider effects marked ``role: "naive"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` ("effect" or "segment"), ``campaign_id``, ``arm``, ``versus``, ``metric``, ``method``,
        ``dimension``, ``segment``, ``estimate``, ``ci_low``, ``ci_high``, ``q_value``, ``sentence``.

    Examples
    --------
    >>> s = {"campaign": {"id": "c1", "title": "Spring"},
    ...      "response": {"effects": [{"arm": "t", "versus": "c", "metric": "response_rate", "method": "z-test",
    ...                                "estimate": 0.031, "ci_low": 0.01, "ci_high": 0.052}]}}
    >>> print(compute_highlights([s])["sentence"].iloc[0])
    Spring (c1): response rate, t vs c, +3.1 pp (95% CI +1.0 pp to +5.2 pp; z-test).
    """
    summaries = [s for s in summaries if isinstance(s, Mapping)]
    verdict_q = _verdict_qvalues(summaries)
    effects, segments = [], []
    for summary in summaries:
        cid = _text(_get(summary, "campaign", "id"), "(unknown)")
        title = _text(_get(summary, "campaign", "title"), cid)
        response = _get(summary, "response")
        if cid in verdict_q:
            if verdict_q[cid] < 0.05:
                effects.append(_verdict_highlight(_get(response, "verdict"), cid, title, verdict_q[cid]))
            response = {**response, "effects": []}  # the verdict speaks for the campaign's effects
        for e in _list(_get(response, "effects")):
            est, lo, hi = _num(e.get("estimate")), _num(e.get("ci_low")), _num(e.get("ci_high"))
            if math.isnan(est) or _excludes_zero(lo, hi) is not True:
                continue
            if e.get("role") == "naive" and not include_naive:
                continue
            if e.get("role") in ("sensitivity", "supporting", "descriptive"):
                continue  # highlights lead with each campaign's headline estimates, not its robustness checks
            metric = _text(e.get("metric"), "unknown")
            effects.append({
                "kind": "effect", "campaign_id": cid, "arm": e.get("arm"), "versus": e.get("versus"),
                "metric": metric, "method": e.get("method"), "estimate": est, "ci_low": lo, "ci_high": hi,
                "sentence": (f"{title} ({cid}): {_pretty(metric)}, {_text(e.get('arm'), '?')} vs "
                             f"{_text(e.get('versus'), '?')}, {_fmt(est, metric)} (95% CI {_fmt(lo, metric)} to "
                             f"{_fmt(hi, metric)}; {_text(e.get('method'), 'method not available')})."),
            })
        trust = _text(_get(response, "verdict", "trust")).replace("_", " ")
        trust_text = (f"campaign trust {trust}" + (": a difference between groups, not an effect"
                                                   if trust == "indicative" else "")
                      if trust else "campaign trust not assessed")
        for s in _list(_get(response, "segments")):
            lift, q = _num(s.get("lift")), _num(s.get("q_value"))
            if math.isnan(lift) or math.isnan(q) or q >= 0.05:
                continue
            lo, hi = _num(s.get("ci_low")), _num(s.get("ci_high"))
            customers = _num(s.get("customers"))
            # Segment rows name their metric (conversion_rate, revenue_per_customer, ...); older summaries without
            # one measured the response rate.
            seg_metric = _text(s.get("metric"), "response_rate")
            segments.append({
                "kind": "segment", "campaign_id": cid, "arm": s.get("arm"), "metric": seg_metric,
                "dimension": s.get("dimension"), "segment": s.get("segment"), "estimate": lift, "ci_low": lo,
                "ci_high": hi, "q_value": q,
                "sentence": (f"{title} ({cid}): segment {_text(s.get('segment'), '?')} ({_pretty(s.get('dimension'))}),"
                             f" arm {_text(s.get('arm'), '?')}: {_pretty(seg_metric)} lift {_fmt(lift, seg_metric)} (95% CI "
                             f"{_fmt(lo, seg_metric)} to {_fmt(hi, seg_metric)}; q = {q:.3g}; "
                             f"{'?' if math.isnan(customers) else f'{customers:,.0f}'} customers; {trust_text})."),
            })
    eff = pd.DataFrame(effects, columns=list(HIGHLIGHT_COLUMNS))
    if len(eff):
        eff = (eff.assign(_size=eff["estimate"].abs()).sort_values(["metric", "_size"], ascending=[True, False],
                                                                   kind="stable")
               .groupby("metric", sort=False).head(top).drop(columns="_size"))
    seg = pd.DataFrame(segments, columns=list(HIGHLIGHT_COLUMNS))
    if len(seg):
        seg = (seg.assign(_size=seg["estimate"].abs()).sort_values("_size", ascending=False, kind="stable")
               .head(top).drop(columns="_size"))
    parts = [p for p in (eff, seg) if len(p)]
    if not parts:
        return pd.DataFrame(columns=list(HIGHLIGHT_COLUMNS))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------------------------- run diff
def _flatten(summary: Mapping[str, Any]) -> dict[tuple[str, str, str], Any]:
    """Every comparable value of a summary, keyed by (section, item, metric)."""
    out: dict[tuple[str, str, str], Any] = {}
    for key, value in (_get(summary, "campaign") or {}).items():
        out[("campaign", "campaign", key)] = value
    windows = _get(summary, "windows") or {}
    for name in ("pre", "campaign", "post"):
        for key, value in (_get(windows, name) or {}).items():
            if key != "name":
                out[("windows", name, key)] = value
    if "clipped" in windows:
        out[("windows", "all", "clipped")] = windows.get("clipped")
    if isinstance(windows.get("notes"), list):
        out[("windows", "all", "notes")] = " ".join(map(str, windows["notes"]))
    for key, value in (_get(summary, "data") or {}).items():
        out[("data", "data", key)] = value
    for row in _list(_get(summary, "quality")):
        for key, value in row.items():
            if key != "table":
                out[("quality", _text(row.get("table"), "?"), key)] = value
    response = _get(summary, "response")
    if isinstance(response, Mapping):
        out[("response", "response", "design")] = response.get("design")
    for arm in _list(_get(response, "arms")):
        for key, value in arm.items():
            if key != "arm":
                out[("arms", _text(arm.get("arm"), "?"), key)] = value
    for e in _list(_get(response, "effects")):
        item = f"{e.get('arm')} vs {e.get('versus')}: {e.get('metric')} ({e.get('method')})"
        for key in ("estimate", "ci_low", "ci_high", "p_value", "relative"):
            if key in e:
                out[("effects", item, key)] = e[key]
    for h in _list(_get(response, "headline")):
        item = f"{h.get('arm')}: {h.get('metric')}"
        out[("headline", item, "method")] = h.get("method")
    roi = _get(response, "roi")
    if isinstance(roi, Mapping):
        for name, value in roi.items():
            if isinstance(value, Mapping):
                for key, v in value.items():
                    out[("roi", name, key)] = v
            else:
                out[("roi", name, "value")] = value
    segments = _get(summary, "segments")
    if isinstance(segments, Mapping):
        for dimension, rows in segments.items():
            for row in _list(rows):
                for key in ("customers", "share", "revenue_share"):
                    if key in row:
                        out[("segments", f"{dimension}: {row.get('segment')}", key)] = row[key]
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b)
    return a == b


def _change(a: Any, b: Any, in_a: bool, in_b: bool) -> Any:
    if not in_a:
        return "added"
    if not in_b:
        return "removed"
    if _same(a, b):
        return ""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
        return b - a
    return "changed"


def compute_summary_diff(a: Mapping[str, Any], b: Mapping[str, Any], *, show_all: bool = False) -> pd.DataFrame:
    """Value-by-value comparison of two parsed summaries (the pure half of :func:`diff_runs`).

    Parameters
    ----------
    a, b : dict
        Parsed ``summary.json`` files.
    show_all : bool
        Keep identical values too.

    Returns
    -------
    pandas.DataFrame
        ``section``, ``item``, ``metric``, ``a``, ``b``, ``change`` (``b - a`` for numbers, else "added",
        "removed", "changed", or "" when identical), in the order of ``a`` then new entries of ``b``.

    Examples
    --------
    >>> a = {"campaign": {"id": "c1", "title": "Old"}, "response": {"arms": [{"arm": "t", "customers": 10}]}}
    >>> b = {"campaign": {"id": "c1", "title": "New"}, "response": {"arms": [{"arm": "t", "customers": 12}]}}
    >>> print(compute_summary_diff(a, b).to_string(index=False))
     section     item    metric   a   b  change
    campaign campaign     title Old New changed
        arms        t customers  10  12       2
    """
    fa, fb = _flatten(a or {}), _flatten(b or {})
    keys = list(fa) + [k for k in fb if k not in fa]
    rows = []
    for key in keys:
        change = _change(fa.get(key), fb.get(key), key in fa, key in fb)
        if change == "" and not show_all:
            continue
        rows.append((*key, fa.get(key), fb.get(key), change))
    return pd.DataFrame(rows, columns=list(DIFF_COLUMNS))


# ---------------------------------------------------------------------------------------- IO: the only file reading


