"""Everything that touches the disk: reading data sources, the cleaned-data cache and the run folder.

Every other module is pure. Writes go to a temporary name first and are renamed into place, so a crash never
leaves a half-written file where a good one was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from campaignlab.data import cleaning, completejourney, datamodel
from campaignlab.params import BUNDLED_DATA, CampaignParams, find_project_root

CLEANING_VERSION = "2"  # 2: customers in two arms of a campaign are set aside (rule two_arms)


class RunFiles:
    """The file names of a run folder and of the outputs folder (docs/run-folder.md): the one place they are spelled."""

    SUMMARY = "summary.json"
    RUN_META = "run.json"
    CLEAN_POINTER = "clean.json"
    SEGMENTS = "segments.parquet"
    SEGMENT_PROFILES = "segment_profiles.csv"
    OUTCOMES = "customer_outcomes.parquet"
    UPLIFT_SCORES = "uplift_scores.parquet"
    EFFECTS = "effects.csv"
    SEGMENT_EFFECTS = "segment_effects.csv"
    REPURCHASE = "repurchase.csv"
    KM_CURVES = "km_curves.csv"
    TABLES_WORKBOOK = "tables.xlsx"
    REVIEW_HTML = "05_review_report.html"
    INDEX_HTML = "index.html"
    PORTFOLIO_DIR = "_portfolio"
    PORTFOLIO_HTML = "portfolio.html"
    PORTFOLIO_JSON = "portfolio.json"
    LOCKS_DIR = "_locks"
    #: In a cleaned-data cache folder.
    QUALITY = "quality.csv"
    SOURCE = "source.json"


SUMMARY_FILE = RunFiles.SUMMARY
CLEAN_POINTER = RunFiles.CLEAN_POINTER


# --------------------------------------------------------------------------------------------- json helpers
def _finite(obj: Any) -> Any:
    """Replace NaN and infinities by None, recursively, and make numpy/pandas scalars JSON-ready."""
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        try:
            obj = obj.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, (dt.date, dt.datetime, pd.Timestamp)):
        return obj.isoformat()
    if obj is pd.NaT:
        return None
    return obj


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, obj: Any) -> Path:
    """Write JSON atomically; non-finite numbers become null."""
    path = Path(path)
    text = json.dumps(_finite(obj), indent=2, ensure_ascii=False, allow_nan=False)
    _atomic_write(path, (text + "\n").encode("utf-8"))
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically (HTML pages, for example)."""
    path = Path(path)
    _atomic_write(path, text.encode("utf-8"))
    return path


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------- sources
def connect() -> ibis.BaseBackend:
    """A fresh embedded DuckDB connection."""
    return ibis.duckdb.connect()


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

    sample = path.read_bytes()[: 1 << 16]
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


def read_source(con: ibis.BaseBackend, data: str, *, encoding: str = "auto",
                separator: str = "auto") -> dict[str, ibis.Table]:
    """Read a data source into validated canonical Ibis tables (lazy; nothing is loaded into pandas).

    Optional tables that are absent come back empty, so later steps need no special cases. CSV files are read
    with :func:`csv_options` (``encoding`` and ``separator`` as in the params' ``cleaning`` section).
    """
    if data == BUNDLED_DATA:
        raw = completejourney.read_completejourney(con)
        origin = {name: f"the bundled Complete Journey data ({name})" for name in raw}
    else:
        files = source_files(data)
        missing = [n for n, spec in datamodel.TABLES.items() if spec.required_table and n not in files]
        if missing:
            raise datamodel.DataValidationError(
                f"Data folder {data} lacks the table(s) {', '.join(missing)}: add {', '.join(m + '.csv' for m in missing)} "
                "(or .parquet) as described in docs/data-model.md."
            )
        raw, origin = {}, {}
        for name, path in files.items():
            try:
                if path.suffix == ".csv":
                    raw[name] = con.read_csv(path, all_varchar=True,
                                             **csv_options(path, encoding=encoding, separator=separator))
                else:
                    raw[name] = con.read_parquet(path)
            except Exception as exc:  # the engine's own message says what is wrong with the file
                raise datamodel.DataValidationError(f"Cannot read {path}: {exc}") from None
            origin[name] = str(path)
    tables = {}
    for name, spec in datamodel.TABLES.items():
        if name in raw:
            table = datamodel.coerce_table(raw[name], spec, origin[name])
            datamodel.validate_table(table, spec, origin[name])
        else:
            schema = ibis.schema({**spec.required, **spec.optional})
            table = ibis.memtable(schema.to_pyarrow().empty_table())
        tables[name] = table
    datamodel.validate_campaign_windows(tables["campaigns"], origin.get("campaigns", "campaigns"))
    return tables


