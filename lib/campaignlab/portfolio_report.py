"""Notebook 06_portfolio's steps and the outputs index: every campaign's results side by side.

Reads each published run's ``summary.json`` (never re-runs an analysis); the statistics are in
:mod:`campaignlab.portfolio`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import __version__, iorw, portfolio
from .params import find_project_root

PORTFOLIO_DIR = "_portfolio"
PORTFOLIO_HTML = "portfolio.html"
REVIEW_HTML = "05_review_report.html"


@dataclass
class PortfolioResult:
    runs: list[dict]
    table: pd.DataFrame
    types: pd.DataFrame
    highlights: pd.DataFrame


def resolve_outputs(outputs_dir: str) -> Path:
    """The outputs folder: as given, or the project's ``outputs/`` when empty."""
    if outputs_dir:
        path = Path(outputs_dir)
        return path if path.is_absolute() else (Path.cwd() / path if (Path.cwd() / path).exists()
                                                else find_project_root() / path)
    return find_project_root() / "outputs"


def analyse_portfolio(outputs_dir: Path) -> PortfolioResult:
    runs = [r for r in portfolio.read_runs(outputs_dir) if r.get("summary")]
    summaries = [r["summary"] for r in runs]
    table = portfolio.compute_campaign_table(summaries)
    with warnings.catch_warnings():
        # statsmodels' meta-analysis also computes a random-effects variant (sqrt of a negative variance when the
        # campaigns agree); only the fixed-effect pool is reported, so its warning is noise in the report.
        warnings.simplefilter("ignore", RuntimeWarning)
        types = portfolio.compute_type_comparison(table)
    return PortfolioResult(runs, table, types, portfolio.compute_highlights(summaries))


def write_index(outputs_dir: Path, *, title: str = "Campaign reports") -> Path:
    """Write ``outputs/index.html`` linking every campaign's review and the portfolio, with date and status."""
    runs = portfolio.read_runs(outputs_dir)
    fingerprints = [(r.get("summary") or {}).get("data", {}).get("fingerprint") for r in runs]
    latest = next((f for f in reversed(fingerprints) if f), None)
    entries = portfolio.compute_index_entries(runs, package_version=__version__, report_name=REVIEW_HTML,
                                              fingerprint=latest if len(set(filter(None, fingerprints))) == 1 else None)
    has_portfolio = (outputs_dir / PORTFOLIO_DIR / PORTFOLIO_HTML).exists()
    html = portfolio.build_index_html(entries, title=title,
                                      portfolio_href=f"{PORTFOLIO_DIR}/{PORTFOLIO_HTML}" if has_portfolio else None,
                                      generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    return iorw.write_text(outputs_dir / "index.html", html)
