"""Tests for campaignlab.steps.response.views (notebook 03_response) on small hand-built ResponseResults.

Three fakes: a randomized holdout, a matched comparison, and a campaign whose effect cannot be estimated. Figures
are checked by what was drawn (axes, bars, tick labels, titles), sentences by what they say.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from campaignlab.data.windows import compute_windows  # noqa: E402
from campaignlab.steps.display import LABEL_CHARS, short_method  # noqa: E402
from campaignlab.steps.response import ResponseResult  # noqa: E402
from campaignlab.steps.response import views as response_views  # noqa: E402

EFFECT_COLUMNS = ["arm", "versus", "metric", "method", "role", "estimate", "ci_low", "ci_high", "p_value", "relative"]


@pytest.fixture
def shown(capture_markdown) -> list[str]:
    """Every markdown sentence the views display, in order (``say`` goes through the display module's name)."""
    return capture_markdown(response_views)


def customer_frame(groups: list[str]) -> pd.DataFrame:
    """The analysis frame: one row per customer with outcomes, pre-period revenue and funnel events."""
    n = len(groups)
    return pd.DataFrame({
        "customer_id": [f"c{i:02d}" for i in range(n)],
        "group": groups,
        "responded": [1 if (g != groups[-1] and i % 2 == 0) else 0 for i, g in enumerate(groups)],
        "converted": [1 if i % 3 != 2 else 0 for i in range(n)],
        "orders": [1 if i % 3 != 2 else 0 for i in range(n)],
        "revenue": [float(10 + i) if i % 3 != 2 else 0.0 for i in range(n)],
        "discount_cost": [1.0 if g != groups[-1] else 0.0 for g in groups],
        "promoted_revenue": [2.0 if g != groups[-1] else 1.0 for g in groups],
        "pre_revenue": [300.0 if g != groups[-1] else 100.0 for g in groups],
    })


def arms_table(control: str) -> pd.DataFrame:
    return pd.DataFrame({
        "arm": ["treatment", control], "customers": [9000, 1000], "responders": [3000, 0],
        "response_rate": [1 / 3, 0.0], "converters": [4500, 450], "conversion_rate": [0.5, 0.45],
        "orders": [6000, 600], "revenue": [123456.789, 12000.4], "revenue_per_customer": [13.717421, 12.0004],
        "aov": [20.576131, 20.000667], "discount_cost": [2345.6, 0.0],
    })


def effect(metric, role, method, estimate, ci_low, ci_high, p_value, versus="control") -> dict:
    return {"arm": "treatment", "versus": versus, "metric": metric, "method": method, "role": role,
            "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high, "p_value": p_value, "relative": np.nan}


def segment_rows(control: str) -> pd.DataFrame:
    """Per-segment effects of two dimensions and one tag, with both metrics, one segment too small."""
    rows = []
    spec = [("rfm_segment", "champions", 400, 50, 0.40, 5.123, 2.0, 8.2, 0.0012, False),
            ("rfm_segment", "at_risk", 300, 40, 0.20, -1.456, -3.9, 1.0, 0.31234, False),
            ("rfm_segment", "new", 12, 3, 0.25, np.nan, np.nan, np.nan, np.nan, True),
            ("value_tier", "high", 500, 60, 0.35, 3.0, 0.5, 5.5, 0.02, False),
            ("tag_region", "north", 500, 60, 0.30, 1.0, -1.0, 3.0, 0.5, False)]
    for dim, seg, n, nc, rate, lift, lo, hi, q, small in spec:
        for metric in ("conversion_rate", "revenue_per_customer"):
            scale = 1.0 if metric == "revenue_per_customer" else 0.01
            rows.append({"dimension": dim, "segment": seg, "arm": "treatment", "customers": n,
                         "control_customers": nc, "response_rate": rate, "conversion": 0.5, "small": small,
                         "metric": metric, "lift": lift * scale, "ci_low": lo * scale, "ci_high": hi * scale,
                         "p_value": q / 2, "method": "" if small else "Welch t-test", "q_value": q})
    return pd.DataFrame(rows)


def roi_section() -> dict:
    return {
        "incremental_revenue": {"estimate": 15456.789, "ci_low": 4611.1, "ci_high": 26100.0},
        "incremental_margin": {"estimate": 4637.04, "ci_low": 1383.33, "ci_high": 7830.0},
        "net_profit": {"estimate": 1291.444, "ci_low": -1962.27, "ci_high": 4484.4},
        "roi": {"estimate": 0.386, "ci_low": -0.5865, "ci_high": 1.3404},
        "per_customer_effect": {"estimate": 1.717421, "ci_low": 0.512345, "ci_high": 2.9, "method": "ANCOVA"},
        "contacts": 9000, "total_cost": 3345.6, "break_even_lift_per_customer": 1.23904, "gross_margin": 0.3,
        "window": "campaign window only (the post-period is not complete in the data)",
    }


def make_holdout() -> ResponseResult:
    """A randomized holdout: treatment against control, with segments, funnel, products, periods and money."""
    frame = customer_frame(["treatment"] * 6 + ["control"] * 3)
    effects = pd.DataFrame([
        effect("revenue_per_customer", "headline", "ANCOVA regression adjustment (Lin 2013)", 1.717421, 0.512345,
               2.9, 0.00512),
        effect("revenue_per_customer", "supporting", "Welch two-sample t-test", 1.7, -0.1, 3.5, 0.07123),
        effect("conversion_rate", "headline", "two-proportion z-test", 0.05, 0.0321, 0.0679, 3e-7),
        effect("revenue_per_customer", "descriptive", "difference in means", 1.7, np.nan, np.nan, np.nan),
        effect("promoted_revenue_per_customer", "products", "ANCOVA", 2.5, 1.0, 4.0, 0.001),
        effect("other_revenue_per_customer", "products", "ANCOVA", -0.8, -1.5, -0.1, 0.02),
    ], columns=EFFECT_COLUMNS)
    headline = [{"arm": "treatment", "metric": "revenue_per_customer", "estimate": 1.717421, "ci_low": 0.512345,
                 "ci_high": 2.9, "method": "ANCOVA regression adjustment (Lin 2013)", "causal": True, "caveat": ""}]
    srm = {"chi2": 0.523, "p_value": 0.46951, "df": 1, "passed": True, "threshold": 0.001,
           "observed": {"treatment": 9000, "control": 1000}, "expected": {"treatment": 9010.04, "control": 989.96},
           "segments": [
               {"dimension": "rfm_segment", "segment": "champions", "chi2": 20.1, "p_value": 0.00001, "passed": False},
               {"dimension": "value_tier", "segment": "high", "chi2": 0.1, "p_value": 0.75, "passed": True}]}
    segments = pd.DataFrame({"customer_id": frame["customer_id"],
                             "rfm_segment": ["champions", "champions", "at_risk"] * 3,
                             "value_tier": ["high"] * 9, "tag_region": ["north"] * 9})
    # as compute_funnel gives it: the control arm gets no coupon, so it passes no step and has no step conversion
    funnel = pd.DataFrame({
        "arm": ["control"] * 3 + ["treatment"] * 3, "step": ["delivered", "redeemed", "purchased"] * 2,
        "customers": [0, 0, 0, 9000, 3000, 2400], "share_of_arm": [0.0, 0.0, 0.0, 1.0, 1 / 3, 0.26667],
        "step_conversion": [np.nan, np.nan, np.nan, np.nan, 1 / 3, 0.8],
    })
    products = pd.DataFrame({"arm": ["control", "treatment"], "customers": [1000, 9000],
                             "promoted_revenue_per_customer": [1.004, 3.5049],
                             "other_revenue_per_customer": [10.996, 10.2125], "promoted_share": [0.08367, 0.25551]})
    periods = pd.DataFrame({
        "group": ["control"] * 3, "period": ["pre", "campaign", "post"], "days_with_data": [90, 28, 90],
        "customers": [1000] * 3, "daily_revenue_per_customer": [0.41234, 0.45678, 0.4],
        "new_customers": [0, 3, 1], "repurchase_rate": [0.61234, 0.3, 0.55], "churn_rate": [0.1, 0.2, 0.15],
    })
    weekly = pd.DataFrame({
        "week": list(pd.date_range("2024-02-05", periods=4, freq="W-MON")) * 2,
        "group": ["treatment"] * 4 + ["control"] * 4,
        "revenue_per_customer": [3.0, 3.5, 4.5, 3.2, 3.0, 3.1, 3.3, 3.1],
    })
    planning = {"metric": "revenue_per_customer", "sd_revenue": 25.4321, "n_treat": 9000, "n_control": 1000,
                "ratio": 9.0, "mde_revenue_per_customer": 2.3456, "mde_conversion_rate": 0.045,
                "observed_lift": 1.717421, "holdout_needed_at_9_to_1": 1867, "treated_needed_at_9_to_1": 16803,
                "alpha": 0.05, "power": 0.8, "method": "normal approximation, two-sided"}
    return ResponseResult(
        design="holdout", control="control", frame=frame, info={"customers": 10000},
        covariates=["pre_revenue", "pre_orders"], arms=arms_table("control"), effects=effects, headline=headline,
        srm=srm, segments=segment_rows("control"), dimensions=["rfm_segment", "value_tier", "tag_region"],
        segment_table=segments, funnel=funnel, products=products, weekly=weekly, periods=periods,
        roi=roi_section(), planning=planning,
        notes=["Revenue is winsorized at the pooled 99% quantile (revenue at 1,234.00)."],
    )


def make_matched(balanced: bool = False) -> ResponseResult:
    """A targeted campaign without a holdout, compared with matched untargeted customers."""
    frame = customer_frame(["treatment"] * 6 + ["comparison"] * 3)
    effects = pd.DataFrame([
        effect("revenue_per_customer", "naive", "naive difference in means, Welch", 9.87654, 7.0, 12.7, 1e-6,
               "comparison"),
        effect("revenue_per_customer", "headline", "doubly robust ATT (Sant'Anna & Zhao 2020); ridge", 1.23456,
               -0.5, 2.9, 0.16, "comparison"),
        effect("revenue_per_customer", "supporting", "IPW ATT", 1.5, -0.2, 3.2, 0.08, "comparison"),
    ], columns=EFFECT_COLUMNS)
    effects.attrs["threshold"] = 0.1
    balance = pd.DataFrame({"covariate": ["pre_revenue", "pre_orders", "region_north"],
                            "smd_before": [0.9, 0.6, -0.05], "smd_after": [0.25, 0.04, 0.01]})
    info = {"targeted": 1500, "targeted_excluded_no_pre_orders": 120, "pool": 20000,
            "pool_excluded_no_pre_orders": 5000, "pool_excluded_overlapping": 1234, "comparison": 13766,
            "targeted_in_overlapping_campaigns": 77, "rule": "at least 1 order in the pre-period"}
    diagnostics = {"propensity_method": "logistic regression (ridge)", "propensity_regularized": True,
                   "overlap": {"n_treat": 1380, "n_control": 13766, "share_treated_outside_control_support": 0.01234,
                               "ess_control": 2345.6, "ess_control_share": 0.17},
                   "trimmed": 42, "balance": balance, "balanced": balanced, "max_abs_smd_after": 0.25,
                   "max_abs_smd_before": 0.9}
    headline = [{"arm": "treatment", "metric": "revenue_per_customer", "estimate": 1.23456, "ci_low": -0.5,
                 "ci_high": 2.9, "method": "doubly robust ATT", "causal": balanced, "caveat": ""}]
    return ResponseResult(
        design="matched", control="comparison", frame=frame, info=info,
        covariates=["pre_revenue", "pre_orders", "region"], arms=arms_table("comparison"), effects=effects,
        headline=headline, diagnostics=diagnostics,
    )


def make_not_estimable() -> ResponseResult:
    """What analyse returns when the pre-period lies outside the data and there is no holdout."""
    frame = customer_frame(["treatment"] * 3 + ["comparison"] * 3)
    reason = "The pre-period lies entirely outside the data, so there is no pre-campaign behaviour to compare on."
    products = pd.DataFrame({"arm": ["comparison", "treatment"], "customers": [3, 3],
                             "promoted_revenue_per_customer": [1.0, 2.0], "other_revenue_per_customer": [7.0, 8.0],
                             "promoted_share": [0.125, 0.2]})
    return ResponseResult(
        design="matched", control="comparison", frame=frame,
        info={"design": "matched", "estimable": False, "reason": reason}, covariates=[],
        arms=arms_table("comparison"), effects=pd.DataFrame(columns=EFFECT_COLUMNS), headline=[], notes=[reason],
        estimable=False, products=products,
    )


@pytest.fixture
def holdout() -> ResponseResult:
    return make_holdout()


@pytest.fixture
def matched() -> ResponseResult:
    return make_matched()


@pytest.fixture
def not_estimable() -> ResponseResult:
    return make_not_estimable()


# ------------------------------------------------------------------------------------------ design
def test_design_holdout_names_the_control_arm_the_covariates_and_the_notes(holdout, shown):
    response_views.show_design(holdout)
    assert shown == [
        "**Design: randomized holdout.** Arms are compared with the control arm **control** (10,000 customers "
        "assigned). Covariates: pre_revenue, pre_orders. Revenue is winsorized at the pooled 99% quantile "
        "(revenue at 1,234.00)."
    ]


def test_design_matched_counts_who_was_left_out_and_warns_about_the_naive_comparison(matched, shown):
    response_views.show_design(matched)
    assert len(shown) == 1
    text = shown[0]
    assert text.startswith("**Design: matched comparison** (the campaign has no holdout arm). 1,500 customers were "
                           "targeted; 120 of them had no order in the pre-period and are left out.")
    assert ("drawn from the 20,000 customers not targeted: 5,000 had no pre-period order and 1,234 were assigned to "
            "another campaign overlapping the analysis windows, leaving 13,766.") in text
    assert "77 targeted customers were also in overlapping campaigns" in text
    assert "Eligibility rule: at least 1 order in the pre-period." in text
    assert "a naive targeted-vs-rest comparison is biased" in text
    assert text.endswith("Covariates: pre_revenue, pre_orders, region.")


def test_design_without_covariates_says_none(holdout, shown):
    holdout.covariates = []
    holdout.notes = []
    response_views.show_design(holdout)
    assert shown[0].endswith("Covariates: none.")


def test_design_not_estimable_says_so_with_the_reason(not_estimable, shown):
    response_views.show_design(not_estimable)
    assert shown == ["**No effect estimate for this campaign.** The pre-period lies entirely outside the data, so "
                     "there is no pre-campaign behaviour to compare on."]


# ------------------------------------------------------------------------------------------ tables
def test_arm_table_shows_rates_in_percent_and_money_rounded(holdout):
    table = response_views.arm_table(holdout).data
    assert list(table.columns) == ["customers", "responders", "response rate %", "converters", "conversion rate %",
                                   "orders", "revenue", "revenue per customer", "average order value",
                                   "campaign discounts"]
    assert table.index.tolist() == ["treatment", "control"]
    assert table.loc["treatment", "response rate %"] == 33.3
    assert table.loc["control", "conversion rate %"] == 45.0
    assert table.loc["treatment", "revenue"] == 123457.0
    assert table.loc["treatment", "revenue per customer"] == 13.72
    assert table.loc["treatment", "average order value"] == 20.58
    assert table.loc["treatment", "campaign discounts"] == 2346.0


def test_arm_table_reads_well_and_says_nothing_when_every_arm_bought(holdout, shown):
    html = response_views.arm_table(holdout).to_html()
    assert "123,457" in html and "20.58" in html and "33.3" in html and "NaN" not in html
    assert shown == []


def test_an_arm_without_orders_has_no_order_value_and_is_flagged_when_the_others_bought(holdout, shown):
    arms = holdout.arms.set_index("arm")
    arms.loc["control", ["converters", "orders", "revenue", "revenue_per_customer", "conversion_rate"]] = 0
    arms.loc["control", "aov"] = np.nan
    holdout.arms = arms.reset_index()
    html = response_views.arm_table(holdout).to_html()
    assert "no orders" in html and "NaN" not in html
    # 1,000 customers at the treatment arm's 50% conversion: about 500 buyers expected, none seen
    assert shown == ["**Arm control has no buyer** among its 1,000 customers, where the other arms' conversion rate "
                     "would give about 500: check that the export holds this arm's transactions and that its "
                     "customer ids match them before reading its estimates."]


def test_effects_table_rounds_estimates_and_writes_small_and_missing_p_values_as_text(holdout):
    table = response_views.effects_table(holdout)
    assert list(table.columns) == ["arm", "versus", "metric", "role", "method", "estimate", "95% CI low",
                                   "95% CI high", "p-value", "warning"]
    assert len(table) == 6
    assert table["estimate"].iloc[0] == 1.7174
    assert table["95% CI low"].iloc[0] == 0.5123
    assert table["p-value"].tolist() == ["0.0051", "0.0712", "<0.0001", "", "0.0010", "0.0200"]


def test_effects_table_labels_methods_short_with_a_footnote(holdout, shown):
    table = response_views.effects_table(holdout)
    methods = [m for m in dict.fromkeys(holdout.effects["method"]) if m]
    assert set(table["method"]) - {""} == {f"{short_method(m)} [{i}]" for i, m in enumerate(methods, start=1)}
    assert table["method"].str.len().max() <= LABEL_CHARS + 5
    assert shown == ["Methods: " + " ".join(f"[{i}] {m}." for i, m in enumerate(methods, start=1))]


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="effects_table returns an empty table without a word when no effect was estimated")
def test_effects_table_not_estimable_says_so(not_estimable, shown):
    table = response_views.effects_table(not_estimable)
    assert list(table.columns) == ["arm", "versus", "metric", "role", "method", "estimate", "95% CI low",
                                   "95% CI high", "p-value"]
    assert table.empty
    assert len(shown) == 1


def test_effects_table_without_columns_says_so(holdout, shown):
    holdout.effects = pd.DataFrame()
    assert response_views.effects_table(holdout).empty
    assert any("no effect could be estimated" in s for s in shown)


# ------------------------------------------------------------------------------------------ trust
def test_trust_holdout_quotes_the_sample_ratio_check_and_lists_failing_segments(holdout, shown):
    table = response_views.show_trust(holdout)
    assert shown[0] == ("Sample-ratio check (chi-square against the planned split): chi2 = 0.52, p = 0.4695; the "
                        "check passes.")
    assert shown[1] == "**Sample-ratio mismatch in 1 segment(s):** rfm_segment=champions (p=0.0000)"
    assert len(shown) == 2
    assert list(table.columns) == ["observed", "expected"]
    assert table.loc["control", "expected"] == 990.0
    assert table.loc["treatment", "observed"] == 9000


def test_trust_holdout_failing_check_is_bold_and_quiet_segments_add_nothing(holdout, shown):
    holdout.srm.update(passed=False, p_value=0.00002, segments=[])
    response_views.show_trust(holdout)
    assert shown == ["Sample-ratio check (chi-square against the planned split): chi2 = 0.52, p = 0.0000; the check "
                     "**FAILS: the split is not as planned; effects may be biased**."]


def test_trust_matched_unbalanced_says_not_causal_and_draws_the_love_plot(matched, shown):
    assert response_views.show_trust(matched) is None
    assert len(shown) == 1
    text = shown[0]
    assert text.startswith("**Balance fails after weighting** (largest |SMD| 0.25 against the threshold 0.1)")
    assert "**not called causal**" in text
    assert "1.2% of targeted customers have a propensity outside the comparison group's range" in text
    assert "worth 2346 customers (effective sample size of 13,766); 42 customers outside the trimming" in text
    assert text.endswith("Propensity model: logistic regression (ridge).")
    axes = plt.gcf().axes
    assert len(axes) == 1
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["pre_revenue", "pre_orders", "region_north"]
    assert [c.get_label() for c in axes[0].collections] == ["before", "after weighting"]


def test_trust_matched_balanced_reads_as_the_effect(shown):
    response_views.show_trust(make_matched(balanced=True))
    assert shown[0].startswith("All covariates are balanced after weighting: the adjusted estimate can be read as "
                               "the campaign's effect")


def test_trust_not_estimable_says_not_applicable(not_estimable, shown):
    assert response_views.show_trust(not_estimable) is None
    assert shown == ["Not applicable: no effect was estimated (see above)."]
    assert plt.get_fignums() == []


# ------------------------------------------------------------------------------------------ segments
def test_segment_effects_keep_revenue_rows_with_percent_response(holdout):
    table = response_views.segment_effects(holdout)
    assert list(table.columns) == ["dimension", "segment", "arm", "customers", "control_customers", "response %",
                                   "lift in revenue per customer", "ci_low", "ci_high", "q_value", "small"]
    assert len(table) == 5  # one revenue row per segment; conversion rows are left out
    first = table.iloc[0]
    assert (first["segment"], first["response %"], first["lift in revenue per customer"]) == ("champions", 40.0, 5.12)
    # most significant first (q-value), small segments (not estimated) last
    assert table["segment"].tolist() == ["champions", "high", "at_risk", "north", "new"]
    assert table["q_value"].iloc[2] == 0.3123
    assert table["small"].tolist() == [False, False, False, False, True]


def test_a_long_segment_table_shows_the_most_significant_rows_and_says_where_all_are(holdout, shown):
    many = pd.concat([holdout.segments.assign(segment=holdout.segments["segment"] + f"_{i}") for i in range(4)],
                     ignore_index=True)
    holdout.segments = many
    table = response_views.segment_effects(holdout)
    rows = int((many["metric"] == "revenue_per_customer").sum())
    assert len(table) == response_views.SCREEN_ROWS < rows
    assert table["q_value"].is_monotonic_increasing and not table["small"].any()
    assert shown == [f"The {response_views.SCREEN_ROWS} most significant of {rows} segment rows (by q-value, then "
                     "size of the lift; small segments last). All rows: `segment_effects.csv` in the run folder, and "
                     "the `segment_effects` sheet of `tables.xlsx` after 05_review."]


def test_segment_effects_without_segments_say_run_02_segment(not_estimable, shown):
    table = response_views.segment_effects(not_estimable)
    assert table.empty
    assert shown == ["No segments: run 02_segment first to get per-segment results."]


def test_segment_lifts_draw_one_panel_per_non_tag_dimension(holdout):
    response_views.plot_segment_lifts(holdout)
    axes = plt.gcf().axes
    assert [ax.get_title() for ax in axes] == ["Lift by rfm segment", "Lift by value tier"]
    # the small segment is not drawn; the rest are sorted by lift
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["at_risk (n=300)", "champions (n=400)"]
    assert [t.get_text() for t in axes[1].get_yticklabels()] == ["high (n=500)"]


def test_segment_lifts_with_only_small_segments_say_so_in_the_panel(holdout):
    holdout.segments = holdout.segments.assign(small=True)
    response_views.plot_segment_lifts(holdout)
    axes = plt.gcf().axes
    assert len(axes) == 2
    assert [ax.texts[0].get_text() for ax in axes] == ["no segment large enough to estimate"] * 2


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="plot_segment_lifts returns without a figure or a word when there are no segment effects")
def test_segment_lifts_without_segments_say_so(not_estimable, shown):
    response_views.plot_segment_lifts(not_estimable)
    assert plt.get_fignums() == []
    assert len(shown) == 1


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="plot_segment_lifts returns without a figure or a word when every dimension is a tag_ "
                          "dimension")
