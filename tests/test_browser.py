"""The reports as a reader opens them: index, stakeholder review and portfolio, in headless Chromium.

The fixture campaign runs once for the module; each page is opened from disk (``file://``), and must load with no
console error or failed load, every image decoded, every local link pointing at a file that exists. Screenshots go
to the test's output folder and to /tmp/campaignlab-screenshots/ for a person to look at.

Chromium is Debian's ``chromium`` package: installed by the set-up when this runs as root with apt-get (as on CI),
otherwise the browser tests skip and say why. The checker's own tests at the end need no browser.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser_check import (
    Browser,
    ChromiumUnavailable,
    check_dom,
    find_or_install_chromium,
    page_errors,
)
from campaignlab.run import runner

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "fixture_shop"
CAMPAIGN = "fixture_sim1"  # the id in fixture.yaml; output paths follow from it
STAKEHOLDER = f"{CAMPAIGN}/05_review_report.html"
PORTFOLIO = "_portfolio/portfolio.html"
PAGES = ["index.html", STAKEHOLDER, PORTFOLIO]
SHARED_SHOTS = Path("/tmp/campaignlab-screenshots")


@pytest.fixture(scope="session")
def chromium() -> Path:
    try:
        return find_or_install_chromium(timeout=600)
    except ChromiumUnavailable as exc:
        pytest.skip(f"headless Chromium not available: {exc}")


@pytest.fixture(scope="module")
def browser(chromium):
    with Browser(chromium, window=(1280, 2000), timeout=60) as b:
        yield b


@pytest.fixture(scope="module")
def outputs(chromium, tmp_path_factory) -> Path:
    """The suite's outputs for the fixture campaign (asks for ``chromium`` first, so a skip costs no run)."""
    base = tmp_path_factory.mktemp("browser")
    shop = base / "shop"
    shutil.copytree(FIXTURE, shop)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAMPAIGNLAB_CACHE", str(base / "cache"))
        results, failures = runner.run_many([shop / "fixture.yaml"], root=ROOT, outputs_dir=base / "outputs",
                                            progress=lambda msg: None)
    assert not failures and [r.campaign_id for r in results] == [CAMPAIGN]
    return base / "outputs"


def _shot_names(page: str) -> tuple[str, str]:
    stem = page.removesuffix(".html").replace("/", "__")
    return f"{stem}.png", f"{stem}-full.png"


def _save_shots(shots: Path, page: str) -> None:
    SHARED_SHOTS.mkdir(parents=True, exist_ok=True)
    for name in _shot_names(page):
        shutil.copy2(shots / name, SHARED_SHOTS / name)


@pytest.mark.slow
def test_index_links_the_stakeholder_report_and_the_portfolio(outputs):
    report = check_dom((outputs / "index.html").read_text(), outputs / "index.html")
    # every local page the index links is among the pages opened below, so none goes unchecked
    assert sorted(report.local_links) == sorted([STAKEHOLDER, PORTFOLIO])


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_cleanly_in_chromium(browser, outputs, page):
    shots = outputs.parent / "screenshots"
    window_png, full_png = (shots / n for n in _shot_names(page))
    res = browser.open(outputs / page, screenshot=window_png, full_page=full_png)
    _save_shots(shots, page)

    assert res.errors == [], f"console or load errors in {page}"
    assert res.broken_images == [], f"images Chromium could not show in {page}"
    dom = check_dom(res.dom, outputs / page)
    assert dom.problems == [], f"unresolved images or links in {page}"
    assert res.text_chars > 200, f"{page} looks blank ({res.text_chars} characters of text)"
    assert window_png.stat().st_size > 10_000 and full_png.stat().st_size > 10_000

    if page == STAKEHOLDER:
        # charts are embedded, so the report survives being mailed on its own
        assert dom.images >= 3 and dom.embedded_images == dom.images
        code_cells = re.findall(r'<div class="jp-Cell jp-CodeCell([^"]*)"', res.dom)
        assert code_cells and all("jp-mod-noInput" in c for c in code_cells), "stakeholder report shows code"
    if page == PORTFOLIO:
        assert dom.images >= 1 and dom.embedded_images == dom.images


