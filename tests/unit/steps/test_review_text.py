"""Tests for campaignlab.steps.review_text: the write-up follows the sign and interval of each result and quotes its numbers."""

from __future__ import annotations

import copy
import datetime as dt
import math

import pandas as pd
import pytest

from campaignlab.data.sampling import describe_sample
from campaignlab.data.windows import compute_windows
from campaignlab.formatting import format_ci
from campaignlab.stats.verdict import CAUSAL_VERBS, assess_trust, compose_verdict_sentence, find_silent_arms
from campaignlab.steps.review_text import (
    _segment_text,
    compose_executive_summary,
    compose_next_campaign,
    compute_recommendations,
)


def summary(estimate: float, ci_low: float, ci_high: float, *, roi=(0.5, 0.1, 0.9), design="holdout",
            srm_passed=True) -> dict:
    """A summary.json as 03_response writes it, with a chosen headline."""
    control = "control" if design == "holdout" else "comparison"
    return {
        "campaign": {"id": "spring", "title": "Spring coupons", "type": "email", "start_date": "2024-03-01",
                     "end_date": "2024-03-29"},
        "windows": {"notes": []},
        "quality": [{"table": "transactions", "removed_duplicate": 12, "removed_return": 3, "rows_in": 1000}],
        "response": {
            "design": design,
            "control_arm": control,
            "arms": [{"arm": control, "customers": 1200}, {"arm": "treatment", "customers": 10800}],
            "headline": [
                {"arm": "treatment", "metric": "conversion_rate", "estimate": 0.9, "ci_low": 0.5, "ci_high": 1.3,
                 "method": "wrong metric"},
                {"arm": "treatment", "metric": "revenue_per_customer", "estimate": estimate, "ci_low": ci_low,
                 "ci_high": ci_high, "method": "Lin (2013) interacted OLS regression adjustment", "causal": True,
                 "caveat": ""},
            ],
            "srm": {"passed": srm_passed, "p_value": 0.5 if srm_passed else 0.000123},
            "verdict": _verdict(estimate, ci_low, ci_high, design=design, srm_passed=srm_passed),
            "roi": {
                "incremental_revenue": {"estimate": estimate * 10800, "ci_low": ci_low * 10800,
                                        "ci_high": ci_high * 10800},
                "roi": {"estimate": roi[0], "ci_low": roi[1], "ci_high": roi[2]},
                "total_cost": 12345.0,
                "break_even_lift_per_customer": 2.0,
            },
        },
    }


def _verdict(estimate, ci_low, ci_high, *, design, srm_passed):
    method = "Lin (2013) interacted OLS regression adjustment"
    if design == "holdout":
        trust, reasons = assess_trust("holdout", srm={"passed": srm_passed, "p_value": 0.5 if srm_passed else 1e-4},
                                      planned_split=True)
    else:
        trust, reasons = assess_trust("matched", diagnostics={"balanced": False, "max_abs_smd_after": 0.45,
                                                              "effective_comparison": 70.0, "trimmed_treated": 0},
                                      treated=1128, in_overlapping=975)
    sentence = compose_verdict_sentence(trust, metric="revenue_per_customer", estimate=estimate, ci_low=ci_low,
                                        ci_high=ci_high, method=method, window_label="campaign window",
                                        reasons=reasons, compared_with="comparable untargeted customers")
    return {"arm": "treatment", "metric": "revenue_per_customer", "estimate": estimate, "ci_low": ci_low,
            "ci_high": ci_high, "p_value": 0.01, "window": {"start": "2024-03-01", "end": "2024-03-29",
                                                            "label": "campaign window"},
            "method": method, "trust": trust, "trust_reasons": reasons, "sentence": sentence, "arms": []}