def test_segment_lifts_with_only_tag_dimensions_say_so(holdout, shown):
    holdout.dimensions = ["tag_region"]
    response_views.plot_segment_lifts(holdout)
    assert plt.get_fignums() == []
    assert len(shown) == 1


def test_crosstabs_split_treated_customers_of_each_rfm_segment(holdout):
    table = response_views.response_crosstabs(holdout)
    assert list(table.columns) == ["customers", "responded and bought", "responded, did not buy",
                                   "bought without responding", "neither"]
    assert table.index.tolist() == ["at_risk", "champions"]
    # treated customers c00..c05: champions c00 c01 c03 c04, at risk c02 c05
    assert table["customers"].tolist() == [2, 4]
    assert table.loc["champions", "responded and bought"] == 0.5  # c00 and c04 responded and bought
    assert table.loc["at_risk", "neither"] == 0.5  # c05 neither responded nor bought
    assert np.allclose(table.iloc[:, 1:].sum(axis=1), 1.0)


def test_crosstabs_without_segments_use_all_customers(not_estimable):
    table = response_views.response_crosstabs(not_estimable)
    assert table.index.tolist() == ["all customers"]
    assert table["customers"].tolist() == [3]
    assert table.loc["all customers", "responded, did not buy"] == 0.333


# ------------------------------------------------------------------------------------------ funnel
def test_funnel_names_the_biggest_drop_and_draws_a_bar_per_arm_and_step(holdout, shown):
    table = response_views.show_funnel(holdout)
    assert shown == ["Biggest drop-off: to **redeemed** in arm **treatment** (33.3% of the previous step)."]
    assert table["share_of_arm"].tolist() == [0.0, 0.0, 0.0, 1.0, 0.333, 0.267]
    ax = plt.gcf().axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["delivered", "redeemed",
                                                            "purchased\n(all buyers in window)"]
    assert sum(len(c.patches) for c in ax.containers) == 6
    assert ax.get_title() and "%" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["control", "treatment"]


