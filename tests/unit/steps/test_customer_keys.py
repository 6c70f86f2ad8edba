"""The segment step's integer customer keys: the segmentation functions give on keys what they give on text ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignlab.stats import segmentation as seg
from campaignlab.steps.segment import CustomerKeys

AS_OF = pd.Timestamp("2024-06-01")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(sum(map(ord, "customer keys")))
    n = 500
    # Ids whose text order differs from any numeric reading ("c10" < "c9"), in shuffled row order.
    ids = pd.Series([f"c{i}" for i in rng.permutation(n)], dtype="str")
    customers = pd.DataFrame({"customer_id": ids, "signup_date": AS_OF - pd.to_timedelta(rng.integers(0, 900, n), "D"),
                              "region": rng.choice(["north", "south", None], n)})
    buyers = ids.sample(frac=0.7, random_state=3).reset_index(drop=True)
    last = AS_OF - pd.to_timedelta(rng.integers(1, 400, len(buyers)), "D")
    snapshot = pd.DataFrame({"customer_id": buyers, "recency_days": (AS_OF - last).days,
                             "frequency": rng.integers(1, 6, len(buyers)), "monetary": rng.gamma(2, 40, len(buyers)).round(2),
                             "first_order_ts": last - pd.to_timedelta(rng.integers(0, 300, len(buyers)), "D"),
                             "last_order_ts": last})
    return customers, snapshot


def test_keys_sort_as_the_ids_and_decode_back(data):
    customers, _ = data
    keys = CustomerKeys.of(customers["customer_id"])
    coded = keys.encode(customers)
    assert coded["customer_id"].dtype == "int64"
    order_by_key = coded.sort_values("customer_id")["customer_id"]
    assert keys.decode(coded.loc[order_by_key.index])["customer_id"].tolist() == sorted(customers["customer_id"])
    pd.testing.assert_frame_equal(keys.decode(coded), customers)


def test_an_id_outside_the_customers_is_refused_by_name(data):
    customers, _ = data
    keys = CustomerKeys.of(customers["customer_id"])
    with pytest.raises(ValueError, match="stranger"):
        keys.encode(pd.DataFrame({"customer_id": ["c1", "stranger"]}))


def test_segments_on_keys_equal_segments_on_text_ids(data):
    customers, snapshot = data
    keys = CustomerKeys.of(customers["customer_id"])
    coded_customers, coded_snapshot = keys.encode(customers), keys.encode(snapshot)
    runs = {
        "rfm": lambda c, s: seg.compute_rfm_scores(s, c["customer_id"]),
        "lifecycle": lambda c, s: seg.compute_lifecycle(s, c, as_of=AS_OF, new_days=30, sleeping_days=90,
                                                        churned_days=180),
        "tiers": lambda c, s: seg.compute_value_tiers(
            s.set_index("customer_id")["monetary"].reindex(c["customer_id"]).fillna(0.0).rename_axis("customer_id"),
            method="share", tiers=[{"name": "high", "share": 0.2}, {"name": "mid", "share": 0.3},
                                   {"name": "low", "share": 0.5}]),
        "tags": lambda c, s: seg.compute_tag_dimensions(c[["customer_id", "region"]]).wide,
    }
    for name, run in runs.items():
        on_text = run(customers, snapshot)
        on_keys = keys.decode(run(coded_customers, coded_snapshot))
        pd.testing.assert_frame_equal(on_keys, on_text, obj=name)


def test_migration_on_keys_equals_migration_on_text_ids(data):
    customers, _ = data
    keys = CustomerKeys.of(customers["customer_id"])
    rng = np.random.default_rng(5)
    states = np.array(["high", "mid", "low"])
    before = pd.Series(states[rng.integers(0, 3, len(customers))], index=customers["customer_id"])
    after = pd.Series(states[rng.integers(0, 3, len(customers))], index=customers["customer_id"]).iloc[50:]
    coded_index = lambda s: pd.Series(s.to_numpy(), index=keys.ids.get_indexer(s.index))  # noqa: E731
    on_text = seg.compute_migration(before, after, order=["high", "mid", "low"])
    on_keys = seg.compute_migration(coded_index(before), coded_index(after), order=["high", "mid", "low"])
    pd.testing.assert_frame_equal(on_keys, on_text)
    assert on_text.loc[:, "absent"].sum() == 50
