"""Notebook 06_portfolio's steps and the outputs index: every campaign's results side by side.

Reads each published run's ``summary.json`` (never re-runs an analysis); the statistics are in
:mod:`campaignlab.stats.portfolio`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from campaignlab import iorw
from campaignlab.formatting import NotAvailable, escape_text, format_ci, money_change_format
from campaignlab.params import find_project_root
from campaignlab.plots import portfolio as pfplots
from campaignlab.stats import portfolio
from campaignlab.stats.portfolio import compute_summary_diff
from campaignlab.stats.response import records
from campaignlab.steps.display import describe_result, show_markdown, show_not_available

PORTFOLIO_DIR = iorw.RunFiles.PORTFOLIO_DIR
PORTFOLIO_HTML = iorw.RunFiles.PORTFOLIO_HTML
REVIEW_HTML = iorw.RunFiles.REVIEW_HTML


@dataclass(repr=False)
class PortfolioResult:
    """Every published campaign side by side (06_portfolio); ``result`` alone prints a short summary.

    Attributes
    ----------
    runs : list of dict
        The published runs read from the outputs folder: their folder, status and ``summary`` (summary.json).
    table : pandas.DataFrame
        One row per campaign: type, design, headline effect with its interval, money and trust, ranked by
        incremental revenue.
    types : pandas.DataFrame
        Campaign types compared (campaigns, mean effect, total incremental revenue).
    highlights : pandas.DataFrame
        The segments that stand out across campaigns.
    pooled : pandas.DataFrame
        Random-effects pools of comparable campaigns (estimate, interval, I², tau²).
    """

    runs: list[dict]
    table: pd.DataFrame
    types: pd.DataFrame
    highlights: pd.DataFrame
    pooled: pd.DataFrame = field(default_factory=pd.DataFrame)

    @functools.cached_property
    def unpooled(self) -> pd.DataFrame:
        """The campaigns left out of every pool, with the reason (:func:`campaignlab.stats.pooling.compute_unpooled`):
        computed once for the page and ``portfolio.json``."""
        from campaignlab.stats import pooling

        return pooling.compute_unpooled(self.table) if not self.table.empty else pd.DataFrame()

    def __repr__(self) -> str:
        ids = list(self.table["campaign_id"].astype(str)) if "campaign_id" in self.table else []
        shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        lines = [f"campaigns: {len(ids)}" + (f" ({shown})" if ids else ""),
                 f"ranked first by incremental revenue: {ids[0] if ids else 'none'}",
                 f"pooled groups: {len(self.pooled)}"]
        tables = {k: getattr(self, k) for k in ("table", "types", "highlights", "pooled")}
        return describe_result("PortfolioResult", lines, tables)


def resolve_outputs(outputs_dir: str) -> Path:
    """The outputs folder: as given, or the project's ``outputs/`` when empty."""
    if outputs_dir:
        path = Path(outputs_dir)
        return path if path.is_absolute() else (Path.cwd() / path if (Path.cwd() / path).exists()
                                                else find_project_root() / path)
    return find_project_root() / "outputs"


def analyse(outputs_dir: Path) -> PortfolioResult:
    """Read every published run's summary.json under ``outputs_dir`` and compare the campaigns."""
    runs = [r for r in iorw.read_runs(outputs_dir) if r.get("summary")]
    summaries = [r["summary"] for r in runs]
    table = portfolio.compute_campaign_table(summaries)
    return PortfolioResult(runs, table, portfolio.compute_type_comparison(table),
                           portfolio.compute_highlights(summaries), portfolio.compute_pooled_effects(table))


def write(outputs_dir: str | Path, result: PortfolioResult) -> Path:
    """Write ``<outputs>/_portfolio/portfolio.json``: ``pooled``, one entry per group of pooled campaigns, and
    ``not_pooled``, the campaigns left out of every pool with the reason the page gives.

    A text ``outputs_dir`` is resolved like the notebook's parameter (empty: the project's ``outputs/``).

    Each ``pooled`` entry has ``group``, ``method``, ``estimate``, ``ci_low``, ``ci_high``, ``i2``, ``tau2`` and
    ``campaigns`` (the pooled campaign ids); see :func:`campaignlab.stats.pooling.compute_pooled_effects`. Each
    ``not_pooled`` entry has ``campaign_id``, ``trust`` and ``reason``
    (:func:`campaignlab.stats.pooling.compute_unpooled`).
    """
    target = resolve_outputs(outputs_dir) if isinstance(outputs_dir, str) else Path(outputs_dir)
    return iorw.write_portfolio(target, {"pooled": records(result.pooled), "not_pooled": records(result.unpooled)})