def test_funnel_with_every_step_passed_says_nothing_about_a_drop(holdout, shown):
    holdout.funnel["step_conversion"] = holdout.funnel["step_conversion"].where(
        holdout.funnel["step_conversion"].isna(), 1.0)
    response_views.show_funnel(holdout)
    assert shown == []


def test_funnel_without_funnel_says_so(holdout, shown):
    holdout.funnel = pd.DataFrame()
    assert response_views.show_funnel(holdout) is None
    assert len(shown) == 1 and "The funnel of campaign events is not available" in shown[0]


def test_funnel_of_purchases_only_says_the_events_are_missing_and_still_draws(holdout, shown):
    import matplotlib.pyplot as plt

    holdout.funnel = holdout.funnel[holdout.funnel["step"] == "purchased"].reset_index(drop=True)
    assert response_views.show_funnel(holdout) is not None
    assert "the data has no events of this campaign" in shown[0]
    labels = [t.get_text() for t in plt.gcf().axes[0].get_xticklabels()]
    assert len(labels) == 1 and labels[0].startswith("purchased")


# ------------------------------------------------------------------------------------------ money
def test_roi_quotes_revenue_costs_roi_and_break_even(holdout, shown):
    table = response_views.show_roi(holdout)
    assert len(shown) == 1
    text = shown[0]
    assert text.startswith("Incremental revenue (campaign window only (the post-period is not complete in the "
                           "data)): +15,457 (95% CI +4,611 to +26,100), from a per-customer effect of "
                           "+1.72 (95% CI +0.51 to +2.90) (ANCOVA) times 9,000 customers. Costs: 3,345.60.")
    assert "ROI: +0.39 (95% CI -0.59 to +1.34) per unit of cost." in text
    assert text.endswith("Break-even needs 1.24 of extra revenue per customer at a 30% margin.")
    assert table.index.tolist() == ["incremental_revenue", "incremental_margin", "net_profit", "roi"]
    assert table.columns.tolist() == ["estimate", "ci_low", "ci_high"]
    assert table.loc["incremental_revenue", "estimate"] == 15456.79
    assert table.loc["roi", "ci_low"] == -0.59


