"""docs/bad-input.md, one test per row: inputs as users bring them, each handled (counted in the data-quality table
or said on the page) or refused (non-zero exit, a message naming file, column or key and what to do, and the
previously published report untouched).

Every case starts from a private copy of the fixture shop (tests/data/fixture_shop), breaks one thing and runs it:
refusals through ``campaignlab run`` (they stop before any kernel starts, so each takes about a second), handled
cases through the same data check and cleaning the runner does first.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaignlab import iorw
from campaignlab.data import sources
from campaignlab.data.attributes import MAX_LEVELS, OTHER
from campaignlab.params import load_params
from campaignlab.run import cli, runner, session
from campaignlab.stats import portfolio
from campaignlab.steps import response

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "data" / "fixture_shop"
DOC = ROOT / "docs" / "bad-input.md"
CID = "fixture_sim1"


# ------------------------------------------------------------------------------------------ helpers
def _csv(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, table: str, df: pd.DataFrame, *, sep: str = ",", encoding: str = "utf-8",
           bom: bool = False) -> None:
    text = df.to_csv(index=False, sep=sep)
    (folder / f"{table}.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))


def _params(folder: Path, extra: str = "", drop: str | None = None) -> None:
    path = folder / "fixture.yaml"
    lines = [ln for ln in path.read_text().splitlines() if not (drop and ln.startswith(drop))]
    path.write_text("\n".join(lines) + "\n" + extra + ("\n" if extra else ""))


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------ refused
@dataclass(frozen=True)
class Refused:
    """A broken input, and the words its refusal must contain (file, column or key, and what to do)."""

    case: str
    breaks: Callable[[Path], None]
    says: tuple[str, ...]


def _amount(value: str) -> Callable[[Path], None]:
    def breaks(folder: Path) -> None:
        tx = _csv(folder, "transactions")
        tx.loc[tx.index[3:6], "amount"] = value
        _write(folder, "transactions", tx)
    return breaks


def _decimal_commas(folder: Path) -> None:
    tx = _csv(folder, "transactions")
    tx["amount"] = tx["amount"].str.replace(".", ",", regex=False)
    _write(folder, "transactions", tx, sep=";")


def _set(table: str, column: str, value: str, rows: slice = slice(0, 1)) -> Callable[[Path], None]:
    def breaks(folder: Path) -> None:
        df = _csv(folder, table)
        df.loc[df.index[rows], column] = value
        _write(folder, table, df)
    return breaks


def _drop_column(table: str, column: str) -> Callable[[Path], None]:
    def breaks(folder: Path) -> None:
        _write(folder, table, _csv(folder, table).drop(columns=[column]))
    return breaks


def _duplicate_rows(table: str) -> Callable[[Path], None]:
    def breaks(folder: Path) -> None:
        df = _csv(folder, table)
        _write(folder, table, pd.concat([df, df.iloc[[0]].assign(**{c: df.iloc[0][c] for c in df.columns[:1]})]))
    return breaks


def _empty_transactions(folder: Path) -> None:
    _write(folder, "transactions", _csv(folder, "transactions").iloc[0:0])


def _window_outside(folder: Path) -> None:
    _write(folder, "campaigns", _csv(folder, "campaigns").assign(start_date="2030-03-01", end_date="2030-03-29"))


def _truncated_parquet(folder: Path) -> None:
    _csv(folder, "transactions").to_parquet(folder / "transactions.parquet", index=False)
    data = (folder / "transactions.parquet").read_bytes()
    (folder / "transactions.parquet").write_bytes(data[: len(data) // 2])
    (folder / "transactions.csv").unlink()


def _excel(folder: Path) -> None:
    _csv(folder, "customers").to_excel(folder / "customers.xlsx", index=False)
    (folder / "customers.csv").unlink()


def _excel_named_csv(folder: Path) -> None:
    _csv(folder, "customers").to_excel(folder / "customers.xlsx", index=False)
    (folder / "customers.xlsx").replace(folder / "customers.csv")


def _both_formats(folder: Path) -> None:
    _csv(folder, "customers").to_parquet(folder / "customers.parquet", index=False)


def _params_text(extra: str, drop: str | None = None) -> Callable[[Path], None]:
    return lambda folder: _params(folder, extra, drop)


def _unplanned_arms(folder: Path) -> None:
    df = _csv(folder, "assignments")  # two customers not yet assigned, under labels the planned split lacks
    extra = pd.DataFrame({"campaign_id": "SIM1", "customer_id": ["C00002", "C00003"], "arm": ["Control ", "mystery"]})
    _write(folder, "assignments", pd.concat([df, extra], ignore_index=True))


def _arm_spelled_twice(folder: Path) -> None:
    _unplanned_arms(folder)  # 'Control ' beside 'control', and no planned split to compare them with
    _params(folder, drop="response:")
    _params(folder, drop="  planned_split:")


REFUSED = [
    Refused("missing required column", _drop_column("transactions", "amount"),
            ("'amount'", "transactions.csv", "Rename the columns")),
    Refused("mistyped column (text in amount)", _amount("twelve"),
            ("'amount'", "transactions.csv", "twelve", "Fix or remove")),
    Refused("unparseable dates", _set("transactions", "ts", "31/02/2024 10:00", slice(2, 4)),
            ("'ts'", "transactions.csv", "31/02/2024", "YYYY-MM-DD")),
    Refused("unparseable campaign dates", _set("campaigns", "start_date", "next monday"),
            ("'start_date'", "campaigns.csv", "next monday", "YYYY-MM-DD")),
    Refused("amounts with decimal commas (params do not say so)", _decimal_commas,
            ("'amount'", "transactions.csv", "decimal comma", "cleaning.decimal_comma")),
    Refused("duplicated customer ids", _duplicate_rows("customers"),
            ("customers.csv", "customer_id", "more than once", "Remove the duplicate")),
    Refused("duplicated campaign ids", _duplicate_rows("campaigns"),
            ("campaigns.csv", "campaign_id", "more than once")),
    Refused("customer without an id", _set("customers", "customer_id", ""),
            ("customers.csv", "'customer_id'", "empty in 1 row", "Fill in")),
    Refused("empty transactions", _empty_transactions, ("transactions", "empty", "Add the orders")),
    Refused("campaign window wholly outside the data", _window_outside,
            ("'SIM1'", "2030-03-01", "wholly outside the data", "start_date")),
    Refused("campaign ends before it starts", _set("campaigns", "end_date", "2024-04-01"),
            ("campaigns.csv", "end on or before", "Fix end_date")),
    Refused("truncated Parquet", _truncated_parquet, ("transactions.parquet", "not a complete Parquet", "again")),
    Refused("Excel workbook instead of CSV", _excel, ("customers.xlsx", "spreadsheet", "Save As", "customers.csv")),
    Refused("Excel workbook renamed to .csv", _excel_named_csv, ("customers.csv", "spreadsheet", "Save As")),
    Refused("a table both as CSV and Parquet", _both_formats, ("customers.parquet", "customers.csv", "keep one")),
    Refused("required table missing", lambda f: (f / "assignments.csv").unlink(), ("assignments", "add")),
    Refused("params: unknown key", _params_text("post_period_dayz: 10"), ("post_period_dayz", "post_period_days")),
    Refused("params: unknown nested key", _params_text("cleaning: {decimal_coma: true}"),
            ("decimal_coma", "decimal_comma")),
    Refused("params: wrong type", _params_text("pre_period_days: ninety"), ("pre_period_days", "fixture.yaml")),
    Refused("params: wrong type of a switch", _params_text("cleaning: {decimal_comma: perhaps}"),
            ("decimal_comma", "fixture.yaml")),
    Refused("params: YAML syntax error", _params_text("response: {alpha: [0.05"), ("fixture.yaml", "YAML")),
    Refused("params: id with ../", _params_text("id: ../escaped", drop="id:"), ("'id'", "fixture.yaml")),
    Refused("params: data folder missing", _params_text("data: ./nowhere", drop="data:"),
            ("nowhere", "does not exist", "'data'")),
    Refused("params: control arm that does not exist", _params_text("control_arm: holdout", drop="control_arm:"),
            ("'control_arm'", "'holdout'", "'control'", "'treatment'", "null")),
    Refused("assigned arm the planned split does not list", lambda f: _unplanned_arms(f),
            ("'Control '", "'mystery'", "response.planned_split", "looks like the planned 'control'", "column 'arm'")),
    Refused("one arm spelled two ways (no planned split)", _arm_spelled_twice,
            ("'SIM1'", "'Control ' and 'control'", "spaces or capitals", "column 'arm'")),
    Refused("params: campaign not in the data", _params_text("campaign: SPRING", drop="campaign:"),
            ("'campaign'", "SPRING", "SIM1")),
]


@pytest.fixture
def shop(tmp_path, monkeypatch):
    folder = tmp_path / "shop"
    shutil.copytree(FIXTURE, folder)
    monkeypatch.setenv("CAMPAIGNLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(ROOT)
    return folder


@pytest.mark.parametrize("row", REFUSED, ids=[r.case for r in REFUSED])
def test_refused_input(row, shop, tmp_path, capsys):
    outputs = tmp_path / "outputs"
    published = outputs / CID
    published.mkdir(parents=True)
    (published / "summary.json").write_text('{"published": "before"}\n')
    (published / iorw.RunFiles.REVIEW_HTML).write_text("<p>the report people read</p>\n")
    before = _tree_digest(outputs)
    row.breaks(shop)
    code = cli.main(["run", str(shop / "fixture.yaml"), "--outputs", str(outputs)])
    err = capsys.readouterr().err
    assert code != 0
    for words in row.says:
        assert words in err, f"{words!r} not in the message:\n{err}"
    assert "Traceback" not in err and not re.match(r"^\s*(Binder|Parser|Conversion|IO) Error", err)
    assert _tree_digest(outputs) == before, "a refused run changed what was published"


# ------------------------------------------------------------------------------------------ handled
def _prepare(folder: Path):
    """What the runner does first (clean once, refuse what cannot be reported), then the quality table."""
    params = load_params(folder / "fixture.yaml")
    clean = runner.check_data(params, folder / "fixture.yaml")
    return clean, iorw.read_quality(clean.path).set_index("table")


def _customers_rewritten(sep: str, encoding: str, bom: bool = False, extra: str = "") -> Callable[[Path], None]:
    def handled(folder: Path) -> None:
        df = _csv(folder, "customers")
        df.loc[df.index[0], "region"] = "Köln"
        _write(folder, "customers", df, sep=sep, encoding=encoding, bom=bom)
        if extra:
            _params(folder, extra)
        clean, _ = _prepare(folder)
        got = pd.read_parquet(clean.path / "customers.parquet")
        assert list(got.columns) == list(df.columns) and len(got) == len(df) and "Köln" in set(got["region"])
    return handled


def _all_rewritten(folder: Path) -> None:
    for path in sorted(set(folder.glob("*.csv")) - {folder / "customers.csv"}):
        _write(folder, path.stem, _csv(folder, path.stem), sep=";", encoding="latin-1")
    _customers_rewritten(";", "latin-1", extra="cleaning: {csv_encoding: latin-1, csv_separator: ';'}")(folder)


def _decimal_commas_allowed(folder: Path) -> None:
    tx = _csv(folder, "transactions")
    big = tx.index[0]
    tx.loc[big, "amount"] = "1234.5"
    expected = pd.to_numeric(tx.drop_duplicates()["amount"]).sum()  # exact duplicate lines are a cleaning rule
    tx["amount"] = tx["amount"].map(lambda v: f"{float(v):,.2f}".replace(",", "_").replace(".", ",")
                                    .replace("_", "."))
    assert tx.loc[big, "amount"] == "1.234,50"
    _write(folder, "transactions", tx, sep=";")
    _params(folder, "cleaning: {decimal_comma: true}")
    clean, quality = _prepare(folder)
    got = iorw.read_clean_tables(clean.path)["transactions"].to_pandas()["amount"].astype(float)
    assert quality.loc["transactions", "rows_in"] == len(tx)
    assert got.sum() == pytest.approx(expected, abs=0.005) and got.max() == pytest.approx(1234.5)


def _removed(table: str, rule: str, n: int, change: Callable[[Path], None]) -> Callable[[Path], None]:
    def handled(folder: Path) -> None:
        before = (_prepare(folder)[1].loc[table, f"removed_{rule}"]
                  if (folder / f"{table}.csv").is_file() else 0)  # the fixture itself has some exact duplicates
        change(folder)
        _, quality = _prepare(folder)
        assert quality.loc[table, f"removed_{rule}"] == before + n
    return handled


def _append(table: str, make: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        df = _csv(folder, table)
        _write(folder, table, pd.concat([df, make(df)], ignore_index=True))
    return change


def _open_run(folder: Path):
    run = session.open_run(str(folder / "fixture.yaml"), str(folder / "run"))
    run.start_summary(run.prepare_data(), pd.DataFrame())
    return run


def _everyone_targeted(folder: Path) -> None:
    customers = _csv(folder, "customers")
    _write(folder, "assignments", pd.DataFrame({"campaign_id": "SIM1", "customer_id": customers["customer_id"],
                                                "arm": "email"}))
    _params(folder, "control_arm: null", drop="control_arm:")
    (folder / "fixture.yaml").write_text((folder / "fixture.yaml").read_text().replace(
        "planned_split: {treatment: 0.7, control: 0.3}", "planned_split: null"))
    _prepare(folder)
    run = _open_run(folder)
    result = response.analyse(run, response.build_customer_table(run))
    section = response.write(run, result)
    assert result.estimable is False and section["verdict"]["trust"] == "not_estimable"
    assert any(n["section"] == "The campaign's effect" for n in section["notes"] if isinstance(n, dict))


def _no_responders(folder: Path) -> None:
    ev = _csv(folder, "events")
    _write(folder, "events", ev[ev["event"] != "redeemed"])
    _prepare(folder)
    run = _open_run(folder)
    result = response.analyse(run, response.build_customer_table(run))
    assert (result.arms["responders"] == 0).all() and result.estimable


def _without_events(folder: Path, empty: bool) -> None:
    if empty:
        _write(folder, "events", _csv(folder, "events").iloc[0:0])
    else:
        (folder / "events.csv").unlink()
    _prepare(folder)
    run = _open_run(folder)
    result = response.analyse(run, response.build_customer_table(run))
    section = response.write(run, result)
    assert set(result.funnel["step"]) == {"purchased"}
    assert any(n["section"] == "The funnel of campaign events" for n in section["notes"] if isinstance(n, dict))
    # who responded is unknown, not "nobody": the index shows no redemption rate and 04 no non-responders
    assert section["response_known"] is False
    assert math.isnan(portfolio.compute_campaign_table([run.summary()]).iloc[0]["response_rate"])
    from campaignlab.steps import retention

    groups = retention.analyse(run).groups
    assert retention.NON_RESPONDER not in set(groups["group"]) and "treatment" in set(groups["group"])


def _with_customer_column(folder: Path, column: str, values: Callable[[int], list[str]]):
    """The run of the fixture with one more attribute column (``values`` for its number of customers)."""
    df = _csv(folder, "customers")
    df[column] = values(len(df))
    _write(folder, "customers", df)
    _prepare(folder)
    return _open_run(folder)


def _many_levels(folder: Path) -> None:
    # two customers per code: many levels, no identifier
    run = _with_customer_column(folder, "zip_code", lambda n: [f"Z{i // 2:05d}" for i in range(n)])
    codes = run.tables["customers"].to_pandas()["zip_code"]
    assert codes.nunique() == MAX_LEVELS + 1 and OTHER in set(codes)
    assert any("zip_code" in n and "other" in n for n in run.attribute_notes)


def _identifier_attribute(folder: Path) -> None:
    run = _with_customer_column(folder, "email", lambda n: [f"person{i}@example.com" for i in range(n)])
    assert "email" not in run.tables["customers"].columns
    assert any(n.startswith("Attribute 'email' is left out") for n in run.attribute_notes)


def _infinite_attribute(folder: Path) -> None:
    run = _with_customer_column(folder, "spend_ratio",
                                lambda n: ["inf" if i % 50 == 0 else f"{i / 7:.3f}" for i in range(n)])
    ratio = run.tables["customers"].to_pandas()["spend_ratio"]
    assert ratio.isna().sum() == (len(ratio) + 49) // 50 and np.isfinite(ratio.dropna()).all()
    assert any("spend_ratio" in n and "infinite" in n for n in run.attribute_notes)


def _numbers_as_text(folder: Path) -> None:
    run = _with_customer_column(folder, "spend_last_year", lambda n: [f"{i * 1.25:.2f}" for i in range(n)])
    spend = run.tables["customers"].to_pandas()["spend_last_year"]
    assert pd.api.types.is_float_dtype(spend) and spend.sum() == pytest.approx(sum(i * 1.25 for i in range(len(spend))))


def _numeric_ids_in_parquet(folder: Path) -> None:
    for table in ("customers", "transactions", "assignments", "events"):
        df = _csv(folder, table)
        df["customer_id"] = df["customer_id"].str.lstrip("C").astype(int).astype(str)
        if table == "customers":  # numbers in one file (Parquet int64), text in the others (CSV)
            df.assign(customer_id=df["customer_id"].astype("int64")).to_parquet(folder / "customers.parquet",
                                                                                index=False)
            (folder / "customers.csv").unlink()
        else:
            _write(folder, table, df)
    _, quality = _prepare(folder)
    assert quality.loc["transactions", "removed_unknown_customer"] == 0
    assert quality.loc["assignments", "removed_unknown_customer"] == 0


def _times_with_a_zone(folder: Path) -> None:
    df = _csv(folder, "transactions")
    local = pd.to_datetime(df["ts"])
    df = df.assign(ts=local.dt.tz_localize("Europe/Berlin"))  # the other columns stay text, as in the CSV file
    df.to_parquet(folder / "transactions.parquet", index=False)
    (folder / "transactions.csv").unlink()
    clean, _ = _prepare(folder)
    kept = pd.read_parquet(clean.path / "transactions.parquet")
    assert set(kept["ts"]) <= set(local) and len(kept) > 0.9 * len(local)  # the wall-clock times, not UTC's
    assert any("Europe/Berlin" in n and "local times" in n for n in sources.time_zone_notes(str(folder)))


def _first_customer_twice(df: pd.DataFrame) -> pd.DataFrame:
    return df.iloc[[0]].assign(arm="treatment" if df.iloc[0]["arm"] == "control" else "control")


HANDLED: dict[str, Callable[[Path], None]] = {
    "Latin-1 encoded customers.csv": _customers_rewritten(",", "latin-1"),
    "UTF-8 with byte-order mark": _customers_rewritten(",", "utf-8", bom=True),
    "semicolon separator": _customers_rewritten(";", "latin-1"),
    "tab separator": _customers_rewritten("\t", "utf-8"),
    "pipe separator": _customers_rewritten("|", "utf-8"),
    "encoding and separator set in params": _all_rewritten,
    "amounts with decimal commas (params say so)": _decimal_commas_allowed,
    "assignment of a customer who does not exist": _removed(
        "assignments", "unknown_customer", 1, _append("assignments", lambda d: d.iloc[[1]].assign(customer_id="NOBODY"))),
    "transaction of a customer who does not exist": _removed(
        "transactions", "unknown_customer", 2, _append("transactions",
                                                       lambda d: d.iloc[[1, 2]].assign(customer_id="GHOST"))),
    "assignment to a campaign that does not exist": _removed(
        "assignments", "unknown_campaign", 1, _append("assignments", lambda d: d.iloc[[1]].assign(campaign_id="X9"))),
    "exact duplicate transaction lines": _removed(
        "transactions", "duplicate", 3, _append("transactions", lambda d: d.iloc[[5, 6, 7]])),
    "returns (negative amounts)": _removed(
        "transactions", "return", 2, _append("transactions", lambda d: d.iloc[[8, 9]].assign(
            amount=lambda x: "-" + x["amount"], order_id="R" + d.iloc[[8, 9]]["order_id"]))),
    "transaction without a customer id": _removed(
        "transactions", "missing_id", 1, _set("transactions", "customer_id", "", slice(10, 11))),
    "customer in two arms": _removed("assignments", "two_arms", 2, _append("assignments", _first_customer_twice)),
    "feedback score outside 0-10": _removed(
        "feedback", "score_out_of_range", 1, lambda f: _write(f, "feedback", pd.DataFrame(
            {"campaign_id": ["SIM1", "SIM1"], "customer_id": ["C00001", "C00002"],
             "ts": ["2024-05-02 10:00:00"] * 2, "score": ["9", "11"]}))),
    "everyone targeted, no holdout": _everyone_targeted,
    "no responders": _no_responders,
    "no events file": lambda f: _without_events(f, empty=False),
    "events file with a header only": lambda f: _without_events(f, empty=True),
    "text attribute with 5,000 levels": _many_levels,
    "text attribute with a value per customer (e-mail, phone)": _identifier_attribute,
    "numeric attribute with infinite values": _infinite_attribute,
    "numeric attribute in a CSV (read as text)": _numbers_as_text,
    "ids numbers in one file and text in another": _numeric_ids_in_parquet,
    "times stored with a time zone (Parquet)": _times_with_a_zone,
}


@pytest.mark.parametrize("case", list(HANDLED))
def test_handled_input(case, shop):
    HANDLED[case](shop)


def test_the_table_in_the_docs_lists_exactly_the_tested_cases():
    text = DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \| (handled|refused) \|", text, flags=re.M)
    documented = {(case, outcome) for case, outcome in rows}
    tested = {(r.case, "refused") for r in REFUSED} | {(c, "handled") for c in HANDLED}
    assert documented == tested
    assert len(rows) == len(documented) >= 35
