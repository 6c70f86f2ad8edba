"""A randomized e-mail test as users export it (no purchase history, three arms, eight mixed attributes): the
per-arm figures of 03_response equal a hand computation in pandas from the raw files. The 64,000-customer size runs
in benchmarks/email_test_64k.py; here 4,000 customers keep the test to seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from campaignlab.run import session
from campaignlab.steps import response

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests"))
from shape_cases import EMAIL_TEST, write_shape_folder  # noqa: E402

SEED = sum(map(ord, "email test"))


def _by_hand(folder: Path) -> pd.DataFrame:
    """Per arm from the CSV files alone: customers, response rate, revenue per customer, difference vs control."""
    asg = pd.read_csv(folder / "assignments.csv", dtype=str)
    tx = pd.read_csv(folder / "transactions.csv", dtype={"customer_id": str}, parse_dates=["ts"])
    ev = pd.read_csv(folder / "events.csv", dtype={"customer_id": str}, parse_dates=["ts"])
    camp = pd.read_csv(folder / "campaigns.csv", parse_dates=["start_date", "end_date"]).iloc[0]
    in_window = lambda t: (t["ts"] >= camp["start_date"]) & (t["ts"] < camp["end_date"])  # noqa: E731
    revenue = tx[in_window(tx)].drop_duplicates().groupby("customer_id")["amount"].sum()
    responders = set(ev.loc[in_window(ev) & (ev["event"] == "redeemed"), "customer_id"])
    per = asg.assign(revenue=asg["customer_id"].map(revenue).fillna(0.0),
                     responded=asg["customer_id"].isin(responders))
    arms = per.groupby("arm").agg(customers=("customer_id", "size"), response_rate=("responded", "mean"),
                                  revenue_per_customer=("revenue", "mean"))
    arms["difference"] = arms["revenue_per_customer"] - arms.loc["control", "revenue_per_customer"]
    return arms


def test_per_arm_figures_match_a_hand_computation(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGNLAB_CACHE", str(tmp_path / "cache"))
    params = write_shape_folder(tmp_path / "email", EMAIL_TEST, 4000, seed=SEED, campaign_id="email_test")
    hand = _by_hand(tmp_path / "email")
    assert list(hand.index) == ["control", "treatment", "treatment_2"]
    run = session.open_run(str(params), str(tmp_path / "run"))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    result = response.analyse(run, response.build_customer_table(run))
    section = response.write(run, result)
    assert section["design"] == "holdout" and section["control_arm"] == "control"
    got = pd.DataFrame(section["arms"]).set_index("arm")
    assert got["customers"].to_dict() == hand["customers"].to_dict()
    for col in ("response_rate", "revenue_per_customer"):
        pd.testing.assert_series_equal(got.loc[hand.index, col], hand[col], check_names=False, rtol=1e-9)
    e = result.effects
    # the unadjusted difference in means (tested by permutation) against the control arm
    plain = e[(e["metric"] == "revenue_per_customer") & (e["versus"] == "control")
              & e["method"].str.startswith("permutation test of the difference in means")]
    diff = plain.set_index("arm")["estimate"]
    for arm in ("treatment", "treatment_2"):
        assert diff[arm] == pytest.approx(hand.loc[arm, "difference"], rel=1e-9, abs=1e-9)
    # the dollar attribute is a number (one covariate), not thousands of dummy columns
    assert "history_dollars" in result.covariates
    assert len(result.covariates) < 40