def test_roi_without_an_estimate_says_so(not_estimable, shown):
    assert response_views.show_roi(not_estimable) is None
    assert shown == ["No ROI: there is no effect estimate to turn into money (see above)."]


def test_planning_quotes_the_detectable_effect_and_the_holdout_needed(holdout, shown):
    table = response_views.show_planning(holdout)
    assert shown == [
        "With 9,000 treated and 1,000 comparison customers and a revenue spread of 25.43 per customer, the smallest "
        "detectable effect on revenue per customer is 2.35 (80% power, two-sided 5% test). To detect the effect "
        "seen here (1.72) with a 90/10 split, the next campaign needs a holdout of 1,867 customers. Method: normal "
        "approximation, two-sided."
    ]
    assert table.columns.tolist() == ["value"]
    assert table.loc["holdout_needed_at_9_to_1", "value"] == "1,867"
    assert table.loc["power", "value"] == "80%" and table.loc["n_treat", "value"] == "9,000"
    assert len(table) == 13


def test_planning_lists_its_split_options_as_sentences_not_a_raw_list(holdout, shown):
    holdout.planning = {**holdout.planning, "customers_available": 10000, "options": [
        {"option": "90/10 split of every customer", "n_treat": 9000, "n_control": 1000,
         "mde_revenue_per_customer": 2.35, "detects_observed": True},
        {"option": "50/50 split of every customer", "n_treat": 5000, "n_control": 5000,
         "mde_revenue_per_customer": 1.43, "detects_observed": False}]}
    table = response_views.show_planning(holdout)
    assert "options" not in table.index
    assert shown[1] == ("Splits of the 10,000 customers there are:\n\n"
                        "- 90/10 split of every customer: 9,000 treated, 1,000 held out, smallest detectable effect "
                        "2.35 per customer\n"
                        "- 50/50 split of every customer: 5,000 treated, 5,000 held out, smallest detectable effect "
                        "1.43 per customer (would not detect the effect seen here)")


