"""Notebook 02_segment's steps: segment customers as they stood at the campaign start, and again after it.

Rules and thresholds come from the ``segmentation:`` section of the params; the rules themselves are in
:mod:`campaignlab.stats.segmentation` and :mod:`campaignlab.stats.clv`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from campaignlab import iorw
from campaignlab.data import features
from campaignlab.data.outcomes import NOT_ASSIGNED
from campaignlab.formatting import NotAvailable, escape_text
from campaignlab.params import ClvConfig
from campaignlab.stats import segmentation as seg
from campaignlab.steps.display import describe_result, result_html, say_written, show_markdown, show_not_available

if TYPE_CHECKING:
    from campaignlab.run.session import Run

SEGMENTS_FILE = iorw.RunFiles.SEGMENTS
PROFILES_FILE = iorw.RunFiles.SEGMENT_PROFILES
DIMENSIONS = ("rfm_segment", "value_tier", "lifecycle", "response_history")


@dataclass(repr=False)
class SegmentResult:
    """Customers' segments at the snapshot date and at the end of the post-period.

    ``result`` alone prints a short summary without customer ids.

    Attributes
    ----------
    as_of : datetime.date
        The snapshot date: the campaign start (orders strictly before it count).
    after_as_of : datetime.date or None
        The second snapshot, at the end of the post-period (clipped to the data); None when there is none.
    segments : pandas.DataFrame
        One row per customer: every dimension, the tags and lifetime value (holds customer ids; written to
        ``segments.parquet``).
    dimensions : list of str
        The segment dimensions: RFM segment, value tier, lifecycle, response history, then ``tag_*`` columns.
    tag_counts : pandas.DataFrame
        Customers per tag value (count and share).
    profiles : dict of str to pandas.DataFrame
        Per dimension, one row per segment: customers, revenue and its share, recency, frequency, spend.
    clv_params : dict
        Lifetime value: ``estimated``, the fitted parameters, or the ``reason`` it was not fitted.
    migration : dict of str to dict of str to pandas.DataFrame
        Per dimension, segment-to-segment transitions between the two snapshots (targeted and others), or a note.
    notes : list of str
        Sentences on the data (attributes read as numbers, a campaign that starts before the data).
    campaign : str
        The campaign's id (the run folder's name).
    """

    as_of: dt.date
    after_as_of: dt.date | None
    segments: pd.DataFrame
    dimensions: list[str]
    tag_counts: pd.DataFrame
    profiles: dict[str, pd.DataFrame]
    clv_params: dict[str, Any] = field(default_factory=dict)
    migration: dict[str, dict[str, pd.DataFrame]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    campaign: str = ""

    def _repr_html_(self) -> str:
        clv = self.clv_params
        header = {"campaign": self.campaign, "snapshot": f"{self.as_of} (after: {self.after_as_of or 'none'})",
                  "customers": f"{len(self.segments):,}",
                  "lifetime value": "estimated" if clv.get("estimated") else
                  f"not estimated ({clv.get('reason') or 'not fitted'})"}
        return result_html(self, header, ["profiles", "dimensions", "tag_counts", "clv_params", "migration", "notes",
                                          "as_of", "after_as_of", "segments"],
                           {f"profiles['{d}']": p for d, p in list(self.profiles.items())[:1]})

    def __repr__(self) -> str:
        clv = self.clv_params
        levels = ", ".join(f"{d} {self.segments[d].nunique()}" for d in self.dimensions if d in self.segments)
        lines = [f"campaign: {self.campaign or 'unknown'}",
                 f"snapshot: {self.as_of}; after: {self.after_as_of or 'none'}; customers: {len(self.segments):,}",
                 f"segments per dimension: {levels or 'none'}",
                 "lifetime value: " + ("estimated" if clv.get("estimated") else
                                       f"not estimated ({clv.get('reason') or 'not fitted'})"),
                 f"notes: {len(self.notes)}"]
        tables = {"segments": self.segments, "tag_counts": self.tag_counts, "profiles": self.profiles}
        return describe_result("SegmentResult", lines, tables)


def _snapshots_at(run: Run, as_of: dt.date, keys: CustomerKeys) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The full-history and look-back snapshots at ``as_of`` on the integer keys of ``keys``, from the feature table
    when it holds that date."""
    lo, hi = run.data_range
    # The start's windows win a tie: only they carry the lifetime-value columns.
    names = {min(run.windows["post"].end, hi): "after", run.windows["campaign"].start: "start"}
    if as_of in names:
        when = names[as_of]
        # Encoded before the snapshots are cut from it: the feature table holds every customer sorted by id, as the
        # keys do, so the encoding finds them in place (milliseconds; each snapshot, a subset, took a second).
        table = keys.encode(run.features(prefixes=(f"hist_{when}_", f"rfm_{when}_")))
        return (features.snapshot_from_features(table, f"hist_{when}", as_of=as_of),
                features.snapshot_from_features(table, f"rfm_{when}", as_of=as_of))
    tx = run.tables["transactions"]
    return (keys.encode(seg.compute_customer_snapshot(tx, as_of=as_of, lookback_days=max((as_of - lo).days, 1))),
            keys.encode(seg.compute_customer_snapshot(tx, as_of=as_of,
                                                      lookback_days=run.params.segmentation.lookback_days)))


