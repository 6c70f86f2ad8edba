"""The data-shape suite: every pair of shape factors (history, holdout, arms, attributes, events, feedback) runs end
to end through the runner, all notebooks, with a schema-valid summary. The full crossing: benchmarks/shapes.py.

All cases run in one ``run_many`` call, two at a time (CI has two cores), as ``campaignlab run --jobs 2`` would; each
case is then checked on its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from campaignlab import iorw
from campaignlab.data.shapes import case_name, pairwise_cases
from campaignlab.run import runner
from campaignlab.run.summary import validate_summary
from shape_cases import write_shape_folder

ROOT = Path(__file__).resolve().parents[1]
SEED = sum(map(ord, "data shapes"))
CUSTOMERS = 1500
CASES = pairwise_cases()
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    """Write every case's data folder, run them all, and return (outputs folder, failure messages)."""
    base = tmp_path_factory.mktemp("shapes")
    params = [write_shape_folder(base / case_name(c), c, CUSTOMERS, seed=SEED) for c in CASES]
    saved = os.environ.get("CAMPAIGNLAB_CACHE")
    os.environ["CAMPAIGNLAB_CACHE"] = str(base / "cache")  # inherited by the workers and their kernels
    try:
        _, failures = runner.run_many(params, jobs=2, root=ROOT, outputs_dir=base / "outputs",
                                      progress=lambda _msg: None)
    finally:
        if saved is None:
            os.environ.pop("CAMPAIGNLAB_CACHE", None)
        else:
            os.environ["CAMPAIGNLAB_CACHE"] = saved
    return base / "outputs", failures


@pytest.mark.parametrize("case", CASES, ids=case_name)
def test_data_shape_runs_end_to_end(case, suite):
    outputs, failures = suite
    name = case_name(case)
    assert not [f for f in failures if f.startswith(f"{name}:")]
    report = outputs / name
    summary = iorw.read_summary(report)
    validate_summary(summary)
    assert (report / iorw.RunFiles.REVIEW_HTML).is_file()
    arms = {a["arm"] for a in summary["response"]["arms"]}
    assert {"treatment"} | {f"treatment_{k}" for k in range(2, case["arms"] + 1)} <= arms
    notes = {n["section"] for s in ("segments", "response", "retention") for n in summary[s]["notes"]
             if isinstance(n, dict)}
    assert ("Net promoter score" in notes) is not case["feedback"]
    assert ("The funnel of campaign events" in notes) is not case["events"]
    if not case["history"]:
        assert "Lifetime value" in notes
    if not (case["history"] or case["holdout"]):
        assert summary["response"]["verdict"]["trust"] == "not_estimable" and "The campaign's effect" in notes


def test_the_portfolio_of_all_shapes_is_built(suite):
    outputs, failures = suite
    assert not [f for f in failures if f.startswith("portfolio")]
    assert (outputs / "_portfolio" / "portfolio.html").is_file() and (outputs / "index.html").is_file()
