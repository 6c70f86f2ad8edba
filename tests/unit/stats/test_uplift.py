"""The uplift model and its evidence: curves cross-tested against scikit-uplift, planted and homogeneous effects."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from campaignlab.stats import uplift

SEED = sum(map(ord, "uplift"))


def _panel(n: int, *, planted: bool, seed: int = SEED) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A randomized test: zero-inflated revenue; the effect is +30 for region North only (planted) or +6 for all."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"pre_revenue": rng.gamma(2.0, 50.0, n),
                          "region": rng.choice(["North", "South", "East", "West"], n, p=[0.3, 0.3, 0.2, 0.2]),
                          "age_band": rng.choice(["18-34", "35-54", "55+"], n)})
    t = rng.integers(0, 2, n)
    base = (rng.random(n) < 0.5) * rng.gamma(2.0, 0.25 * frame["pre_revenue"].to_numpy() + 10)
    effect = np.where(frame["region"] == "North", 30.0, 0.0) if planted else np.full(n, 6.0)
    return frame, base + t * effect, t


def _fit(frame, y, t):
    X, cat = uplift.feature_matrix(frame, list(frame.columns))
    return uplift.CrossFitUplift(folds=5, seed=1, sequential=True).fit(X, y, t, categorical=cat)


def test_curves_equal_scikit_uplift():
    sklift = pytest.importorskip("sklift.metrics")
    rng = np.random.default_rng(SEED)
    n = 500
    y, t, score = rng.integers(0, 2, n), rng.integers(0, 2, n), rng.normal(size=n)  # distinct scores
    mine = uplift.compute_uplift_curves(y, t, score)
    k, qini = sklift.qini_curve(y, score, t)
    np.testing.assert_allclose(mine["qini"].to_numpy(), qini[1:], rtol=1e-9, atol=1e-9)
    k, up = sklift.uplift_curve(y, score, t)
    order = np.argsort(-score, kind="stable")
    both = (np.cumsum(t[order]) > 0) & (np.cumsum(1 - t[order]) > 0)  # sklift counts a missing arm's mean as 0
    np.testing.assert_allclose(mine["uplift"].to_numpy()[both], up[1:][both], rtol=1e-9, atol=1e-9)
    assert both.sum() > 490


def test_every_prediction_is_out_of_fold():
    frame, y, t = _panel(600, planted=True)
    X, cat = uplift.feature_matrix(frame, list(frame.columns))
    m = uplift.CrossFitUplift(folds=4, seed=3).fit(X, y, t, categorical=cat)
    assert sorted(np.unique(m.fold_)) == [0, 1, 2, 3]
    # Changing the outcomes of one fold's customers leaves their own predictions unchanged (they never trained on them).
    y2 = y.copy()
    y2[m.fold_ == 0] += 1000 * t[m.fold_ == 0]
    m2 = uplift.CrossFitUplift(folds=4, seed=3).fit(X, y2, t, categorical=cat)
    np.testing.assert_allclose(m2.uplift_[m.fold_ == 0], m.uplift_[m.fold_ == 0])
    assert not np.allclose(m2.uplift_[m.fold_ == 1], m.uplift_[m.fold_ == 1])


def test_capped_training_fits_each_model_on_a_sample_and_still_scores_everyone(monkeypatch):
    frame, y, t = _panel(3000, planted=True)
    X, cat = uplift.feature_matrix(frame, list(frame.columns))
    full = uplift.CrossFitUplift(folds=4, seed=3).fit(X, y, t, categorical=cat)
    same = uplift.CrossFitUplift(folds=4, seed=3, max_training_rows=10_000).fit(X, y, t, categorical=cat)
    np.testing.assert_array_equal(same.uplift_, full.uplift_)  # a cap above every arm's rows changes nothing
    from sklearn.ensemble import HistGradientBoostingRegressor

    sizes, fit = [], HistGradientBoostingRegressor.fit
    monkeypatch.setattr(HistGradientBoostingRegressor, "fit", lambda self, X_, y_: sizes.append(len(y_)) or fit(self, X_, y_))
    capped = uplift.CrossFitUplift(folds=4, seed=3, max_training_rows=500).fit(X, y, t, categorical=cat)
    assert len(sizes) == 8 and max(sizes) == 500
    assert capped.sampled_ and not same.sampled_  # the model says whether it sampled (the step's description)
    assert np.isfinite(capped.uplift_).all() and len(capped.uplift_) == 3000
    north = frame["region"].to_numpy() == "North"
    assert capped.uplift_[north].mean() > capped.uplift_[~north].mean() + 10  # the planted +30 is still found


def test_planted_effect_is_found_and_targeted():
    frame, y, t = _panel(8000, planted=True)
    model = _fit(frame, y, t)
    score = model.uplift_
    ev = uplift.evaluate_uplift(y, t, score, n_boot=200, seed=2)
    test = uplift.sequential_qini_test(y, t, model.fold_, model.sequential_uplift_, n_boot=200, seed=2)
    assert test["targetable"] and test["ci_low"] > 0 and test["p_value"] < 0.025
    assert ev.qini["ci_low"] <= ev.qini["auuc"] <= ev.qini["ci_high"]
    policy = ev.policy.set_index("share")
    # Targeting the responding 30% captures most of the incremental revenue of targeting everyone.
    assert policy.loc[0.3, "incremental_revenue"] > 0.8 * policy.loc[1.0, "incremental_revenue"]
    costed = policy.reset_index().assign(net_profit=lambda p: 0.3 * p["incremental_revenue"] - 3.0 * p["customers"])
    rec = uplift.choose_share(costed, test["targetable"])
    assert rec["kind"] == "top" and 0.2 <= rec["share"] <= 0.4
    drivers = uplift.compute_drivers(frame, list(frame.columns), score)
    assert (drivers[0]["feature"], drivers[0]["level"]) == ("region", "North")
    segments = uplift.compute_uplift_segments(frame, list(frame.columns), score)
    assert segments["leaves"][0]["rule"].startswith("region is North") and segments["r2"] > 0.5
    assert sum(leaf["customers"] for leaf in segments["leaves"]) == len(frame)


def test_uplift_segments_name_the_levels_and_the_unknowns_on_each_side():
    rng = np.random.default_rng(SEED)
    n = 2000
    frame = pd.DataFrame({"tier": rng.choice(["gold", "silver", "bronze", "none", "staff"], n),
                          "spend": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0, 100, n))})
    spend = frame["spend"].fillna(100.0)  # unknown spend behaves like high spend
    score = np.where(frame["tier"].isin(["gold", "staff"]), 10.0, 0.0) + np.where(spend > 50, 1.0, 0.0)
    seg = uplift.compute_uplift_segments(frame, ["tier", "spend"], score)
    rules = [re.fullmatch(r"tier is (.+) and spend is (below|at least) (4\d\.\d|50\.\d)( \(or unknown\))?", leaf["rule"])
             for leaf in seg["leaves"]]
    assert all(rules) and len(rules) == 4 and seg["r2"] == pytest.approx(1.0, abs=0.01)
    top, bottom = rules[0], rules[-1]
    assert set(top[1].split(" or ")) == {"gold", "staff"} and top[2] == "at least" and top[4]
    assert set(bottom[1].split(" or ")) == {"bronze", "none", "silver"} and bottom[2] == "below" and not bottom[4]


def test_homogeneous_effect_leaves_nothing_to_target():
    frame, y, t = _panel(8000, planted=False)
    model = _fit(frame, y, t)
    ev = uplift.evaluate_uplift(y, t, model.uplift_, n_boot=200, seed=2)
    test = uplift.sequential_qini_test(y, t, model.fold_, model.sequential_uplift_, n_boot=200, seed=2)
    assert test["ci_low"] <= 0 <= test["ci_high"] and not test["targetable"]
    assert uplift.choose_share(ev.policy.assign(net_profit=1.0), test["targetable"])["kind"] == "no_difference"


def test_sequential_scores_come_from_earlier_folds_only():
    frame, y, t = _panel(1500, planted=True)
    X, cat = uplift.feature_matrix(frame, list(frame.columns))
    m = uplift.CrossFitUplift(folds=4, seed=3, sequential=True).fit(X, y, t, categorical=cat)
    assert np.isnan(m.sequential_uplift_[m.fold_ == 0]).all() and np.isfinite(m.sequential_uplift_[m.fold_ > 0]).all()
    # The last fold's earlier folds are its cross-fitting training set.
    last = m.fold_ == 3
    np.testing.assert_array_equal(m.sequential_uplift_[last], m.uplift_[last])
    # Changing the outcomes of fold 2 and later leaves fold 2's sequential scores unchanged, and moves fold 3's.
    y2 = y + 1000.0 * t * (m.fold_ >= 2)
    m2 = uplift.CrossFitUplift(folds=4, seed=3, sequential=True).fit(X, y2, t, categorical=cat)
    for k, same in ((1, True), (2, True), (3, False)):
        rows = m.fold_ == k
        assert np.allclose(m2.sequential_uplift_[rows], m.sequential_uplift_[rows]) is same


def test_heldout_excess_equals_the_area_of_scikit_uplifts_qini_curve():
    sklift = pytest.importorskip("sklift.metrics")
    rng = np.random.default_rng(SEED + 1)
    n = 2000  # every 1% of the grid is 20 customers: the grid's points are prefixes of the curve
    t, score = rng.integers(0, 2, n), rng.normal(size=n)
    y = (rng.random(n) < 0.2 + 0.5 * t * (score > 0)).astype(int)  # sklift takes binary outcomes only
    excess, se = uplift.heldout_qini_excess(y, t, score, n_boot=100, seed=1)
    _, qini = sklift.qini_curve(y, score, t)
    per_customer = qini[np.round(uplift.GRID * n).astype(int)] / t.sum()
    assert excess == pytest.approx(np.trapezoid(per_customer, uplift.GRID) - per_customer[-1] / 2, rel=1e-9)
    assert 0 < se < abs(excess)


def test_sequential_test_keeps_its_level_with_scores_that_carry_no_information():
    # Scores independent of the outcomes (as a model fitted on other customers is, given them): the combined z of
    # 150 null tests should be about standard normal, which a too-narrow standard error would not give.
    zs = []
    for r in range(150):
        rng = np.random.default_rng(SEED + r)
        n = 2000
        t, fold, score = rng.integers(0, 2, n), rng.integers(0, 5, n), rng.normal(size=n)
        y = rng.gamma(2.0, 10.0, n) * (rng.random(n) < 0.5) + 3.0 * t
        zs.append(uplift.sequential_qini_test(y, t, fold, np.where(fold > 0, score, np.nan), n_boot=100, seed=r)["z"])
    assert abs(np.mean(zs)) < 0.25 and 0.8 < np.std(zs) < 1.2


def test_sequential_test_combines_the_folds_as_documented():
    rng = np.random.default_rng(SEED)
    n = 3000
    t, fold, score = rng.integers(0, 2, n), np.repeat(np.arange(3), n // 3), rng.normal(size=n)
    y = rng.normal(size=n) + t * (score > 0)
    test = uplift.sequential_qini_test(y, t, fold, np.where(fold > 0, score, np.nan), n_boot=80, seed=4, alpha=0.1)
    parts = [uplift.heldout_qini_excess(y[fold == k], t[fold == k], score[fold == k], n_boot=80, seed=4 + k)
             for k in (1, 2)]
    assert [f["fold"] for f in test["folds"]] == [2, 3] and [f["trained_on"] for f in test["folds"]] == [1000, 2000]
    mean, se = np.mean([p[0] for p in parts]), np.sqrt(sum(p[1] ** 2 for p in parts)) / 2
    assert test["excess"] == pytest.approx(mean) and test["z"] == pytest.approx(mean / se)
    assert test["ci_low"] == pytest.approx(mean - 1.6448536 * se, rel=1e-6)
    assert test["targetable"] == (test["ci_low"] > 0) == (test["p_value"] < 0.05)


def test_bootstrap_interval_is_seeded_and_covers_the_estimate():
    frame, y, t = _panel(1000, planted=True)
    score = np.arange(len(y), dtype=float)
    a = uplift.evaluate_uplift(y, t, score, n_boot=60, seed=5)
    b = uplift.evaluate_uplift(y, t, score, n_boot=60, seed=5)
    assert a.qini == b.qini
    assert (a.policy["ci_low"] <= a.policy["incremental_revenue"]).all()
    assert (a.policy["incremental_revenue"] <= a.policy["ci_high"]).all()
    # At share 1 the Qini value is the difference in means: the average effect.
    effect = y[t == 1].mean() - y[t == 0].mean()
    assert a.qini_curve["qini"].iloc[-1] == pytest.approx(effect)
    assert a.policy["incremental_revenue"].iloc[-1] == pytest.approx(effect * len(y))


def test_deciles_match_a_direct_difference_in_means():
    frame, y, t = _panel(1000, planted=True)
    score = -np.arange(len(y), dtype=float)  # decile 1 = the first 100 rows
    d = uplift.compute_deciles(y, t, score)
    first = slice(0, 100)
    yy, tt = y[first], t[first]
    assert d.loc[0, "observed_uplift"] == pytest.approx(yy[tt == 1].mean() - yy[tt == 0].mean())
    ci = stats.ttest_ind(yy[tt == 1], yy[tt == 0], equal_var=False).confidence_interval(0.95)
    assert (d.loc[0, "ci_low"], d.loc[0, "ci_high"]) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert d["customers"].sum() == len(y)


def test_too_few_customers_per_arm_for_the_folds_is_refused():
    with pytest.raises(ValueError, match="at least 5 customers"):
        uplift.CrossFitUplift(folds=5).fit(np.zeros((8, 1)), np.zeros(8), np.array([1] * 6 + [0] * 2))
