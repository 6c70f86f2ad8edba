"""Tests for campaignlab.stats.effects, checked against computations done another way."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from campaignlab.stats import effects
from campaignlab.stats.effects import (
    compute_adjusted_effect,
    compute_covariate_matrix,
    compute_mde,
    compute_mean_effect,
    compute_proportion_effect,
    compute_qvalues,
    compute_randomized_effect,
    compute_required_sample,
    compute_roi,
    compute_srm,
    compute_winsorized,
)

KEYS = {"metric", "method", "estimate", "ci_low", "ci_high", "p_value", "relative"}
Z975 = stats.norm.ppf(0.975)
Z80 = stats.norm.ppf(0.8)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(sum(map(ord, "effects")))


# ------------------------------------------------------------------------ proportions


def test_proportion_effect_uses_the_score_test_and_newcombe_interval_of_statsmodels() -> None:
    # 12% vs 10% on 1000 each: every expected cell count is large, so the score test runs.
    r = compute_proportion_effect(120, 1000, 100, 1000, metric="conversion")
    assert KEYS <= r.keys()
    ref = sm_proportion.test_proportions_2indep(120, 1000, 100, 1000, method="score", compare="diff")
    ci = sm_proportion.confint_proportions_2indep(120, 1000, 100, 1000, method="newcomb", compare="diff")
    # by hand: the pooled rate's variance with Miettinen & Nurminen's N / (N - 1)
    se0 = math.sqrt(0.11 * 0.89 * (1 / 1000 + 1 / 1000) * 2000 / 1999)
    assert r["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(0.02 / se0), rel=1e-9)
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(ci[0], rel=1e-12), pytest.approx(ci[1], rel=1e-12))
    assert r["estimate"] == pytest.approx(0.02) and r["relative"] == pytest.approx(0.2)
    assert r["method"].startswith("score test") and "Newcombe" in r["method"] and "statsmodels" in r["method"]
    assert r["warning"] == ""
    assert (r["n_treat"], r["n_control"]) == (1000, 1000)


def test_newcombe_interval_matches_the_published_textbook_value() -> None:
    # Fagerland, Lydersen & Laake (2015), Statistical Methods in Medical Research 24, table for 7/34 vs 1/34:
    # Newcombe hybrid score interval 0.019 to 0.34.
    r = compute_proportion_effect(7, 34, 1, 34, metric="m")
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(0.019, abs=0.0015), pytest.approx(0.340, abs=0.0015))


def test_fisher_exact_test_matches_scipy_on_the_tea_tasting_table() -> None:
    # Fisher's tea-tasting experiment (Agresti 2013, Categorical Data Analysis, 3rd ed., section 3.5): 3 of 4
    # cups right, two-sided p = 0.486.
    r = compute_proportion_effect(3, 4, 1, 4, metric="m")
    assert r["method"].startswith("Fisher exact test") and "scipy" in r["method"]
    assert r["p_value"] == pytest.approx(stats.fisher_exact([[3, 1], [1, 3]]).pvalue, rel=1e-12)
    assert r["p_value"] == pytest.approx(0.486, abs=0.0005)


def test_small_holdout_without_buyers_is_not_significant() -> None:
    # The case: 900 e-mailed, 100 held out, 18 vs 0 bought. The Wald test called it p = 2e-5.
    r = compute_proportion_effect(18, 900, 0, 100, metric="conversion")
    assert 0.05 < r["p_value"] < 0.5
    assert r["p_value"] == pytest.approx(stats.fisher_exact([[18, 882], [0, 100]]).pvalue, rel=1e-12)
    assert r["ci_low"] < 0 < r["ci_high"]
    assert r["method"].startswith("Fisher exact test")
    assert r["warning"].startswith("fewer than 10 events in a group")
    score = compute_proportion_effect(18, 900, 0, 100, metric="conversion", method="score")
    assert 0.05 < score["p_value"] < 0.5  # the score test agrees (p = 0.15)
    old = compute_proportion_effect(18, 900, 0, 100, metric="conversion", method="wald")
    assert old["p_value"] < 1e-4


@pytest.mark.parametrize(("counts", "exact"), [((18, 900, 0, 100), True), ((45, 900, 6, 100), False),
                                               ((2, 30, 3, 30), True), ((6, 30, 5, 30), False)])
def test_exact_test_runs_when_an_expected_cell_count_is_below_five(counts, exact) -> None:
    x_t, n_t, x_c, n_c = counts
    share = (x_t + x_c) / (n_t + n_c)
    assert (min(n_t, n_c) * min(share, 1 - share) < 5) == exact  # Cochran's rule, by hand
    r = compute_proportion_effect(*counts, metric="m")
    assert r["method"].startswith("Fisher exact test" if exact else "score test")


def test_proportion_effect_wald_method_matches_hand_computed_wald() -> None:
    # The earlier default, kept for comparison: textbook unpooled Wald interval and z-test.
    r = compute_proportion_effect(120, 1000, 100, 1000, metric="conversion", method="wald")
    se = math.sqrt(0.12 * 0.88 / 1000 + 0.10 * 0.90 / 1000)
    assert r["ci_low"] == pytest.approx(0.02 - Z975 * se, rel=1e-9)
    assert r["ci_high"] == pytest.approx(0.02 + Z975 * se, rel=1e-9)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(0.02 / se), rel=1e-9)
    assert "Wald" in r["method"]


def test_newcombe_interval_agrees_with_the_score_test_on_almost_every_table(rng: np.random.Generator) -> None:
    # The interval is not the inversion of the test, so they can disagree at the margin: rarely.
    disagree = 0
    for _ in range(400):
        n_t, n_c = int(rng.integers(30, 2000)), int(rng.integers(30, 500))
        rate = rng.uniform(0.02, 0.5)
        x_t, x_c = int(rng.binomial(n_t, rate * rng.uniform(0.8, 1.25))), int(rng.binomial(n_c, rate))
        r = compute_proportion_effect(x_t, n_t, x_c, n_c, metric="m", method="score")
        disagree += (r["p_value"] < 0.05) != (r["ci_low"] > 0 or r["ci_high"] < 0)
    assert disagree <= 4


def test_proportion_zero_successes_in_one_arm_is_finite() -> None:
    r = compute_proportion_effect(0, 500, 10, 500, metric="m")
    assert r["estimate"] == pytest.approx(-0.02)
    assert np.isfinite([r["ci_low"], r["ci_high"], r["p_value"]]).all()
    assert r["relative"] == pytest.approx(-1.0)


def test_proportion_zero_successes_everywhere_is_no_evidence_of_a_difference() -> None:
    r = compute_proportion_effect(0, 500, 0, 500, metric="m")
    assert r["estimate"] == 0.0 and r["p_value"] == 1.0
    # Newcombe: from the two Wilson intervals of 0/500, symmetric around zero
    wilson_high = sm_proportion.proportion_confint(0, 500, method="wilson")[1]
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(-wilson_high), pytest.approx(wilson_high))
    assert math.isnan(r["relative"])  # control mean is 0
    assert "0 in treatment, 0 in control" in r["warning"]


def test_proportion_empty_group_gives_nan_without_error() -> None:
    r = compute_proportion_effect(0, 0, 10, 100, metric="m")
    assert all(math.isnan(r[k]) for k in ("estimate", "ci_low", "ci_high", "p_value", "relative"))
    assert r["mean_control"] == pytest.approx(0.1)


def test_proportion_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="exceed"):
        compute_proportion_effect(11, 10, 1, 10, metric="m")
    with pytest.raises(ValueError, match="method"):
        compute_proportion_effect(1, 10, 1, 10, metric="m", method="boschloo")


# -------------------------------------------------------------------------------- means


def _scipy_permutation(yt, yc, seed=effects.PERMUTATION_SEED, n_resamples=effects.PERMUTATION_RESAMPLES):
    return stats.permutation_test((np.asarray(yt, float), np.asarray(yc, float)),
                                  lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis),
                                  vectorized=True, n_resamples=n_resamples, rng=np.random.default_rng(seed))


@pytest.fixture
def zero_inflated(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # 270 treated, 30 held out; a fifth buy, and buyers' spend is lognormal
    y = (rng.random(300) < 0.2) * rng.lognormal(3.0, 1.0, 300)
    return y[:270], y[270:]


def test_mean_effect_permutation_p_value_equals_scipy(zero_inflated) -> None:
    yt, yc = zero_inflated
    r = compute_mean_effect(yt, yc, metric="revenue")
    ref = _scipy_permutation(yt, yc)
    assert r["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert r["estimate"] == pytest.approx(yt.mean() - yc.mean(), rel=1e-12)
    assert r["se"] == pytest.approx(np.std(ref.null_distribution, ddof=1), rel=1e-9)
    assert r["method"].startswith("permutation test") and "scipy" in r["method"] and "9,999" in r["method"]


def test_permutation_interval_is_the_set_of_shifts_the_test_does_not_reject(zero_inflated) -> None:
    # Shift the treated outcomes by a value just inside / outside each bound and re-run scipy's test.
    yt, yc = zero_inflated
    r = compute_mean_effect(yt, yc, metric="revenue", n_resamples=1999)
    width = r["ci_high"] - r["ci_low"]
    for bound in (r["ci_low"], r["ci_high"]):
        inside = bound + (1e-6 if bound == r["ci_low"] else -1e-6) * width
        outside = bound - (1e-6 if bound == r["ci_low"] else -1e-6) * width
        assert _scipy_permutation(yt - inside, yc, n_resamples=1999).pvalue >= 0.05
        assert _scipy_permutation(yt - outside, yc, n_resamples=1999).pvalue < 0.05


def test_permutation_interval_excludes_zero_exactly_when_significant(rng: np.random.Generator) -> None:
    seen = {True: 0, False: 0}
    for i in range(60):
        n_t, n_c = int(rng.integers(20, 300)), int(rng.integers(10, 60))
        lift = rng.choice([0.0, 20.0, 40.0])
        yt = (rng.random(n_t) < 0.5) * (rng.lognormal(3.0, 1.0, n_t) + lift)
        yc = (rng.random(n_c) < 0.5) * rng.lognormal(3.0, 1.0, n_c)
        r = compute_mean_effect(yt, yc, metric="m", n_resamples=499, seed=i)
        significant = r["p_value"] < 0.05
        assert significant == (r["ci_low"] > 0 or r["ci_high"] < 0), (i, r)
        seen[significant] += 1
    assert min(seen.values()) >= 5  # both outcomes were exercised


@pytest.mark.parametrize("n_t, n_c", [(4, 5), (40, 25), (270, 30), (3000, 600)])
def test_permutation_statistic_at_positions_equals_scipy_on_the_gathered_data(rng, n_t, n_c) -> None:
    # The product hands scipy the positions and reads outcome and indicator from them; scipy's test of the
    # (outcome, indicator) rows themselves, with the same seed, must give the same null distribution and p-value.
    y = np.round((rng.random(n_t + n_c) < 0.3) * rng.gamma(2.0, 20.0, n_t + n_c), 2)
    yt, yc = y[:n_t], y[n_t:]
    from campaignlab.stats.effects import two_groups

    positions = np.arange(n_t + n_c)
    mine = stats.permutation_test((positions[:n_t], positions[n_t:]), two_groups._difference_at(y, n_t),
                                  vectorized=True, n_resamples=999, axis=-1, rng=np.random.default_rng(5))
    ref = stats.permutation_test((np.vstack([yt, np.ones(n_t)]), np.vstack([yc, np.zeros(n_c)])),
                                 lambda x, z, axis: np.mean(x, axis=axis) - np.mean(z, axis=axis),
                                 vectorized=True, n_resamples=999, axis=-1, rng=np.random.default_rng(5))
    np.testing.assert_allclose(mine.null_distribution[:, 0], ref.null_distribution[:, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(mine.null_distribution[:, 1], ref.null_distribution[:, 1])  # counts: exact
    assert mine.statistic[0] == pytest.approx(ref.statistic[0], rel=1e-12)
    assert mine.pvalue[0] == pytest.approx(ref.pvalue[0], rel=1e-12)


def test_permutation_test_enumerates_every_split_of_tiny_groups() -> None:
    # C(9, 4) = 126 splits, fewer than the resamples: scipy enumerates them, p = 22 / 126.
    r = compute_mean_effect([1, 2, 3, 4], [2, 3, 5, 6, 9], metric="m")
    assert r["p_value"] == pytest.approx(_scipy_permutation([1, 2, 3, 4], [2, 3, 5, 6, 9]).pvalue, rel=1e-12)
    assert r["p_value"] == pytest.approx(22 / 126)
    assert r["ci_low"] < 0 < r["ci_high"]


def test_mean_effect_matches_welch_formula_and_statsmodels(rng: np.random.Generator) -> None:
    yt = rng.gamma(2.0, 30.0, 300)
    yc = rng.gamma(2.0, 25.0, 500)
    r = compute_mean_effect(yt, yc, metric="revenue", method="welch")
    vt, vc = yt.var(ddof=1) / yt.size, yc.var(ddof=1) / yc.size
    se = math.sqrt(vt + vc)
    df = (vt + vc) ** 2 / (vt**2 / (yt.size - 1) + vc**2 / (yc.size - 1))  # Welch-Satterthwaite
    diff = yt.mean() - yc.mean()
    q = stats.t.ppf(0.975, df)
    assert r["estimate"] == pytest.approx(diff)
    assert r["ci_low"] == pytest.approx(diff - q * se, rel=1e-9)
    assert r["ci_high"] == pytest.approx(diff + q * se, rel=1e-9)
    assert r["df"] == pytest.approx(df) and r["se"] == pytest.approx(se, rel=1e-12)
    cm = CompareMeans(DescrStatsW(yt), DescrStatsW(yc))
    assert r["p_value"] == pytest.approx(cm.ttest_ind(usevar="unequal")[1], rel=1e-9)
    assert r["relative"] == pytest.approx(diff / yc.mean())
    assert r["method"].startswith("Welch")


def test_mean_effect_pooled_matches_statsmodels(rng: np.random.Generator) -> None:
    yt, yc = rng.gamma(2.0, 30.0, 300), rng.gamma(2.0, 25.0, 50)
    r = compute_mean_effect(yt, yc, metric="revenue", method="pooled")
    cm = CompareMeans(DescrStatsW(yt), DescrStatsW(yc))
    low, high = cm.tconfint_diff(alpha=0.05, usevar="pooled")
    assert r["p_value"] == pytest.approx(cm.ttest_ind(usevar="pooled")[1], rel=1e-9)
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    assert r["se"] == pytest.approx(cm.std_meandiff_pooledvar, rel=1e-9) and r["method"].startswith("Student")


def test_mean_effect_warns_when_a_group_has_few_buyers() -> None:
    r = compute_mean_effect([0.0] * 95 + [20.0] * 5, [0.0] * 80 + [10.0] * 20, metric="m", n_resamples=99)
    assert r["warning"] == ("fewer than 10 events in a group (5 in treatment, 20 in control): "
                            "the interval is approximate")


def test_mean_effect_ignores_nan_and_handles_tiny_groups() -> None:
    r = compute_mean_effect([1.0, np.nan, 3.0], [2.0, 2.0, 4.0], metric="m")
    assert r["n_treat"] == 2 and r["estimate"] == pytest.approx(2.0 - 8 / 3)
    one = compute_mean_effect([5.0], [1.0, 2.0], metric="m")
    assert one["estimate"] == pytest.approx(3.5) and math.isnan(one["ci_low"]) and math.isnan(one["p_value"])
    empty = compute_mean_effect([], [1.0, 2.0], metric="m")
    assert math.isnan(empty["estimate"])
    with pytest.raises(ValueError, match="method"):
        compute_mean_effect([1.0, 2.0], [1.0, 2.0], metric="m", method="mann-whitney")


def test_mean_effect_constant_groups_give_nan_interval() -> None:
    r = compute_mean_effect([2.0, 2.0, 2.0], [1.0, 1.0], metric="m")
    assert r["estimate"] == pytest.approx(1.0)
    assert math.isnan(r["ci_low"]) and math.isnan(r["p_value"])


# ------------------------------------------------------------------------------- rules


def test_difference_skewness_matches_simulated_differences(rng: np.random.Generator) -> None:
    # Exponential outcomes (skewness 2), 20 treated and 4 controls: the formula against 200,000 simulated differences.
    diffs = rng.exponential(size=(200_000, 20)).mean(axis=1) - rng.exponential(size=(200_000, 4)).mean(axis=1)
    assert effects.compute_difference_skewness(2.0, 20, 4) == pytest.approx(abs(stats.skew(diffs)), abs=0.05)
    assert effects.compute_difference_skewness(2.0, 50, 50) == 0.0


def test_adjustment_rule_thresholds() -> None:
    assert effects.allows_adjustment(100, 100, 10.0, 50.0)  # equal arms: the skewness cancels
    assert not effects.allows_adjustment(99, 100, 10.0, 0.0)
    assert not effects.allows_adjustment(1000, 100, 9.9, 0.0)
    skew_at_limit = 0.2 / float(effects.compute_difference_skewness(1.0, 9000, 1000))
    assert effects.allows_adjustment(9000, 1000, 50.0, 0.99 * skew_at_limit)
    assert not effects.allows_adjustment(9000, 1000, 50.0, 1.01 * skew_at_limit)
    assert not effects.allows_adjustment(9000, 1000, 50.0, np.nan)
    flags = effects.allows_adjustment(np.array([100, 50]), 100, np.array([20.0, 20.0]), np.array([0.0, 0.0]))
    assert flags.tolist() == [True, False]


def test_adjustment_check_uses_the_pooled_skewness_of_scipy(rng: np.random.Generator) -> None:
    y = (rng.random(1000) < 0.3) * rng.lognormal(3.0, 1.0, 1000)
    check = effects.compute_adjustment_check(y[:900], y[900:], binary=False)
    expected = float(effects.compute_difference_skewness(stats.skew(y), 900, 100))
    assert check["difference_skewness"] == pytest.approx(expected, rel=1e-12)
    assert check["expected_events"] == pytest.approx(100 * np.mean(y != 0))
    assert not check["allowed"] and "skewness" in check["reason"]


@pytest.fixture
def big_experiment(rng: np.random.Generator) -> pd.DataFrame:
    n = 1000
    pre = rng.gamma(2.0, 50.0, n)
    t = rng.permutation(np.repeat([0, 1], n // 2))
    return pd.DataFrame({"t": t, "pre": pre, "y": 10 + 0.8 * pre + 3 * t + rng.normal(0, 15, n),
                         "bought": (rng.random(n) < 0.3).astype(int)})


def test_randomized_effect_leads_with_lin_where_the_rule_allows(big_experiment: pd.DataFrame) -> None:
    r = compute_randomized_effect(big_experiment, outcome="y", treatment="t", covariates=["pre"], metric="y",
                                  binary=False)
    lin = compute_adjusted_effect(big_experiment, outcome="y", treatment="t", covariates=["pre"], metric="y")
    assert r["method"] == lin["method"] and r["p_value"] == pytest.approx(lin["p_value"], rel=1e-12)
    assert r["method_reason"].startswith("regression adjustment")
    small = big_experiment.iloc[:150]  # about 75 per arm: below the 100 the rule asks for
    r = compute_randomized_effect(small, outcome="bought", treatment="t", covariates=["pre"], metric="conversion",
                                  binary=True)
    assert r["method"].startswith("score test") and "fewer than 100" in r["method_reason"]
    r = compute_randomized_effect(small, outcome="y", treatment="t", covariates=[], metric="y", binary=False)
    assert r["method"].startswith("permutation test") and r["method_reason"] == "unadjusted: no covariates"


# -------------------------------------------------------------------------- adjustment


@pytest.fixture
def experiment(rng: np.random.Generator) -> pd.DataFrame:
    n = 600
    pre = rng.gamma(2.0, 50.0, n)
    band = rng.choice(np.array(["low", "mid", "high", None], dtype=object), n, p=[0.3, 0.3, 0.3, 0.1])
    t = rng.permutation(np.repeat([0, 1], n // 2))
    effect = 4.0 + 0.05 * (pre - 100)  # heterogeneous effect, so Lin differs from ANCOVA
    band_shift = pd.Series(band).map({"low": -5.0, "mid": 0.0, "high": 8.0}).fillna(15.0).to_numpy()
    y = 10 + 0.8 * pre + band_shift + t * effect + rng.normal(0, 15, n)
    return pd.DataFrame({"t": t, "pre": pre, "band": band, "y": y, "const": 1.0})


def test_ancova_matches_statsmodels_formula_with_hc2(experiment: pd.DataFrame) -> None:
    r = compute_adjusted_effect(
        experiment, outcome="y", treatment="t", covariates=["pre"], metric="y", interactions=False
    )
    ref = smf.ols("y ~ t + pre", data=experiment).fit(cov_type="HC2")
    assert r["estimate"] == pytest.approx(ref.params["t"], rel=1e-9)
    assert r["se"] == pytest.approx(ref.bse["t"], rel=1e-9)
    assert "HC2" in r["method"] and "ANCOVA" in r["method"]


def test_lin_estimate_equals_difference_of_arm_regressions_at_the_mean(experiment: pd.DataFrame) -> None:
    # Lin (2013): the interacted OLS coefficient equals the difference between the two
    # arms' separate regressions evaluated at the pooled covariate mean.
    r = compute_adjusted_effect(experiment, outcome="y", treatment="t", covariates=["pre"], metric="y")
    at_mean = pd.DataFrame({"pre": [experiment["pre"].mean()]})
    fits = {arm: smf.ols("y ~ pre", data=experiment[experiment.t == arm]).fit() for arm in (0, 1)}
    expected = float(fits[1].predict(at_mean).iloc[0] - fits[0].predict(at_mean).iloc[0])
    assert r["estimate"] == pytest.approx(expected, rel=1e-9)
    assert "Lin (2013)" in r["method"]


def test_adjustment_narrows_the_interval(experiment: pd.DataFrame) -> None:
    raw = compute_mean_effect(experiment.y[experiment.t == 1], experiment.y[experiment.t == 0], metric="y")
    adj = compute_adjusted_effect(experiment, outcome="y", treatment="t", covariates=["pre", "band"], metric="y")
    assert adj["ci_high"] - adj["ci_low"] < 0.5 * (raw["ci_high"] - raw["ci_low"])


def test_categorical_with_missing_level_is_its_own_dummy(experiment: pd.DataFrame) -> None:
    r = compute_adjusted_effect(
        experiment, outcome="y", treatment="t", covariates=["pre", "band"], metric="y", interactions=False
    )
    filled = experiment.assign(band=experiment["band"].fillna("unknown"))
    ref = smf.ols("y ~ t + pre + C(band)", data=filled).fit(cov_type="HC2")
    assert r["estimate"] == pytest.approx(ref.params["t"], rel=1e-9)
    # four levels (missing included, as the reference) -> three dummies
    assert [c for c in r["covariates_used"] if c.startswith("band=")] == ["band=high", "band=low", "band=mid"]
    all_levels = compute_covariate_matrix(experiment, ["band"], drop_first=False)
    assert "band=<missing>" in all_levels.columns


def test_constant_covariate_is_dropped(experiment: pd.DataFrame) -> None:
    with_const = compute_adjusted_effect(experiment, outcome="y", treatment="t", covariates=["pre", "const"],
                                         metric="y")
    without = compute_adjusted_effect(experiment, outcome="y", treatment="t", covariates=["pre"], metric="y")
    assert with_const["covariates_used"] == ["pre"]
    assert with_const["estimate"] == pytest.approx(without["estimate"], rel=1e-12)


def test_leverage_one_falls_back_from_hc2_to_hc1(experiment: pd.DataFrame) -> None:
    # A level held by a single treated customer gets its own interaction slope, so that
    # row has leverage 1 and HC2 is undefined.
    df = experiment.copy()
    df["rare"] = "common"
    df.loc[df.index[df.t == 1][0], "rare"] = "only_one"
    r = compute_adjusted_effect(df, outcome="y", treatment="t", covariates=["pre", "rare"], metric="y")
    assert "HC1" in r["method"]
    assert np.isfinite([r["estimate"], r["se"], r["ci_low"]]).all()


def test_boolean_treatment_column_is_accepted(experiment: pd.DataFrame) -> None:
    as_bool = compute_adjusted_effect(experiment.assign(t=experiment.t.astype(bool)), outcome="y", treatment="t",
                                      covariates=["pre"], metric="y")
    as_int = compute_adjusted_effect(experiment, outcome="y", treatment="t", covariates=["pre"], metric="y")
    assert as_bool["estimate"] == pytest.approx(as_int["estimate"], rel=1e-12)


def test_adjusted_effect_with_an_empty_arm_returns_nan(experiment: pd.DataFrame) -> None:
    treated_only = experiment[experiment.t == 1]
    r = compute_adjusted_effect(treated_only, outcome="y", treatment="t", covariates=["pre"], metric="y")
    assert math.isnan(r["estimate"]) and math.isnan(r["ci_low"])


def test_adjusted_effect_rejects_non_binary_treatment(experiment: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="must be 0/1"):
        compute_adjusted_effect(experiment.assign(t=experiment.t * 2), outcome="y", treatment="t",
                                covariates=["pre"], metric="y")


def test_covariate_matrix_missing_numeric_gets_indicator() -> None:
    d = pd.DataFrame({"x": [1.0, np.nan, 3.0], "s": ["a", "b", "a"]})
    X = compute_covariate_matrix(d, ["x", "s"])
    assert list(X.columns) == ["x", "x__missing", "s=b"]
    assert X["x"].tolist() == [1.0, 2.0, 3.0] and X["x__missing"].tolist() == [0.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="missing from the data"):
        compute_covariate_matrix(d, ["nope"])


# ------------------------------------------------------------------- winsor, q, SRM


def test_winsorized_caps_at_the_pooled_quantile(rng: np.random.Generator) -> None:
    x = rng.lognormal(3, 1.5, 1000)
    x[::100] = np.nan
    clipped, cap = compute_winsorized(x, 0.99)
    assert cap == pytest.approx(np.nanpercentile(x, 99))
    assert np.nanmax(clipped) == pytest.approx(cap)
    below = x < cap
    np.testing.assert_array_equal(clipped[below], x[below])
    assert np.isnan(clipped[::100]).all()
    unchanged, top = compute_winsorized(x, 1.0)
    assert top == pytest.approx(np.nanmax(x))
    with pytest.raises(ValueError):
        compute_winsorized(x, 0.0)


def test_qvalues_match_hand_computed_benjamini_hochberg() -> None:
    # sorted p: .01 .03 .04 .20 -> p*m/rank: .04 .06 .0533 .20 -> running minimum from the top
    q = compute_qvalues([0.04, 0.01, 0.20, 0.03])
    np.testing.assert_allclose(q, [0.16 / 3, 0.04, 0.20, 0.16 / 3])


def test_qvalues_exclude_nan_from_the_family() -> None:
    q = compute_qvalues([0.04, np.nan, 0.01, 0.20, 0.03])
    assert np.isnan(q[1])
    np.testing.assert_allclose(q[[0, 2, 3, 4]], [0.16 / 3, 0.04, 0.20, 0.16 / 3])
    assert np.isnan(compute_qvalues([np.nan, np.nan])).all()


def test_srm_matches_hand_chi_square() -> None:
    r = compute_srm({"treatment": 5200, "control": 4800})
    assert r["chi2"] == pytest.approx(16.0)  # 2 * 200^2 / 5000
    assert r["p_value"] == pytest.approx(stats.chi2.sf(16.0, 1))
    assert r["passed"] is False
    ok = compute_srm({"treatment": 9010, "control": 990}, {"treatment": 0.9, "control": 0.1})
    assert ok["expected"] == {"treatment": 9000.0, "control": 1000.0}
    assert ok["passed"] is True
    strict = compute_srm({"treatment": 9010, "control": 990}, {"treatment": 0.9, "control": 0.1}, threshold=0.9)
    assert strict["passed"] is False


def test_srm_three_arms_and_bad_input() -> None:
    r = compute_srm({"a": 100, "b": 100, "c": 200}, {"a": 1, "b": 1, "c": 2})
    assert r["chi2"] == pytest.approx(0.0) and r["df"] == 2
    with pytest.raises(ValueError, match="planned share"):
        compute_srm({"a": 1, "b": 2}, {"a": 0.5})


# ------------------------------------------------------------------------------- power


def test_mde_for_a_mean_matches_normal_formula() -> None:
    # Large n: t and normal agree, MDE = (z_{.975} + z_{.8}) * sd * sqrt(1/n1 + 1/n2).
    r = compute_mde(4000, 1000, sd=25.0)
    expected = (Z975 + Z80) * 25.0 * math.sqrt(1 / 4000 + 1 / 1000)
    assert r["mde"] == pytest.approx(expected, rel=2e-3)
    assert r["mde"] > expected  # t quantiles are wider than normal ones


def test_mde_for_a_proportion_has_the_right_arcsine_effect_size() -> None:
    r = compute_mde(5000, 3000, p=0.1)
    p1 = 0.1 + r["mde"]
    h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(0.1))  # Cohen's h by hand
    assert h == pytest.approx((Z975 + Z80) / math.sqrt(5000 * 3000 / 8000), rel=1e-3)
    assert r["mde_relative"] == pytest.approx(r["mde"] / 0.1)


def test_mde_needs_exactly_one_of_sd_and_p() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        compute_mde(100, 100)
    with pytest.raises(ValueError, match="exactly one"):
        compute_mde(100, 100, sd=1.0, p=0.1)
    assert math.isnan(compute_mde(0, 100, sd=1.0)["mde"])


def test_required_sample_inverts_the_normal_formula_and_the_mde() -> None:
    r = compute_required_sample(2.0, sd=20.0, ratio=4.0)
    normal = (Z975 + Z80) ** 2 * 20.0**2 * (1 + 1 / 4.0) / 2.0**2
    assert normal <= r["n_control"] <= normal + 3
    assert 4 * (r["n_control"] - 1) < r["n_treat"] <= 4 * r["n_control"]
    # round trip: with the returned sizes the MDE is at most the requested effect
    assert compute_mde(r["n_treat"], r["n_control"], sd=20.0)["mde"] <= 2.0
    assert compute_mde(r["n_treat"] - 40, r["n_control"] - 10, sd=20.0)["mde"] > 2.0


def test_required_sample_for_a_proportion_round_trips() -> None:
    r = compute_required_sample(0.01, p=0.05, ratio=9.0)
    assert compute_mde(r["n_treat"], r["n_control"], p=0.05)["mde"] <= 0.01 + 1e-9
    assert r["n_total"] == r["n_treat"] + r["n_control"]


def test_required_sample_edge_cases() -> None:
    assert compute_required_sample(0.0, sd=1.0, ratio=1.0)["n_control"] == math.inf
    assert math.isnan(compute_required_sample(float("nan"), sd=1.0, ratio=1.0)["n_control"])
    assert math.isnan(compute_required_sample(0.2, p=0.9, ratio=1.0)["n_control"])  # p + effect > 1
    with pytest.raises(ValueError, match="ratio"):
        compute_required_sample(1.0, sd=1.0, ratio=0.0)


# --------------------------------------------------------------------------------- ROI


def test_roi_hand_computed() -> None:
    r = compute_roi(
        50_000.0, (20_000.0, 80_000.0), gross_margin=0.4, discount_cost=2_000.0, contacts=10_000,
        cost_per_contact=0.5, fixed_cost=3_000.0,
    )
    assert r["total_cost"] == pytest.approx(10_000.0)
    assert r["incremental_margin"] == pytest.approx(20_000.0)
    assert (r["net_profit"], r["net_profit_ci_low"], r["net_profit_ci_high"]) == pytest.approx((10_000, -2_000, 22_000))
    assert (r["roi"], r["roi_ci_low"], r["roi_ci_high"]) == pytest.approx((1.0, -0.2, 2.2))
    assert r["break_even_incremental_revenue"] == pytest.approx(25_000.0)
    assert r["break_even_lift_per_customer"] == pytest.approx(2.5)
    # at break-even revenue, profit is zero
    at_break_even = compute_roi(25_000.0, (25_000.0, 25_000.0), gross_margin=0.4, discount_cost=2_000.0,
                                contacts=10_000, cost_per_contact=0.5, fixed_cost=3_000.0)
    assert at_break_even["net_profit"] == pytest.approx(0.0)


def test_roi_zero_cost_and_zero_contacts() -> None:
    r = compute_roi(1_000.0, (500.0, 1_500.0), gross_margin=0.3, discount_cost=0.0, contacts=0,
                    cost_per_contact=0.0, fixed_cost=0.0)
    assert math.isnan(r["roi"]) and math.isnan(r["roi_ci_low"])
    assert r["net_profit"] == pytest.approx(300.0)
    assert math.isnan(r["break_even_lift_per_customer"])
    with pytest.raises(ValueError, match="gross_margin"):
        compute_roi(1.0, (0.0, 2.0), gross_margin=30, discount_cost=0, contacts=1, cost_per_contact=0, fixed_cost=0)


def test_module_has_no_name_pytest_would_collect() -> None:
    assert not [name for name in vars(effects) if name.startswith("test")]
