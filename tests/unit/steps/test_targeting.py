"""The targeting step end to end on simulated randomized campaigns, its views, the export, and matched designs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from campaignlab.data.simulate import simulate_dataset
from campaignlab.run import session
from campaignlab.run.cli import main
from campaignlab.steps import response, targeting
from campaignlab.steps.review_text import compose_executive_summary

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"
SEED = sum(map(ord, "targeting"))


def _shop(folder: Path, *, lift_by=None, true_lift=0.0, n=5000, cost_per_contact=3.0, seed=SEED) -> Path:
    data = simulate_dataset(n, seed=seed, confounding=0.0, target_share=0.9, holdout_share=0.5,
                            true_lift=true_lift, lift_by=lift_by)
    folder.mkdir(parents=True)
    for name, table in data.items():
        table.to_csv(folder / f"{name}.csv", index=False)
    (folder / "shop.yaml").write_text(
        "id: sim_uplift\ncampaign: SIM1\ndata: .\ncontrol_arm: control\nresponse_event: redeemed\n"
        "pre_period_days: 90\npost_period_days: 60\n"
        f"economics: {{cost_per_contact: {cost_per_contact}, currency: EUR}}\n"
        "response: {planned_split: {treatment: 0.5, control: 0.5}}\n")
    return folder / "shop.yaml"


def _analyse(params: Path, run_dir: Path):
    run = session.open_run(str(params), str(run_dir))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    result = response.analyse(run, response.build_customer_table(run))
    response.write(run, result)
    return run, result, targeting.analyse(run, result)


@pytest.mark.slow
def test_planted_effect_recommends_the_responding_share_and_exports_it(tmp_path, capture_markdown):
    # Only region North (30% of customers) responds: its order rate doubles in the window.
    params = _shop(tmp_path / "shop", lift_by={"region": {"North": 1.0}})
    run, result, t = _analyse(params, tmp_path / "run")
    assert t.not_available is None and t.qini["test"]["targetable"] and t.qini["test"]["ci_low"] > 0
    policy = t.policy.set_index("share")
    assert policy.loc[0.3, "incremental_revenue"] > 0.7 * policy["incremental_revenue"].max()
    assert t.recommended["kind"] == "top" and 0.2 <= t.recommended["share"] <= 0.4
    assert any(d["feature"] == "region" and d["level"] == "North" for d in t.drivers)
    assert t.segments["leaves"][0]["rule"].startswith("region is North")
    assert t.costs_missing == result.roi["costs_missing"]  # one source of the campaign's costs
    section = targeting.write(run, t)
    said = capture_markdown(targeting)
    targeting.show_targeting(t)
    assert said[0].startswith("Because the holdout was randomized") and "EUR" in said[0] and "95% CI" in said[0]
    paragraph = next(p for p in compose_executive_summary(run.summary()) if p.startswith("**Who to target"))
    assert f"top {section['recommended_share']:.0%}" in paragraph
    assert "sequential cross-fitting, Wager 2024" in paragraph and section["qini"]["test"]["targetable"] is True
    targeting.show_drivers(t)
    assert said[-1].startswith("The same ranking in a few plain rules") and "region is North" in said[-1]
    assert main(["export-targets", str(params), "--run", str(tmp_path / "run"), "--uplift", "--share", "0.3",
                 "--holdout-share", "0.1"]) == 0
    exported = pd.read_csv(tmp_path / "run" / "targets" / "uplift_top_30pct.csv", dtype=str)
    assert len(exported) == round(0.3 * t.customers) and set(exported["group"]) == {"send", "holdout"}
    top = t.scores.sort_values("predicted_uplift", ascending=False)["customer_id"].head(len(exported))
    assert set(exported["customer_id"]) == set(top)


@pytest.mark.slow
def test_homogeneous_null_effect_says_there_is_nothing_to_target(tmp_path, capture_markdown):
    # No customer responds (a homogeneous, zero effect). The call "a targetable difference" is a one-sided 2.5% test
    # of the Qini excess by sequential cross-fitting: benchmarks/uplift_null_rate.py measures how often it fires on
    # such data.
    params = _shop(tmp_path / "shop", n=3000, seed=sum(map(ord, "homogeneous")))
    run, result, t = _analyse(params, tmp_path / "run")
    assert t.recommended == {"share": None, "kind": "no_difference"}
    said = capture_markdown(targeting)
    targeting.show_targeting(t)
    targeting.show_drivers(t)
    assert "nothing to target beyond the verdict" in said[0] and "covers 0" in said[0]
    assert "sequential cross-fitting, Wager 2024" in said[0] and not t.qini["test"]["targetable"]
    assert said[1].startswith("The ranking did not beat random targeting")


def test_matched_design_is_not_available_in_one_sentence(tmp_path, capture_markdown):
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    text = (folder / "fixture.yaml").read_text().replace("control_arm: control", "control_arm: null")
    (folder / "fixture.yaml").write_text(text)
    run = session.open_run(str(folder / "fixture.yaml"), str(folder / "run"))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    result = response.analyse(run, response.build_customer_table(run))
    t = targeting.analyse(run, result)
    said = capture_markdown(targeting)
    targeting.show_targeting(t)
    assert targeting.show_policy(t) is None and targeting.show_evidence(t) is None
    assert said == [t.not_available.sentence] and "randomized holdout" in said[0]
    assert targeting.write(run, t) == {"not_available": said[0]}
    assert main(["export-targets", str(folder / "fixture.yaml"), "--run", str(folder / "run"), "--uplift",
                 "--share", "0.3"]) == 1


def test_small_holdout_is_not_available(tmp_path):
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    text = (folder / "fixture.yaml").read_text().replace("min_per_arm: 40", "min_per_arm: 200")
    (folder / "fixture.yaml").write_text(text)
    run = session.open_run(str(folder / "fixture.yaml"), str(folder / "run"))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    t = targeting.analyse(run, response.analyse(run, response.build_customer_table(run)))
    assert "fewer than the 200 per arm" in t.not_available.sentence


def test_export_needs_either_uplift_or_segments(fixture_folder, capsys):
    assert main(["export-targets", str(fixture_folder / "fixture.yaml"), "--uplift"]) == 2
    assert "--uplift needs --share" in capsys.readouterr().err
    assert main(["export-targets", str(fixture_folder / "fixture.yaml"), "--uplift", "--share", "0.3",
                 "--dimension", "rfm_segment"]) == 2


def test_a_test_with_nothing_to_predict_from_is_not_available():
    from types import SimpleNamespace

    from campaignlab.params import load_params

    run = SimpleNamespace(params=load_params(FIXTURE / "fixture.yaml"))
    frame = pd.DataFrame({"group": ["control"] * 300 + ["treatment"] * 300})
    result = SimpleNamespace(design="holdout", estimable=True, verdict={"trust": "randomized"}, covariates=[],
                             frame=frame, control="control")
    sentence = targeting.analyse(run, result).not_available.sentence
    assert "no pre-period behaviour and no customer attribute to predict uplift from" in sentence
    srm = ("The split of customers between the arms differs from the plan (sample-ratio check p = 1e-06): the "
           "assignment may not be random.")
    silent = ("Arm Mail_B has no buyer among its 2,248 customers, where the other arms' rate would give about 644: the "
              "data probably lacks this arm's transactions (check the export and its customer ids).")
    failed = SimpleNamespace(**{**vars(result), "verdict": {"trust": "indicative", "trust_reasons": [srm, silent]},
                                "covariates": ["pre_revenue"]})
    # each failed check is named, in the verdict's own words (an arm's name keeps its capitals)
    assert ("the randomized holdout failed a check (the split of customers between the arms differs from the plan "
            "(sample-ratio check p = 1e-06); arm Mail_B has no buyer among its 2,248 customers, where the other arms' "
            "rate would give about 644), so the arms may not be comparable") in targeting.analyse(run, failed).not_available.sentence


@pytest.mark.parametrize("low, high, said", [(-0.83, -0.05, "lies below 0"), (-0.5, 0.7, "covers 0")])
def test_no_difference_sentence_says_where_the_interval_lies(low, high, said):
    section = {"qini": {"auuc": 0.88, "ci_low": -0.05, "ci_high": 1.74, "random_auuc": 1.32,
                        "test": {"excess": (low + high) / 2, "ci_low": low, "ci_high": high}},
               "folds": 5, "model": "T-learner (x)", "recommendation": {"kind": "no_difference"}, "verdict": {}}
    text = targeting.compose_recommendation(section)
    assert f"(95% CI {low:+,.2f} to {high:+,.2f}), an interval that {said}." in text
