"""The trust levels a matched design can reach, on simulated data whose truth is known."""

from __future__ import annotations

import pandas as pd
import pytest

from campaignlab.data.simulate import simulate_dataset
from campaignlab.run import session
from campaignlab.stats.verdict import CAUSAL_VERBS, assess_trust
from campaignlab.steps import response

SEED = sum(map(ord, "trust levels"))


def _run(tmp_path, *, confounding: float) -> response.ResponseResult:
    tables = simulate_dataset(3000, seed=SEED, confounding=confounding, true_lift=0.3, n_days=300,
                              campaign_start_day=200)
    folder = tmp_path / "shop"
    folder.mkdir()
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    campaign = str(tables["campaigns"]["campaign_id"].iloc[0])
    (folder / "sim.yaml").write_text(f"id: sim_trust\ncampaign: '{campaign}'\ndata: .\npre_period_days: 60\n"
                                     "post_period_days: 30\n")
    run = session.open_run(str(folder / "sim.yaml"), str(tmp_path / "run"))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    return response.analyse(run, response.build_customer_table(run))


@pytest.mark.slow
def test_random_targeting_with_history_reaches_adjusted_trust(tmp_path):
    result = _run(tmp_path, confounding=0.0)
    v = result.verdict
    assert result.design == "matched" and result.diagnostics["placebo"] is not None
    assert v["trust"] == "adjusted", v["trust_reasons"]
    assert v["sentence"].startswith(("The campaign raised", "The campaign lowered", "We cannot tell"))


def test_a_placebo_that_finds_a_difference_keeps_the_verdict_indicative():
    diagnostics = {"balanced": True, "max_abs_smd_after": 0.02, "max_abs_smd_before": 0.3,
                   "effective_comparison": 900.0, "trimmed_treated": 0}
    good = {"estimate": 1.0, "ci_low": 0.5, "ci_high": 1.5}
    level, why = assess_trust("matched", diagnostics=diagnostics, doubly_robust=good, ipw=good, treated=1000,
                              in_overlapping=10, placebo={"estimate": -70.0, "ci_low": -130.0, "ci_high": -15.0})
    assert level == "indicative" and "placebo test on the pre-period" in why[0]
    level, why = assess_trust("matched", diagnostics=diagnostics, doubly_robust=good, ipw=good, treated=1000,
                              in_overlapping=10, placebo={"estimate": 2.0, "ci_low": -5.0, "ci_high": 9.0})
    assert (level, why) == ("adjusted", [])
    level, why = assess_trust("matched", diagnostics=diagnostics, doubly_robust=good, ipw=good, treated=1000,
                              in_overlapping=10, placebo=None)
    assert level == "indicative" and "too little history" in why[0]
    assert not set(" ".join(why).split()) & set(CAUSAL_VERBS)