def test_a_sampled_run_says_in_what_ran_that_counts_and_money_are_the_samples():
    s = summary(3.0, 1.25, 4.75)
    s["engine"] = {"name": "duckdb", "sample": {"population": 10_000_000, "sample_size": 2_000_000, "seed": 1729,
                                               "method": "simple random sample", "setting": "duckdb.max_customers_in_memory"}}
    what_ran = compose_executive_summary(s)[0]
    # The same sentence as 01_clean's and summary.json's engine.note: one wording of one fact.
    assert what_ran.endswith(" " + describe_sample(s["engine"]["sample"]))
    assert "random sample of 2,000,000 of the 10,000,000 customers" in what_ran
    assert what_ran.endswith("counts and totals are of the sample.")
    assert compose_executive_summary(summary(3.0, 1.25, 4.75))[0].endswith("of 1,200 customers.")


def test_positive_headline_says_raised_and_quotes_the_numbers():
    paras = compose_executive_summary(summary(3.0, 1.25, 4.75))
    assert paras[0] == ("**What ran.** Spring coupons (type email) ran from 2024-03-01 until 2024-03-29 (exclusive) "
                        "and reached 10,800 customers in the analysis. It is measured against a randomized holdout "
                        "of 1,200 customers.")
    head = paras[1]
    assert head.startswith("**Verdict (randomized test).** The campaign raised revenue per customer by 3.00 in the "
                           "campaign window (95% CI +1.25 to +4.75; Lin (2013) interacted OLS regression adjustment).")
    assert "+32,400 (95% CI +13,500 to +51,300) of incremental revenue" in head
    assert "against costs of 12,345, the ROI is +0.50 (95% CI +0.10 to +0.90) per unit spent." in head
    assert format_ci(0.5, 0.1, 0.9) in head  # the ROI as 03, the portfolio and the index write it
    assert head.endswith("The campaign paid for itself even at the pessimistic end of the interval.")
    assert "lowered" not in head and "cannot tell" not in head


def test_negative_headline_says_lowered_with_the_size_not_the_sign():
    paras = compose_executive_summary(summary(-2.5, -4.0, -1.0, roi=(-1.8, -2.5, -1.2)))
    head = paras[1]
    assert "The campaign lowered revenue per customer by 2.50 in the campaign window (95% CI -4.00 to -1.00;" in head
    assert "-27,000 (95% CI -43,200 to -10,800) of incremental revenue" in head
    assert "the ROI is -1.80 (95% CI -2.50 to -1.20)" in head
    assert head.endswith("Even the optimistic end of the interval loses money.")
    assert "raised" not in head


def test_null_headline_says_we_cannot_tell():
    head = compose_executive_summary(summary(0.4, -1.2, 2.0, roi=(-0.6, -1.9, 0.7)))[1]
    assert head.startswith("**Verdict (randomized test).** We cannot tell whether the campaign changed revenue per "
                           "customer: the estimate is +0.40 in the campaign window, but its interval includes zero "
                           "(95% CI -1.20 to +2.00; Lin (2013) interacted OLS regression adjustment).")
    assert "raised" not in head and "lowered" not in head
    # the ROI interval straddles zero: neither closing sentence
    assert "loses money" not in head and "paid for itself" not in head


def test_holdout_trust_paragraph_for_passed_and_failed_sample_ratio_checks():
    ok = compose_executive_summary(summary(3.0, 1.0, 5.0))[2]
    assert ok.startswith("**Can we trust it?** Trust: **randomized test**. Customers were split at random into the "
                         "arms; the split matches the plan (sample-ratio check passed).")
    assert "Cleaning set aside 15 rows" in ok  # 12 duplicates + 3 returns
    paras = compose_executive_summary(summary(3.0, 1.0, 5.0, srm_passed=False))
    assert paras[0].startswith("> **Indicative only.**")
    bad = next(p for p in paras if p.startswith("**Can we trust it?**"))
    assert "Trust: **indicative only**, because: The split of customers between the arms differs from the plan " \
           "(sample-ratio check p = 0.0001)" in bad
    assert "matches the plan" not in bad
    assert not set(next(p for p in paras if p.startswith("**Verdict")).split()) & set(CAUSAL_VERBS)