# --------------------------------------------------------------------------------------------- clean cache
@dataclass(frozen=True)
class CleanData:
    """Where a cleaned data set lives and what it came from."""

    path: Path
    fingerprint: str
    source: str
    created: bool


def default_cache_dir(start: Path | None = None) -> Path:
    env = os.environ.get("CAMPAIGNLAB_CACHE")
    if env:
        return Path(env)
    return find_project_root(start) / "outputs" / "_cache"


def _clean_key(fingerprint: str, params: CampaignParams) -> str:
    h = hashlib.sha256()
    h.update(fingerprint.encode())
    h.update(CLEANING_VERSION.encode())
    h.update(json.dumps(params.cleaning.model_dump(mode="json"), sort_keys=True).encode())
    return h.hexdigest()[:16]


def prepare_clean_data(params: CampaignParams, cache_dir: Path | None = None) -> CleanData:
    """Clean the params' data source once per fingerprint and cleaning rules; later calls reuse the cache.

    The cache folder holds one Parquet file per cleaned table, ``rejected_<table>.parquet`` with every removed row
    and its rule, and ``quality.csv``. It is written to a temporary folder and renamed, so it is complete or absent.
    """
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    fingerprint = fingerprint_source(params.data)
    target = cache_dir / f"clean-{_clean_key(fingerprint, params)}"
    if (target / "_SUCCESS").is_file():
        return CleanData(target, fingerprint, params.data, created=False)
    con = connect()
    tables = read_source(con, params.data, encoding=params.cleaning.csv_encoding,
                         separator=params.cleaning.csv_separator)
    result = cleaning.compute_clean_tables(
        tables, valid_from=params.cleaning.valid_from, valid_to=params.cleaning.valid_to
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".staging-"))
    try:
        rows_in, rows_out, rejected_counts, flagged = {}, {}, {}, {}
        for name, table in tables.items():
            rows_in[name] = int(table.count().to_pyarrow().as_py())
            clean = result.clean[name]
            con.to_parquet(clean, staging / f"{name}.parquet")
            rows_out[name] = int(con.read_parquet(staging / f"{name}.parquet").count().to_pyarrow().as_py())
            if name in result.rejected:
                path = staging / f"rejected_{name}.parquet"
                con.to_parquet(result.rejected[name], path)
                rej = con.read_parquet(path)
                counts = rej.group_by("rule").agg(n=rej.count()).to_pandas()
                rejected_counts[name] = dict(zip(counts["rule"], counts["n"].astype(int)))
        stored_tx = con.read_parquet(staging / "transactions.parquet")
        flagged["transactions"] = {
            flag: int(stored_tx.filter(expr).count().to_pyarrow().as_py())
            for flag, expr in cleaning.compute_kept_flags(stored_tx).items()
        }
        quality = cleaning.compute_quality_table(rows_in, rejected_counts, rows_out, result.rules, flagged)
        quality.to_csv(staging / RunFiles.QUALITY, index=False)
        write_json(staging / RunFiles.SOURCE, {"fingerprint": fingerprint, "source": params.data,
                                             "cleaning": params.cleaning.model_dump(mode="json"),
                                             "cleaning_version": CLEANING_VERSION})
        (staging / "_SUCCESS").write_text("")
        try:
            os.replace(staging, target)
        except OSError:
            # Another process finished the same cache first; its copy is equivalent.
            if not (target / "_SUCCESS").is_file():
                raise
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return CleanData(target, fingerprint, params.data, created=True)


def read_clean_tables(clean_dir: str | Path, con: ibis.BaseBackend | None = None) -> dict[str, ibis.Table]:
    """Open every cleaned table of a cache folder as a lazy Ibis table."""
    clean_dir = Path(clean_dir)
    con = con or connect()
    return {name: con.read_parquet(clean_dir / f"{name}.parquet") for name in datamodel.TABLES}


def read_rejected(clean_dir: str | Path, table: str) -> pd.DataFrame:
    """The rows cleaning set aside from one table, with the ``rule`` each broke (empty when none were)."""
    path = Path(clean_dir) / f"rejected_{table}.parquet"
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame(columns=["rule"])


