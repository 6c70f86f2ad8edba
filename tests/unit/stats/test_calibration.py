"""The false-positive rates of the headline tests (benchmarks/calibration.py), and the benchmark's shortcuts.

The benchmark re-implements the product's decision vectorized (thousands of tables, 36,000 simulated data sets);
the tests below check each shortcut against the product's own functions on single tables, so the rates it
measures are the product's. Run with ``-s`` to see the table and the wall time.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from campaignlab.stats import effects

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("calibration", ROOT / "benchmarks" / "calibration.py")
calibration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calibration)

pytestmark = pytest.mark.filterwarnings("ignore:divide by zero encountered in scalar divide:RuntimeWarning")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(sum(map(ord, "calibration tests")))


@pytest.mark.slow
def test_headline_tests_keep_their_false_positive_rate() -> None:
    start = time.perf_counter()
    # 999 permutations per simulated test rather than the product's 9,999 (ten times faster): a permutation test
    # keeps its level for any number of resamples, so the rate measured is the same up to simulation noise.
    table = calibration.compute_calibration(resamples=999)
    wall = time.perf_counter() - start
    print("\n" + calibration.format_table(table) + f"\nwall time: {wall:.1f} s")
    assert len(table) == 2 * len(calibration.SPLITS) * len(calibration.RATES)
    assert (table["new"] <= calibration.TARGET_MAX).all() and (table["new_interval"] <= calibration.TARGET_MAX).all()
    floor = table[table["expected_control_events"] >= calibration.TARGET_MIN_EVENTS]
    assert len(floor) == 20 and (floor["new"] >= calibration.TARGET_MIN).all()
    # above the permutation test's size limit the unadjusted test (partly its large-sample form) keeps its level
    large = table[(table["outcome"] == "revenue") & (table["n_treat"] + table["n_control"]
                                                     > effects.PERMUTATION_MAX_CUSTOMERS)]
    assert len(large) == 6 and (large["unadjusted"] <= calibration.TARGET_MAX).all()
    assert (large["share_large"] > 0).any()
    assert table["meets_target"].all()
    # the improvement is measured: the old tests fail with a 10% holdout of 1,000
    old = table[table["n_control"] == 100]
    assert (old["old_unadjusted"] > 0.08).all() and (old["old_lin_hc2"] > 0.07).all()
    assert (table.loc[table["outcome"] == "conversion", "mass"] > 1 - 2e-9).all()
    assert wall < 300


def _one_table(x_t: int, n_t: int, x_c: int, n_c: int) -> pd.DataFrame:
    converted = np.r_[np.ones(x_t), np.zeros(n_t - x_t), np.ones(x_c), np.zeros(n_c - x_c)]
    return pd.DataFrame({"t": np.r_[np.ones(n_t), np.zeros(n_c)].astype(int), "y": converted, "pre": 1.0})


@pytest.mark.parametrize(("table", "branch"), [
    ((18, 900, 0, 100), "exact"), ((2, 270, 1, 30), "exact"), ((45, 900, 6, 100), "score"),
    ((95, 9000, 8, 1000), "score"), ((190, 9000, 25, 1000), "adjusted"), ((455, 9000, 40, 1000), "adjusted"),
])
def test_conversion_decision_is_the_products(table, branch) -> None:
    x_t, n_t, x_c, n_c = table
    d = calibration.conversion_decisions(np.array([x_t]), n_t, np.array([x_c]), n_c)
    # a covariate without information (constant) stands in for the campaign's covariates
    product = effects.compute_randomized_effect(_one_table(*table), outcome="y", treatment="t", covariates=["pre"],
                                                metric="conversion_rate", binary=True)
    assert bool(d["adjusted"][0]) == (branch == "adjusted") and bool(d["exact"][0]) == (branch == "exact")
    # (with no covariate information left, the adjustment's label reads "ANCOVA OLS regression adjustment")
    expected = {"exact": "Fisher exact test", "score": "score test", "adjusted": "regression adjustment"}[branch]
    assert expected in product["method"]
    assert d["p"][0] == pytest.approx(product["p_value"], rel=1e-9)
    assert bool(d["interval"][0]) == (product["ci_low"] > 0 or product["ci_high"] < 0)


def test_old_lin_hc2_reproduces_the_issues_false_positive() -> None:
    d = calibration.conversion_decisions(np.array([18]), 900, np.array([0]), 100)
    lin = effects.compute_adjusted_effect(_one_table(18, 900, 0, 100), outcome="y", treatment="t", covariates=[],
                                          metric="conversion_rate")
    assert d["p_lin"][0] == pytest.approx(lin["p_value"], rel=1e-9)
    assert d["p_lin"][0] < 1e-4 and 0.05 < d["p"][0] < 0.5


def test_binary_skewness_shortcut_is_scipys() -> None:
    y = np.r_[np.ones(37), np.zeros(963)]
    p = y.mean()
    assert (1 - 2 * p) / np.sqrt(p * (1 - p)) == pytest.approx(stats.skew(y), rel=1e-12)


def test_revenue_adjusted_decision_is_the_products(rng: np.random.Generator) -> None:
    # equal arms, half buy: the rule allows the adjustment
    y = (rng.random(1000) < 0.5) * rng.lognormal(3.0, 1.0, 1000)
    d = calibration.revenue_decisions(y[None, :], 500, 500, 99, rng)
    frame = pd.DataFrame({"t": np.r_[np.ones(500), np.zeros(500)].astype(int), "y": y, "pre": 1.0})
    product = effects.compute_randomized_effect(frame, outcome="y", treatment="t", covariates=["pre"],
                                                metric="revenue_per_customer", binary=False)
    assert d["adjusted"][0] and "regression adjustment, HC2" in product["method"]
    assert d["p"][0] == pytest.approx(product["p_value"], rel=1e-9)
    assert d["p_welch"][0] == pytest.approx(stats.ttest_ind(y[:500], y[500:], equal_var=False).pvalue, rel=1e-12)


def test_revenue_permutation_shortcut_agrees_with_the_products_permutation_test(rng: np.random.Generator) -> None:
    checked = 0
    while checked < 4:
        y = (rng.random(300) < 0.15) * rng.lognormal(3.0, 1.0, 300)
        y[:270] *= rng.choice([1.0, 1.6])
        product = effects.compute_randomized_effect(pd.DataFrame({"t": np.r_[np.ones(270), np.zeros(30)].astype(int),
                                                                  "y": y, "pre": 1.0}),
                                                    outcome="y", treatment="t", covariates=["pre"],
                                                    metric="revenue_per_customer", binary=False)
        if not 0.02 < product["p_value"] < 0.8:
            continue
        d = calibration.revenue_decisions(y[None, :], 270, 30, effects.PERMUTATION_RESAMPLES, rng)
        assert not d["adjusted"][0] and product["method"].startswith("permutation test")
        # two independent draws of 9,999 permutations: the p-values differ by simulation noise only
        assert d["p"][0] == pytest.approx(product["p_value"], abs=0.02)
        checked += 1


def test_revenue_large_sample_decision_is_the_products(rng: np.random.Generator) -> None:
    # 45,000 / 5,000 with a fifth buying: above the size limit and within the normal-interval rule
    n_t, n_c = 45_000, 5_000
    y = (rng.random(n_t + n_c) < 0.2) * rng.lognormal(3.0, 1.0, n_t + n_c)
    d = calibration.revenue_decisions(y[None, :], n_t, n_c, 99, rng)
    frame = pd.DataFrame({"t": np.r_[np.ones(n_t), np.zeros(n_c)].astype(int), "y": y})
    product = effects.compute_randomized_effect(frame, outcome="y", treatment="t", covariates=[],
                                                metric="revenue_per_customer", binary=False)
    assert d["large"][0] and "large-sample form" in product["method"]
    assert d["p_unadjusted"][0] == pytest.approx(product["p_value"], rel=1e-9)
    assert product["p_value"] == pytest.approx(stats.ttest_ind(y[:n_t], y[n_t:]).pvalue, rel=1e-12)
    # below the size limit the same data (a tenth of it) keep the permutation test
    small = frame.iloc[::10]
    below = effects.compute_randomized_effect(small, outcome="y", treatment="t", covariates=[],
                                              metric="revenue_per_customer", binary=False)
    assert below["method"].startswith("permutation test")