def test_matched_design_with_failed_checks_is_indicative_and_never_causal():
    s = summary(1.0, 0.2, 1.8, design="matched")
    s["response"]["balance"] = {"balanced": False, "max_abs_smd_before": 0.62, "max_abs_smd_after": 0.45}
    s["response"]["effects"] = [
        {"role": "naive", "metric": "conversion_rate", "estimate": 0.3},
        {"role": "naive", "metric": "revenue_per_customer", "estimate": 5.5},
    ]
    paras = compose_executive_summary(s)
    assert paras[0].startswith("> **Indicative only.** This campaign's numbers are not shown to be its effects: it "
                               "had no randomized holdout, and the comparison with similar customers failed at least "
                               "one check (below).")
    assert "a matched comparison group of 1,200 eligible customers the campaign did not target" in paras[1]
    verdict = next(p for p in paras if p.startswith("**Verdict"))
    assert verdict.startswith("**Verdict (indicative only).** Targeted customers spent 1.00 more per customer than "
                              "comparable untargeted customers in the campaign window")
    assert "If that difference were the campaign's effect, it would be worth" in verdict
    words = {w.strip(".,;:()") for p in paras for w in p.split()}
    assert not words & set(CAUSAL_VERBS)
    trust = next(p for p in paras if p.startswith("**Can we trust it?**"))
    assert "largest standardized difference 0.45, against 0.1" in trust
    assert "counts as only 70 customers" in trust and "975 of the 1,128 targeted customers" in trust
    assert "would claim 5.50 per customer instead of 1.00" in trust


def test_an_adjusted_verdict_may_speak_of_causes():
    s = summary(1.0, 0.2, 1.8, design="matched")
    sentence = compose_verdict_sentence("adjusted", metric="revenue_per_customer", estimate=1.0, ci_low=0.2,
                                        ci_high=1.8, method="DR", window_label="campaign window", reasons=[],
                                        compared_with="comparable untargeted customers")
    s["response"]["verdict"].update(trust="adjusted", trust_reasons=[], sentence=sentence)
    paras = compose_executive_summary(s)
    assert not paras[0].startswith(">")
    assert paras[1].startswith("**Verdict (adjusted comparison, every check passed).** The campaign raised revenue")
    assert "Trust: **adjusted comparison, every check passed**." in paras[2]


@pytest.mark.parametrize("drop", [
    [], ["response"], ["campaign"], ["quality", "windows"], ["response.roi"], ["response.srm"], ["response.arms"],
    ["response.headline"], ["response.verdict"],
])
def test_missing_sections_do_not_crash(drop):
    s = summary(3.0, 1.0, 5.0) if drop else {}
    for key in drop:
        parent, _, child = key.rpartition(".")
        (s[parent] if parent else s).pop(child)
    paras = compose_executive_summary(s)
    assert paras[0].startswith("**What ran.**") and any(p.startswith(("**Headline.**", "**Verdict")) for p in paras)


def test_no_verdict_and_no_headline_says_so():
    s = summary(3.0, 1.0, 5.0)
    s["response"].pop("verdict")
    s["response"]["headline"] = [h for h in s["response"]["headline"] if h["metric"] != "revenue_per_customer"]
    head = compose_executive_summary(s)[1]
    assert head == "**Headline.** No effect could be estimated for this campaign (see the response notebook)."


def test_a_version_1_summary_is_read_without_causal_claims():
    s = summary(3.0, 1.0, 5.0)
    s["response"].pop("verdict")
    head = compose_executive_summary(s)[1]
    assert head.startswith("**Headline.** Revenue per customer: 3.00 (95% CI 1.00 to 5.00;")
    assert not {w.strip(".,;:()") for w in head.split()} & set(CAUSAL_VERBS)


def test_verdict_with_null_numbers_from_json_does_not_crash():
    s = summary(3.0, 1.0, 5.0)
    nan = float("nan")
    s["response"]["verdict"].update(estimate=None, ci_low=None, ci_high=None, sentence=compose_verdict_sentence(
        "randomized", metric="revenue_per_customer", estimate=nan, ci_low=nan, ci_high=nan, method="", reasons=[],
        window_label="campaign window", compared_with=""))
    head = compose_executive_summary(s)[1]
    assert "cannot be estimated" in head


