"""Interactive sessions: what is stale in an interactive folder, short errors, no result outliving a campaign switch."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from campaignlab import iorw
from campaignlab.run import interactive, session
from campaignlab.run.interactive import SessionError

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"


def test_upstream_and_stale_notebooks_follow_the_summary_sections(tmp_path):
    folder = tmp_path / "_interactive" / "c1"
    folder.mkdir(parents=True)
    assert interactive.stale_upstream(folder, "03_response") == ["01_clean", "02_segment"]
    iorw.write_json(folder / iorw.CLEAN_POINTER, {"clean_dir": "x"})
    iorw.update_summary(folder, "campaign", {"id": "c1"})
    assert interactive.stale_upstream(folder, "03_response") == ["02_segment"]
    assert interactive.stale_upstream(folder, "02_segment") == []
    iorw.update_summary(folder, "segments", {})
    assert interactive.stale_upstream(folder, "03_response") == []
    assert interactive.stale_upstream(folder, "05_review") == ["03_response", "04_retention"]
    (folder / iorw.CLEAN_POINTER).unlink()  # the summary alone does not prove 01 ran here
    assert interactive.stale_upstream(folder, "03_response") == ["01_clean", "02_segment"]


def test_a_folder_built_from_other_parameters_is_reset(tmp_path):
    folder = tmp_path / "_interactive" / "c1"
    folder.mkdir(parents=True)
    iorw.update_summary(folder, "campaign", {"id": "c1"})
    iorw.write_json(folder / iorw.CLEAN_POINTER, {"clean_dir": "x"})
    assert interactive.prepare_folder(folder, "stamp-1") is True
    assert not (folder / iorw.SUMMARY_FILE).exists() and not (folder / iorw.CLEAN_POINTER).exists()
    iorw.update_summary(folder, "campaign", {"id": "c1"})
    assert interactive.prepare_folder(folder, "stamp-1") is False  # same stamp: kept
    assert (folder / iorw.SUMMARY_FILE).exists()
    assert interactive.prepare_folder(folder, "stamp-2") is True
    assert not (folder / iorw.SUMMARY_FILE).exists()


def test_the_stamp_changes_with_the_parameters(tmp_path):
    from campaignlab.params import load_params

    shop = tmp_path / "shop"
    import shutil

    shutil.copytree(FIXTURE, shop)
    first = interactive.params_stamp(load_params(shop / "fixture.yaml"))
    assert interactive.params_stamp(load_params(shop / "fixture.yaml")) == first
    text = (shop / "fixture.yaml").read_text()
    (shop / "fixture.yaml").write_text(text.replace("pre_period_days: 60", "pre_period_days: 30"))
    assert interactive.params_stamp(load_params(shop / "fixture.yaml")) != first


def test_missing_upstream_advice_names_the_interactive_command_not_the_runner():
    with pytest.raises(FileNotFoundError) as interactive_error:
        iorw.require_file(Path("/p/outputs/_interactive/c27"), "clean.json", "01_clean", "params/c27.yaml")
    message = str(interactive_error.value)
    assert "campaignlab interactive params/c27.yaml --upto 02_segment" in message
    assert "campaignlab run" not in message
    with pytest.raises(FileNotFoundError, match=r"campaignlab run params/c27.yaml"):
        iorw.require_file(Path("/p/outputs/_staging/c27-x"), "clean.json", "01_clean", "params/c27.yaml")


def test_clear_previous_run_drops_results_and_keeps_modules_functions_and_parameters():
    import math

    ns = {"params_path": "params/cj_campaign_27.yaml", "run_dir": "", "math": math, "len": len,
          "result": object(), "table": pd.DataFrame({"customer_id": ["C1"]}), "summary": {"x": 1},
          "_private": [1], "In": [], "Out": {}}
    dropped = interactive.clear_previous_run(ns)
    assert sorted(dropped) == ["result", "summary", "table"]
    assert {"params_path", "run_dir", "math", "len", "_private", "In", "Out"} == set(ns)


def test_session_error_renders_as_its_message_only():
    err = SessionError("outputs/_interactive/c27/clean.json is missing")
    (line,) = err._render_traceback_()
    assert "SessionError" in line and "clean.json is missing" in line and "Traceback" not in line


def test_a_failing_first_cell_in_ipython_clears_the_previous_result_and_shows_no_traceback(tmp_path, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.user_ns.update(result={"campaign": "cj_campaign_18"}, table=pd.DataFrame({"a": [1]}), session=session)
        bad = tmp_path / "nope.yaml"
        res = shell.run_cell(f'run = session.open_run("{bad}", "", "03_response")')
        out = capsys.readouterr()
        assert isinstance(res.error_in_exec, SessionError)
        assert "result" not in shell.user_ns and "table" not in shell.user_ns and "run" not in shell.user_ns
        shown = out.out + out.err
        assert "SessionError" in shown and str(bad) in shown
        assert "Traceback" not in shown and "open_run" not in shown and len(shown.splitlines()) <= 5
    finally:
        InteractiveShell.clear_instance()


def test_the_runner_keeps_ordinary_errors(tmp_path):
    # run_dir given (the runner): no session error, no namespace clearing; the failed notebook keeps its traceback.
    with pytest.raises(Exception) as err:
        session.open_run(str(tmp_path / "nope.yaml"), str(tmp_path / "run"), "03_response")
    assert not isinstance(err.value, SessionError)