def read_quality(clean_dir: str | Path) -> pd.DataFrame:
    return pd.read_csv(Path(clean_dir) / RunFiles.QUALITY)


# --------------------------------------------------------------------------------------------- run folder
def default_run_dir(campaign_id: str, start: Path | None = None) -> Path:
    """Where an interactive session writes: ``outputs/_interactive/<campaign_id>``.

    The published report in ``outputs/<campaign_id>`` is only ever replaced by the runner, whole.
    """
    return find_project_root(start) / "outputs" / "_interactive" / campaign_id


def require_file(run_dir: Path, name: str, producer: str, params_path: str | None = None) -> Path:
    """Path of an upstream file in the run folder, or an error naming the command that produces it."""
    path = Path(run_dir) / name
    if not path.exists():
        hint = f"campaignlab run {params_path}" if params_path else "campaignlab run <params file>"
        raise FileNotFoundError(
            f"{path} is missing: it is written by notebook {producer}. Run that notebook first with the same "
            f"parameters, or run the whole suite with `{hint}`."
        )
    return path


def write_clean_pointer(run_dir: Path, clean: CleanData) -> Path:
    return write_json(Path(run_dir) / CLEAN_POINTER, {"clean_dir": str(clean.path), "fingerprint": clean.fingerprint,
                                                      "source": clean.source})


def read_clean_pointer(run_dir: Path, params_path: str | None = None) -> dict[str, Any]:
    return read_json(require_file(run_dir, CLEAN_POINTER, "01_clean", params_path))


def read_summary(run_dir: str | Path) -> dict[str, Any]:
    path = Path(run_dir) / SUMMARY_FILE
    return read_json(path) if path.is_file() else {}


def update_summary(run_dir: str | Path, section: str, value: Any) -> Path:
    """Set one top-level section of the run's ``summary.json`` (created if absent)."""
    summary = read_summary(run_dir)
    summary[section] = value
    return write_json(Path(run_dir) / SUMMARY_FILE, summary)


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as Parquet (or CSV when the name ends in .csv), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".csv":
        df.to_csv(tmp, index=False)
    else:
        df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)


def write_workbook(path: str | Path, sheets: dict[str, pd.DataFrame]) -> list[str]:
    """Write the non-empty tables as one XLSX workbook (one sheet each, names cut to Excel's 31 characters).

    Written to a temporary file and renamed, so a reader never sees half a workbook. Returns the sheets written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    written = []
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, frame in sheets.items():
                if not frame.empty:
                    frame.to_excel(xl, sheet_name=name[:31], index=False)
                    written.append(name)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return written


def ensure_dir(path: str | Path) -> Path:
    """Create a folder (and its parents) if missing; the run folder of a session, for example."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_file(path: str | Path) -> None:
    """Delete a file if it exists (a scaffolded params file that failed validation, for example)."""
    Path(path).unlink(missing_ok=True)


def compile_cache_dir(start: Path | None = None) -> Path:
    """pytensor's compile cache for the lifetime-value models: ``.cache/pytensor`` in the project.

    A cache that persists between runs turns a ~30 s first fit into ~3 s.
    """
    return find_project_root(start) / ".cache" / "pytensor"


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG beside the report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


# ------------------------------------------------------------------------------------- published runs
def write_portfolio(outputs_dir: str | Path, portfolio: dict[str, Any]) -> Path:
    """Write ``<outputs>/_portfolio/portfolio.json`` (the machine-readable portfolio: ``pooled``, ...), atomically.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_portfolio(tmp, {"pooled": [{"group": "g", "estimate": float("nan")}]})
    ...     path.relative_to(tmp).as_posix(), read_json(path)
    ('_portfolio/portfolio.json', {'pooled': [{'group': 'g', 'estimate': None}]})
    """
    return write_json(Path(outputs_dir) / RunFiles.PORTFOLIO_DIR / RunFiles.PORTFOLIO_JSON, portfolio)


