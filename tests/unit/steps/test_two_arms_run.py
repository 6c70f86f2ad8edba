"""A customer assigned to two arms is left out of the comparison, counted, and the review warns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from campaignlab.run import session
from campaignlab.steps import response
from campaignlab.steps.review_text import compose_executive_summary

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"


def test_two_arm_customers_are_excluded_counted_and_warned_about(tmp_path):
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    asg = pd.read_csv(folder / "assignments.csv", dtype=str)
    who = asg.iloc[0]["customer_id"]
    twice = asg.iloc[[0]].assign(arm="treatment" if asg.iloc[0]["arm"] == "control" else "control")
    pd.concat([asg, twice]).to_csv(folder / "assignments.csv", index=False)
    run = session.open_run(str(folder / "fixture.yaml"), str(folder / "run"))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    table = response.build_customer_table(run)
    assert who not in set(table["customer_id"]) and table.attrs["excluded_two_arms"] == 1
    result = response.analyse(run, table)
    assert result.info["excluded_two_arms"] == 1
    section = response.write(run, result)
    trust = next(p for p in compose_executive_summary({"response": section}) if p.startswith("**Can we trust"))
    assert "1 customers were assigned to two arms of this campaign" in trust