def test_planning_without_an_estimate_recommends_a_holdout(not_estimable, shown):
    assert response_views.show_planning(not_estimable) is None
    assert shown == ["A holdout in the next campaign is the only way to measure it: keep a random 10% of the "
                     "targeted customers out of the campaign."]


# ------------------------------------------------------------------------------------------ series
def test_weekly_draws_one_line_per_group_and_shades_the_campaign(holdout, shown):
    windows = compute_windows(dt.date(2024, 2, 12), dt.date(2024, 2, 26), pre_days=7, post_days=7,
                              data_start=dt.date(2024, 1, 1), data_end=dt.date(2024, 6, 1))
    # show_weekly reads only run.windows: a stand-in instead of a Run and its database
    response_views.show_weekly(holdout, SimpleNamespace(windows=windows))
    ax = plt.gcf().axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["treatment", "control", "campaign window"]
    assert ax.get_ylabel() == "revenue per customer per week" and ax.get_title()
    assert shown == []


def test_weekly_without_a_series_says_so(not_estimable, shown):
    response_views.show_weekly(not_estimable, None)
    assert shown == ["No weekly series (no effect analysis for this campaign)."]


def test_naive_vs_adjusted_holdout_explains_that_arms_are_comparable(holdout, shown):
    response_views.show_naive_vs_adjusted(holdout)
    ax = plt.gcf().axes[0]
    assert ax.get_title() == "Revenue per customer in the campaign window"
    # the three revenue estimates in role order, headline at the top
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "headline:\nANCOVA regression adjustment", "supporting:\nWelch two-sample t-test",
        "descriptive:\ndifference in means"]
    assert [t.get_position()[1] for t in ax.get_yticklabels()] == [2, 1, 0]
    assert shown == ["In a randomized holdout the arms are comparable by design: the unadjusted and adjusted "
                     "estimates differ only by chance, and the adjustment narrows the interval."]


