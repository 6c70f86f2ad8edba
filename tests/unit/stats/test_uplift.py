"""The uplift model and its evidence: curves cross-tested against scikit-uplift, planted and homogeneous effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
    return uplift.CrossFitUplift(folds=5, seed=1).fit(X, y, t, categorical=cat).uplift_


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


def test_planted_effect_is_found_and_targeted():
    frame, y, t = _panel(8000, planted=True)
    score = _fit(frame, y, t)
    ev = uplift.evaluate_uplift(y, t, score, n_boot=200, seed=2)
    assert ev.qini["excess_ci_low"] > 0 and ev.qini["ci_low"] <= ev.qini["auuc"] <= ev.qini["ci_high"]
    policy = ev.policy.set_index("share")
    # Targeting the responding 30% captures most of the incremental revenue of targeting everyone.
    assert policy.loc[0.3, "incremental_revenue"] > 0.8 * policy.loc[1.0, "incremental_revenue"]
    costed = policy.reset_index().assign(net_profit=lambda p: 0.3 * p["incremental_revenue"] - 3.0 * p["customers"])
    rec = uplift.choose_share(costed, ev.qini)
    assert rec["kind"] == "top" and 0.2 <= rec["share"] <= 0.4
    drivers = uplift.compute_drivers(frame, list(frame.columns), score)
    assert (drivers[0]["feature"], drivers[0]["level"]) == ("region", "North")


def test_homogeneous_effect_leaves_nothing_to_target():
    frame, y, t = _panel(8000, planted=False)
    score = _fit(frame, y, t)
    ev = uplift.evaluate_uplift(y, t, score, n_boot=200, seed=2)
    assert ev.qini["excess_ci_low"] <= 0 <= ev.qini["excess_ci_high"]
    assert uplift.choose_share(ev.policy.assign(net_profit=1.0), ev.qini)["kind"] == "no_difference"


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
    assert d["customers"].sum() == len(y)


def test_too_few_customers_per_arm_for_the_folds_is_refused():
    with pytest.raises(ValueError, match="at least 5 customers"):
        uplift.CrossFitUplift(folds=5).fit(np.zeros((8, 1)), np.zeros(8), np.array([1] * 6 + [0] * 2))