# ------------------------------------------------------------------------------------------------ recommendations
def _segment(segment, lift, lo, hi, q, *, small=False, metric="revenue_per_customer", customers=500):
    return {"dimension": "tier", "segment": segment, "arm": "treatment", "metric": metric, "customers": customers,
            "lift": lift, "ci_low": lo, "ci_high": hi, "p_value": None if q is None else q / 2, "q_value": q,
            "small": small}


SEGMENTS = [
    _segment("above", 5.0, 3.0, 7.0, 0.01),          # whole interval above break-even 2.0: target
    _segment("best", 8.0, 2.5, 13.5, 0.001),         # target, larger lift: listed first
    _segment("below", -1.0, -3.0, 1.0, 0.50),        # below break-even but q >= 0.05: test again, not suppress
    _segment("pays_zero", 1.0, 0.2, 1.8, 0.01),      # above zero but below break-even: suppress
    _segment("straddles", 2.0, 0.5, 3.5, 0.04),      # contains break-even: test again
    _segment("not_sure", 4.0, 2.5, 5.5, 0.20),       # above break-even but q >= 0.05: test again
    _segment("tiny", 10.0, 8.0, 12.0, 0.001, small=True),                 # small: ignored
    _segment("above", 0.2, 0.1, 0.3, 0.001, metric="conversion_rate"),    # another metric: ignored
    _segment("unknown", None, None, None, None),     # not estimable (nulls in JSON): ignored
]


def test_recommendations_against_the_break_even_lift():
    s = {"response": {"segments": copy.deepcopy(SEGMENTS), "roi": {"break_even_lift_per_customer": 2.0}}}
    rec = compute_recommendations(s)
    assert list(zip(rec["action"], rec["segment"], strict=True)) == [
        ("target", "best"), ("target", "above"), ("suppress", "pays_zero"),
        # among the segments to test, the one with q < 0.05 leads, then the larger lifts
        ("test with holdout", "straddles"), ("test with holdout", "not_sure"), ("test with holdout", "below")]
    reasons = dict(zip(rec["segment"], rec["reason"], strict=True))
    assert reasons["above"] == "lift 5.00 (CI 3.00 to 7.00) is above the break-even 2.00"
    assert reasons["below"] == "interval -3.00 to 1.00 is too wide to decide (q = 0.500 across the segments tested)"
    assert reasons["pays_zero"] == "even the upper bound 1.80 is below the break-even lift 2.00"
    # significant but not surely paying: the reason says so rather than calling the interval too wide
    assert reasons["straddles"] == ("lift 2.00 is above zero (q = 0.040) but its lower bound 0.50 is below the "
                                    "break-even 2.00: it may not pay")


def test_recommendations_skip_unknown_repeat_nothing_and_need_100_customers():
    segs = [_segment("unknown", 5.0, 3.0, 7.0, 0.01)] + [
        {**_segment("Married", 5.0, 3.0, 7.0, 0.01), "dimension": d} for d in ("tag_a", "tag_b")] + [
        _segment("few", 9.0, 5.0, 13.0, 0.001, customers=77)]
    rec = compute_recommendations({"response": {"segments": segs, "roi": {"break_even_lift_per_customer": 2.0}}})
    assert "unknown" not in set(rec["segment"])
    assert rec["segment"].tolist().count("Married") == 1
    few = rec[rec["segment"] == "few"].iloc[0]
    assert few["action"] == "test with holdout" and few["reason"].startswith("only 77 customers")


def test_recommendations_without_a_break_even_use_zero_and_never_suppress():
    s = {"response": {"segments": copy.deepcopy(SEGMENTS), "roi": {}}}
    rec = compute_recommendations(s)
    actions = dict(zip(rec["segment"], rec["action"], strict=True))
    assert actions == {"best": "target", "above": "target", "pays_zero": "target", "straddles": "target",
                       "not_sure": "test with holdout", "below": "test with holdout"}
    reasons = dict(zip(rec["segment"], rec["reason"], strict=True))
    assert reasons["pays_zero"] == "lift 1.00 (CI 0.20 to 1.80) is above zero, q = 0.010"


