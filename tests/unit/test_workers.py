"""campaignlab.workers: the thread count, the ordered map, and that the statistics it runs give the same report on
one thread and on several."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignlab import workers


def test_worker_count_reads_the_environment_and_names_a_bad_value(monkeypatch):
    monkeypatch.setenv(workers.ENV, "3")
    assert workers.worker_count() == 3
    monkeypatch.setenv(workers.ENV, "two")
    with pytest.raises(ValueError, match=workers.ENV):
        workers.worker_count()
    monkeypatch.delenv(workers.ENV)
    assert 1 <= workers.worker_count() <= min(workers.usable_cores(), workers.DEFAULT_MAX)


def test_small_tables_stay_on_one_thread(monkeypatch):
    monkeypatch.setenv(workers.ENV, "2")
    assert workers.for_rows(workers.MIN_ROWS - 1) == 1 and workers.for_rows(workers.MIN_ROWS) == 2
    assert workers.for_rows(workers.MIN_ROWS_TESTS, workers.MIN_ROWS_TESTS) == 2
    assert workers.for_rows(workers.MIN_ROWS_TESTS - 1, workers.MIN_ROWS_TESTS) == 1


def test_map_keeps_the_input_order_and_raises_a_pieces_error():
    assert workers.map_ordered(lambda x: -x, range(20), workers=3) == [-x for x in range(20)]

    def boom(x):
        if x == 5:
            raise ZeroDivisionError("piece 5")
        return x

    with pytest.raises(ZeroDivisionError, match="piece 5"):
        workers.map_ordered(boom, range(10), workers=2)


def _randomized(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["control", "a", "b"], n, p=[0.3, 0.35, 0.35])
    tier = rng.choice(["low", "mid", "high"], n)
    pre = rng.gamma(2.0, 20.0, n)
    revenue = (rng.random(n) < 0.4) * rng.gamma(2.0, 10.0 + 0.2 * pre) + np.where(group == "a", 3.0, 0.0)
    return pd.DataFrame({"customer_id": [f"c{i:05d}" for i in range(n)], "group": group, "tier": tier,
                         "pre_revenue": pre, "revenue": revenue, "converted": (revenue > 0).astype(int),
                         "responded": (rng.random(n) < np.where(group == "control", 0.0, 0.2)).astype(int)})


@pytest.mark.parametrize("threads", ["1", "2"])
def test_statistics_on_threads_equal_the_sequential_run(monkeypatch, threads):
    """Cross-fitting folds, segments, arm pairs and bootstrap chunks: bit-identical on one thread and on two."""
    from campaignlab.stats import response, uplift

    frame = _randomized(3000, seed=11)
    monkeypatch.setattr(workers, "MIN_ROWS", 0)  # threads at this size too (runs pass 50,000 customers first)
    monkeypatch.setattr(workers, "MIN_ROWS_TESTS", 0)
    results = {}
    for count in ("1", threads):
        monkeypatch.setenv(workers.ENV, count)
        X, cat = uplift.feature_matrix(frame[["pre_revenue", "tier"]], ["pre_revenue", "tier"])
        t = (frame["group"] == "a").to_numpy().astype(int)
        model = uplift.CrossFitUplift(folds=4, seed=2, sequential=True, max_iter=30).fit(
            X, frame["revenue"].to_numpy(), t, categorical=cat)
        seg = response.compute_segment_effects(frame.drop(columns="tier"), frame[["customer_id", "tier"]], ["tier"],
                                               design="holdout", control="control", covariates=["pre_revenue"],
                                               alpha=0.05, trim=(0.01, 0.99), min_size=10)
        pairs = response.compute_holdout_effects(frame, control_arm="control", covariates=["pre_revenue"], alpha=0.05)
        evidence = uplift.evaluate_uplift(frame["revenue"].to_numpy(), t, model.uplift_, n_boot=60, seed=4)
        results[count] = (model.uplift_, model.sequential_uplift_, seg, pd.DataFrame(pairs), evidence)
    one, many = results["1"], results[threads]
    assert one[2]["lift"].notna().any() and set(one[3]["arm"]) == {"a", "b"}  # estimates were made
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])
    pd.testing.assert_frame_equal(one[2], many[2])
    pd.testing.assert_frame_equal(one[3], many[3])
    pd.testing.assert_frame_equal(one[4].qini_curve, many[4].qini_curve)
    pd.testing.assert_frame_equal(one[4].policy, many[4].policy)
    assert one[4].qini == many[4].qini