def test_naive_vs_adjusted_matched_explains_the_gap_by_pre_period_spend(matched, shown):
    response_views.show_naive_vs_adjusted(matched)
    labels = [t.get_text() for t in plt.gcf().axes[0].get_yticklabels()]
    assert labels == ["naive (biased by targeting):\nnaive difference in means", "headline:\ndoubly robust ATT",
                      "supporting:\nIPW ATT"]
    assert shown == [
        "Before the campaign, targeted customers spent 3.0 times as much as the comparison group (300 vs 100 per "
        "customer in the pre-period), so the naive difference of 9.88 per customer mostly reflects who was "
        "targeted; comparing like with like leaves 1.23 (-0.50 to 2.90)."
    ]


def test_naive_vs_adjusted_without_estimates_says_so(not_estimable, shown):
    response_views.show_naive_vs_adjusted(not_estimable)
    assert shown == ["No estimates (see above)."]
    assert plt.get_fignums() == []


def test_periods_show_rates_in_percent(holdout):
    table = response_views.show_periods(holdout)
    assert list(table.columns) == ["group", "period", "days_with_data", "customers", "daily_revenue_per_customer",
                                   "new_customers", "repurchase %", "churn %"]
    assert len(table) == 3
    assert table["repurchase %"].tolist() == [61.2, 30.0, 55.0]
    assert table["daily_revenue_per_customer"].tolist() == [0.41, 0.46, 0.4]


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="show_periods returns None without a word when there is no period table")
def test_periods_without_a_table_say_so(not_estimable, shown):
    assert response_views.show_periods(not_estimable) is None
    assert len(shown) == 1


