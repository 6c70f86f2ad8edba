"""Everything that touches the disk: reading data sources, the cleaned-data cache and the run folder.

Every other module is pure. Writes go to a temporary name first and are renamed into place, so a crash never
leaves a half-written file where a good one was.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import math
import os
import shutil
import socket
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from campaignlab import clean_store, locks
from campaignlab.data import checks, cleaning, datamodel
from campaignlab.data.sources import csv_options, fingerprint_source, read_source, source_files  # noqa: F401
from campaignlab.locks import RunLock, RunLocked, acquire_run_lock, lock_path, release_run_lock  # noqa: F401
from campaignlab.params import CampaignParams, DuckDBConfig, find_project_root

CLEANING_VERSION = "5"  # 2: customers in two arms of a campaign are set aside (rule two_arms); 4: the clean
# transactions' first and last time recorded (clean_store.write_span); 5: times stored with a zone are its local times


class RunFiles:
    """The file names of a run folder and of the outputs folder (docs/run-folder.md): the one place they are spelled."""

    SUMMARY = "summary.json"
    RUN_META = "run.json"
    CLEAN_POINTER = "clean.json"
    SEGMENTS = "segments.parquet"
    SEGMENT_PROFILES = "segment_profiles.csv"
    FEATURES = "features.parquet"
    OUTCOMES = "customer_outcomes.parquet"
    UPLIFT_SCORES = "uplift_scores.parquet"
    EFFECTS = "effects.csv"
    SEGMENT_EFFECTS = "segment_effects.csv"
    WEEKLY_COMPARISON = "weekly_comparison.csv"
    REPURCHASE = "repurchase.csv"
    KM_CURVES = "km_curves.csv"
    TABLES_WORKBOOK = "tables.xlsx"
    REVIEW_HTML = "05_review_report.html"
    INDEX_HTML = "index.html"
    PORTFOLIO_DIR = "_portfolio"
    PORTFOLIO_HTML = "portfolio.html"
    PORTFOLIO_JSON = "portfolio.json"
    LOCKS_DIR = locks.LOCKS_DIR
    #: In the cache folder: DuckDB's spill files, one folder per process, removed when it exits.
    SPILL_DIR = "spill"
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


# --------------------------------------------------------------------------------------------- engine
def machine_memory() -> int:
    """Bytes of physical memory of this machine."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def memory_limit_setting(limit: str | None, total: int | None = None) -> str | None:
    """DuckDB's ``memory_limit`` for ``duckdb.memory_limit``: a share of the machine becomes a size in MiB.

    Examples
    --------
    >>> memory_limit_setting("25%", total=8 * 1024**3), memory_limit_setting("4GB"), memory_limit_setting(None)
    ('2048MiB', '4GB', None)
    """
    if limit is None or not limit.endswith("%"):
        return limit
    return f"{int((total or machine_memory()) * float(limit[:-1]) / 100 / 2**20)}MiB"


_SPILL_DIRS: list[Path] = []


def _remove_spill_dirs() -> None:
    for folder in _SPILL_DIRS:
        shutil.rmtree(folder, ignore_errors=True)


def spill_dir(cache_dir: Path | None = None) -> Path:
    """This process's folder for DuckDB's spill files, under ``<cache>/spill/``; removed when the process exits.

    Folders left by processes that no longer run (killed ones) are removed here too.
    """
    root = (Path(cache_dir) if cache_dir else default_cache_dir()) / RunFiles.SPILL_DIR
    mine = root / f"{socket.gethostname()}-{os.getpid()}"
    if mine in _SPILL_DIRS:
        return mine
    root.mkdir(parents=True, exist_ok=True)
    for folder in root.iterdir():
        host, _, pid = folder.name.rpartition("-")
        if host == socket.gethostname() and pid.isdigit() and not locks.pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    if not _SPILL_DIRS:
        atexit.register(_remove_spill_dirs)
    _SPILL_DIRS.append(mine)
    return mine


