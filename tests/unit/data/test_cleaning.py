import ibis
import pandas as pd

from campaignlab.data.cleaning import compute_clean_tables, compute_quality_table


def tables(tx: pd.DataFrame, **extra):
    base = {
        "customers": ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"]})),
        "transactions": ibis.memtable(tx),
        "campaigns": ibis.memtable(pd.DataFrame({"campaign_id": ["c1"]})),
        "assignments": ibis.memtable(pd.DataFrame({"campaign_id": ["c1", "c1", "c1", "zz", "c1", "c1"],
                                                   "customer_id": ["a", "a", "x", "a", "b", "b"],
                                                   "arm": ["t", "u", "t", "t", "t", "t"]})),
    }
    base.update(extra)
    return base


def tx_frame():
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "zz", "b", "b", "b", None],
        "order_id": ["1", "1", "2", "3", "4", "5", "6", "7", "8"],
        "ts": pd.to_datetime(["2024-01-01"] * 6 + ["2019-01-01", "2024-01-02", "2024-01-03"]),
        "amount": [2.0, 2.0, -1.0, 0.0, 5.0, 0.0, 3.0, 4.0, 1.0],
        "quantity": [1.0, 1.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0],
    })


def rules_of(result, table):
    key = "order_id" if table == "transactions" else "customer_id"
    return result.rejected[table].to_pandas().set_index(key)["rule"]


def test_each_transaction_rule_removes_what_it_says():
    res = compute_clean_tables(tables(tx_frame()), valid_from=pd.Timestamp("2020-01-01").date())
    rules = rules_of(res, "transactions").to_dict()
    assert rules == {"1": "duplicate", "2": "return", "3": "empty_line", "4": "unknown_customer",
                     "6": "out_of_range", "8": "missing_id"}
    clean = res.clean["transactions"].to_pandas()
    # the first copy of a duplicate is kept, free items and zero-quantity sales are kept
    assert sorted(clean.order_id) == ["1", "5", "7"]


def test_no_row_is_lost():
    res = compute_clean_tables(tables(tx_frame()))
    n_in = len(tx_frame())
    assert res.clean["transactions"].count().execute() + res.rejected["transactions"].count().execute() == n_in


def test_assignment_rules():
    res = compute_clean_tables(tables(tx_frame()))
    rej = res.rejected["assignments"].to_pandas()
    # a is in two arms of c1 (both rows set aside), x is unknown, zz is no campaign, b's second row is a copy
    assert sorted(rej.rule) == ["duplicate", "two_arms", "two_arms", "unknown_campaign", "unknown_customer"]
    kept = res.clean["assignments"].to_pandas()
    assert kept.to_dict("records") == [{"campaign_id": "c1", "customer_id": "b", "arm": "t"}]


def test_quality_table_counts_and_refuses_lost_rows():
    q = compute_quality_table({"t": 5}, {"t": {"return": 1}}, {"t": 4}, {"t": ["return", "duplicate"]})
    assert q.loc[0, "removed_return"] == 1 and q.loc[0, "removed_duplicate"] == 0
    import pytest

    with pytest.raises(AssertionError, match="lost rows"):
        compute_quality_table({"t": 5}, {"t": {}}, {"t": 4}, {"t": []})
