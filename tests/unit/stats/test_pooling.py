"""Unit tests for campaignlab.stats.pooling: random-effects pools within groups of comparable campaigns."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from campaignlab.stats import pooling

Z = 1.959963984540054


# --------------------------------------------------------------------------------------------- the pool
def test_pool_matches_metafor_dersimonian_laird():
    # Kacker (2004) example 1, pooled in R with metafor::rma(y, v, method="DL"); the values as statsmodels' own test
    # suite records them (statsmodels/stats/tests/results/results_meta.py, exk1_dl).
    eff = [61.00, 61.40, 62.21, 62.30, 62.34, 62.60, 62.70, 62.84, 65.90]
    var = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
    pool = pooling.compute_random_effects_pool(eff, var)
    assert pool["estimate"] == pytest.approx(62.3901386044504, abs=1e-10)
    assert pool["se"] == pytest.approx(0.245749668040304, abs=1e-10)
    assert (pool["ci_low"], pool["ci_high"]) == pytest.approx((61.9084781058787, 62.8717991030221), abs=1e-8)
    assert pool["tau2"] == pytest.approx(0.288049246973751, abs=1e-10)
    assert pool["i2"] == pytest.approx(0.67744403741711, abs=1e-10)
    assert pool["q"] == pytest.approx(24.801897741835, abs=1e-9) and pool["k"] == 9


def test_pool_matches_statsmodels_combine_effects_on_a_small_example():
    eff, var = np.array([1.0, 4.0, 2.0, -0.5]), np.array([1.0, 1.0, 0.25, 2.0])
    pool = pooling.compute_random_effects_pool(eff, var)
    ref = combine_effects(eff, var, method_re="dl")
    row = ref.summary_frame().loc["random effect"]
    assert ref.tau2 > 0
    assert pool["estimate"] == pytest.approx(row["eff"]) and pool["se"] == pytest.approx(row["sd_eff"])
    assert (pool["ci_low"], pool["ci_high"]) == pytest.approx((row["ci_low"], row["ci_upp"]))
    assert pool["tau2"] == pytest.approx(ref.tau2) and pool["i2"] == pytest.approx(ref.i2)


def test_dersimonian_laird_tau2_by_hand():
    # w = 1/v = (1, 1, 4); fixed-effect mean 13/6; Q = (7/6)^2 + (11/6)^2 + 4 (1/6)^2 = 29/6;
    # C = sum w - sum w^2 / sum w = 6 - 18/6 = 3; tau2 = (Q - 2) / C = 17/18; I2 = (Q - 2) / Q = 17/29.
    pool = pooling.compute_random_effects_pool([1.0, 4.0, 2.0], [1.0, 1.0, 0.25])
    tau2 = 17 / 18
    w = 1 / (np.array([1.0, 1.0, 0.25]) + tau2)
    assert pool["q"] == pytest.approx(29 / 6)
    assert pool["tau2"] == pytest.approx(tau2) and pool["i2"] == pytest.approx(17 / 29)
    assert pool["estimate"] == pytest.approx((w * [1.0, 4.0, 2.0]).sum() / w.sum())
    assert pool["se"] == pytest.approx(math.sqrt(1 / w.sum()))


def test_negative_tau2_is_truncated_to_the_fixed_effect_pool():
    eff, var = np.array([1.0, 1.1, 0.9]), np.array([1.0, 1.0, 1.0])  # Q far below its degrees of freedom
    assert combine_effects(eff, var, method_re="dl").tau2 < 0  # statsmodels leaves it negative
    pool = pooling.compute_random_effects_pool(eff, var)
    assert pool["tau2"] == 0.0 and pool["i2"] == 0.0
    assert pool["estimate"] == pytest.approx(1.0) and pool["se"] == pytest.approx(math.sqrt(1 / 3))


def test_random_effects_interval_widens_with_heterogeneity():
    # Equally precise campaigns: the random-effects variance is 1 / (1 - I2) times the fixed-effect one.
    # Four estimates +/- a with unit variances: mean 0, Q = 4 a^2; Q = 18.75 gives I2 = (18.75 - 3) / 18.75 = 0.84,
    # and the fixed-effect interval is sqrt(1 / 0.16) = 2.5 times too narrow.
    a = math.sqrt(18.75 / 4)
    eff, var = np.array([-a, a, -a, a]), np.ones(4)
    pool = pooling.compute_random_effects_pool(eff, var)
    fixed = combine_effects(eff, var, method_re="dl").summary_frame().loc["fixed effect"]
    assert pool["i2"] == pytest.approx(0.84)
    width, fixed_width = pool["ci_high"] - pool["ci_low"], fixed["ci_upp"] - fixed["ci_low"]
    assert width / fixed_width == pytest.approx(2.5)


@pytest.mark.parametrize("eff,var", [([1.0], [1.0]), ([1.0, 2.0], [1.0, 0.0]), ([1.0, np.nan], [1.0, 1.0]),
                                     ([1.0, 2.0], [1.0])])
def test_pool_refuses_what_it_cannot_pool(eff, var):
    with pytest.raises(ValueError):
        pooling.compute_random_effects_pool(eff, var)


# --------------------------------------------------------------------------------------------- which campaigns pool
def campaigns(rows: list[tuple]) -> pd.DataFrame:
    """(campaign_id, type, design, window_kind, window_days, estimate, half-width of the 95% interval)."""
    t = pd.DataFrame(rows, columns=["campaign_id", "type", "design", "window_kind", "window_days",
                                    "revenue_per_customer", "half"])
    # Verdicts that passed their checks: a holdout is randomized, a matched comparison adjusted.
    t["trust"] = t["design"].map({"holdout": "randomized", "matched": "adjusted"})
    return t.assign(revenue_per_customer_ci_low=t["revenue_per_customer"] - t["half"],
                    revenue_per_customer_ci_high=t["revenue_per_customer"] + t["half"]).drop(columns="half")


def test_different_window_kinds_or_lengths_beyond_25_percent_are_not_pooled():
    t = campaigns([
        ("a", "A", "holdout", "campaign window", 28, 1.0, Z),
        ("b", "A", "holdout", "campaign window", 35, 3.0, Z),  # 35 = 1.25 * 28: still pooled with a
        ("c", "A", "holdout", "campaign window", 36, 2.0, Z),  # > 1.25 * 28: starts a new group
        ("d", "A", "holdout", "campaign window", 44, 2.5, Z),  # 44 <= 1.25 * 36: with c
        ("e", "A", "holdout", "campaign window (partly observed)", 28, 9.0, Z),  # another window kind
        ("f", "A", "holdout", "campaign window and post-period", 30, 9.0, Z),  # another window kind
        ("g", "A", "matched", "campaign window", 28, 9.0, Z),  # another design
        ("h", "B", "holdout", "campaign window", 28, 9.0, Z),  # another type
    ])
    groups = pooling.compute_pooling_groups(t)
    assert groups.tolist() == ["type A, holdout, randomized, campaign window, 28-35 days"] * 2 + [
        "type A, holdout, randomized, campaign window, 36-44 days"] * 2 + [None] * 4
    pooled = pooling.compute_pooled_effects(t)
    assert list(pooled.columns) == list(pooling.POOLED_COLUMNS)
    assert pooled["campaigns"].tolist() == [["a", "b"], ["c", "d"]]
    assert not any(c in sum(pooled["campaigns"], []) for c in "efgh")
    assert pooled["estimate"].tolist() == pytest.approx([2.0, 2.25])
    assert (pooled["method"].str.contains("DerSimonian-Laird") & pooled["method"].str.contains("25%")).all()


def test_every_group_keeps_lengths_within_25_percent():
    rng = np.random.default_rng(sum(map(ord, "window lengths")))
    days = rng.integers(7, 120, size=40)
    t = campaigns([(f"c{i:02d}", "A", "holdout", "campaign window", int(d), 1.0, 1.0) for i, d in enumerate(days)])
    groups = pooling.compute_pooling_groups(t)
    spans = t.groupby(groups)["window_days"].agg(["min", "max"])
    assert len(spans) >= 3 and (spans["max"] <= 1.25 * spans["min"]).all()


def test_campaigns_without_an_interval_or_window_are_left_out():
    t = campaigns([
        ("a", "A", "holdout", "campaign window", 28, 1.0, Z),
        ("b", "A", "holdout", "campaign window", 28, 2.0, 0.0),  # zero-width interval: no standard error
        ("c", "A", "holdout", None, np.nan, 2.0, Z),  # no windows section
        ("d", "A", "holdout", "campaign window", 28, np.nan, Z),
    ])
    assert pooling.compute_pooling_groups(t).isna().all()
    empty = pooling.compute_pooled_effects(t)
    assert empty.empty and list(empty.columns) == list(pooling.POOLED_COLUMNS)
    assert pooling.compute_pooled_effects(t.iloc[0:0]).empty


def test_only_randomized_or_adjusted_verdicts_are_pooled_each_trust_on_its_own():
    t = campaigns([
        ("a", "A", "matched", "campaign window", 28, 1.0, Z),
        ("b", "A", "matched", "campaign window", 28, 3.0, Z),
        ("c", "A", "matched", "campaign window", 28, 2.0, Z),
        ("d", "A", "matched", "campaign window", 28, 2.0, Z),
    ])
    t["trust"] = ["adjusted", "adjusted", "indicative", "indicative"]
    pooled = pooling.compute_pooled_effects(t)
    assert pooled["campaigns"].tolist() == [["a", "b"]] and "adjusted" in pooled["group"].iloc[0]
    out = pooling.compute_unpooled(t)
    assert out["campaign_id"].tolist() == ["c", "d"] and out["reason"].str.contains("not pooled").all()
    assert pooling.compute_pooled_effects(t.drop(columns="trust")).empty  # no trust level: nothing pooled
