"""Tests for the command line (campaignlab.run.cli), run in-process; `run` is covered end to end in tests/test_runner.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaignlab.params import load_params
from campaignlab.run.cli import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def in_project(monkeypatch):
    # the CLI finds params/defaults.yaml from the working directory, as it does for a user in the project
    monkeypatch.chdir(ROOT)


def test_validate_ok_prints_the_id_and_exits_zero(fixture_folder, capsys):
    params = fixture_folder / "fixture.yaml"
    assert main(["validate", str(params)]) == 0
    out, err = capsys.readouterr()
    assert out == f"ok  {params}  (fixture_sim1)\n" and err == ""


def test_validate_with_data_reads_the_folder(fixture_folder, capsys):
    assert main(["validate", str(fixture_folder / "fixture.yaml"), "--data"]) == 0
    assert capsys.readouterr().out.startswith("ok  ")


def test_validate_with_data_names_a_campaign_missing_from_the_data(fixture_folder, capsys):
    params = fixture_folder / "fixture.yaml"
    params.write_text(params.read_text().replace("campaign: SIM1", "campaign: SIM2"))
    assert main(["validate", str(params), "--data"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "campaign 'SIM2' is not in the campaigns table" in err and "(known: SIM1)" in err


def test_validate_with_data_reports_broken_data(fixture_folder, capsys):
    (fixture_folder / "customers.csv").unlink()
    assert main(["validate", str(fixture_folder / "fixture.yaml"), "--data"]) == 1
    assert "lacks the table(s) customers" in capsys.readouterr().err


def test_validate_counts_every_bad_file_and_still_checks_the_good_ones(fixture_folder, tmp_path, capsys):
    good = fixture_folder / "fixture.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("pre_period_days: 60", "pre_period_days: -5"))
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(bad), str(good), str(missing)]) == 1
    out, err = capsys.readouterr()
    assert out == f"ok  {good}  (fixture_sim1)\n"
    assert err.count("ERROR") == 2 and "'pre_period_days'" in err and f"{missing} does not exist" in err


def test_misspelled_key_names_the_closest_valid_key(fixture_folder, capsys):
    params = fixture_folder / "fixture.yaml"
    params.write_text(params.read_text().replace("response_event:", "respons_event:"))
    assert main(["validate", str(params)]) != 0
    err = capsys.readouterr().err
    assert "unknown key 'respons_event'; did you mean 'response_event'?" in err


def test_misspelled_nested_key_names_the_closest_valid_key(fixture_folder, capsys):
    params = fixture_folder / "fixture.yaml"
    params.write_text(params.read_text() + "response:\n  alpah: 0.1\n")
    assert main(["validate", str(params)]) != 0
    assert "unknown key 'response.alpah'; did you mean 'response.alpha'?" in capsys.readouterr().err


def test_new_writes_a_params_file_that_validates(fixture_folder, tmp_path, capsys):
    target = tmp_path / "params" / "spring.yaml"
    target.parent.mkdir()
    code = main(["new", "Spring Sale 2024", "--campaign", "SIM1", "--data", str(fixture_folder),
                 "--control-arm", "control", "--output", str(target)])
    assert code == 0
    assert f"wrote {target}" in capsys.readouterr().out
    params = load_params(target)
    assert (params.id, params.campaign, params.control_arm) == ("spring_sale_2024", "SIM1", "control")
    assert Path(params.data) == fixture_folder
    assert main(["validate", str(target)]) == 0


def test_new_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "spring.yaml"
    target.write_text("# hand-written, keep me\n")
    assert main(["new", "spring", "--campaign", "7", "--output", str(target)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert target.read_text() == "# hand-written, keep me\n"


def test_new_with_a_numeric_campaign_keeps_it_as_text(tmp_path):
    # campaign ids are text; an unquoted 18 would be read by YAML as a number
    target = tmp_path / "cj.yaml"
    assert main(["new", "cj_18", "--campaign", "18", "--output", str(target)]) == 0
    assert load_params(target).campaign == "18"


def test_new_that_would_not_validate_writes_nothing(tmp_path, capsys):
    target = tmp_path / "x.yaml"
    assert main(["new", "x", "--campaign", "SIM1", "--data", "bundled:nope", "--output", str(target)]) == 1
    assert "unknown bundled data" in capsys.readouterr().err and not target.exists()


def test_new_refuses_an_id_without_letters_or_digits(tmp_path, capsys):
    assert main(["new", "!!!", "--campaign", "SIM1", "--output", str(tmp_path / "x.yaml")]) == 2
    assert "Cannot make a campaign slug" in capsys.readouterr().err


def test_new_keeps_a_data_path_with_a_hash_sign(fixture_folder, tmp_path):
    folder = fixture_folder.rename(tmp_path / "shop #2")
    target = tmp_path / "hash.yaml"
    assert main(["new", "hash", "--campaign", "SIM1", "--data", str(folder), "--output", str(target)]) == 0
    # today the file says `data: .../shop #2` and the data folder is read as `.../shop`
    assert Path(load_params(target).data) == folder


def test_validate_with_data_checks_the_campaign_of_every_file_sharing_a_source(fixture_folder, capsys):
    # the data is read once per source, but each file's campaign id is still checked against it
    good = fixture_folder / "fixture.yaml"
    other = fixture_folder / "other.yaml"
    other.write_text('id: other\ncampaign: "NOPE"\ndata: .\n')
    assert main(["validate", str(good), str(other), "--data"]) == 1
    err = capsys.readouterr().err
    assert "campaign 'NOPE' is not in the campaigns table" in err and "SIM1" in err


def test_synth_writes_a_data_set_and_a_params_file_that_validates(tmp_path, capsys):
    out = tmp_path / "synth"
    assert main(["synth", "--customers", "400", "--lines", "3000", "--out", str(out), "--seed", "3",
                 "--arms", "2", "--effect", "0.1", "0.2"]) == 0
    printed = capsys.readouterr().out
    assert "treatment_2 order rate x 1.200" in printed and f"params: {out / 'campaign.yaml'}" in printed
    assert main(["validate", str(out / "campaign.yaml"), "--data"]) == 0
    assert main(["synth", "--customers", "400", "--lines", "3000", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_synth_names_a_bad_option(tmp_path, capsys):
    assert main(["synth", "--customers", "10", "--lines", "5", "--out", str(tmp_path)]) == 2
    assert "--lines (5) must be at least --customers (10)" in capsys.readouterr().err
