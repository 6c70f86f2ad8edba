"""Tests for campaignlab.stats.response: design choice, eligibility, metrics, funnel, segment effects, effects, ROI, planning.

Expected values are counted by hand or recomputed from scipy / statsmodels primitives, never by calling the
function under test a second time.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import optimize, stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests

from campaignlab.data.outcomes import NOT_ASSIGNED
from campaignlab.params import ResponseConfig
from campaignlab.stats import effects, response

ALPHA = 0.05

# The control arm gets no coupon, so its response rate is 0 and statsmodels warns while computing ratios it is
# not asked for; the difference and its test are unaffected.
pytestmark = pytest.mark.filterwarnings("ignore:divide by zero encountered in scalar divide:RuntimeWarning")


def _scipy_permutation(yt, yc):
    """scipy's permutation test of the difference in means, with the product's seed and resamples."""
    return stats.permutation_test((np.asarray(yt, float), np.asarray(yc, float)),
                                  lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis), vectorized=True,
                                  n_resamples=effects.PERMUTATION_RESAMPLES,
                                  rng=np.random.default_rng(effects.PERMUTATION_SEED))


def config(**overrides) -> ResponseConfig:
    values = dict(alpha=ALPHA, min_pre_orders=1, exclude_overlapping=True, winsorize_quantile=None,
                  trim=(0.01, 0.99), balance_threshold=0.1, min_segment_size=10, planned_split=None,
                  srm_threshold=0.001, power=0.8, use_attributes=True)
    values.update(overrides)
    return ResponseConfig(**values)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(sum(map(ord, "response")))


# ------------------------------------------------------------------------------------------------ design
def test_design_is_holdout_when_the_control_arm_has_customers():
    d = pd.DataFrame({"arm": ["treatment", "control", NOT_ASSIGNED]})
    assert response.choose_design(d, "control") == "holdout"


def test_design_is_matched_without_a_control_arm():
    d = pd.DataFrame({"arm": ["treatment", NOT_ASSIGNED]})
    assert response.choose_design(d, None) == "matched"


def test_a_wrong_control_arm_is_an_error_naming_the_arms_found():
    d = pd.DataFrame({"arm": ["treatment", "holdout", NOT_ASSIGNED, "treatment"]})
    with pytest.raises(ValueError) as err:
        response.choose_design(d, "control")
    msg = str(err.value)
    assert "control_arm 'control'" in msg
    assert "(arms found: holdout, treatment)" in msg  # sorted, without not_assigned


# ------------------------------------------------------------------------------------------------ eligibility
def _eligibility_outcomes() -> pd.DataFrame:
    rows = [  # customer, arm, pre_orders, other_campaigns
        ("t1", "treatment", 2, 0),     # kept
        ("t2", "treatment", 0, 0),     # no pre-period order: out
        ("t3", "treatment", 1, 1),     # in another campaign: kept, only the comparison pool is filtered on it
        ("t4", "treatment", np.nan, 0),  # pre-period not covered counts as no order
        ("n1", NOT_ASSIGNED, 3, 0),    # comparison
        ("n2", NOT_ASSIGNED, 0, 0),    # no pre-period order
        ("n3", NOT_ASSIGNED, 1, 2),    # overlapping campaign: out of the comparison
        ("n4", NOT_ASSIGNED, 0, 1),    # no pre-period order (counted there, not as overlapping)
        ("n5", NOT_ASSIGNED, 5, 0),    # comparison
    ]
    return pd.DataFrame(rows, columns=["customer_id", "arm", "pre_orders", "other_campaigns"])


def test_matched_frame_counts_who_was_left_out_and_why():
    frame, info = response.compute_analysis_frame(_eligibility_outcomes(), design="matched", control_arm=None,
                                                  config=config())
    assert dict(zip(frame["customer_id"], frame["group"], strict=True)) == {
        "t1": "treatment", "t3": "treatment", "n1": response.COMPARISON, "n5": response.COMPARISON}
    expected = dict(design="matched", targeted=4, targeted_excluded_no_pre_orders=2, pool=5,
                    pool_excluded_no_pre_orders=2, pool_excluded_overlapping=1, targeted_in_overlapping_campaigns=1,
                    treated=2, comparison=2)
    assert {k: info[k] for k in expected} == expected
    assert "at least 1 order(s)" in info["rule"] and "overlapping" in info["rule"]


def test_matched_frame_keeps_overlapping_comparison_customers_when_told_to():
    frame, info = response.compute_analysis_frame(_eligibility_outcomes(), design="matched", control_arm=None,
                                                  config=config(exclude_overlapping=False))
    assert sorted(frame.loc[frame["group"] == response.COMPARISON, "customer_id"]) == ["n1", "n3", "n5"]
    assert info["pool_excluded_overlapping"] == 0 and info["comparison"] == 3
    assert "overlapping" not in info["rule"]


def test_matched_frame_with_a_higher_pre_order_threshold():
    frame, info = response.compute_analysis_frame(_eligibility_outcomes(), design="matched", control_arm=None,
                                                  config=config(min_pre_orders=2))
    assert sorted(frame["customer_id"]) == ["n1", "n5", "t1"]
    assert info["targeted_excluded_no_pre_orders"] == 3 and info["pool_excluded_no_pre_orders"] == 3


def test_holdout_frame_keeps_every_assigned_customer_and_nothing_else():
    frame, info = response.compute_analysis_frame(_eligibility_outcomes(), design="holdout", control_arm="x",
                                                  config=config())
    assert sorted(frame["customer_id"]) == ["t1", "t2", "t3", "t4"]
    assert (frame["group"] == frame["arm"]).all() and info == {"design": "holdout", "customers": 4}


# ------------------------------------------------------------------------------------------------ metrics
def test_arm_metrics_by_hand():
    d = pd.DataFrame({
        "group": ["control", "control", "treatment", "treatment", "treatment", "treatment"],
        "responded": [0, 0, 1, 1, 0, 0],
        "converted": [1, 0, 1, 0, 1, 0],
        "orders": [2, 0, 3, 0, 1, 0],
        "revenue": [30.0, 0.0, 45.0, 0.0, 15.0, 0.0],
        "discount_cost": [0.0, 0.0, 4.0, 1.0, 0.0, 0.0],
    })
    m = response.compute_arm_metrics(d).set_index("arm")
    assert list(m.index) == ["control", "treatment"]
    t = m.loc["treatment"]
    assert (t["customers"], t["responders"], t["converters"], t["orders"]) == (4, 2, 2, 4)
    assert t["response_rate"] == 0.5 and t["conversion_rate"] == 0.5
    assert t["revenue"] == 60.0 and t["revenue_per_customer"] == 15.0 and t["aov"] == 15.0
    assert t["discount_cost"] == 5.0
    c = m.loc["control"]
    assert (c["response_rate"], c["conversion_rate"], c["revenue_per_customer"], c["aov"]) == (0.0, 0.5, 15.0, 15.0)


def test_average_order_value_is_nan_without_orders():
    d = pd.DataFrame({"group": ["a"], "responded": [0], "converted": [0], "orders": [0], "revenue": [0.0],
                      "discount_cost": [0.0]})
    assert math.isnan(response.compute_arm_metrics(d).loc[0, "aov"])


# ------------------------------------------------------------------------------------------------ funnel
def _funnel_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "group": ["t"] * 5 + ["c"] * 2,
        "event_delivered": [1, 1, 1, 1, 0, 0, 0],
        "event_opened":    [1, 1, 1, 0, 1, 0, 0],  # the 5th opened without a delivery: not in the funnel
        "event_clicked":   [1, 0, 0, 0, 1, 0, 0],
        "event_redeemed":  [0, 0, 0, 0, 0, 0, 0],  # never happened: skipped
        "converted":       [1, 1, 0, 0, 1, 1, 0],
    })


def test_funnel_counts_customers_who_passed_every_earlier_step():
    f = response.compute_funnel(_funnel_frame(), ["delivered", "opened", "clicked", "redeemed", "bounced"])
    t = f[f["arm"] == "t"]
    assert t["step"].tolist() == ["delivered", "opened", "clicked", "purchased"]
    # event steps nested; purchased = everyone who bought (3 of 5, the customer who skipped delivery included)
    assert t["customers"].tolist() == [4, 3, 1, 3]
    assert t["share_of_arm"].tolist() == pytest.approx([0.8, 0.6, 0.2, 0.6])
    conv = t["step_conversion"].tolist()
    assert math.isnan(conv[0]) and conv[1:] == pytest.approx([0.75, 1 / 3, 1.0])
    c = f[f["arm"] == "c"]
    # the control got nothing to respond to, but one of its two customers bought: the funnel says so
    assert c["customers"].tolist() == [0, 0, 0, 1] and c["step_conversion"].isna().all()
    conversion = _funnel_frame().groupby("group")["converted"].mean()
    assert f[f["step"] == "purchased"].set_index("arm")["share_of_arm"].to_dict() == pytest.approx(
        conversion.to_dict())


def test_biggest_drop_is_the_lowest_step_conversion():
    drop = response.biggest_drop(response.compute_funnel(_funnel_frame(), ["delivered", "opened", "clicked"]))
    assert drop == {"arm": "t", "step": "clicked", "step_conversion": pytest.approx(1 / 3)}


def test_biggest_drop_is_none_without_a_step_conversion():
    d = pd.DataFrame({"group": ["t", "t"], "converted": [1, 0]})
    f = response.compute_funnel(d, ["delivered"])
    assert f["step"].tolist() == ["purchased"] and response.biggest_drop(f) is None


# ------------------------------------------------------------------------------------------------ crosstab
def test_response_crosstab_shares_per_segment():
    frame = pd.DataFrame({
        "customer_id": list("abcdefgh"),
        "group": ["t", "t", "t", "t", "t", "t", "control", "control"],
        "responded": [1, 1, 0, 0, 1, 0, 1, 1],
        "converted": [1, 0, 1, 0, 1, 0, 1, 1],
    })
    segments = pd.DataFrame({"customer_id": list("abcdefgh"),
                             "tier": ["high", "high", "high", "high", "low", None, "low", "low"]})
    tab = response.compute_response_crosstab(frame, segments, "tier", control="control")
    assert list(tab.columns) == ["customers", "responded and bought", "responded, did not buy",
                                 "bought without responding", "neither"]
    assert tab["customers"].to_dict() == {"high": 4, "low": 1, "unknown": 1}  # control customers left out
    assert tab.loc["high"].tolist()[1:] == pytest.approx([0.25, 0.25, 0.25, 0.25])
    assert tab.loc["low"].tolist()[1:] == pytest.approx([1.0, 0.0, 0.0, 0.0])
    assert tab.loc["unknown"].tolist()[1:] == pytest.approx([0.0, 0.0, 0.0, 1.0])
    assert tab.drop(columns="customers").sum(axis=1).tolist() == pytest.approx([1.0, 1.0, 1.0])


# ------------------------------------------------------------------------------------------------ segment effects
@pytest.fixture
def segment_data(rng):
    n = 240
    group = np.array(["a", "b", "control"] * (n // 3))
    tier = rng.choice(["high", "low"], n)
    tier[15:24] = "tiny"  # three customers per group: a small segment
    region = rng.choice(["north", "south"], n)
    lift = np.select([group == "a", group == "b"], [4.0, -1.0], 0.0)
    revenue = rng.gamma(2.0, 10.0, n) + lift * (tier == "high")
    frame = pd.DataFrame({
        "customer_id": [f"c{i:03d}" for i in range(n)],
        "group": group,
        "revenue": revenue,
        "converted": (rng.random(n) < np.where(group == "control", 0.3, 0.45)).astype(int),
        "responded": (rng.random(n) < np.where(group == "control", 0.0, 0.2)).astype(int),
    })
    segments = pd.DataFrame({"customer_id": frame["customer_id"], "tier": tier, "region": region})
    segments = segments.iloc[15:]  # 15 customers without a segment row: 'unknown', five per group, small
    return frame, segments


def _segment_effects(frame, segments):
    return response.compute_segment_effects(frame, segments, ["tier", "region"], design="holdout", control="control",
                                            covariates=[], alpha=ALPHA, trim=(0.01, 0.99), min_size=10)


def test_segment_lift_is_the_difference_against_the_control_within_the_segment(segment_data):
    frame, segments = segment_data
    out = _segment_effects(frame, segments)
    data = frame.merge(segments, on="customer_id")
    high = data[data["tier"] == "high"]
    rev_a, rev_c = high.loc[high["group"] == "a", "revenue"], high.loc[high["group"] == "control", "revenue"]
    row = out[(out["dimension"] == "tier") & (out["segment"] == "high") & (out["arm"] == "a")
              & (out["metric"] == "revenue_per_customer")].iloc[0]
    assert row["lift"] == pytest.approx(rev_a.mean() - rev_c.mean(), rel=1e-12)
    # about 40 customers per group: the permutation test, not Welch, and no adjustment (no covariates)
    assert row["p_value"] == pytest.approx(_scipy_permutation(rev_a, rev_c).pvalue, rel=1e-12)
    assert row["method"].startswith("permutation test") and row["warning"] == ""
    assert (row["customers"], row["control_customers"]) == (len(rev_a), len(rev_c))
    conv = out[(out["dimension"] == "tier") & (out["segment"] == "high") & (out["arm"] == "a")
               & (out["metric"] == "conversion_rate")].iloc[0]
    conv_a, conv_c = high.loc[high["group"] == "a", "converted"], high.loc[high["group"] == "control", "converted"]
    assert conv["lift"] == pytest.approx(conv_a.mean() - conv_c.mean(), rel=1e-12)
    assert conv["conversion"] == pytest.approx(conv_a.mean())
    ref = sm_proportion.test_proportions_2indep(conv_a.sum(), len(conv_a), conv_c.sum(), len(conv_c), method="score")
    assert conv["p_value"] == pytest.approx(ref.pvalue, rel=1e-12) and conv["method"].startswith("score test")


def test_segment_with_few_buyers_gets_an_exact_test_and_a_warning(segment_data):
    frame, segments = segment_data
    frame = frame.assign(converted=0)
    frame.loc[frame.index[frame["group"] == "a"][:3], "converted"] = 1  # three buyers in arm a, none elsewhere
    out = _segment_effects(frame, segments)
    conv = out[(out["metric"] == "conversion_rate") & ~out["small"]]
    assert conv["method"].str.startswith("Fisher exact test").all()
    assert conv["warning"].str.startswith("fewer than 10 events in a group").all()
    assert (conv["p_value"] > 0.05).all()


def test_small_segments_are_flagged_without_an_estimate(segment_data):
    frame, segments = segment_data
    out = _segment_effects(frame, segments)
    small = out[out["small"]]
    assert set(zip(small["dimension"], small["segment"], strict=True)) == {("tier", "tiny"), ("tier", "unknown"),
                                                              ("region", "unknown")}
    assert small["lift"].isna().all() and small["p_value"].isna().all() and small["q_value"].isna().all()
    assert out.loc[~out["small"], "lift"].notna().all()
    tiny = out[(out["segment"] == "tiny") & (out["arm"] == "a")].iloc[0]
    assert (tiny["customers"], tiny["control_customers"]) == (3, 3)


def test_segment_q_values_are_benjamini_hochberg_within_each_arm_and_metric(segment_data):
    frame, segments = segment_data
    out = _segment_effects(frame, segments)
    # 2 arms x 2 metrics x (tier: high, low, tiny, unknown + region: north, south, unknown) segments
    assert len(out) == 2 * 2 * 7
    for (arm, metric), fam in out.groupby(["arm", "metric"]):
        tested = fam[fam["p_value"].notna()]
        assert len(tested) == 4, (arm, metric)  # high, low, north, south
        expected = multipletests(tested["p_value"].to_numpy(), method="fdr_bh")[1]
        np.testing.assert_allclose(tested["q_value"].to_numpy(), expected, rtol=1e-12)
    # the families are separate: pooling all 16 p-values would give other q-values
    pooled = multipletests(out["p_value"].dropna().to_numpy(), method="fdr_bh")[1]
    assert not np.allclose(out["q_value"].dropna().to_numpy(), pooled)


# ------------------------------------------------------------------------------------------------ holdout effects
@pytest.fixture
def holdout_frame(rng):
    n = 600
    group = np.array(["a", "b", "control"] * (n // 3))
    pre = rng.gamma(2.0, 20.0, n)
    effect = np.select([group == "a", group == "b"], [3.0, 1.0], 0.0)
    return pd.DataFrame({
        "customer_id": np.arange(n).astype(str),
        "group": group,
        "pre_revenue": pre,
        "revenue": 0.6 * pre + effect + rng.normal(0.0, 8.0, n),
        "converted": (rng.random(n) < np.where(group == "control", 0.30, 0.38)).astype(int),
        "responded": (rng.random(n) < np.where(group == "control", 0.0, 0.25)).astype(int),
    })


def _rows(rows, **match):
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def test_holdout_effects_lead_with_the_adjusted_estimate(holdout_frame):
    rows = response.compute_holdout_effects(holdout_frame, control_arm="control", covariates=["pre_revenue"],
                                            alpha=ALPHA)
    # per pair: response (descriptive/supporting), conversion x2, revenue x2; pairs a-control, b-control, a-b
    assert len(rows) == 15
    assert {(r["arm"], r["versus"]) for r in rows} == {("a", "control"), ("b", "control"), ("a", "b")}
    head = _rows(rows, role="headline")
    assert {(r["arm"], r["metric"]) for r in head} == {(a, m) for a in ("a", "b")
                                                       for m in ("conversion_rate", "revenue_per_customer")}
    assert all("regression adjustment" in r["method"] for r in head)
    assert [r["role"] for r in _rows(rows, metric="response_rate", versus="control")] == ["descriptive"] * 2
    assert {r["role"] for r in _rows(rows, arm="a", versus="b")} == {"supporting"}


def test_holdout_adjusted_estimate_equals_lin_interacted_ols(holdout_frame):
    rows = response.compute_holdout_effects(holdout_frame, control_arm="control", covariates=["pre_revenue"],
                                            alpha=ALPHA)
    adj = _rows(rows, arm="a", versus="control", metric="revenue_per_customer", role="headline")[0]
    sub = holdout_frame[holdout_frame["group"].isin(["a", "control"])].copy()
    sub["t"] = (sub["group"] == "a").astype(int)
    sub["pre_c"] = sub["pre_revenue"] - sub["pre_revenue"].mean()
    fit = smf.ols("revenue ~ t + pre_c + t:pre_c", data=sub).fit(cov_type="HC2")
    assert adj["estimate"] == pytest.approx(fit.params["t"], rel=1e-9)
    assert adj["se"] == pytest.approx(fit.bse["t"], rel=1e-9)
    # the adjustment on a strong pre-period predictor narrows the interval against Welch
    welch = _rows(rows, arm="a", versus="control", metric="revenue_per_customer", role="supporting")[0]
    assert adj["ci_high"] - adj["ci_low"] < 0.8 * (welch["ci_high"] - welch["ci_low"])


def test_holdout_unadjusted_rows_equal_scipy_and_statsmodels(holdout_frame):
    rows = response.compute_holdout_effects(holdout_frame, control_arm="control", covariates=[], alpha=ALPHA)
    rev = _rows(rows, arm="a", versus="control", metric="revenue_per_customer")
    assert len(rev) == 1 and rev[0]["role"] == "headline"  # no covariates: the unadjusted test leads
    ya = holdout_frame.loc[holdout_frame["group"] == "a", "revenue"]
    yc = holdout_frame.loc[holdout_frame["group"] == "control", "revenue"]
    assert rev[0]["estimate"] == pytest.approx(ya.mean() - yc.mean(), rel=1e-12)
    assert rev[0]["p_value"] == pytest.approx(_scipy_permutation(ya, yc).pvalue, rel=1e-12)
    assert rev[0]["method"].startswith("permutation test") and rev[0]["method_reason"] == "unadjusted: no covariates"
    conv = _rows(rows, arm="a", versus="control", metric="conversion_rate")[0]
    ca = holdout_frame.loc[holdout_frame["group"] == "a", "converted"]
    cc = holdout_frame.loc[holdout_frame["group"] == "control", "converted"]
    ref = sm_proportion.test_proportions_2indep(ca.sum(), 200, cc.sum(), 200, method="score", compare="diff")
    ci = sm_proportion.confint_proportions_2indep(ca.sum(), 200, cc.sum(), 200, method="newcomb", compare="diff")
    assert conv["estimate"] == pytest.approx(ca.mean() - cc.mean()) and conv["role"] == "headline"
    assert conv["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert (conv["ci_low"], conv["ci_high"]) == (pytest.approx(ci[0], rel=1e-12), pytest.approx(ci[1], rel=1e-12))


def test_large_segments_are_adjusted_for_pre_period_behaviour(holdout_frame):
    # one segment holding everyone: 200 per group, enough for the Lin adjustment on the numeric covariate
    segments = pd.DataFrame({"customer_id": holdout_frame["customer_id"], "all": "everyone"})
    out = response.compute_segment_effects(holdout_frame, segments, ["all"], design="holdout", control="control",
                                           covariates=["pre_revenue"], alpha=ALPHA, trim=(0.01, 0.99), min_size=10,
                                           metrics=("revenue_per_customer",))
    row = out[out["arm"] == "a"].iloc[0]
    sub = holdout_frame[holdout_frame["group"].isin(["a", "control"])].copy()
    sub["t"] = (sub["group"] == "a").astype(int)
    sub["pre_c"] = sub["pre_revenue"] - sub["pre_revenue"].mean()
    fit = smf.ols("revenue ~ t + pre_c + t:pre_c", data=sub).fit(cov_type="HC2", use_t=True)
    assert row["method"].startswith("Lin (2013)")
    assert row["lift"] == pytest.approx(fit.params["t"], rel=1e-9)
    assert row["p_value"] == pytest.approx(fit.pvalues["t"], rel=1e-6)


def test_small_holdout_leads_with_the_exact_test_not_the_adjusted_estimate(rng):
    # The case: 900 e-mailed and 100 held out, 18 vs 0 bought. Lin with HC2 said p = 2e-5.
    n = 1000
    frame = pd.DataFrame({"customer_id": np.arange(n).astype(str), "group": ["t"] * 900 + ["control"] * 100,
                          "pre_revenue": rng.gamma(2.0, 20.0, n), "converted": [1] * 18 + [0] * 982})
    frame["revenue"] = frame["converted"] * rng.lognormal(3.0, 1.0, n)
    rows = response.compute_holdout_effects(frame, control_arm="control", covariates=["pre_revenue"], alpha=ALPHA,
                                            metrics=("conversion_rate", "revenue_per_customer"))
    for metric in ("conversion_rate", "revenue_per_customer"):
        head = _rows(rows, metric=metric, role="headline")
        assert len(head) == 1 and 0.05 < head[0]["p_value"] < 0.5, (metric, head)
        assert head[0]["warning"].startswith("fewer than 10 events in a group")
        lin = _rows(rows, metric=metric, role="supporting")[0]
        assert lin["method"].startswith("Lin (2013)") and "not the headline" in lin["warning"]
    conv = _rows(rows, metric="conversion_rate", role="headline")[0]
    assert conv["method"].startswith("Fisher exact test")
    assert conv["p_value"] == pytest.approx(stats.fisher_exact([[18, 882], [0, 100]]).pvalue, rel=1e-12)
    assert _rows(rows, metric="revenue_per_customer", role="headline")[0]["method"].startswith("permutation test")
    head = response.choose_headline(rows, design="holdout", balanced=None, srm_passed=True)
    assert all(h["reason"].startswith("randomized holdout, unadjusted: ") for h in head)
    assert all(h["warning"].startswith("fewer than 10 events") for h in head)


# ------------------------------------------------------------------------------------------------ ROI
def test_campaign_roi_arithmetic_by_hand():
    head = {"estimate": 2.0, "ci_low": -1.0, "ci_high": 5.0, "method": "ANCOVA"}
    roi = response.compute_campaign_roi(head, treated=1000, discount_cost=300.0, gross_margin=0.3,
                                        cost_per_contact=0.1, fixed_cost=200.0, count_discount_cost=True)
    # incremental revenue: 2 x 1000 (interval -1000 to 5000); costs 0.1 x 1000 + 200 + 300 = 600
    assert roi["incremental_revenue"] == pytest.approx({"estimate": 2000.0, "ci_low": -1000.0, "ci_high": 5000.0})
    assert roi["total_cost"] == pytest.approx(600.0)
    assert roi["incremental_margin"] == pytest.approx({"estimate": 600.0, "ci_low": -300.0, "ci_high": 1500.0})
    assert roi["net_profit"] == pytest.approx({"estimate": 0.0, "ci_low": -900.0, "ci_high": 900.0})
    # ROI = (0.3 x revenue - 600) / 600
    assert roi["roi"] == pytest.approx({"estimate": 0.0, "ci_low": -1.5, "ci_high": 1.5})
    # break-even: 600 / 0.3 = 2000 revenue, 2.00 per contacted customer
    assert roi["break_even_incremental_revenue"] == pytest.approx(2000.0)
    assert roi["break_even_lift_per_customer"] == pytest.approx(2.0)
    assert roi["contacts"] == 1000 and roi["per_customer_effect"]["method"] == "ANCOVA"


def test_campaign_roi_without_discount_cost():
    head = {"estimate": 2.0, "ci_low": -1.0, "ci_high": 5.0, "method": "ANCOVA"}
    roi = response.compute_campaign_roi(head, treated=1000, discount_cost=300.0, gross_margin=0.3,
                                        cost_per_contact=0.1, fixed_cost=200.0, count_discount_cost=False)
    assert roi["total_cost"] == pytest.approx(300.0)
    assert roi["roi"]["estimate"] == pytest.approx((600.0 - 300.0) / 300.0)


def test_campaign_roi_without_a_headline_is_nan_not_an_error():
    roi = response.compute_campaign_roi({}, treated=10, discount_cost=0.0, gross_margin=0.3, cost_per_contact=1.0,
                                        fixed_cost=0.0, count_discount_cost=True)
    assert math.isnan(roi["roi"]["estimate"]) and roi["total_cost"] == 10.0


# ------------------------------------------------------------------------------------------------ planning
def _ttest_power(d: float, n1: float, n2: float, alpha: float) -> float:
    df = n1 + n2 - 2
    nc = d * math.sqrt(n1 * n2 / (n1 + n2))
    crit = stats.t.ppf(1 - alpha / 2, df)
    lower = stats.nct.cdf(-crit, df, nc)  # the wrong-sign rejection region; scipy gives NaN when it is ~0
    return stats.nct.sf(crit, df, nc) + (lower if np.isfinite(lower) else 0.0)


def _normal_power(h: float, n1: float, n2: float, alpha: float) -> float:
    z = stats.norm.ppf(1 - alpha / 2)
    nc = h * math.sqrt(n1 * n2 / (n1 + n2))
    return stats.norm.sf(z - nc) + stats.norm.cdf(-z - nc)


def test_planning_mde_and_holdout_size_solved_independently(rng):
    n_t, n_c = 270, 30
    frame = pd.DataFrame({
        "group": ["treatment"] * n_t + ["control"] * n_c,
        "revenue": rng.gamma(1.5, 12.0, n_t + n_c),
        "converted": np.r_[np.zeros(n_t), np.ones(9), np.zeros(n_c - 9)].astype(int),  # control rate 0.3
    })
    p = response.compute_planning(frame, treated_groups=["treatment"], control="control", observed_lift=-2.5,
                                  alpha=ALPHA, power=0.8)
    sd = float(np.std(frame["revenue"], ddof=1))
    assert p["sd_revenue"] == pytest.approx(sd) and (p["n_treat"], p["n_control"]) == (n_t, n_c)
    # MDE: the standardized effect with 80% power in a two-sided pooled t-test (noncentral t), times sd
    d = optimize.brentq(lambda x: _ttest_power(x, n_t, n_c, ALPHA) - 0.8, 1e-6, 2)
    assert p["mde_revenue_per_customer"] == pytest.approx(d * sd, rel=1e-5)
    # conversion MDE: Cohen's h with 80% power, mapped back from the arcsine scale at the control rate 0.3
    h = optimize.brentq(lambda x: _normal_power(x, n_t, n_c, ALPHA) - 0.8, 1e-6, 5)
    p1 = math.sin(math.asin(math.sqrt(0.3)) + h / 2) ** 2
    assert p["mde_conversion_rate"] == pytest.approx(p1 - 0.3, rel=1e-5)
    # holdout for |lift| 2.5 at 9 treated per control: smallest n_c with 80% power
    es = 2.5 / sd
    n_needed = optimize.brentq(lambda n: _ttest_power(es, 9 * n, n, ALPHA) - 0.8, 2, 1e5)
    assert p["holdout_needed_at_9_to_1"] == math.ceil(n_needed)
    assert p["treated_needed_at_9_to_1"] == math.ceil(9 * n_needed - 1e-9)


def test_planning_for_a_zero_effect_needs_an_infinite_holdout(rng):
    frame = pd.DataFrame({"group": ["t"] * 20 + ["c"] * 20, "revenue": rng.normal(10, 2, 40),
                          "converted": [0, 1] * 20})
    p = response.compute_planning(frame, treated_groups=["t"], control="c", observed_lift=0.0, alpha=ALPHA,
                                  power=0.8)
    assert math.isinf(p["holdout_needed_at_9_to_1"])
    p = response.compute_planning(frame, treated_groups=["t"], control="c", observed_lift=float("nan"), alpha=ALPHA,
                                  power=0.8)
    assert math.isnan(p["holdout_needed_at_9_to_1"])


def test_arm_versus_arm_comparisons_are_one_bh_family_per_campaign():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(sum(map(ord, "arm pairs")))
    n = 600
    group = rng.choice(["a", "b", "c", "control"], n)
    revenue = rng.gamma(1.0, 20.0, n) * (rng.random(n) < 0.3) + np.where(group == "c", 6.0, 0.0)
    d = pd.DataFrame({"group": group, "revenue": revenue, "converted": (revenue > 0).astype(int),
                      "responded": 0, "pre_revenue": rng.gamma(1.0, 30.0, n)})
    rows = response.compute_holdout_effects(d, control_arm="control", covariates=["pre_revenue"], alpha=0.05)
    family = [r for r in rows if r.get("q_value") is not None]
    # three pairs of treatment arms x two non-descriptive metrics, one leading test each
    assert len(family) == 6 and all(r["versus"] != "control" for r in family)
    assert {(r["arm"], r["versus"], r["metric"]) for r in family} == {
        (x, y, m) for x, y in (("a", "b"), ("a", "c"), ("b", "c")) for m in ("conversion_rate", "revenue_per_customer")}
    expected = multipletests([r["p_value"] for r in family], method="fdr_bh")[1]
    assert [r["q_value"] for r in family] == pytest.approx(expected)
    assert not any("q_value" in r for r in rows if r["versus"] == "control")
