"""Checks that refuse inputs no report can be made of, before any notebook starts.

Each check raises :class:`~campaignlab.data.datamodel.DataValidationError` with a message that names the file,
column or parameter key, shows the first offending rows where there are rows, and says what to do. The table of
every bad input and its outcome is ``docs/bad-input.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis

from campaignlab.data.datamodel import DataValidationError

__all__ = ["check_campaign_inputs", "check_source_file", "refuse_spreadsheets", "transactions_span"]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_ZIP_MAGIC, _OLE_MAGIC, _PARQUET_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"PAR1"
_EXPORT = ("export each sheet as CSV (Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'; LibreOffice: File > "
           "Save As > 'Text CSV') or as Parquet, named {name}.csv, and remove the workbook from the folder")


def refuse_spreadsheets(folder: Path, tables: Any) -> None:
    """Refuse a table given as a spreadsheet workbook (``customers.xlsx``) where a CSV or Parquet file is expected."""
    for name in tables:
        for suffix in SPREADSHEET_SUFFIXES:
            book = folder / f"{name}{suffix}"
            if book.is_file():
                raise DataValidationError(f"{book} is a spreadsheet workbook; tables are read from CSV or Parquet "
                                          f"files: {_EXPORT.format(name=name)}.")


def check_source_file(path: Path) -> None:
    """Refuse a workbook saved under a ``.csv`` name and a Parquet file that is truncated (no footer)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(max(path.stat().st_size - 4, 0))
        tail = fh.read(4)
    if path.suffix == ".csv" and head in (_ZIP_MAGIC, _OLE_MAGIC):
        raise DataValidationError(f"{path} is a spreadsheet workbook renamed to .csv, not a CSV file: "
                                  f"{_EXPORT.format(name=path.stem)}.")
    if path.suffix == ".parquet" and (head != _PARQUET_MAGIC or tail != _PARQUET_MAGIC):
        raise DataValidationError(
            f"{path} is not a complete Parquet file ({path.stat().st_size:,} bytes; "
            f"{'no Parquet header' if head != _PARQUET_MAGIC else 'its footer is missing: the file was cut short'}). "
            "Write or copy it again from its source, or export the table as CSV.")


def _first_rows(table: ibis.Table, limit: int = 5) -> str:
    return table.limit(limit).to_pandas().to_string(index=False, max_colwidth=40)


def transactions_span(tx: ibis.Table) -> tuple[dt.date, dt.date] | None:
    """The first day with transactions and the day after the last; None when there are none."""
    row = tx.aggregate(lo=tx.ts.min(), hi=tx.ts.max()).to_pyarrow().to_pylist()[0]
    return None if row["lo"] is None else (row["lo"].date(), row["hi"].date() + dt.timedelta(days=1))


def check_campaign_inputs(tables: dict[str, ibis.Table], *, campaign: str, control_arm: str | None,
                          params_path: str, source: str, span: tuple[dt.date, dt.date] | None,
                          planned_split: Mapping[str, float] | None = None) -> None:
    """Refuse a campaign that no report can be made of: missing, without transactions, outside the data, with
    a ``control_arm`` that none of its assignments has, or with assigned arms its ``planned_split`` does not list
    (the sample-ratio check needs every arm's planned share; a label such as ``'Control '`` is named next to the
    planned arm it resembles).

    Parameters
    ----------
    tables
        The cleaned canonical tables.
    campaign, control_arm
        The params' ``campaign`` and ``control_arm``.
    params_path, source
        The params file and the data folder, named in the messages.
    span
        The first day of the transactions and the day after the last (:func:`transactions_span`, or the cleaned
        cache's record of it); None when there are none.
    planned_split
        The params' ``response.planned_split`` (None when not given).
    """
    camps = tables["campaigns"]
    rows = camps.filter(camps.campaign_id == campaign).to_pandas()
    if rows.empty:
        known = ", ".join(sorted(camps.campaign_id.to_pandas().astype(str))[:30])
        raise DataValidationError(f"{params_path}: campaign '{campaign}' is not in the campaigns table of {source} "
                                  f"(known: {known}). Set the key 'campaign' to one of them.")
    if span is None:
        raise DataValidationError(
            f"The transactions of {source} are empty (after cleaning, which set aside every row it could not use; "
            "see the rejected rows in the data cache). Add the orders: customer_id, order_id, ts, amount "
            "(docs/data-model.md).")
    lo, hi = span
    start, end = (dt.date.fromisoformat(str(rows.iloc[0][c])[:10]) for c in ("start_date", "end_date"))
    if end <= lo or start >= hi:
        raise DataValidationError(
            f"Campaign '{campaign}' runs from {start} to {end} (exclusive) but the transactions of {source} cover "
            f"{lo} to {hi}: the campaign window lies wholly outside the data, so nothing it did can be seen. Check "
            "start_date and end_date in the campaigns table, or add the transactions of the campaign's period.")
    if control_arm is None and not planned_split:
        return
    asg = tables["assignments"]
    mine = asg.filter(asg.campaign_id == campaign)
    found = mine.group_by("arm").agg(customers=mine.count()).order_by("arm").to_pandas()
    listed = ", ".join(f"'{a}' ({n:,})" for a, n in zip(found["arm"], found["customers"])) or "none"
    unplanned = [str(a) for a in found["arm"] if planned_split and str(a) not in planned_split]
    if unplanned:
        alike = {a: p for a in unplanned for p in planned_split if a.strip().casefold() == str(p).strip().casefold()}
        hints = "".join(f" '{a}' looks like the planned '{p}' (spaces or capitals differ)." for a, p in alike.items())
        raise DataValidationError(
            f"{params_path}: the assignments of campaign '{campaign}' in {source} have arm(s) "
            f"{', '.join(repr(a) for a in unplanned)} that key 'response.planned_split' does not list (arms found, "
            f"with customers: {listed}; planned: {', '.join(repr(p) for p in planned_split)}).{hints} Correct the "
            "labels in column 'arm' of the assignments, or add each arm to 'response.planned_split' with its planned "
            "share.")
    spelled: dict[str, list[str]] = {}
    for a in found["arm"].astype(str):
        spelled.setdefault(a.strip().casefold(), []).append(a)
    twins = [names for names in spelled.values() if len(names) > 1]
    if twins:
        raise DataValidationError(
            f"The assignments of campaign '{campaign}' in {source} spell one arm in several ways: "
            + "; ".join(" and ".join(repr(a) for a in names) for names in twins)
            + f" differ only in spaces or capitals (arms found, with customers: {listed}). They would be analysed as "
            "different arms: correct the labels in column 'arm' of the assignments so each arm has one spelling.")
    if control_arm is not None and control_arm not in set(found["arm"].astype(str)):
        raise DataValidationError(
            f"{params_path}: key 'control_arm' names the arm '{control_arm}', which no assignment of campaign "
            f"'{campaign}' in {source} has (arms found, with customers: {listed}). Set 'control_arm' to the arm that "
            "got nothing, or to null if the campaign had no holdout.")