@dataclass(frozen=True)
class CustomerKeys:
    """Customer ids as integer keys while the segments are computed: a customer's key is its position among the
    sorted ids, so keys sort as the ids do and every table comes back in the same order. With a million customers,
    pandas' joins and unions on text ids turn each id into a Python object once per call (seconds each); on the keys
    they take milliseconds. Ids are encoded once on the way in and decoded once on the way out."""

    ids: pd.Index

    @classmethod
    def of(cls, ids: pd.Series) -> CustomerKeys:
        return cls(pd.Index(ids.unique(), name="customer_id").sort_values())

    def encode(self, frame: pd.DataFrame) -> pd.DataFrame:
        codes = self.ids.get_indexer(frame["customer_id"])
        if (codes < 0).any():
            unknown = frame["customer_id"][codes < 0].iloc[:3].tolist()
            raise ValueError(f"customer ids {unknown} are not in the customers table")
        return frame.assign(customer_id=codes.astype("int64"))

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        ids = self.ids.take(frame["customer_id"].to_numpy())
        return frame.assign(customer_id=pd.Series(ids.array, index=frame.index))


def compute_segments_at(run: Run, as_of: dt.date, customers: pd.DataFrame) -> pd.DataFrame:
    """Every rule-based dimension for all customers as of ``as_of`` (orders strictly before it)."""
    keys = CustomerKeys.of(customers["customer_id"])
    return keys.decode(_segments_at(run, as_of, keys.encode(customers), keys, _snapshots_at(run, as_of, keys)))


