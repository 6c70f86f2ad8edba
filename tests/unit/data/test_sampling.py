"""The customer sample of a Spark run past its memory limit, checked here on DuckDB (same Ibis expression)."""

from __future__ import annotations

import ibis
import pandas as pd

from campaignlab.data.sampling import CUSTOMER_TABLES, compute_customer_sample, describe_sample

SEED = sum(map(ord, "sampling"))


def _tables(n_customers: int = 200) -> dict[str, ibis.Table]:
    ids = [f"c{i:04d}" for i in range(n_customers)]
    tx = pd.DataFrame({"customer_id": [ids[i % n_customers] for i in range(3 * n_customers)],
                       "amount": [float(i) for i in range(3 * n_customers)]})
    return {"customers": ibis.memtable(pd.DataFrame({"customer_id": ids})),
            "transactions": ibis.memtable(tx),
            "assignments": ibis.memtable(pd.DataFrame({"campaign_id": "k", "customer_id": ids[::2], "arm": "t"})),
            "campaigns": ibis.memtable(pd.DataFrame({"campaign_id": ["k"]}))}


def test_a_base_that_fits_is_left_whole():
    tables = _tables()
    out, info = compute_customer_sample(tables, max_customers=200, seed=SEED)
    assert info is None and out is tables
    assert describe_sample(None) == "This run analysed every customer."


def test_the_sample_has_the_asked_size_and_every_customer_table_keeps_exactly_its_customers():
    tables = _tables()
    out, info = compute_customer_sample(tables, max_customers=50, seed=SEED)
    assert (info["population"], info["sample_size"], info["seed"]) == (200, 50, SEED)
    chosen = set(out["customers"].customer_id.to_pandas())
    assert len(chosen) == 50
    for name in CUSTOMER_TABLES:
        if name in tables:
            full = tables[name].to_pandas()
            kept = out[name].to_pandas()
            expected = full[full["customer_id"].isin(chosen)]
            assert sorted(map(tuple, kept.to_numpy())) == sorted(map(tuple, expected.to_numpy())), name
    assert out["campaigns"] is tables["campaigns"]
    assert "50 of the 200 customers" in describe_sample(info)


def test_the_same_seed_draws_the_same_customers_and_another_seed_others():
    def draw(seed):
        return set(compute_customer_sample(_tables(), max_customers=50, seed=seed)[0]["customers"]
                   .customer_id.to_pandas())

    assert draw(SEED) == draw(SEED)
    assert draw(SEED) != draw(SEED + 1)