@pytest.mark.slow
def test_chromium_check_flags_a_broken_copy(browser, outputs, tmp_path):
    """The same checks fail on a copy with a missing chart file, a script error and a link to a missing report."""
    broken = tmp_path / "broken"
    shutil.copytree(outputs, broken, ignore=shutil.ignore_patterns("*.parquet", "*.ipynb", "_*"))
    report = broken / STAKEHOLDER
    html = report.read_text()
    html, n = re.subn(r'src="data:image/png;base64,[^"]+"', 'src="figures/lift.png"', html, count=1)
    assert n == 1
    report.write_text(html.replace("</body>", "<script>plotLift();</script></body>"))

    res = browser.open(report)
    assert res.broken_images == [(report.parent / "figures" / "lift.png").as_uri()]
    assert any("ERR_FILE_NOT_FOUND" in e and "lift.png" in e for e in res.errors)
    assert any("plotLift is not defined" in e for e in res.errors)
    assert check_dom(res.dom, report).problems == ["missing image file: figures/lift.png"]

    report.unlink()  # and _portfolio/ was not copied: the index now links two missing reports
    index = broken / "index.html"
    res = browser.open(index)
    assert sorted(check_dom(res.dom, index).problems) == [f"link to a missing file: {PORTFOLIO}",
                                                          f"link to a missing file: {STAKEHOLDER}"]


# -- the checker itself, no browser needed ----------------------------------------------------------------------

PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAA"
       "AfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")  # a 1x1 PNG


def test_check_dom_flags_a_missing_image_and_a_link_to_a_missing_report(tmp_path):
    (tmp_path / "c1").mkdir()
    (tmp_path / "c1" / "05_review_report.html").write_text("<html></html>")
    (tmp_path / "fig.png").write_bytes(b"\x89PNG")
    html = f"""<html><body>
        <a href="c1/05_review_report.html">ok</a> <a href="c2/05_review_report.html">gone</a>
        <a href="#summary">in page</a> <a href="https://example.org/help">web</a> <a href="mailto:a@b.c">mail</a>
        <img src="{PNG}"> <img src="fig.png"> <img src="figures/lift.png"> <img src="https://cdn.example.org/x.png">
        <script src="https://cdn.example.org/require.js"></script> <script src=""></script>
        <link rel="stylesheet" href="style.css"></body></html>"""
    report = check_dom(html, tmp_path / "index.html")
    assert report.problems == [
        "missing image file: figures/lift.png",
        "image loaded from the network (breaks offline): https://cdn.example.org/x.png",
        "link to a missing file: c2/05_review_report.html",
        "script or stylesheet loaded from the network (breaks offline): https://cdn.example.org/require.js",
        "missing script or stylesheet file: style.css",
    ]
    assert (report.images, report.embedded_images, report.links) == (4, 1, 5)
    assert report.local_links == ["c1/05_review_report.html", "c2/05_review_report.html"]


def test_check_dom_passes_a_clean_page(tmp_path):
    (tmp_path / "r.html").write_text("x")
    html = f'<a href="r.html#top">r</a><a href="#x">x</a><img src="{PNG}"><script src=""></script>'
    assert check_dom(html, tmp_path / "index.html").problems == []


def test_page_errors_keeps_errors_and_ignores_logs_warnings_and_cancelled_loads():
    events = [
        {"method": "Runtime.consoleAPICalled", "params": {"type": "warning", "args": [{"value": "slow"}]}},
        {"method": "Runtime.consoleAPICalled", "params": {"type": "log", "args": [{"value": "hi"}]}},
        {"method": "Network.loadingFailed", "params": {"requestId": "1", "canceled": True, "errorText": "x"}},
        {"method": "Runtime.exceptionThrown", "params": {"exceptionDetails": {
            "text": "Uncaught", "url": "file:///r.html", "lineNumber": 3,
            "exception": {"description": "TypeError: x is undefined\n    at r.html:3"}}}},
        {"method": "Network.loadingFailed", "params": {"requestId": "2", "type": "Script", "errorText": "net::ERR_X"}},
    ]
    assert page_errors(events) == ["uncaught exception: TypeError: x is undefined (file:///r.html:3)",
                                   "Script failed to load: net::ERR_X"]


def test_without_chromium_and_without_root_the_reason_is_given(monkeypatch, tmp_path):
    import browser_check

    monkeypatch.setattr(browser_check, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(browser_check.os, "geteuid", lambda: 1000)
    with pytest.raises(ChromiumUnavailable, match="not root"):
        find_or_install_chromium()
