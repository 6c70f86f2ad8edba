"""The outputs index page: every campaign's report with its run date and status."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd

from campaignlab import __version__, iorw
from campaignlab.formatting import as_number, format_ci, money_change_format
from campaignlab.stats.portfolio import (
    NOT_AVAILABLE,
    STATUSES,
    _get,
    _text,
    compute_campaign_table,
)
from campaignlab.steps.portfolio import PORTFOLIO_DIR, PORTFOLIO_HTML, REVIEW_HTML

# --------------------------------------------------------------------------------------------- index page
_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
p.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
span.status { padding: 0.1rem 0.45rem; border-radius: 0.6rem; font-size: 0.8rem; }
span.ok { background: #d8f0e0; color: #14532d; }
span.failed { background: #fbdcdc; color: #7f1d1d; }
span.stale { background: #fdf0c8; color: #713f12; }
span.na { color: #888; }
span.trust { padding: 0.1rem 0.45rem; border-radius: 0.6rem; font-size: 0.8rem; white-space: nowrap; }
span.randomized, span.adjusted { background: #d8f0e0; color: #14532d; }
span.indicative { background: #fdf0c8; color: #713f12; }
span.not_estimable { background: #eee; color: #444; }
p.legend { color: #555; font-size: 0.85rem; }
td.nowrap { white-space: nowrap; }
span.sub { color: #666; font-size: 0.8rem; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% if generated %}<p class="meta">Generated {{ generated }}</p>{% endif %}
{% if portfolio_href %}<p><a href="{{ portfolio_href }}">Portfolio: all campaigns compared</a></p>{% endif %}
<p class="legend">Campaigns by start date. <b>Verdict</b>: the one effect each review acts on, over the window
named. <b>Trust</b>: randomized (a holdout that passed its checks) and adjusted (a matched comparison that passed
every check) support a causal reading; indicative means a check failed: a difference between groups only.
<b>Significant</b>: Benjamini-Hochberg q-value below 0.05 over all campaigns' verdicts. <b>Status</b> is whether the
report ran, not a verdict.</p>
<table>
<thead><tr><th>Campaign</th><th>Type</th><th>Dates</th><th>Reach</th><th>Redemption</th><th>Verdict (95% CI)</th>
<th>Trust</th><th>Significant</th><th>Incremental revenue (95% CI)</th><th>ROI per unit spent (95% CI)</th><th>Run date</th>
<th>Status</th><th>Note</th></tr></thead>
<tbody>
{% for e in entries %}<tr>
<td>{% if e.href %}<a href="{{ e.href }}">{{ e.label }}</a>
{%- else %}{{ e.label }} <span class="na">(report not available)</span>{% endif %}</td>
<td>{{ e.type }}</td>
<td class="nowrap">{% if e.start and e.end %}{{ e.start }}<br>to {{ e.end }} (exclusive){% else %}{{ na }}{% endif %}</td>
<td class="num">{{ e.reach }}</td>
<td class="num">{{ e.redemption }}</td>
<td><b>{{ e.verdict }}</b><br><span class="sub">{{ e.verdict_about }}</span></td>
<td><span class="trust {{ e.trust_class }}">{{ e.trust }}</span></td>
<td>{{ e.significant }}</td>
<td class="num">{{ e.revenue }}</td>
<td class="num">{{ e.roi }}</td>
<td>{{ e.run_date }}</td>
<td><span class="status {{ e.status }}">{{ e.status }}</span></td>
<td>{{ e.note }}</td>
</tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""


def _relative_href(href: Any) -> str | None:
    if href is None or str(href) == "":
        return None
    href = str(href)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("/"):
        raise ValueError(f"Index links must be relative to the outputs folder (e.g. 'cj_campaign_18/report.html'), "
                         f"got {href!r}")
    return quote(href, safe="/#")


def build_index_html(
    entries: Sequence[Mapping[str, Any]],
    *,
    title: str,
    portfolio_href: str | None = iorw.RunFiles.PORTFOLIO_HTML,
    generated: str | None = None,
) -> str:
    """A self-contained HTML index page (inline CSS, no scripts, no external fonts) linking every campaign report.

    All text is escaped by jinja2's autoescaping; links must be relative (an absolute URL is refused), so the
    outputs folder can be moved or zipped and still work offline.

    Parameters
    ----------
    entries : sequence of dict
        One per campaign, as made by :func:`compute_index_entries`. Keys (all optional but ``campaign_id``):

        - ``campaign_id`` (str) and ``title`` (str)
        - ``href`` (str): relative link to the report, e.g. ``"cj_campaign_18/05_review_report.html"``;
          None when there is no report
        - ``type`` (str), ``run_date`` (str or date)
        - ``status``: ``"ok"``, ``"failed"`` or ``"stale"``
        - ``incremental_revenue``, ``incremental_revenue_ci_low``, ``incremental_revenue_ci_high``, ``roi``,
          ``roi_ci_low``, ``roi_ci_high`` (numbers or None), ``significant`` (bool or None)
        - ``note`` (str)
    title : str
        Page title.
    portfolio_href : str or None
        Relative link to the portfolio report; None for no link.
    generated : str, optional
        When the page was made, shown under the title (the caller passes it: this function reads no clock).

    Returns
    -------
    str
        The HTML document.

    Examples
    --------
    >>> html = build_index_html([{"campaign_id": "c1", "title": "Spring <sale>", "href": "c1/report.html",
    ...                           "status": "ok", "incremental_revenue": 1234.5}], title="Campaigns")
    >>> 'href="c1/report.html"' in html, "Spring &lt;sale&gt;" in html, "<script" in html
    (True, True, False)
    """
    import jinja2

    rows = []
    for e in entries:
        cid = _text(e.get("campaign_id"), "(unknown)")
        name = _text(e.get("title"), cid)
        status = _text(e.get("status"), "ok")
        if status not in STATUSES:
            raise ValueError(f"Index entry {cid}: status must be one of {', '.join(STATUSES)}, got {status!r}")
        sig = e.get("significant")
        trust = _text(e.get("trust"))
        metric = _text(e.get("verdict_metric"))
        vfmt = "{:+.1%}".format if metric == "conversion_rate" else "{:+,.2f}".format
        verdict = format_ci(e.get("verdict_estimate"), e.get("verdict_ci_low"), e.get("verdict_ci_high"), fmt=vfmt)
        rows.append({
            "label": name if name == cid else f"{name} ({cid})",
            "start": _text(e.get("start")),
            "end": _text(e.get("end")),
            "reach": NOT_AVAILABLE if math.isnan(as_number(e.get("customers"))) else f"{as_number(e.get('customers')):,.0f}",
            "redemption": NOT_AVAILABLE if math.isnan(as_number(e.get("response_rate")))
            else f"{as_number(e.get('response_rate')):.1%}",
            "verdict": verdict if metric else NOT_AVAILABLE,
            "verdict_about": f"{metric.replace('_', ' ')}, {_text(e.get('window'))}" if metric else "",
            "trust": trust.replace("_", " ") or NOT_AVAILABLE,
            "trust_class": trust or "not_estimable",
            "href": _relative_href(e.get("href")),
            "type": _text(e.get("type"), NOT_AVAILABLE),
            "run_date": _text(e.get("run_date"), NOT_AVAILABLE),
            "status": status,
            "revenue": format_ci(e.get("incremental_revenue"), e.get("incremental_revenue_ci_low"),
                                 e.get("incremental_revenue_ci_high"), fmt=money_change_format(e.get("currency") or None)),
            "roi": format_ci(e.get("roi"), e.get("roi_ci_low"), e.get("roi_ci_high"), fmt="{:+,.2f}".format),
            "significant": NOT_AVAILABLE if sig is None or sig is pd.NA else ("yes" if bool(sig) else "no"),
            "note": _text(e.get("note")),
        })
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_INDEX_TEMPLATE).render(
        title=title, entries=rows, portfolio_href=_relative_href(portfolio_href), generated=generated, na=NOT_AVAILABLE
    )


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    text = str(value)
    for fmt in ("%Y%m%dT%H%M%S%f", "%Y%m%dT%H%M%S"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def compute_index_entries(
    runs: Iterable[Mapping[str, Any]],
    *,
    fingerprint: str | None = None,
    package_version: str | None = None,
    report_name: str | None = None,
) -> list[dict[str, Any]]:
    """Index entries (see :func:`build_index_html`) from the runs :func:`read_runs` found.

    Status: ``"failed"`` when the latest attempt failed after the published report was made (or nothing was ever
    published); ``"stale"`` when the published report was made from other data (``fingerprint``) or another package
    version (``package_version``) than the ones given; ``"ok"`` otherwise.

    Parameters
    ----------
    runs : iterable of dict
        Output of :func:`read_runs`.
    fingerprint : str, optional
        The current data fingerprint.
    package_version : str, optional
        The current campaignlab version.
    report_name : str, optional
        File name of the report to link (e.g. ``"05_review_report.html"``); by default the last HTML file of the
        run folder in name order (the highest-numbered notebook).

    Returns
    -------
    list of dict
        One entry per run, in the order given.

    Examples
    --------
    >>> runs = [{"campaign_id": "c1", "folder": "c1", "summary": {"campaign": {"id": "c1", "title": "Spring"}},
    ...          "run": {"started": "2024-05-01T10:00:00", "finished": "2024-05-01T10:05:00"},
    ...          "reports": ["01_clean.html", "05_review_report.html"], "failed": ["20240502T090000000000"]}]
    >>> e = compute_index_entries(runs)[0]
    >>> e["href"], e["status"], e["run_date"]
    ('c1/05_review_report.html', 'failed', '2024-05-01 10:05')
    """
    runs = list(runs)
    summaries = [r.get("summary") if isinstance(r.get("summary"), Mapping) else None for r in runs]
    # One table over all campaigns, so the significance flags share one Benjamini-Hochberg family.
    table = compute_campaign_table([s for s in summaries if s is not None])
    by_id = {str(r["campaign_id"]): r for r in table.to_dict("records")}
    runs = list(runs)
    # One table over all campaigns, so the significance flags share one Benjamini-Hochberg family.
    table = compute_campaign_table([r.get("summary") for r in runs if isinstance(r.get("summary"), Mapping)])
    by_id = {str(r["campaign_id"]): r for r in table.to_dict("records")}
    entries = []
    for run in runs:
        summary = run.get("summary")
        meta = run.get("run") or {}
        cid = _text(run.get("campaign_id"), _text(_get(summary, "campaign", "id"), "(unknown)"))
        row = by_id.get(_text(_get(summary, "campaign", "id"), cid), {}) if isinstance(summary, Mapping) else {}
        reports = list(run.get("reports") or [])
        name = report_name if report_name in reports else (reports[-1] if reports and not report_name else None)
        folder = _text(run.get("folder"), cid)
        started = _parse_time(meta.get("started"))
        finished = _parse_time(meta.get("finished")) or started
        failures = [t for t in (_parse_time(f) for f in run.get("failed") or []) if t is not None]
        notes = []
        if isinstance(summary, Mapping) and row.get("note"):
            notes.append(row["note"])
        if failures and (started is None or max(failures) > started):
            status = "failed"
            notes.insert(0, f"latest run failed at {max(failures):%Y-%m-%d %H:%M}; see _failed/")
        elif (fingerprint and _get(summary, "data", "fingerprint") not in (None, fingerprint)) or (
                package_version and meta.get("package_version") not in (None, package_version)):
            status = "stale"
            notes.insert(0, "made from other data or another package version: run it again")
        else:
            status = "ok"
        if not isinstance(summary, Mapping):
            status = "failed" if failures else status
            notes.append("summary not available")
        entries.append({
            "campaign_id": cid,
            "title": row.get("title", cid),
            "type": row.get("type"),
            "href": f"{folder}/{name}" if name and isinstance(summary, Mapping) else None,
            "run_date": f"{finished:%Y-%m-%d %H:%M}" if finished else None,
            "status": status,
            **{k: row.get(k) for k in ("incremental_revenue", "incremental_revenue_ci_low",
                                       "incremental_revenue_ci_high", "roi", "roi_ci_low", "roi_ci_high",
                                       "significant", "start", "end", "customers", "response_rate",
                                       "verdict_metric", "verdict_estimate", "verdict_ci_low", "verdict_ci_high",
                                       "trust", "window", "currency")},
            "note": "; ".join(notes),
        })
    return entries




def write_index(outputs_dir: Path, *, title: str = "Campaign reports") -> Path:
    """Write ``outputs/index.html`` linking every campaign's review and the portfolio, with date and status."""
    runs = iorw.read_runs(outputs_dir)
    fingerprints = [(r.get("summary") or {}).get("data", {}).get("fingerprint") for r in runs]
    latest = next((f for f in reversed(fingerprints) if f), None)
    entries = compute_index_entries(runs, package_version=__version__, report_name=REVIEW_HTML,
                                    fingerprint=latest if len(set(filter(None, fingerprints))) == 1 else None)
    # By campaign start date (then id), as a manager reads a calendar; campaigns without dates last.
    entries.sort(key=lambda e: (_text(e.get("start")) or "9999", _text(e.get("campaign_id"))))
    has_portfolio = (outputs_dir / PORTFOLIO_DIR / PORTFOLIO_HTML).exists()
    html = build_index_html(entries, title=title,
                            portfolio_href=f"{PORTFOLIO_DIR}/{PORTFOLIO_HTML}" if has_portfolio else None,
                            generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    return iorw.write_text(outputs_dir / iorw.RunFiles.INDEX_HTML, html)