def test_recommendations_without_segments_are_an_empty_table():
    rec = compute_recommendations({})
    assert rec.empty and list(rec.columns) == ["action", "dimension", "segment", "customers", "lift", "ci_low",
                                               "ci_high", "q_value", "reason"]


# ------------------------------------------------------------------------------------------------ next campaign
@pytest.mark.parametrize("need", [math.inf, None])  # inf in memory, null once written to summary.json
def test_next_campaign_for_a_zero_effect_gives_no_holdout_size(need):
    s = {"response": {"planning": {"holdout_needed_at_9_to_1": need, "mde_revenue_per_customer": 1.234,
                                   "observed_lift": 0.0, "power": 0.8}}}
    text = compose_next_campaign(s)
    assert text.startswith("With this campaign's group sizes the smallest detectable effect on revenue per customer "
                           "is 1.23 (80% power).")
    assert "no holdout size can be derived" in text and "at least" not in text and "inf" not in text


def test_next_campaign_quotes_the_holdout_size():
    s = {"response": {"planning": {"holdout_needed_at_9_to_1": 4524, "mde_revenue_per_customer": 0.9,
                                   "observed_lift": -0.75, "power": 0.9}}}
    text = compose_next_campaign(s)
    assert "(90% power)" in text
    assert ("To detect an effect of the size seen here (-0.75 per customer) the next campaign should keep a random "
            "holdout of at least 4,524 customers (90/10 split).") in text


def test_next_campaign_without_planning_is_empty():
    assert compose_next_campaign({}) == "" and compose_next_campaign({"response": {"planning": {}}}) == ""


def test_planning_beyond_the_customer_base_is_not_recommended():
    s = summary(16.84, -19.0, 52.68, design="matched")
    s["response"]["planning"] = {
        "mde_revenue_per_customer": 45.72, "power": 0.8, "observed_lift": 16.84, "customers_available": 2469,
        "holdout_needed_at_9_to_1": 4157, "treated_needed_at_9_to_1": 37413, "feasible": False,
        "options": [{"option": "90/10 split of every customer", "mde_revenue_per_customer": 61.0,
                     "detects_observed": False},
                    {"option": "50/50 split of every customer", "mde_revenue_per_customer": 36.0,
                     "detects_observed": False}]}
    text = compose_next_campaign(s)
    assert "more than the 2,469 customers there are" in text
    assert "should keep a random holdout of at least 4,157" not in text
    assert "No plan within this customer base can detect an effect of that size" in text


def test_money_carries_the_campaigns_currency():
    s = summary(3.0, 1.25, 4.75)
    s["response"]["roi"]["currency"] = "EUR"
    head = compose_executive_summary(s)[1]
    assert "EUR +32,400 (95% CI EUR +13,500 to EUR +51,300) of incremental revenue" in head
    assert "against costs of EUR 12,345" in head


def test_without_costs_the_review_says_there_is_no_roi():
    s = summary(3.0, 1.25, 4.75)
    s["response"]["roi"].update(total_cost=0.0, roi={"estimate": None, "ci_low": None, "ci_high": None},
                                costs_missing=["no cost per contact given: set economics.cost_per_contact"])
    head = compose_executive_summary(s)[1]
    assert "no costs were counted, so there is no ROI" in head and "ROI is not available" not in head


def test_recommendations_name_the_arm_when_there_are_several():
    segs = [{**_segment("East", 5.0, 3.0, 7.0, 0.01), "arm": arm, "customers": n}
            for arm, n in (("treatment_1", 879), ("treatment_2", 863))]
    rec = compute_recommendations({"response": {"segments": segs, "roi": {"break_even_lift_per_customer": 2.0}}})
    assert list(rec.columns[:2]) == ["action", "arm"]
    assert sorted(zip(rec["arm"], rec["customers"], strict=True)) == [("treatment_1", 879), ("treatment_2", 863)]
    one = compute_recommendations({"response": {"segments": segs[:1], "roi": {"break_even_lift_per_customer": 2.0}}})
    assert "arm" not in one.columns


