from collections import Counter

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


# ------------------------------------------------------------------------------------------------ exact copies
def _bag(frame: pd.DataFrame) -> Counter:
    """Rows as a multiset, floats by repr (so -0.0 and 0.0, and NaN, are told apart and compared exactly)."""
    return Counter(tuple(repr(v) if isinstance(v, float) else v for v in row) for row in frame.itertuples(index=False))


def copies_frame() -> pd.DataFrame:
    rows = [
        ("a", "1", 2.0, 1.0, "p1"), ("a", "1", 2.0, 1.0, "p1"), ("a", "1", 2.0, 1.0, "p1"),  # three copies
        ("a", "2", 2.0, None, "p1"), ("a", "2", 2.0, None, "p1"),          # copies with a null quantity
        ("b", "3", 1.0, 1.0, None), ("b", "3", 1.0, 1.0, None),            # copies with a null product
        ("b", "4", -1.0, 1.0, "p2"), ("b", "4", -1.0, 1.0, "p2"),          # copies of a rejected row
        (None, "5", 1.0, 1.0, "p3"), (None, "5", 1.0, 1.0, "p3"),          # copies of a row with no customer
        ("zz", "6", 1.0, 1.0, "p4"),                                       # unknown customer
        ("b", "7", 3.0, 0.0, "p5"), ("b", "7", 3.0, -0.0, "p5"),           # equal values (0.0 == -0.0)
        ("b", "8", 3.0, 1.0, "p6"),                                        # a plain row
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "amount", "quantity", "product_id"])
    frame.insert(2, "ts", pd.Timestamp("2024-01-01"))
    return frame


def expected_rules(frame: pd.DataFrame) -> list:
    """The rule of each row, computed row by row in pandas (independently of the engine's formulation)."""
    rules, seen = [], set()
    for row in frame.itertuples(index=False):
        if pd.isna(row.customer_id):
            rules.append("missing_id")
        elif row.customer_id not in {"a", "b"}:
            rules.append("unknown_customer")
        elif row.amount < 0 or row.quantity < 0:
            rules.append("return")
        else:
            key = tuple("null" if pd.isna(v) else v for v in row)  # 0.0 == -0.0 and hash alike: one key
            rules.append("duplicate" if key in seen else None)
            seen.add(key)
    return rules


def test_exact_copies_clean_and_rejected_rows_are_the_input_rule_by_rule():
    frame = copies_frame()
    res = compute_clean_tables(tables(frame))
    clean = res.clean["transactions"].to_pandas()
    rejected = res.rejected["transactions"].to_pandas()
    assert _bag(pd.concat([clean, rejected.drop(columns="rule")], ignore_index=True)) == _bag(frame)
    want = Counter(r for r in expected_rules(frame) if r is not None)
    assert Counter(rejected["rule"]) == want
    assert len(clean) == len(frame) - sum(want.values())
    for rule in want:  # each rule removed exactly the rows it names
        mine = rejected[rejected.rule == rule].drop(columns="rule")
        theirs = frame[[r == rule for r in expected_rules(frame)]]
        assert _bag(mine) == _bag(theirs), rule
    # one of the two equal rows of order 7 is kept, with its own sign of zero
    assert len(clean[clean.order_id == "7"]) == 1 and len(rejected[rejected.order_id == "7"]) == 1


def test_exact_copies_of_events_and_duplicate_free_tables():
    events = pd.DataFrame({"campaign_id": ["c1", "c1", "c1", "c1"], "customer_id": ["a", "a", "b", "x"],
                           "event": ["sent", "sent", "sent", "sent"], "ts": pd.Timestamp("2024-01-01"),
                           "value": [None, None, 1.0, 1.0]})
    res = compute_clean_tables(tables(tx_frame(), events=ibis.memtable(events)))
    assert sorted(res.rejected["events"].to_pandas()["rule"]) == ["duplicate", "unknown_customer"]
    assert sorted(res.clean["events"].to_pandas()["customer_id"]) == ["a", "b"]
    alone = compute_clean_tables(tables(tx_frame().drop_duplicates()))
    assert "duplicate" not in set(alone.rejected["transactions"].to_pandas()["rule"])


def test_missing_id_takes_blank_text_as_python_strip_does():
    import string

    values = ["", " ", "\t", " \n\r\x0b\x0c\t", " a", "a ", "a", "\xa0", "\u2003", "é", "  x  ", "\x0c", None]
    tx = pd.DataFrame({"customer_id": ["a"] * len(values), "order_id": values,
                       "ts": pd.Timestamp("2024-01-01"), "amount": [1.0] * len(values)})
    res = compute_clean_tables(tables(tx))
    removed = res.rejected["transactions"].to_pandas()
    want = [v for v in values if v is None or v.strip(string.whitespace) == ""]
    assert sorted(removed["order_id"].fillna("<null>")) == sorted("<null>" if v is None else v for v in want)
    assert set(removed["rule"]) == {"missing_id"}
