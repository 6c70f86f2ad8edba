"""Two runs of the fixture campaign on the same inputs give the same summary.json (apart from the timestamp keys
listed in docs/run-folder.md) and the same tables, to the last digit."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from campaignlab import iorw
from campaignlab.run import runner

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

#: docs/run-folder.md, "Determinism": the keys that may differ between two runs on the same inputs.
VOLATILE = {"summary.json": set(), "run.json": {"started", "finished", "seconds", "git_commit"}}
TABLES = [iorw.RunFiles.EFFECTS, iorw.RunFiles.SEGMENT_EFFECTS, iorw.RunFiles.REPURCHASE, iorw.RunFiles.KM_CURVES,
          iorw.RunFiles.SEGMENT_PROFILES, iorw.RunFiles.SEGMENTS, iorw.RunFiles.OUTCOMES]


def _without(obj, keys: set[str]):
    if isinstance(obj, dict):
        return {k: _without(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [_without(v, keys) for v in obj]
    return obj


def test_two_runs_on_the_same_inputs_are_identical(fixture_folder, tmp_path, monkeypatch):
    reports = []
    for i in (1, 2):
        # separate caches: cleaning runs twice too
        monkeypatch.setenv("CAMPAIGNLAB_CACHE", str(tmp_path / f"cache{i}"))
        reports.append(runner.run_campaign(fixture_folder / "fixture.yaml", root=ROOT,
                                           outputs_dir=tmp_path / f"outputs{i}").report_dir)
    a, b = (json.loads((r / "summary.json").read_text()) for r in reports)
    assert _without(a, VOLATILE["summary.json"]) == _without(b, VOLATILE["summary.json"])
    # byte-identical, not just equal as parsed: key order and number formatting are stable too
    assert (reports[0] / "summary.json").read_bytes() == (reports[1] / "summary.json").read_bytes()
    ra, rb = (json.loads((r / "run.json").read_text()) for r in reports)
    volatile = VOLATILE["run.json"]
    assert _without(ra, volatile | {"notebooks"}) == _without(rb, volatile | {"notebooks"})
    assert [n["notebook"] for n in ra["notebooks"]] == [n["notebook"] for n in rb["notebooks"]]
    for name in TABLES:
        first, second = reports[0] / name, reports[1] / name
        assert first.is_file() == second.is_file(), name
        if first.is_file():
            pd.testing.assert_frame_equal(iorw.read_table(first), iorw.read_table(second), check_exact=True,
                                          obj=name)