# ------------------------------------------------------------------------------------------ products
def test_products_list_both_effects_and_call_substitution(holdout, shown):
    table = response_views.show_products(holdout)
    assert shown == [
        "Effect on revenue per customer in the campaign window:\n"
        "- the campaign's products (treatment): +2.50 (95% CI +1.00 to +4.00) per customer (ANCOVA)\n"
        "- the rest of the basket (treatment): -0.80 (95% CI -1.50 to -0.10) per customer (ANCOVA) "
        "Promoted products gained while the rest of the basket fell: **substitution**."
    ]
    assert list(table.columns) == ["arm", "customers", "promoted_revenue_per_customer", "other_revenue_per_customer",
                                   "promoted_share"]
    assert table["promoted_revenue_per_customer"].tolist() == [1.0, 3.5]
    assert table["promoted_share"].tolist() == [0.08, 0.26]


@pytest.mark.parametrize(("other", "verdict"), [
    ((0.5, 0.2, 0.9), "Promoted products gained and so did the rest of the basket: **halo**."),
    ((0.1, -0.4, 0.6), "Promoted products gained; the effect on the rest of the basket is inconclusive."),
])
def test_products_verdict_follows_the_rest_of_the_basket(holdout, shown, other, verdict):
    e = holdout.effects
    row = e["metric"] == "other_revenue_per_customer"
    e.loc[row, ["estimate", "ci_low", "ci_high"]] = other
    response_views.show_products(holdout)
    assert shown[0].endswith(verdict)


def test_products_with_an_inconclusive_promoted_effect_give_no_verdict(holdout, shown):
    e = holdout.effects
    e.loc[e["metric"] == "promoted_revenue_per_customer", "ci_low"] = -0.2
    response_views.show_products(holdout)
    assert shown[0].endswith("per customer (ANCOVA)")


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="show_products returns the product table without a word when no product effect was "
                          "estimated (no effects, or no promoted revenue)")
def test_products_without_product_effects_say_so(not_estimable, shown):
    table = response_views.show_products(not_estimable)
    assert table["promoted_share"].tolist() == [0.12, 0.2]
    assert len(shown) == 1
