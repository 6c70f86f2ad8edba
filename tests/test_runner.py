"""End-to-end runs of the suite with papermill: fixture campaign, bundled campaign, atomicity."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from campaignlab import iorw
from campaignlab.params import ParamsError
from campaignlab.run import runner
from campaignlab.run.summary import validate_summary

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGNLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def run(params: Path, outputs: Path, **kw):
    return runner.run_campaign(params, root=ROOT, outputs_dir=outputs, **kw)


def test_fixture_campaign_runs_end_to_end_and_keeps_history(fixture_folder, tmp_path, cache, capfd, monkeypatch):
    outputs = tmp_path / "outputs"
    for name in runner.KERNEL_THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    lines: list[str] = []
    first = run(fixture_folder / "fixture.yaml", outputs, progress=lines.append)
    # The terminal gets one progress line per notebook, and nothing from the kernels' own logs.
    terminal = capfd.readouterr()
    for noise in ("without encryption", "KeyboardInterrupt caught", "[IPKernelApp]"):
        assert noise not in terminal.err + terminal.out
    done = [line for line in lines if " done in " in line]
    assert [line.split()[1] for line in done] == [p.stem for p in runner.notebook_paths(ROOT / "notebooks")]
    assert all(line.startswith("[fixture_sim1] ") for line in done)
    # The kernels' thread settings do not leak into the runner's own process.
    assert not any(name in os.environ for name in runner.KERNEL_THREAD_ENV)
    report = outputs / "fixture_sim1"
    assert first.report_dir == report
    for nb in runner.notebook_paths(ROOT / "notebooks"):
        assert (report / nb.name).is_file() and (report / f"{nb.stem}.html").is_file()
        html = (report / f"{nb.stem}.html").read_text()
        assert "<script src=\"http" not in html and "cdn." not in html.lower()
    summary = iorw.read_summary(report)
    validate_summary(summary)
    assert summary["campaign"]["id"] == "fixture_sim1" and summary["windows"]["clipped"] is False
    # reports are for people: no raw customer id in any HTML page (ids look like C00042 in the fixture)
    import re

    for page in report.glob("*.html"):
        assert not re.search(r"\bC\d{5}\b", page.read_text()), f"raw customer id in {page.name}"
    meta = json.loads((report / "run.json").read_text())
    assert meta["data_fingerprint"] == summary["data"]["fingerprint"]
    assert meta["params"]["control_arm"] == "control"
    assert [n["notebook"] for n in meta["notebooks"]] == [p.stem for p in runner.notebook_paths(ROOT / "notebooks")]
    # a second run replaces the report and moves the first to history
    run(fixture_folder / "fixture.yaml", outputs, notebooks=["01_clean"])
    history = list((outputs / "_history" / "fixture_sim1").iterdir())
    assert len(history) == 1 and (history[0] / "run.json").is_file()


def test_misspelled_key_and_broken_input_leave_the_previous_report_intact(fixture_folder, tmp_path, cache):
    outputs = tmp_path / "outputs"
    params = fixture_folder / "fixture.yaml"
    run(params, outputs, notebooks=["01_clean"])
    report = outputs / "fixture_sim1"
    before = (report / "summary.json").read_text()

    good = params.read_text()
    params.write_text(good + "post_period_dayz: 10\n")
    with pytest.raises(ParamsError, match="did you mean 'post_period_days'"):
        run(params, outputs, notebooks=["01_clean"])
    params.write_text(good)

    tx = fixture_folder / "transactions.csv"
    lines = tx.read_text().splitlines()
    head = lines[0].split(",")
    row = lines[5].split(",")
    row[head.index("amount")] = "twelve"
    lines[5] = ",".join(row)
    tx.write_text("\n".join(lines) + "\n")
    with pytest.raises(runner.RunFailed) as err:
        run(params, outputs, notebooks=["01_clean"])
    msg = str(err.value)
    # refused by the data check before any kernel started (docs/bad-input.md): nothing staged, nothing failed
    assert "refused before any notebook ran" in msg and "amount" in msg and "transactions.csv" in msg
    assert "twelve" in msg and f"The previous report in {report} is unchanged." in msg
    assert not (outputs / "_failed").exists()
    assert (report / "summary.json").read_text() == before


def test_bundled_campaign_18_runs(tmp_path):
    # shares the project's data cache (outputs/_cache) with the demo, so cleaning runs once per machine
    outputs = tmp_path / "outputs"
    res = run(ROOT / "params" / "cj_campaign_18.yaml", outputs)
    summary = iorw.read_summary(res.report_dir)
    validate_summary(summary)
    assert summary["campaign"]["type"] == "A"
    # the post-period runs past the end of the data: clipped and said
    assert summary["windows"]["post"]["complete"] is False and summary["windows"]["notes"]
    q = {row["table"]: row for row in summary["quality"]}
    assert q["transactions"]["rows_in"] == 1_469_307
    assert q["assignments"]["rows_out"] == 6_589


def test_short_customer_level_experiment_with_attributes(tmp_path, cache):
    """A randomized test over a few days of transactions, with customer attributes as covariates."""
    from campaignlab.data.simulate import simulate_dataset

    data = simulate_dataset(600, n_days=14, campaign_start_day=5, campaign_days=6, true_lift=0.3, confounding=0.0,
                            holdout_share=0.5, seed=sum(map(ord, "short experiment")))
    folder = tmp_path / "shop"
    folder.mkdir()
    for name, frame in data.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    (folder / "exp.yaml").write_text("id: short_test\ncampaign: SIM1\ndata: .\ncontrol_arm: control\n"
                                     "pre_period_days: 5\npost_period_days: 3\n")
    res = run(folder / "exp.yaml", tmp_path / "outputs")
    summary = iorw.read_summary(res.report_dir)
    validate_summary(summary)
    r = summary["response"]
    assert r["design"] == "holdout" and r["control_arm"] == "control"
    assert r["srm"]["passed"] is True
    heads = {h["metric"]: h for h in r["headline"]}
    assert "regression adjustment" in heads["revenue_per_customer"]["method"]
    assert any(c.startswith(("age_band", "income_band", "region")) for c in r["covariates"])
    # the campaign raised order rates by 30%: the conversion estimate points up
    assert heads["conversion_rate"]["estimate"] > 0
    assert (res.report_dir / "05_review_report.html").is_file()


def _portfolio_summary(cid: str, estimate: float, campaign_days: int) -> dict:
    """The parts of a summary.json the portfolio reads: campaign, windows and a revenue-per-customer headline."""
    window = {"name": "campaign", "start": "2024-01-01", "end": "2024-02-01", "clipped_start": "2024-01-01",
              "clipped_end": "2024-02-01", "days": campaign_days, "covered_days": campaign_days, "complete": True}
    effect = {"arm": "mail", "versus": "holdout", "metric": "revenue_per_customer", "method": "adjusted",
              "estimate": estimate, "ci_low": estimate - 2.0, "ci_high": estimate + 2.0}
    # A randomized verdict: only verdicts whose trust supports a causal reading are pooled.
    verdict = {**effect, "p_value": 0.3, "window": {"start": "2024-01-01", "end": "2024-02-01", "label": "campaign"},
               "trust": "randomized", "trust_reasons": [], "sentence": f"{cid}: +{estimate}", "arms": []}
    return {"schema_version": 2, "campaign": {"id": cid, "title": cid, "type": "A"},
            "windows": {"campaign": window},
            "response": {"design": "holdout", "arms": [{"arm": "mail", "customers": 100}], "effects": [effect],
                         "headline": [{k: effect[k] for k in ("arm", "metric", "method")}], "verdict": verdict}}


def test_portfolio_publishes_the_pooled_effects(tmp_path):
    """06_portfolio's last cell writes _portfolio/portfolio.json; the runner's publish of _portfolio/ keeps it."""
    outputs = tmp_path / "outputs"
    for cid, estimate, days in (("c1", 1.0, 28), ("c2", 3.0, 30), ("c3", 2.0, 56)):
        iorw.write_json(outputs / cid / iorw.SUMMARY_FILE, _portfolio_summary(cid, estimate, days))
    iorw.write_json(outputs / "_portfolio" / "portfolio.json", {"pooled": "from an earlier build"})
    with runner.ReadyKernel(ROOT) as kernel:  # a run starts the portfolio's kernel while its last campaign runs
        runner.build_portfolio(ROOT, outputs, progress=lambda msg: None, kernel=kernel)
    published = outputs / "_portfolio"
    assert (published / "portfolio.html").is_file()
    pooled = iorw.read_json(published / "portfolio.json")["pooled"]
    assert [p["campaigns"] for p in pooled] == [["c1", "c2"]]  # c3's 56-day window is not pooled with 28-30 days
    assert pooled[0]["estimate"] == pytest.approx(2.0) and pooled[0]["group"].endswith("28-30 days")
    assert not list((outputs / "_staging").iterdir())
