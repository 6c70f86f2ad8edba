"""Money with several treatment arms: each arm's effect times its own customers, and a total for all arms."""

from __future__ import annotations

import pandas as pd
import pytest

from campaignlab.run import session
from campaignlab.steps import response

CAMPAIGN_START, CAMPAIGN_END = pd.Timestamp("2024-04-30"), pd.Timestamp("2024-05-28")


@pytest.fixture(scope="module")
def two_arm_result(tmp_path_factory, request):
    """The fixture shop with its treatment split in two arms; arm B's spend in the window is tripled."""
    import shutil
    from pathlib import Path

    folder = tmp_path_factory.mktemp("shop")
    shutil.copytree(Path(request.config.rootpath) / "tests" / "data" / "fixture_shop", folder, dirs_exist_ok=True)
    asg = pd.read_csv(folder / "assignments.csv", dtype=str)
    treated = asg.index[asg["arm"] == "treatment"]
    arm_b = treated[::2]
    asg.loc[arm_b, "arm"] = "treatment_b"
    asg.to_csv(folder / "assignments.csv", index=False)
    tx = pd.read_csv(folder / "transactions.csv", dtype={"customer_id": str})
    ts = pd.to_datetime(tx["ts"])
    boost = tx["customer_id"].isin(asg.loc[arm_b, "customer_id"]) & (ts >= CAMPAIGN_START) & (ts < CAMPAIGN_END)
    tx.loc[boost, "amount"] = (tx.loc[boost, "amount"] * 3).round(2)
    tx.to_csv(folder / "transactions.csv", index=False)
    params = folder / "fixture.yaml"
    params.write_text(params.read_text().replace("planned_split: {treatment: 0.7, control: 0.3}",
                                                 "planned_split: {treatment: 0.35, treatment_b: 0.35, control: 0.3}"))
    run = session.open_run(str(params), str(folder / "run"))
    cleaned = run.prepare_data()
    run.start_summary(cleaned, pd.DataFrame())
    return response.analyse(run, response.build_customer_table(run))


def test_each_arm_is_paid_for_by_its_own_effect_and_the_total_is_their_sum(two_arm_result):
    roi = two_arm_result.roi
    arms = {a["arm"]: a for a in roi["arms"]}
    assert set(arms) == {"treatment", "treatment_b"}
    sizes = two_arm_result.frame["group"].value_counts()
    for name, a in arms.items():
        assert a["contacts"] == sizes[name]
        assert a["incremental_revenue"]["estimate"] == pytest.approx(
            a["per_customer_effect"]["estimate"] * sizes[name])
    effects = sorted(a["per_customer_effect"]["estimate"] for a in arms.values())
    assert effects[1] > 2 * effects[0]  # arm B's tripled spend shows
    total = roi["incremental_revenue"]
    by_arm = sum(a["incremental_revenue"]["estimate"] for a in arms.values())
    assert total["ci_low"] <= by_arm <= total["ci_high"]
    # Not the first arm's effect times every treated customer.
    first = roi["arms"][0]["per_customer_effect"]["estimate"] * (sizes["treatment"] + sizes["treatment_b"])
    assert abs(total["estimate"] - by_arm) < abs(first - by_arm)


def test_the_verdict_pools_the_arms_and_lists_each(two_arm_result):
    v = two_arm_result.verdict
    assert v["arm"] == "all arms" and {a["arm"] for a in v["arms"]} == {"treatment", "treatment_b"}
    assert v["window"]["label"] == "campaign window" and v["trust"] in ("randomized", "indicative")
    low = min(a["estimate"] for a in v["arms"])
    high = max(a["estimate"] for a in v["arms"])
    assert low <= v["estimate"] <= high


@pytest.mark.parametrize("economics, campaign, costs, missing", [
    ({"cost_per_contact": 0.4, "fixed_cost": None}, {"fixed_cost": 250.0}, (0.4, 250.0), []),
    ({"cost_per_contact": None, "fixed_cost": None}, {"cost_per_contact": float("nan")}, (0.0, 0.0),
     ["cost per contact", "fixed cost"]),
])
def test_campaign_costs_come_from_params_then_the_campaigns_table(economics, campaign, costs, missing):
    from types import SimpleNamespace

    run = SimpleNamespace(params=SimpleNamespace(economics=SimpleNamespace(**economics)), campaign=campaign)
    got, said = response.campaign_costs(run)
    assert (got["cost_per_contact"], got["fixed_cost"]) == costs
    assert [s.split(" given")[0].removeprefix("no ") for s in said] == missing
    assert all("set economics." in s for s in said)
