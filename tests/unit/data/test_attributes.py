"""Customer attributes from CSV: numbers become numbers, many-level text is lumped, identifiers are left out, infinite
numbers become missing (campaignlab.data.attributes)."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from campaignlab.data.attributes import MAX_LEVELS, OTHER, prepare_attributes

SEED = sum(map(ord, "attributes"))


def _customers(n: int = 6000) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    spend = rng.gamma(2.0, 150.0, n).round(2).astype(str)
    spend[:100] = ""  # empty cells stay missing
    spend[100:150] = "n/a"  # under 5% unparseable: still a number column, these become missing
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)],
        "history_dollars": spend,
        "zip_code": [f"{z:05d}" if i % 7 else f"Z{z}" for i, z in enumerate(rng.integers(0, 2000, n))],
        "channel": rng.choice(["web", "phone", "multichannel"], n),
        "sku_text": [f"item-{i // 2}" for i in range(n)],  # 3,000 levels, two customers each
        "email": [f"person{i}@example.com" for i in range(n)],  # one per customer: an identifier
    })


def test_a_dollar_column_read_as_text_becomes_a_number():
    out, notes = prepare_attributes(ibis.memtable(_customers()))
    df = out.to_pandas()
    assert pd.api.types.is_float_dtype(df["history_dollars"])
    assert df["history_dollars"].isna().sum() == 150 and df["history_dollars"].max() > 100
    assert any(n.startswith("Attribute 'history_dollars' is read as a number") for n in notes)


def test_a_text_column_with_thousands_of_levels_keeps_twenty_and_lumps_the_rest():
    out, notes = prepare_attributes(ibis.memtable(_customers()))
    df = out.to_pandas()
    assert df["sku_text"].nunique() == MAX_LEVELS + 1 and (df["sku_text"] == OTHER).sum() == 6000 - 2 * MAX_LEVELS
    assert df["channel"].nunique() == 3  # few levels: unchanged
    # zip codes: six in seven parse as numbers (86% < 95%), so they stay text, lumped
    assert df["zip_code"].nunique() == MAX_LEVELS + 1
    assert sum("grouped as 'other'" in n for n in notes) == 2


def test_nothing_to_change_gives_no_notes():
    t = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b"], "band": ["x", "y"]}))
    out, notes = prepare_attributes(t)
    assert notes == [] and out.to_pandas()["band"].tolist() == ["x", "y"]


def test_a_column_with_a_value_per_customer_is_left_out_as_an_identifier():
    out, notes = prepare_attributes(ibis.memtable(_customers()))
    assert "email" not in out.columns and "sku_text" in out.columns
    assert [n for n in notes if n.startswith("Attribute 'email' is left out")] and not any("person1@" in n for n in notes)


def test_infinite_numbers_are_read_as_missing():
    t = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b", "c"], "ratio": [1.5, np.inf, -np.inf],
                                    "spend": ["1", "inf", "2"]}))
    out, notes = prepare_attributes(t)
    df = out.to_pandas()
    assert df["ratio"].tolist()[0] == 1.5 and df["ratio"].isna().tolist() == [False, True, True]
    assert df["spend"].isna().tolist() == [False, True, False]
    assert sum("infinite value(s)" in n for n in notes) == 2