def test_a_segment_holding_the_whole_arm_is_no_recommendation():
    # Without purchase history every customer is rfm_segment = no_purchase: "target" it would read like a choice.
    segs = [{**_segment("no_purchase", 5.0, 3.0, 7.0, 0.01), "dimension": "rfm_segment", "customers": 1200},
            {**_segment("East", 6.0, 3.5, 8.5, 0.01), "dimension": "tag_region", "customers": 700},
            {**_segment("West", 4.0, 1.5, 6.5, 0.01), "dimension": "tag_region", "customers": 500}]
    summary = {"response": {"segments": segs, "roi": {"break_even_lift_per_customer": 2.0},
                            "arms": [{"arm": "control", "customers": 1190}, {"arm": "treatment", "customers": 1200}]}}
    rec = compute_recommendations(summary)
    assert list(rec["segment"]) == ["East", "West"]
    summary["response"]["arms"][1]["customers"] = 1300  # the same segment is a choice when it is not everyone
    assert "no_purchase" in set(compute_recommendations(summary)["segment"])


def test_the_write_up_names_the_segments_the_recommendations_can_choose():
    # The segment lines of the write-up read the same segments as the recommendations: no whole-arm segment, and
    # with several arms each line names its arm (else one segment reads as both gaining and losing).
    segs = [{**_segment("no_purchase", 5.0, 3.0, 7.0, 0.01), "dimension": "rfm_segment", "customers": 1200},
            {**_segment("East", 6.0, 3.5, 8.5, 0.01), "dimension": "tag_region", "customers": 700}]
    summary = {"response": {"segments": segs, "arms": [{"arm": "control", "customers": 1190},
                                                       {"arm": "treatment", "customers": 1200}]}}
    lines = _segment_text(summary)
    assert "tag_region = East" in lines and "no_purchase" not in lines and "treatment:" not in lines
    two = [{**_segment("high", 9.0, 4.0, 14.0, 0.01), "arm": "mail_a"},
           {**_segment("high", -7.0, -12.0, -2.0, 0.01), "arm": "mail_b"}]
    lines = _segment_text({"response": {"segments": two}})
    assert "Responded: mail_a: tier = high" in lines and "Lost revenue: mail_b: tier = high" in lines


@pytest.mark.parametrize("design, srm_passed", [("matched", True), ("holdout", False)])
def test_a_campaign_whose_verdict_is_not_an_effect_decides_nothing_per_segment(design, srm_passed):
    # An indicative verdict (a failed balance check, or a holdout whose split failed its sample-ratio check): a
    # segment's difference is not the campaign's effect, so no segment is to target or suppress, and the write-up's
    # lines describe differences in words that claim no cause.
    s = summary(1.0, 0.2, 1.8, design=design, srm_passed=srm_passed)
    assert s["response"]["verdict"]["trust"] == "indicative"
    s["response"]["segments"] = [*copy.deepcopy(SEGMENTS), _segment("down", -4.0, -6.0, -2.0, 0.01)]
    rec = compute_recommendations(s)
    assert set(rec["action"]) == {"test with holdout"}
    before = compute_recommendations({"response": {**s["response"], "verdict": None}})
    same = ["segment", "lift", "ci_low", "ci_high", "q_value"]  # the same segments with the same numbers
    assert sorted(map(tuple, rec[same].to_numpy())) == sorted(map(tuple, before[same].to_numpy()))
    reasons = dict(zip(rec["segment"], rec["reason"], strict=True))
    assert reasons["pays_zero"] == ("difference 1.00 (CI 0.20 to 1.80, q = 0.010) in a campaign whose verdict is "
                                    "indicative: not shown to be the campaign's effect")
    lines = _segment_text(s)
    assert "Responded" not in lines and "Lost revenue" not in lines
    assert "Spent more than their comparison group: tier = best (8.00 per customer" in lines
    assert "Spent less than their comparison group: tier = down (-4.00 per customer" in lines
    assert "Treat them as leads to test with a holdout." in lines
    assert ("adjusted for pre-period behaviour only" in lines) == (design == "matched")
    words = {w.strip(".,;:()") for w in lines.split()}
    assert not words & set(CAUSAL_VERBS)