def _segments_at(run: Run, as_of: dt.date, customers: pd.DataFrame, keys: CustomerKeys,
                 snapshots: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """:func:`compute_segments_at` on integer keys (``customers`` encoded with ``keys``), from the full-history and
    look-back ``snapshots`` at ``as_of`` (:func:`_snapshots_at`, encoded)."""
    cfg = run.params.segmentation
    full, recent = snapshots
    ids = customers["customer_id"]
    scores = seg.compute_rfm_segments(seg.compute_rfm_scores(recent, ids), cfg.rfm_rules)
    tiers = seg.compute_value_tiers(recent.set_index("customer_id")["monetary"].reindex(ids).fillna(0.0)
                                    .rename_axis("customer_id"), method=cfg.value_tiers.method,
                                    tiers=cfg.value_tiers.tiers)
    life = seg.compute_lifecycle(full, customers, as_of=as_of, new_days=cfg.lifecycle.new_days,
                                 sleeping_days=cfg.lifecycle.sleeping_days, churned_days=cfg.lifecycle.churned_days)
    history_resp = keys.encode(seg.compute_response_history(run.tables["events"], keys.ids, as_of=as_of,
                                                            response_events=(run.params.response_event,)))
    out = (scores.rename(columns={"segment": "rfm_segment"})
           .merge(tiers[["customer_id", "value_tier"]], on="customer_id", how="left")
           .merge(life[["customer_id", "lifecycle"]], on="customer_id", how="left")
           .merge(history_resp[["customer_id", "response_history"]], on="customer_id", how="left"))
    out = out[out["customer_id"].isin(ids)]
    out.insert(1, "snapshot_date", pd.Timestamp(as_of))
    return out.reset_index(drop=True)


LIFETIME_COLUMNS = ("expected_orders", "probability_alive", "expected_order_value", "expected_value")
_CLV_METHOD = {
    "flat": ("BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma, maximum likelihood (pymc-marketing's models with "
             "flat priors, fitted with scipy's L-BFGS-B), on the history before the snapshot"),
    "default": ("BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma, MAP fit with pymc-marketing's default priors, "
                "on the history before the snapshot"),
}


def _fitted_model(summary: pd.DataFrame, cfg: ClvConfig):
    """The lifetime-value model of this summary: from the fit cache when the same data and settings were fitted
    before, else fitted and cached (pymc-marketing is imported only for priors other than flat)."""
    import math

    from campaignlab import cache
    from campaignlab.stats.clv import LifetimeValueModel, compute_fit_key

    model = LifetimeValueModel(horizon_days=cfg.horizon_days, priors=cfg.priors, discount_rate=cfg.discount_rate)
    key = compute_fit_key(summary, priors=cfg.priors, method=model.method)
    stored = cache.read_clv_fit(key)
    if stored is not None:
        return model.set_fitted(stored["bgnbd"], stored["gamma_gamma"])
    model.fit(summary)
    values = [*model.bgnbd_params_.values(), *model.gg_params_.values()]
    if all(math.isfinite(v) for v in values):  # JSON would turn a non-finite value into null
        cache.write_clv_fit(key, model.bgnbd_params_, model.gg_params_)
    return model


def fit_lifetime_value(summary: pd.DataFrame, cfg: ClvConfig, *, history_days: int) -> dict[str, Any]:
    """Fit lifetime value when the history can support it; say why not otherwise.

    The fit is cached by data fingerprint and settings (:mod:`campaignlab.cache`); a cached fit gives the same
    section, byte for byte. Returns the ``segments.clv`` section of summary.json: ``estimated`` (bool), ``degenerate`` (bool: a fit or a
    history that cannot show dropout), ``reason`` (one sentence, or None), the fitted parameters when there are any,
    and, when estimated, ``predictions`` (one row per customer; the caller takes it out before writing).
    """
    from campaignlab.stats.clv import find_degenerate_fit

    section: dict[str, Any] = {"estimated": False, "degenerate": False, "reason": None,
                               "horizon_days": cfg.horizon_days, "priors": cfg.priors, "method": _CLV_METHOD[cfg.priors]}
    repeaters = int((summary["frequency"] > 0).sum())
    short = find_degenerate_fit({}, history_days=history_days, min_history_days=cfg.min_history_days)
    if short is not None:
        return section | {"degenerate": True, "reason": short}
    if repeaters < 20:
        return section | {"reason": f"only {repeaters} customers have a repeat purchase before the snapshot "
                                    "(lifetime value needs at least 20)"}
    model = _fitted_model(summary, cfg)
    section["bgnbd"] = model.bgnbd_params_
    if model.degenerate_ is not None:
        return section | {"degenerate": True, "reason": model.degenerate_}
    return section | {"estimated": True, "gamma_gamma": model.gg_params_, "predictions": model.predict(summary)}


def analyse(run: Run) -> SegmentResult:
    """Segment at the campaign start (the pre-period snapshot), fit lifetime value, and re-segment after."""
    from campaignlab.stats.clv import compute_clv_summary

    cfg = run.params.segmentation
    customers = run.tables["customers"].to_pandas()
    w = run.windows
    lo, hi = run.data_range
    as_of = w["campaign"].start
    notes = list(run.attribute_notes)  # read with the customers table above
    if as_of <= lo:
        notes.append(f"The campaign starts on {as_of}, {'on' if as_of == lo else 'before'} the data's first day {lo}: there is no history to "
                     "segment on, so every customer is `no_purchase` / never purchased at the snapshot.")
    keys = CustomerKeys.of(customers["customer_id"])
    coded = keys.encode(customers)
    start = _snapshots_at(run, as_of, keys)
    before = _segments_at(run, as_of, coded, keys, start)
    tags = seg.compute_tag_dimensions(coded)
    tag_wide = tags.wide.rename(columns={c: f"tag_{c}" for c in tags.wide.columns if c != "customer_id"})
    segments = before.merge(tag_wide, on="customer_id", how="left")
    if as_of > lo:  # the first snapshot's full history (the feature table's hist_start)
        full = start[0]
    else:
        full = keys.encode(seg.compute_customer_snapshot(run.tables["transactions"],
                                                         as_of=lo + dt.timedelta(days=1), lookback_days=1))
    clv_params = fit_lifetime_value(compute_clv_summary(full), cfg.clv, history_days=(as_of - lo).days)
    if clv_params["estimated"]:
        segments = segments.merge(clv_params.pop("predictions"), on="customer_id", how="left")
    else:
        # Empty rather than numbers from a meaningless fit: the columns exist so every reader finds them.
        segments = segments.assign(**{c: float("nan") for c in LIFETIME_COLUMNS})
    dims = [d for d in DIMENSIONS if d in segments] + [c for c in segments.columns if c.startswith("tag_")]
    profiles = {d: seg.compute_segment_profile(segments.assign(expected_value=segments.get("expected_value")), d)
                for d in dims}
    result = SegmentResult(as_of, None, keys.decode(segments), dims, tags.counts, profiles, clv_params, notes=notes,
                           campaign=run.params.id)
    after = min(w["post"].end, hi)
    if after > as_of:
        result.after_as_of = after
        later = _segments_at(run, after, coded, keys, _snapshots_at(run, after, keys))
        asg = run.tables["assignments"]
        assigned = asg.filter(asg.campaign_id == run.params.campaign).customer_id.to_pyarrow()
        targeted = pd.Series(features.is_in(result.segments["customer_id"], assigned), index=segments.index)
        scfg = run.params.segmentation
        # Rows and columns in the dimension's own order (lifecycle stages, tiers high to low, the RFM rules' order),
        # never alphabetical.
        orders = {"rfm_segment": [r.name for r in scfg.rfm_rules], "lifecycle": list(seg.LIFECYCLE_STATES),
                  "value_tier": [t.name for t in scfg.value_tiers.tiers]}
        first = segments.set_index("customer_id")
        later = later.set_index("customer_id").reindex(first.index)
        for dim in ("rfm_segment", "lifecycle", "value_tier"):
            b, a = first[dim], later[dim]
            result.migration[dim] = {
                group: _migration_or_reason(b[mask], a[mask], group, orders[dim])
                for group, mask in (("targeted", targeted.to_numpy()), (NOT_ASSIGNED, ~targeted.to_numpy()))
            }
        if not w["post"].complete:
            notes.append(f"The second snapshot is taken on {after}, where the data ends, not at the end of the "
                         f"post-period ({w['post'].end}).")
    return result


def _migration_or_reason(before: pd.Series, after: pd.Series, group: str,
                         order: list[str]) -> pd.DataFrame | NotAvailable:
    # A randomized e-mail test usually assigns every customer to some arm: the not-assigned group is then empty.
    if before.empty:
        return NotAvailable(f"Migration of {group.replace('_', ' ')} customers",
                            "no customer is in this group (every customer was assigned to an arm of the campaign)"
                            if group == NOT_ASSIGNED else "no customer is in this group")
    seen = set(pd.unique(pd.concat([before, after]).dropna()))
    # Only the categories someone is in, in the dimension's order (labels outside it, e.g. "unknown", go last).
    order = [c for c in order if c in seen] + sorted(seen - set(order) - {"absent"})
    return seg.compute_migration(before, after, order=order)


def _migration_section(by: dict[str, pd.DataFrame | NotAvailable]) -> dict[str, Any]:
    return {grp: m.as_note() if isinstance(m, NotAvailable) else
            {"before": m.index.astype(str).tolist(), "after": m.columns.astype(str).tolist(),
             "counts": m.to_numpy().tolist()} for grp, m in by.items()}


def _clv_unavailable(p: dict[str, Any]) -> NotAvailable | None:
    if p.get("estimated"):
        return None
    return NotAvailable("Lifetime value", p.get("reason") or "it was not fitted",
                        "more history before the campaign, with customers who went quiet" if p.get("degenerate") else "")


_NO_SECOND_SNAPSHOT = NotAvailable("Migration between segments",
                                   "there is no second snapshot: the data ends at the campaign start",
                                   "use data that continue after the campaign's start")


def unavailable(result) -> list[NotAvailable]:
    """The segment sections the data cannot fill (lifetime value, migration and its groups), page and summary alike."""
    out = [na for na in [_clv_unavailable(result.clv_params)] if na is not None]
    if not result.migration:
        return out + [_NO_SECOND_SNAPSHOT]
    seen = set()
    for by in result.migration.values():
        for m in by.values():
            if isinstance(m, NotAvailable) and m not in seen:
                seen.add(m)
                out.append(m)
    return out


def write(run: Run, result: SegmentResult) -> dict[str, Any]:
    """Write segments.parquet, the profile table and the ``segments`` section of summary.json."""
    segs = result.segments.copy()
    iorw.write_table(segs, run.path(SEGMENTS_FILE))
    profiles = pd.concat([p.rename(columns={d: "segment"}).assign(dimension=d) for d, p in result.profiles.items()],
                         ignore_index=True)
    iorw.write_table(profiles, run.path(PROFILES_FILE))
    section = {
        "snapshot_date": result.as_of.isoformat(),
        "after_snapshot_date": result.after_as_of.isoformat() if result.after_as_of else None,
        "dimensions": {d: [{"segment": str(r["segment"]), "customers": int(r["customers"]), "share": r["share"],
                            "revenue_share": r["revenue_share"]}
                           for r in profiles[profiles["dimension"] == d].to_dict("records")]
                       for d in result.dimensions},
        "clv": result.clv_params,
        "migration": {dim: _migration_section(by) for dim, by in result.migration.items()},
        "notes": result.notes + [na.as_note() for na in unavailable(result)],
    }
    run.write_section("segments", section)
    say_written(run.report_dir, [SEGMENTS_FILE, PROFILES_FILE], "segments")
    return section


def export_targets(run_dir: Path, *, dimension: str, segments: list[str], holdout_share: float, seed: int,
                   out_dir: Path | None = None) -> list[Path]:
    """One CSV per chosen segment (customer_id, group = send / holdout) for loading into a CRM.

    The split is random with a fixed seed, so the same run and parameters always give the same lists, and the next
    campaign carries a clean holdout. These files carry raw customer ids on purpose: they are for the CRM, not people.
    """
    table = iorw.read_table(Path(run_dir) / SEGMENTS_FILE)
    if dimension not in table:
        dims = [c for c in table.columns if c in DIMENSIONS or c.startswith("tag_")]
        raise ValueError(f"Unknown dimension '{dimension}' in {run_dir}/{SEGMENTS_FILE}; choose one of: {', '.join(dims)}")
    known = set(table[dimension].astype(str))
    missing = [s for s in segments if s not in known]
    if missing:
        raise ValueError(f"Segment(s) {', '.join(missing)} not found in dimension '{dimension}' "
                         f"(found: {', '.join(sorted(known))}).")
    out_dir = Path(out_dir) if out_dir else Path(run_dir) / "targets"
    written = []
    for s in segments:
        ids = table.loc[table[dimension].astype(str) == s, "customer_id"]
        split = seg.compute_holdout_split(ids, holdout_share=holdout_share, seed=seed)
        written.append(iorw.write_table(split, out_dir / f"{dimension}={s}.csv"))
    return written


ID_KEY_VARIABLE = "CAMPAIGNLAB_ID_KEY"


def pseudonymize_for_people(ids: pd.Series) -> pd.Series:
    """Keyed pseudonyms for any id a person-facing table must show; the key comes from ``CAMPAIGNLAB_ID_KEY``.

    Keeping the key out of the repository means a leaked report cannot be joined back to customers without it.
    """
    key = os.environ.get(ID_KEY_VARIABLE)
    if not key:
        raise RuntimeError(f"Set the environment variable {ID_KEY_VARIABLE} to a secret to pseudonymize customer ids.")
    return seg.pseudonymize_ids(ids, key=key.encode("utf-8"))


# ------------------------------------------------------------------------------------------ views
def show_segment_notes(result) -> None:
    """Say the snapshot date, the number of customers, the dimensions and the notes on the data."""
    text = (f"Snapshot on **{result.as_of}** (orders before the campaign start); {len(result.segments):,} customers. "
            f"Dimensions: {', '.join(map(escape_text, result.dimensions))}.")
    if result.notes:
        text += " " + " ".join(result.notes)
    show_markdown(text)


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
    """Plot segment sizes for ``dimension`` and return its profile (customers, revenue, recency, frequency, spend)."""
    from campaignlab.plots import segments as plotting

    profile = result.profiles[dimension]
    plotting.plot_segment_sizes(profile)
    return _profile_view(profile)


def show_lifecycle(result) -> pd.DataFrame:
    """Plot lifecycle stages and response history; return the lifecycle profile."""
    import matplotlib.pyplot as plt

    from campaignlab.plots import segments as plotting

    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    plotting.plot_lifecycle(result.segments, ax=axes[0])
    plotting.plot_segment_sizes(result.profiles["response_history"], ax=axes[1])
    fig.tight_layout()
    return _profile_view(result.profiles["lifecycle"])


def show_tags(result) -> pd.DataFrame:
    """Customers per tag value, with their share in %."""
    counts = result.tag_counts.copy()
    counts["share"] = (100 * counts["share"]).round(1)
    return counts.rename(columns={"share": "share %"})


def _sig(value: float, digits: int = 3) -> str:
    """A fitted parameter with the precision its estimate has (optimiser digits beyond it are noise)."""
    return f"{value:#.{digits}g}".rstrip(".") if abs(value) < 10 ** digits else f"{value:,.0f}"


def show_clv(result) -> pd.DataFrame | None:
    """Lifetime value: the fitted models and the predicted distribution, or one sentence saying why there is none."""
    from campaignlab.plots import segments as plotting

    p = result.clv_params
    if not p.get("estimated"):
        show_not_available(_clv_unavailable(p))
        return None
    bg, gg = p["bgnbd"], p["gamma_gamma"]
    show_markdown(
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
    """Plot how customers moved between segments of ``dimension`` from the first snapshot to the second."""
    import matplotlib.pyplot as plt

    from campaignlab.plots import segments as plotting

    by = result.migration.get(dimension)
    if not by:
        show_not_available(_NO_SECOND_SNAPSHOT)
        return
    drawn = {g: m for g, m in by.items() if not isinstance(m, NotAvailable)}
    for m in by.values():
        if isinstance(m, NotAvailable):
            show_not_available(m)
    if not drawn:
        return
    fig, axes = plt.subplots(1, len(drawn), figsize=(7.5 * len(drawn), 6), squeeze=False)
    for (group, matrix), ax in zip(drawn.items(), axes[0]):
        plotting.plot_migration(matrix, ax=ax)
        ax.set_title(f"{dimension.replace('_', ' ')}, {group.replace('_', ' ')} customers: where each row went "
                     "(% of row)")
    fig.tight_layout()


def show_rfm(result) -> None:
    """Plot the RFM grid: customers per recency and frequency score."""
    from campaignlab.plots import segments as plotting

    plotting.plot_rfm_heatmap(result.segments)
