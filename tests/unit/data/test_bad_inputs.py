"""Inputs as users export them: other encodings and separators, customers in two arms, orphan assignments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from campaignlab import iorw
from campaignlab.data import cleaning

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "fixture_shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    return folder


def _rewrite(path: Path, *, sep: str, encoding: str, bom: bool = False) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "region" in df:
        df.loc[df.index[0], "region"] = "Köln"  # a character Latin-1 and UTF-8 encode differently
    text = df.to_csv(index=False, sep=sep)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return df


@pytest.mark.parametrize("sep, encoding, bom", [(";", "latin-1", False), ("\t", "utf-8", True), ("|", "utf-8", False)])
def test_customers_exported_with_another_separator_or_encoding_read_the_same(shop, sep, encoding, bom):
    expected = _rewrite(shop / "customers.csv", sep=sep, encoding=encoding, bom=bom)
    options = iorw.csv_options(shop / "customers.csv")
    assert options == {"encoding": encoding, "delim": sep}
    tables = iorw.read_source(iorw.connect(), str(shop))
    got = tables["customers"].to_pandas()
    assert list(got.columns)[: len(expected.columns)] == list(expected.columns)
    assert len(got) == len(expected) and "Köln" in set(got.get("region", pd.Series(dtype=str)))


def test_the_params_can_say_what_detection_cannot(shop):
    _rewrite(shop / "customers.csv", sep=";", encoding="latin-1")
    wrong = iorw.csv_options(shop / "customers.csv", encoding="utf-8", separator=",")
    assert wrong == {"encoding": "utf-8", "delim": ","}


def test_a_customer_in_two_arms_is_set_aside_and_counted(shop):
    asg = pd.read_csv(shop / "assignments.csv", dtype=str)
    twice = asg.iloc[[0]].assign(arm="treatment" if asg.iloc[0]["arm"] == "control" else "control")
    orphan = asg.iloc[[1]].assign(customer_id="NOBODY")
    pd.concat([asg, twice, orphan]).to_csv(shop / "assignments.csv", index=False)
    tables = iorw.read_source(iorw.connect(), str(shop))
    result = cleaning.compute_clean_tables(tables)
    rejected = result.rejected["assignments"].to_pandas()
    assert sorted(rejected.loc[rejected["rule"] == "two_arms", "arm"]) == ["control", "treatment"]
    assert set(rejected.loc[rejected["rule"] == "two_arms", "customer_id"]) == {asg.iloc[0]["customer_id"]}
    assert rejected.loc[rejected["rule"] == "unknown_customer", "customer_id"].tolist() == ["NOBODY"]
    clean = result.clean["assignments"].to_pandas()
    assert asg.iloc[0]["customer_id"] not in set(clean["customer_id"]) and len(clean) == len(asg) - 1