# ------------------------------------------------------------------------------------------ views
def portfolio_overview(result) -> None:
    """Say how many campaign reports there are and how many verdicts' intervals exclude zero, by trust level."""
    t = result.table
    if t.empty:
        show_markdown("No published campaign reports yet: run `campaignlab run --all` first.")
        return
    sig = t[t["significant"].fillna(False).astype(bool)]
    order = {level: i for i, level in enumerate(("randomized", "adjusted", "indicative", "not estimable"))}
    counts = sig["trust"].fillna("no trust level").str.replace("_", " ").value_counts()
    counts = counts.sort_index(key=lambda levels: levels.map(lambda v: order.get(v, len(order))), kind="stable")
    by_trust = f" ({', '.join(f'{n} {trust}' for trust, n in counts.items())})" if len(sig) else ""
    caveat = (" An indicative verdict is a difference between the groups, not shown to be the campaign's doing."
              if "indicative" in counts.index else "")
    show_markdown(f"{len(t)} campaign report(s); {len(sig)} whose verdict's 95% interval excludes zero"
                  f"{by_trust}.{caveat}")


def portfolio_ranking(result) -> pd.DataFrame:
    """Plot the campaigns ranked by incremental revenue and ROI with their intervals; return the ranking table."""
    import matplotlib.pyplot as plt


    t = result.table
    if t.empty:
        return t
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, 2, figsize=(14, 0.45 * len(t) + 2))
    pfplots.plot_campaign_ranking(t, ax=axes[0])
    pfplots.plot_roi(t, ax=axes[1])
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.tick_params(axis="x", labelrotation=20)
    fig.tight_layout()
    view = pd.DataFrame({
        "rank": t["rank"], "campaign": t["campaign_id"], "type": t["type"], "design": t["design"],
        "customers": t["customers"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        "verdict (95% CI)": [format_ci(e, lo, hi, fmt="{:+.1%}".format if m == "conversion_rate" else
                                       "{:+,.2f}".format) + (f" {str(m).replace('_', ' ')}" if m else "")
                             for e, lo, hi, m in zip(t["verdict_estimate"], t["verdict_ci_low"],
                                                     t["verdict_ci_high"], t["verdict_metric"])],
        "window": t["window"].fillna(""),
        "trust": t["trust"].fillna("").str.replace("_", " "),
        "q-value": t["q_value"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}"),
        "incremental revenue (95% CI)": [
            format_ci(e, lo, hi, fmt=money_change_format(c if isinstance(c, str) else None))
            for e, lo, hi, c in zip(t["incremental_revenue"], t["incremental_revenue_ci_low"],
                                    t["incremental_revenue_ci_high"], t["currency"])],
        "ROI (95% CI)": [format_ci(e, lo, hi) for e, lo, hi in zip(t["roi"], t["roi_ci_low"], t["roi_ci_high"])],
        "why not higher trust": t["headline_caveat"].fillna(""),
    })
    return view.style.hide(axis="index").format(escape="html")


def portfolio_types(result):
    """The campaign types side by side, as a styled table."""
    t = result.types
    if t.empty:
        return t
    view = t.rename(columns=lambda c: c.replace("_", " "))
    return view.style.hide(axis="index").format(precision=2, na_rep="n/a", escape="html")


def portfolio_pooled(result):
    """The pooled effects, one row per group of comparable trusted campaigns; which campaigns stand alone and why."""
    p = result.pooled
    if result.table.empty:
        return None
    unpooled = result.unpooled
    indicative = unpooled.loc[unpooled["trust"] == "indicative", "campaign_id"].tolist()
    rule = ("Only randomized or adjusted verdicts are pooled. Indicative verdicts describe a difference between "
            "groups that may be who was targeted; averaging them would give a narrower interval around the same bias, "
            "so they are listed, not pooled" + (f": {', '.join(map(escape_text, indicative))}." if indicative else "."))
    others = unpooled.loc[unpooled["trust"] != "indicative"]
    alone = "; ".join(f"{escape_text(c)} ({r})" for c, r in zip(others["campaign_id"], others["reason"]))
    if p.empty:
        show_not_available(NotAvailable(
            "A pooled effect", "no two randomized or adjusted campaigns share type, design and window kind with "
            "window lengths within 25% of each other and an interval each",
            "run comparable campaigns (same design, similar windows) with a holdout or a comparison that passes the "
            "trust checks"))
        show_markdown(rule + (f" Not pooled either: {alone}." if alone else ""))
        return None
    text = f"Method: {p['method'].iloc[0]}. {rule}"
    if alone:
        text += f" Not pooled with any other campaign (read on their own): {alone}."
    show_markdown(text)
    view = pd.DataFrame({
        "group": p["group"],
        "effect per customer (95% CI)": [format_ci(e, lo, hi) for e, lo, hi in zip(p["estimate"], p["ci_low"],
                                                                                     p["ci_high"])],
        "I-squared": p["i2"].map("{:.0%}".format),
        "tau-squared": p["tau2"].map("{:,.2f}".format),
        "campaigns": p["campaigns"].map(", ".join),
    })
    return view.style.hide(axis="index").format(escape="html")


PORTFOLIO_TERMS = ("verdict", "trust", "randomized", "adjusted", "indicative", "not estimable", "campaign window",
                   "post-period", "revenue per customer", "incremental revenue", "ROI",
                   "confidence interval (95% CI)", "p-value", "q-value", "Benjamini-Hochberg (BH)", "pooled effect",
                   "I-squared (I²)", "tau-squared (τ²)", "lift", "RFM", "value tier", "lifecycle stage")


def portfolio_glossary() -> None:
    """Show the glossary entries of the terms the portfolio page uses (the review shows the whole glossary)."""
    from campaignlab.steps import glossary

    show_markdown(glossary.as_markdown(PORTFOLIO_TERMS))


def portfolio_highlights(result) -> None:
    """List the effects and segment lifts across campaigns whose interval excludes zero."""
    h = result.highlights
    if h.empty:
        show_markdown("No highlights: no effect or segment lift has an interval that excludes zero.")
        return
    show_markdown("\n".join(f"- {escape_text(s)}" for s in h["sentence"]))


def diff_runs(a: str | Path, b: str | Path, *, show_all: bool = False) -> pd.DataFrame:
    """Compare two runs' ``summary.json``. **IO**: one of the two functions here that read files.

    Parameters
    ----------
    a, b : str or Path
        A run folder (holding ``summary.json``) or the path of a summary file.
    show_all : bool
        Keep identical values too.

    Returns
    -------
    pandas.DataFrame
        See :func:`compute_summary_diff`: ``section``, ``item``, ``metric``, ``a``, ``b``, ``change``, over the
        campaign, windows, data, quality, response design, arm metrics, effects (matched on arm, versus, metric and
        method), headline, ROI and segment sizes.

    Examples
    --------
    >>> import tempfile
    >>> from campaignlab import iorw
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = iorw.write_json(Path(tmp, "a", "summary.json"), {"campaign": {"id": "c1", "end_date": "2024-02-01"}})
    ...     _ = iorw.write_json(Path(tmp, "b.json"), {"campaign": {"id": "c1", "end_date": "2024-03-01"}})
    ...     print(diff_runs(Path(tmp, "a"), Path(tmp, "b.json")).to_string(index=False))
     section     item   metric          a          b  change
    campaign campaign end_date 2024-02-01 2024-03-01 changed
    """

    def load(path: str | Path) -> dict[str, Any]:
        path = Path(path)
        file = path / iorw.SUMMARY_FILE if path.is_dir() else path
        if not file.is_file():
            raise FileNotFoundError(f"{file} does not exist: give a run folder (outputs/<campaign_id>) or the path "
                                    "of its summary.json")
        return iorw.read_json(file)

    return compute_summary_diff(load(a), load(b), show_all=show_all)
