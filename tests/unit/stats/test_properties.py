"""Properties of the pure statistics on random small inputs (hypothesis, derandomized so CI is deterministic).

No crash on valid inputs, results within their bounds, intervals around their estimates where defined.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from campaignlab.formatting import format_ci
from campaignlab.stats.effects import compute_mean_effect, compute_proportion_effect, compute_qvalues, compute_srm
from campaignlab.stats.retention import compute_km_curves
from campaignlab.stats.segmentation import compute_rfm_scores

FAST = settings(max_examples=100, deadline=None, derandomize=True)


def _inside(est: float, lo: float, hi: float) -> bool:
    return any(math.isnan(v) for v in (est, lo, hi)) or lo - 1e-9 <= est <= hi + 1e-9


@st.composite
def two_proportions(draw):
    n_t, n_c = draw(st.integers(1, 400)), draw(st.integers(1, 400))
    return draw(st.integers(0, n_t)), n_t, draw(st.integers(0, n_c)), n_c


@FAST
@given(two_proportions())
def test_proportion_effect_is_a_difference_of_rates_inside_its_interval(counts):
    out = compute_proportion_effect(*counts, metric="conversion")
    assert -1 <= out["estimate"] <= 1
    assert math.isnan(out["p_value"]) or 0 <= out["p_value"] <= 1
    assert -1 - 1e-9 <= out["ci_low"] <= out["ci_high"] <= 1 + 1e-9
    assert _inside(out["estimate"], out["ci_low"], out["ci_high"])


amounts = st.lists(st.floats(0, 500, allow_nan=False).map(lambda v: round(v, 2)), min_size=2, max_size=25)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(amounts, amounts)
def test_mean_effect_is_a_difference_of_means_inside_its_interval(treat, control):
    out = compute_mean_effect(treat, control, metric="revenue", n_resamples=199)
    assert math.isclose(out["estimate"], np.mean(treat) - np.mean(control), abs_tol=1e-6)
    assert math.isnan(out["p_value"]) or 0 <= out["p_value"] <= 1
    assert _inside(out["estimate"], out["ci_low"], out["ci_high"])


@FAST
@given(st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), min_size=1, max_size=30))
def test_qvalues_are_probabilities_no_smaller_than_their_p_values(p):
    q = np.asarray(compute_qvalues(p), dtype=float)
    p = np.asarray(p, dtype=float)
    assert q.shape == p.shape and (np.isnan(q) == np.isnan(p)).all()
    ok = ~np.isnan(p)
    assert (q[ok] >= p[ok] - 1e-12).all() and (q[ok] <= 1).all()


@FAST
@given(st.lists(st.integers(1, 5000), min_size=2, max_size=4))
def test_srm_p_value_is_a_probability_and_equal_split_passes(sizes):
    counts = {f"arm{i}": n for i, n in enumerate(sizes)}
    out = compute_srm(counts)
    assert 0 <= out["p_value"] <= 1 and out["chi2"] >= 0
    assert compute_srm({k: sizes[0] for k in counts})["passed"]


@FAST
@given(st.lists(st.tuples(st.sampled_from("ab"), st.booleans(), st.integers(0, 60)), min_size=1, max_size=40))
def test_km_curves_never_rise_and_stay_inside_their_bands(rows):
    frame = pd.DataFrame(rows, columns=["group", "observed", "duration"])
    km = compute_km_curves(frame)
    assert set(km["group"]) == set(frame["group"])
    for _, g in km.groupby("group"):
        s = g.sort_values("day")["survival"].to_numpy()
        assert ((0 <= s) & (s <= 1)).all() and (np.diff(s) <= 1e-12).all()
    band = km.dropna(subset=["ci_low", "ci_high"])
    assert ((band["ci_low"] >= -1e-9) & (band["ci_high"] <= 1 + 1e-9)).all()
    assert all(_inside(r.survival, r.ci_low, r.ci_high) for r in band.itertuples())


@FAST
@given(st.lists(st.tuples(st.integers(0, 365), st.integers(1, 20), st.floats(0.01, 1e4)), min_size=1, max_size=30))
def test_rfm_scores_are_one_to_five(rows):
    snap = pd.DataFrame(rows, columns=["recency_days", "frequency", "monetary"])
    snap.insert(0, "customer_id", [f"c{i:03d}" for i in range(len(snap))])
    scores = compute_rfm_scores(snap, list(snap["customer_id"]) + ["nobody"])
    got = scores.set_index("customer_id")
    assert got.loc["nobody", ["r_score", "f_score", "m_score"]].isna().all()
    for col in ("r_score", "f_score", "m_score"):
        s = got[col].drop("nobody").astype(int)
        assert s.between(1, 5).all()
    # more recent never scores lower on recency
    merged = got.drop("nobody").sort_values("recency_days")
    assert (np.diff(merged["r_score"].astype(int).to_numpy()) <= 0).all()


finite = st.floats(-1e6, 1e6, allow_nan=False)


@FAST
@given(finite, st.one_of(finite, st.none(), st.just(float("nan"))), st.one_of(finite, st.none()))
def test_format_ci_says_every_estimate_and_its_interval(est, lo, hi):
    text = format_ci(est, lo, hi)
    assert text.startswith(f"{est:+,.2f}")
    if lo is None or hi is None or math.isnan(lo):
        assert text.endswith("(no interval)")
    else:
        assert text == f"{est:+,.2f} (95% CI {lo:+,.2f} to {hi:+,.2f})"
    assert format_ci(float("nan"), lo, hi) == "not available"
