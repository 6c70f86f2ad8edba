"""Text from the data cannot inject HTML or script into a page: markdown sentences, styled tables, the index.

The fixture shop gets a campaign name, an arm and an attribute value that are HTML; the steps run in this process
(as the notebooks call them) and every markdown sentence the views display is captured.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from campaignlab.formatting import escape_text
from campaignlab.run import session
from campaignlab.run.index import build_index_html
from campaignlab.steps import clean, display, portfolio, retention, review, segment
from campaignlab.steps import response as response_step
from campaignlab.steps.response import views as response_views

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
RAW = re.compile(r"<script|<img|<[^<>]*\bonerror=", re.IGNORECASE)  # a raw tag, or an attribute of one


def plant(folder: Path) -> None:
    """A campaign name, the treated arm and one customer attribute value that are HTML."""
    campaigns = pd.read_csv(folder / "campaigns.csv", dtype=str)
    campaigns.loc[campaigns["campaign_id"] == "SIM1", "name"] = f"Spring {SCRIPT} {IMG}"
    campaigns.to_csv(folder / "campaigns.csv", index=False)
    asg = pd.read_csv(folder / "assignments.csv", dtype=str)
    asg["arm"] = asg["arm"].replace({"treatment": IMG})
    asg.to_csv(folder / "assignments.csv", index=False)
    customers = pd.read_csv(folder / "customers.csv", dtype=str)
    customers["region"] = customers["region"].replace({"South": SCRIPT, "North": IMG})
    customers.to_csv(folder / "customers.csv", index=False)
    params = (folder / "fixture.yaml").read_text().replace("{treatment: 0.7", "{'" + IMG + "': 0.7")
    (folder / "fixture.yaml").write_text(params)


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    captured: list[str] = []
    for module in (display, response_views, review, segment, retention, clean, portfolio):
        monkeypatch.setattr(module, "show_markdown", captured.append)
    return captured


def test_escape_text_keeps_plain_names_and_numbers_and_escapes_markup():
    assert escape_text("at_risk") == "at_risk" and escape_text(12.5) == "12.5"
    assert escape_text(SCRIPT) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_text("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert escape_text("a\n# b `c` *d* _e_") == "a \\# b \\`c\\` \\*d\\* \\_e\\_"


def test_show_markdown_lets_no_tag_through(monkeypatch):
    from IPython import display as ipd

    seen = []
    monkeypatch.setattr(ipd, "display", lambda obj: seen.append(obj.data))
    display.show_markdown(f"**ours** q < 0.05 {IMG}")
    assert seen == ["**ours** q < 0.05 &lt;img src=x onerror=alert(1)>"]


def test_planted_html_in_data_reaches_no_page_raw(tmp_path, shown):
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    plant(folder)
    run = session.open_run(str(folder / "fixture.yaml"), str(folder / "run"))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    clean.show_params(run)
    seg = segment.analyse(run)
    segment.write(run, seg)
    segment.show_segment_notes(seg)
    res = response_step.analyse(run, response_step.build_customer_table(run))
    response_step.write(run, res)
    assert IMG in set(res.arms["arm"]), "the planted arm must reach the analysis"
    for view in (response_views.show_design, response_views.show_trust, response_views.show_funnel,
                 response_views.show_roi, response_views.show_planning, response_views.show_products,
                 response_views.show_naive_vs_adjusted):
        view(res)
    ret = retention.analyse(run)
    retention.write(run, ret)
    retention.show_retention_notes(ret)
    summary = run.summary()
    assert SCRIPT in summary["campaign"]["title"]
    review.review_header(summary)
    review.executive_summary(summary)
    styled = review.recommendations(summary)
    review.method_appendix(summary)
    plt.close("all")
    text = "\n".join(shown)
    # the planted text did reach the sentences, escaped
    assert "&lt;script&gt;" in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert not RAW.search(text), RAW.search(text)
    assert styled is None or not RAW.search(styled.to_html())  # None: no segment to recommend, said in a sentence
    assert {SCRIPT, IMG} <= set(seg.segments["tag_region"].astype(str)), "the planted attribute must reach segments"

    page = build_index_html([{"campaign_id": "fixture_sim1", "title": summary["campaign"]["title"],
                              "type": summary["campaign"].get("type"), "href": "fixture_sim1/05_review_report.html",
                              "status": "ok", "note": f"arm {IMG}"}], title=f"Reports {SCRIPT}")
    assert "&lt;script" in page and not RAW.search(page)


def test_portfolio_tables_and_highlights_escape_campaign_text(shown):
    view = pd.DataFrame({"group": [SCRIPT], "x": [1.0]})
    styled = portfolio.portfolio_types(type("R", (), {"types": view})())
    assert "&lt;script&gt;" in styled.to_html() and not RAW.search(styled.to_html())
    portfolio.portfolio_highlights(type("R", (), {"highlights": pd.DataFrame({"sentence": [f"{IMG}: +1.00"]})})())
    assert shown == ["- &lt;img src=x onerror=alert(1)&gt;: +1.00"]