def connect(duckdb: DuckDBConfig | None = None, cache_dir: Path | None = None, *,
            spark_session: Any = None) -> ibis.BaseBackend:
    """A fresh embedded DuckDB connection, capped at ``duckdb.memory_limit`` and spilling to :func:`spill_dir`; or
    Ibis over the given SparkSession (``engine: spark``).

    Cleaning always runs on DuckDB (:func:`prepare_clean_data`): the analyses then read its Parquet cache through
    whichever connection the run chose (docs/engines.md says why).
    """
    if spark_session is not None:
        return ibis.pyspark.connect(spark_session)
    duckdb = duckdb or DuckDBConfig()
    config = {"temp_directory": str(spill_dir(cache_dir))}
    limit = memory_limit_setting(duckdb.memory_limit)
    if limit:
        config["memory_limit"] = limit
    return ibis.duckdb.connect(**config)


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
    and its rule, ``quality.csv`` and ``transactions.json`` (the clean transactions' first and last time). It is
    written to a temporary folder and renamed, so it is complete or absent.
    """
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    fingerprint = fingerprint_source(params.data)
    target = cache_dir / f"clean-{_clean_key(fingerprint, params)}"
    if (target / "_SUCCESS").is_file():
        return CleanData(target, fingerprint, params.data, created=False)
    con = connect(params.duckdb, cache_dir)
    tables = read_source(con, params.data, encoding=params.cleaning.csv_encoding,
                         separator=params.cleaning.csv_separator, decimal_comma=params.cleaning.decimal_comma)
    result = cleaning.compute_clean_tables(
        tables, valid_from=params.cleaning.valid_from, valid_to=params.cleaning.valid_to
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".staging-"))
    try:
        rows_in, rows_out, rejected_counts, flagged = {}, {}, {}, {}
        for name, table in tables.items():
            rows_in[name] = int(table.count().to_pyarrow().as_py())
            if name in result.labelled or name in result.before_copies:
                rows_out[name], rejected_counts[name] = clean_store.write_cleaned(con, name, result, staging,
                                                                                  rows_in[name])
            else:
                con.to_parquet(result.clean[name], staging / f"{name}.parquet")
                rows_out[name] = rows_in[name]
        flagged["transactions"] = clean_store.write_span(con, con.read_parquet(staging / "transactions.parquet"),
                                                         staging)
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


def clean_span(clean_dir: str | Path) -> tuple[dt.date, dt.date] | None:
    """The first day with clean transactions and the day after the last (None when cleaning kept none).

    Read from the cache's record; a cache cleaned by an older version has none (a run folder made before an upgrade,
    opened in JupyterLab), and its transactions are scanned instead.
    """
    clean_dir = Path(clean_dir)
    if not (clean_dir / clean_store.SPAN).is_file():
        return checks.transactions_span(connect().read_parquet(clean_dir / "transactions.parquet"))
    lo, hi, _ = clean_store.read_span(clean_dir)
    return (lo.date(), hi.date() + dt.timedelta(days=1)) if lo is not None and hi is not None else None


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
    """Path of an upstream file in the run folder, or an error naming the notebook and the command that write it.

    In an interactive folder (``outputs/_interactive/<id>``) the command is ``campaignlab interactive``, which
    builds that folder; ``campaignlab run`` would write the published report instead and leave the folder as it was.
    """
    path = Path(run_dir) / name
    if path.exists():
        return path
    params = params_path or "<params file>"
    if Path(run_dir).parent.name == "_interactive":
        order = ["01_clean", "02_segment", "03_response", "04_retention", "05_review"]
        upto = order[min(order.index(producer) + 1, 4)] if producer in order else "05_review"
        raise FileNotFoundError(
            f"{path} is missing: notebook {producer} writes it. Run {producer} with the same parameters, or "
            f"`campaignlab interactive {params} --upto {upto}` (builds the interactive folder; the published report "
            "is not touched)."
        )
    raise FileNotFoundError(
        f"{path} is missing: it is written by notebook {producer}. Run that notebook first with the same "
        f"parameters and run_dir, or run the whole suite with `campaignlab run {params}`."
    )


def write_clean_pointer(run_dir: Path, clean: CleanData) -> Path:
    return write_json(Path(run_dir) / CLEAN_POINTER, {"clean_dir": str(clean.path), "fingerprint": clean.fingerprint,
                                                      "source": clean.source})


def read_clean_pointer(run_dir: Path, params_path: str | None = None) -> dict[str, Any]:
    return read_json(require_file(run_dir, CLEAN_POINTER, "01_clean", params_path))


def write_features(run_dir: str | Path, parts: Iterable[Any], key: str) -> Path:
    """Write the per-customer feature table as ``features.parquet``, tagged with the plan's ``key``.

    ``parts`` are Arrow tables of one schema, written in order as they come (one part in memory at a time); the
    file replaces the old one only once every part is written.
    """
    import pyarrow.parquet as pq

    path = Path(run_dir) / RunFiles.FEATURES
    tmp = path.with_name(f".{path.name}.tmp")
    parts = iter(parts)
    first = next(parts, None)
    if first is None:
        raise ValueError("the feature table has no parts to write")
    schema = first.schema.with_metadata({**(first.schema.metadata or {}), b"campaignlab_plan": key.encode()})
    try:
        with pq.ParquetWriter(tmp, schema) as writer:
            writer.write_table(first)
            for part in parts:
                writer.write_table(part)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return path


def features_key(run_dir: str | Path) -> str | None:
    """The plan key ``features.parquet`` was written for, or None when there is no such file."""
    import pyarrow.parquet as pq

    path = Path(run_dir) / RunFiles.FEATURES
    if not path.is_file():
        return None
    return (pq.read_schema(path).metadata or {}).get(b"campaignlab_plan", b"").decode()


def read_features_schema(run_dir: str | Path) -> list[str]:
    """The column names of ``features.parquet``."""
    import pyarrow.parquet as pq

    return pq.read_schema(Path(run_dir) / RunFiles.FEATURES).names


def count_features_rows(run_dir: str | Path) -> int:
    """The number of customers in ``features.parquet``, from its footer (no column is read)."""
    import pyarrow.parquet as pq

    return pq.read_metadata(Path(run_dir) / RunFiles.FEATURES).num_rows


def read_features(run_dir: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Columns of ``features.parquet`` (all when None); ids stay Arrow-backed strings."""
    import pyarrow.parquet as pq

    return pq.read_table(Path(run_dir) / RunFiles.FEATURES, columns=columns).to_pandas()


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