def test_an_adjusted_or_randomized_verdict_keeps_its_segment_decisions():
    for design in ("holdout", "matched"):
        s = summary(1.0, 0.2, 1.8, design=design)
        s["response"]["verdict"]["trust"] = "randomized" if design == "holdout" else "adjusted"
        s["response"]["segments"] = copy.deepcopy(SEGMENTS)
        assert {"target", "suppress"} <= set(compute_recommendations(s)["action"])
        assert "Responded: tier = best" in _segment_text(s)


def test_an_arm_without_a_buyer_makes_a_randomized_verdict_indicative_and_the_review_says_why():
    arms = pd.DataFrame({"arm": ["control", "treatment"], "customers": [1200, 10800], "converters": [240, 0]})
    silent = find_silent_arms(arms)
    assert silent == [{"arm": "treatment", "customers": 10800, "expected": 2160.0}]
    trust, reasons = assess_trust("holdout", srm={"passed": True, "p_value": 0.5}, planned_split=True,
                                  silent_arms=silent)
    assert trust == "indicative"
    assert reasons == ["Arm treatment has no buyer among its 10,800 customers, where the other arms' rate would give "
                       "about 2,160: the data probably lacks this arm's transactions (check the export and its "
                       "customer ids)."]
    # with a failed sample-ratio check too, both reasons are given; a matched design is held to the same check
    assert len(assess_trust("holdout", srm={"passed": False, "p_value": 1e-9}, silent_arms=silent)[1]) == 2
    passing = {"diagnostics": {"balanced": True, "max_abs_smd_after": 0.02, "effective_comparison": 900.0,
                               "trimmed_treated": 0}, "placebo": {"ci_low": -1.0, "ci_high": 1.0}}
    assert assess_trust("matched", **passing) == ("adjusted", [])
    assert assess_trust("matched", **passing, silent_arms=silent) == ("indicative", reasons)
    s = summary(-20.0, -25.0, -15.0)
    s["response"]["verdict"].update(trust=trust, trust_reasons=reasons)
    s["response"]["segments"] = copy.deepcopy(SEGMENTS)
    paras = compose_executive_summary(s)
    assert paras[0] == ("> **Indicative only.** This campaign's numbers are not shown to be its effects: its "
                        "randomized holdout failed a check (below). They describe differences between groups, not "
                        "effects of the campaign.")
    trust_text = next(p for p in paras if p.startswith("**Can we trust it?**"))
    assert "Trust: **indicative only**, because: Arm treatment has no buyer among its 10,800 customers" in trust_text
    assert set(compute_recommendations(s)["action"]) == {"test with holdout"}


def test_a_campaign_the_data_covers_in_part_draws_no_conclusion_from_its_roi():
    s = summary(-2.0, -3.5, -0.5, roi=(-0.8, -0.95, -0.6))  # as above: loses money at the optimistic end
    window = compute_windows(dt.date(2024, 3, 31), dt.date(2024, 4, 28), pre_days=30, post_days=30,
                             data_start=dt.date(2024, 1, 1), data_end=dt.date(2024, 4, 10))["campaign"]
    s["windows"] = {"campaign": window.to_dict()}  # as the summary records it
    head = compose_executive_summary(s)[1]
    assert "The data covers only 10 of the campaign's 28 days" in head and "loses money" not in head
    s["windows"]["campaign"].update(covered_days=28, complete=True)  # fully covered: the conclusion stands
    assert "Even the optimistic end of the interval loses money." in compose_executive_summary(s)[1]
