"""Reading a data source: which files it has, its fingerprint, and its tables as validated canonical Ibis tables.

Reads only (the cleaned-data cache and everything else that writes is :mod:`campaignlab.iorw`, which re-exports
these functions under their old names).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import ibis

from campaignlab.data import checks, completejourney, datamodel
from campaignlab.params import BUNDLED_DATA


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _folder_files(folder: Path) -> dict[str, Path]:
    files = {}
    for name in datamodel.TABLES:
        found = [folder / f"{name}{ext}" for ext in (".parquet", ".csv") if (folder / f"{name}{ext}").is_file()]
        if len(found) > 1:
            raise datamodel.DataValidationError(
                f"Both {found[0].name} and {found[1].name} exist in {folder}: keep one file per table."
            )
        if found:
            files[name] = found[0]
    return files


def source_files(data: str) -> dict[str, Path]:
    """The files a data source is read from (table name -> path)."""
    if data == BUNDLED_DATA:
        folder = completejourney.package_data_dir()
        return {f.removesuffix(".parquet"): folder / f for f in completejourney.SOURCE_FILES}
    folder = Path(data)
    if not folder.is_dir():
        raise datamodel.DataValidationError(
            f"Data folder {folder} does not exist. Point 'data' in the params file at a folder of table files "
            "(customers, transactions, campaigns, assignments; see docs/data-model.md)."
        )
    return _folder_files(folder)


def fingerprint_source(data: str) -> str:
    """SHA-256 over the source files' names and contents (and the adapter version for bundled data)."""
    h = hashlib.sha256()
    if data == BUNDLED_DATA:
        h.update(f"completejourney-adapter-{completejourney.ADAPTER_VERSION}".encode())
    for name, path in sorted(source_files(data).items()):
        h.update(name.encode())
        h.update(_file_digest(path).encode())
    return h.hexdigest()


def csv_options(path: Path, *, encoding: str = "auto", separator: str = "auto") -> dict[str, str]:
    """How to read one CSV file: its encoding and separator, detected from its first 64 KiB unless given.

    UTF-8 (a byte-order mark is fine) is tried first, then Latin-1, which decodes any byte: the usual export of
    older CRMs. The separator is the one of ``, ; tab |`` that :class:`csv.Sniffer` finds consistent in the
    header and first rows, so a ``;`` file with decimal commas is not split on its commas.
    """
    import csv

    with path.open("rb") as fh:
        sample = fh.read(1 << 16)
    if encoding == "auto":
        try:
            sample.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # A cut at 64 KiB can split one multi-byte character: that is still UTF-8.
            encoding = "utf-8" if exc.start >= len(sample) - 3 else "latin-1"
    if separator == "auto":
        text = sample.decode(encoding, errors="ignore").lstrip("\ufeff")
        lines = "\n".join(text.splitlines()[:50])
        try:
            separator = csv.Sniffer().sniff(lines, delimiters=",;\t|").delimiter
        except csv.Error:
            separator = ","
    return {"encoding": encoding, "delim": separator}


def time_zones(path: Path) -> dict[str, str]:
    """The time zone of each time column of a Parquet file stored with one (a CSV file has none: {})."""
    if path.suffix != ".parquet":
        return {}
    import pyarrow as pa
    import pyarrow.parquet as pq

    return {f.name: f.type.tz for f in pq.read_schema(path) if pa.types.is_timestamp(f.type) and f.type.tz}


def time_zone_notes(data: str) -> list[str]:
    """One sentence per table whose times were stored with a time zone, saying they are read as local times."""
    if data == BUNDLED_DATA:
        return []
    notes = []
    for path in sorted(source_files(data).values()):
        for column, zone in time_zones(path).items():
            notes.append(f"Column '{column}' of {path.name} stores times in the zone {zone}: they are read as the "
                         f"local times of {zone} (the data model's times have no zone), so each day is {zone}'s day.")
    return notes


def read_source(con: ibis.BaseBackend, data: str, *, encoding: str = "auto", separator: str = "auto",
                decimal_comma: bool = False) -> dict[str, ibis.Table]:
    """Read a data source into validated canonical Ibis tables (lazy; nothing is loaded into pandas).

    Optional tables that are absent come back empty, so later steps need no special cases. CSV files are read
    with :func:`csv_options` (``encoding``, ``separator`` and ``decimal_comma`` as in the params' ``cleaning``).
    """
    if data == BUNDLED_DATA:
        raw = completejourney.read_completejourney(con)
        origin = {name: f"the bundled Complete Journey data ({name})" for name in raw}
    else:
        files = source_files(data)
        checks.refuse_spreadsheets(Path(data), datamodel.TABLES)
        missing = [n for n, spec in datamodel.TABLES.items() if spec.required_table and n not in files]
        if missing:
            raise datamodel.DataValidationError(
                f"Data folder {data} lacks the table(s) {', '.join(missing)}: add {', '.join(m + '.csv' for m in missing)} "
                "(or .parquet) as described in docs/data-model.md."
            )
        raw, origin = {}, {}
        for name, path in files.items():
            checks.check_source_file(path)
            try:
                if path.suffix == ".csv":
                    raw[name] = con.read_csv(path, all_varchar=True,
                                             **csv_options(path, encoding=encoding, separator=separator))
                else:
                    raw[name] = con.read_parquet(path)
            except Exception as exc:  # the engine's own message says what is wrong with the file
                raise datamodel.DataValidationError(
                    f"Cannot read {path}: {exc}\nCheck that it is a CSV or Parquet file of the {name} table; for a CSV "
                    "file set cleaning.csv_encoding and csv_separator in the params if detection guessed wrong.") from None
            origin[name] = str(path)
    tables = {}
    for name, spec in datamodel.TABLES.items():
        if name in raw:
            zones = {} if data == BUNDLED_DATA else time_zones(Path(origin[name]))
            table = datamodel.coerce_table(raw[name], spec, origin[name], decimal_comma=decimal_comma, zones=zones)
            datamodel.validate_table(table, spec, origin[name])
        else:
            schema = ibis.schema({**spec.required, **spec.optional})
            table = ibis.memtable(schema.to_pyarrow().empty_table())
        tables[name] = table
    datamodel.validate_campaign_windows(tables["campaigns"], origin.get("campaigns", "campaigns"))
    return tables
