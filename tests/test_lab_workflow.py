"""The analyst's day in JupyterLab, in a real browser: open 03_response, switch campaign, run all, no error.

JupyterLab starts as ``make lab`` starts it (the Makefile's flags, on a free port of 127.0.0.1, with a token);
Selenium drives Debian's Chromium through ``chromedriver`` (packages ``chromium`` and ``chromium-driver``, installed
by the test when it runs as root with apt-get, otherwise it skips and says why). Two campaigns of the fixture shop
(two params files on its data, with ids unique to this test run) stand in for two real campaigns, so the run is
short: the parameters cell is set to the first, Run All; then to the second, Run All. Each run must build the
upstream notebooks of its campaign in ``outputs/_interactive/<id>`` (one line says so), show no error and no
stderr box, and show the new campaign's result; nothing is published to ``outputs/<id>``.

Screenshots are kept in ``tests/artifacts/lab_workflow/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from pathlib import Path

import pytest

from browser_check import ChromiumUnavailable, find_or_install_chromedriver, find_or_install_chromium
from test_lab import TOKEN, running_lab

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "fixture_shop"
JUPYTER = Path(sys.executable).parent / "jupyter"
SHOTS = ROOT / "tests" / "artifacts" / "lab_workflow"

#: Seconds a Run All may take: two upstream notebooks in a fresh kernel, then 03, on a loaded 2-core machine.
RUN_ALL_TIMEOUT = 900

selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[dev]')")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory) -> list[Path]:
    """Two params files on the fixture shop's data, with ids no other run uses."""
    folder = tmp_path_factory.mktemp("campaigns")
    text = (FIXTURE / "fixture.yaml").read_text().replace("data: .", f"data: {FIXTURE}")
    tag = uuid.uuid4().hex[:6]
    paths = []
    for name in ("a", "b"):
        path = folder / f"lab_{name}_{tag}.yaml"
        path.write_text(text.replace("id: fixture_sim1", f"id: lab_{name}_{tag}"))
        paths.append(path)
    yield paths
    for path in paths:  # the interactive folders this test made; the published ones must not exist
        shutil.rmtree(ROOT / "outputs" / "_interactive" / path.stem, ignore_errors=True)


@pytest.fixture(scope="module")
def driver():
    try:
        chromium, chromedriver = find_or_install_chromium(), find_or_install_chromedriver()
    except ChromiumUnavailable as exc:
        pytest.skip(f"headless Chromium or chromedriver not available: {exc}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", "--disable-background-networking", "--disable-component-update"):
        options.add_argument(flag)
    d = webdriver.Chrome(service=webdriver.ChromeService(executable_path=str(chromedriver)), options=options)
    try:
        yield d
    finally:
        d.quit()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not JUPYTER.exists():
        pytest.skip(f"JupyterLab is not installed here ({JUPYTER} is missing)")
    base_dir = tmp_path_factory.mktemp("lab")
    # A private data cache: the first campaign cleans the fixture data, the second reuses it.
    env = {**os.environ, "CAMPAIGNLAB_CACHE": str(base_dir / "cache")}
    with running_lab(base_dir / "server.log", env=env, wait=30) as base:
        yield base


def _shot(driver, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def _set_parameters(driver, params_path: Path) -> None:
    """Type the new parameters into the notebook's parameters cell, as an analyst would."""
    cell = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")[0]
    editor = cell.find_element(By.CSS_SELECTOR, ".cm-content")
    editor.click()
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE)
    editor.send_keys(f'params_path = "{params_path}"')
    editor.send_keys(Keys.ENTER)
    editor.send_keys('run_dir = ""')
    WebDriverWait(driver, 10).until(lambda d: str(params_path) in editor.text)


def _run_all(driver) -> None:
    """Run > Run All Cells from the menu bar."""
    menus = driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel")
    next(m for m in menus if m.text == "Run").click()
    item = WebDriverWait(driver, 10).until(ec.element_to_be_clickable(
        (By.XPATH, "//li[contains(@class,'lm-Menu-item')][.//div[text()='Run All Cells']]")))
    item.click()


def _wait_until_done(driver, timeout: float) -> None:
    """Every code cell has run (an execution count, no ``[*]``) or the run stopped at an error."""
    def done(d):
        prompts = [p.text.strip() for p in d.find_elements(By.CSS_SELECTOR, ".jp-CodeCell .jp-InputArea-prompt")]
        if any("*" in p for p in prompts):
            return False
        errors = d.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type*='stderr']")
        return bool(errors) or (prompts and all(p not in ("[ ]:", "") for p in prompts))
    time.sleep(2)  # let the first cell go busy
    WebDriverWait(driver, timeout, poll_frequency=2).until(done)


def _outputs_text(driver) -> str:
    return "\n".join(o.text for o in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))


@pytest.mark.slow
def test_switching_campaign_in_03_response_runs_all_without_an_error(lab, driver, campaigns):
    started = time.monotonic()
    driver.get(f"{lab}/lab/tree/notebooks/03_response.ipynb?token={TOKEN}")
    # opened: every cell drawn and the campaignlab kernel idle (the status bar says "campaignlab | Idle")
    WebDriverWait(driver, 180, poll_frequency=1).until(lambda d: len(d.find_elements(
        By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell .cm-content")) >= 10 and "Idle" in d.find_element(
        By.CSS_SELECTOR, ".jp-StatusBar-Widget, #jp-main-statusbar").text)
    for button in driver.find_elements(By.XPATH, "//button[.//text()='No'] | //button[text()='No']"):
        button.click()  # "Would you like to get notified about official Jupyter news?"
    _shot(driver, "0_opened")
    for step, params in enumerate(campaigns, start=1):
        cid = params.stem
        _set_parameters(driver, params)
        _run_all(driver)
        _wait_until_done(driver, RUN_ALL_TIMEOUT)
        _shot(driver, f"{step}_{cid[:5]}_run_all_top")
        driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[-1].location_once_scrolled_into_view  # noqa: B018
        _shot(driver, f"{step}_{cid[:5]}_run_all_end")

        boxes = driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type*='stderr']")
        assert not boxes, f"{cid}: error or stderr output in Lab:\n" + "\n---\n".join(b.text[:800] for b in boxes)
        text = _outputs_text(driver)
        assert f"Built 01_clean, 02_segment for {cid}" in text, text[:2000]
        assert "the published report was not touched" in text
        assert f"campaign\n{cid}" in text or f"campaign: {cid}" in text, "the explore cell shows another campaign"
        interactive = ROOT / "outputs" / "_interactive" / cid
        assert (interactive / "summary.json").is_file() and (interactive / "segments.parquet").is_file()
        assert not (ROOT / "outputs" / cid).exists(), "an interactive run published a report"
    print(f"Lab workflow: two campaign switches and runs in {time.monotonic() - started:.0f} s; "
          f"screenshots in {SHOTS}")
