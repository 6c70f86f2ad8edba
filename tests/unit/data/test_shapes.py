"""campaignlab.data.shapes: the pairwise covering array covers every pair, and each shape has the tables it says."""

from __future__ import annotations

import itertools

import pytest

from campaignlab.data.shapes import (
    FACTORS,
    MANY_LEVELS,
    all_cases,
    case_name,
    covered_pairs,
    pairwise_cases,
    simulate_shape,
)

SEED = sum(map(ord, "shapes"))


def _every_pair(factors) -> set[tuple]:
    """All (factor, level, factor, level) pairs, enumerated directly from the factors (not from cases)."""
    return {(a, x, b, y) for a, b in itertools.combinations(factors, 2) for x in factors[a] for y in factors[b]}


def test_pairwise_cases_cover_every_pair_of_levels():
    cases = pairwise_cases()
    assert covered_pairs(cases) == _every_pair(FACTORS)
    # the largest two factors (4 x 3 levels) need at least 12 cases; greedy stays close to that
    assert 12 <= len(cases) <= 16 and len(all_cases()) == 2 * 2 * 3 * 4 * 2 * 2
    assert len({case_name(c) for c in cases}) == len(cases)


def test_pairwise_cases_are_deterministic_and_work_for_other_factors():
    assert pairwise_cases() == pairwise_cases()
    factors = {"a": (1, 2, 3), "b": ("x", "y", "z"), "c": (True, False), "d": (0, 1, 2, 3)}
    cases = pairwise_cases(factors)
    assert covered_pairs(cases, factors) == _every_pair(factors)
    assert len(cases) < len(all_cases(factors))


@pytest.mark.parametrize("case", pairwise_cases()[:6], ids=case_name)
def test_each_shape_has_the_tables_and_columns_it_names(case):
    tables, design = simulate_shape(case, 400, seed=SEED)
    assert ("events" in tables) is case["events"] and ("feedback" in tables) is case["feedback"]
    arms = set(tables["assignments"]["arm"])
    treated = {"treatment"} | {f"treatment_{k}" for k in range(2, case["arms"] + 1)}
    assert arms == (treated | {"control"} if case["holdout"] else treated)
    assert design["control_arm"] == ("control" if case["holdout"] else None)
    if case["holdout"]:
        assert sum(design["planned_split"].values()) == pytest.approx(1.0, abs=1e-5)
    start = tables["campaigns"]["start_date"].iloc[0]
    before = (tables["transactions"]["ts"].dt.date < start).any()
    assert bool(before) == case["history"]
    attrs = set(tables["customers"].columns) - {"customer_id", "signup_date"}
    expected = {"none": set(), "text": {"age_band", "income_band", "region"},
                "numeric": {"months_since_last", "spend_last_year", "newsletter"},
                "levels5000": {"zip_code", "region"}}[case["attributes"]]
    assert attrs == expected
    if case["attributes"] == "levels5000":
        assert tables["customers"]["zip_code"].nunique() == MANY_LEVELS


def test_the_email_test_shape_has_eight_mixed_attributes():
    case = dict(history=False, holdout=True, arms=2, attributes="mixed8", events=True, feedback=False, everyone=True)
    tables, design = simulate_shape(case, 2000, seed=SEED)
    asg = tables["assignments"]
    assert set(asg["customer_id"]) == set(tables["customers"]["customer_id"]) and asg["customer_id"].is_unique
    assert 0.28 < (asg["arm"] == "control").mean() < 0.39 and design["planned_split"]["control"] == pytest.approx(1 / 3)
    c = tables["customers"].drop(columns=["customer_id", "signup_date"])
    assert c.shape[1] == 8
    assert {"history_segment", "zip_code", "channel"} == set(c.select_dtypes(exclude="number").columns)
    assert c["history_dollars"].nunique() > 1000 and c["history_segment"].str.match(r"^\d\) \$").all()