def read_runs(outputs_dir: str | Path) -> list[dict[str, Any]]:
    """Walk an outputs folder and read every published run. **IO**: one of the two functions here that read files.

    A published run is a folder ``<outputs>/<campaign_id>/`` holding ``summary.json``; folders starting with ``_``
    are bookkeeping. Failed attempts are the folders ``<outputs>/_failed/<campaign_id>-<stamp>/``; a campaign that
    only ever failed still gets an entry (with ``summary`` None).

    Parameters
    ----------
    outputs_dir : str or Path
        The outputs folder.

    Returns
    -------
    list of dict
        Sorted by campaign id; keys ``campaign_id``, ``folder`` (relative to ``outputs_dir``), ``summary`` (dict or
        None), ``run`` (``run.json`` as a dict, or None), ``reports`` (HTML file names, sorted), ``failed`` (stamps of
        failed attempts, sorted).

    Examples
    --------
    >>> import tempfile
    >>> from campaignlab import iorw
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = iorw.write_json(Path(tmp, "c1", "summary.json"), {"campaign": {"id": "c1"}})
    ...     Path(tmp, "_failed", "c2-20240101T000000000000").mkdir(parents=True)
    ...     [(r["campaign_id"], r["summary"] is None, r["failed"]) for r in read_runs(tmp)]
    [('c1', False, []), ('c2', True, ['20240101T000000000000'])]
    """
    from campaignlab import iorw

    root = Path(outputs_dir)
    failed: dict[str, list[str]] = {}
    failed_dir = root / "_failed"
    if failed_dir.is_dir():
        for folder in failed_dir.iterdir():
            cid, _, stamp = folder.name.rpartition("-")
            if folder.is_dir() and cid:
                failed.setdefault(cid, []).append(stamp)
    runs = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))) \
            if root.is_dir() else []:
        summary_path = folder / iorw.SUMMARY_FILE
        if not summary_path.is_file():
            continue
        run_path = folder / RunFiles.RUN_META
        runs[folder.name] = {
            "campaign_id": folder.name,
            "folder": folder.name,
            "summary": iorw.read_json(summary_path),
            "run": iorw.read_json(run_path) if run_path.is_file() else None,
            "reports": sorted(p.name for p in folder.glob("*.html")),
        }
    for cid in failed:
        runs.setdefault(cid, {"campaign_id": cid, "folder": cid, "summary": None, "run": None, "reports": []})
    return [{**runs[cid], "failed": sorted(failed.get(cid, []))} for cid in sorted(runs)]


# ------------------------------------------------------------------------------------- run locks
class RunLocked(RuntimeError):
    """Another live process holds the campaign's run lock; ``holder`` is what its lock file says."""

    def __init__(self, campaign_id: str, holder: dict[str, Any]):
        self.campaign_id, self.holder = campaign_id, holder
        super().__init__(f"another run of {campaign_id} is in progress (pid {holder.get('pid', '?')} since "
                         f"{holder.get('started', '?')})")


@dataclass
class RunLock:
    """A held run lock; ``previous`` is what the file said when taken: a killed run's pid and start, or empty."""

    path: Path
    fd: int
    previous: dict[str, Any]


def lock_path(outputs_dir: str | Path, campaign_id: str) -> Path:
    """The one lock file of a campaign: ``<outputs>/_locks/<campaign_id>.lock``."""
    return Path(outputs_dir) / RunFiles.LOCKS_DIR / f"{campaign_id}.lock"


def _open_for_update(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _read_lock(fd: int) -> dict[str, Any]:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", errors="replace")
        return json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}


def acquire_run_lock(outputs_dir: str | Path, campaign_id: str) -> RunLock:
    """Take the campaign's run lock, or raise :class:`RunLocked` naming the live run that holds it.

    The lock is an ``flock`` on :func:`lock_path`, which the kernel drops when its holder exits, even by
    ``kill -9``: a dead run's lock never blocks, and a reused pid cannot fake a live one. The file's text (pid,
    start time, host) is only for messages; text left behind is a killed run's, returned as ``previous``.
    """
    import fcntl

    path = lock_path(outputs_dir, campaign_id)
    fd = _open_for_update(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(campaign_id, _read_lock(fd)) from None
        previous = _read_lock(fd)
        mine = {"pid": os.getpid(), "started": dt.datetime.now().isoformat(timespec="seconds"),
                "host": socket.gethostname()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(mine).encode("utf-8"), 0)
    except BaseException:
        os.close(fd)
        raise
    return RunLock(path, fd, previous)


def release_run_lock(lock: RunLock) -> None:
    """Empty the lock file (a clean finish leaves no note for the next run) and let go of it.

    The file itself stays: deleting a locked file lets two runs lock two different files of the same name.
    """
    try:
        os.ftruncate(lock.fd, 0)
    except OSError:
        pass  # a read-only or full disk: the next run reads a stale note, which is harmless
    finally:
        os.close(lock.fd)
