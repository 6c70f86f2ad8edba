"""The notebooks' entry point: one object that knows the parameters, the run folder and the cleaned data.

A notebook's first code cell is ``run = session.open_run(params_path, run_dir)``. ``run_dir`` empty means an
interactive session, which writes to ``outputs/_interactive/<campaign_id>/`` and never touches the published report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from campaignlab import __version__, iorw
from campaignlab.data import features as feature_table
from campaignlab.data import sampling, windows
from campaignlab.data.attributes import prepare_attributes
from campaignlab.params import CampaignParams, ParamsError, SparkConfig, load_params, resolve_path
from campaignlab.run import interactive

SCHEMA_VERSION = 3


@dataclass
class Run:
    """A campaign run as seen from inside a notebook."""

    params_path: Path
    params: CampaignParams
    run_dir: Path
    _con: Any = field(default=None, repr=False)

    # ------------------------------------------------------------------ data
    @property
    def con(self) -> ibis.BaseBackend:
        """The analyses' connection: DuckDB, or Spark with ``engine: spark`` (cleaning is DuckDB either way)."""
        if self._con is None:
            spark = spark_session(self.params.spark) if self.params.engine == "spark" else None
            self._con = iorw.connect(self.params.duckdb, spark_session=spark)
        return self._con

    def prepare_data(self, cache_dir: str | Path | None = None) -> iorw.CleanData:
        """Clean the data (or reuse the cache for this data fingerprint) and point the run folder at it."""
        clean = iorw.prepare_clean_data(self.params, Path(cache_dir) if cache_dir else None)
        iorw.write_clean_pointer(self.run_dir, clean)
        return clean

    @cached_property
    def clean_dir(self) -> Path:
        return Path(iorw.read_clean_pointer(self.run_dir, self._hint)["clean_dir"])

    @cached_property
    def tables(self) -> dict[str, ibis.Table]:
        """Cleaned canonical tables, lazy, on the run's engine (past the engine's limit: a customer sample)."""
        tables = iorw.read_clean_tables(self.clean_dir, self.con)
        engine = self.params.engine
        cfg = self.params.spark if engine == "spark" else self.params.duckdb
        tables, self.sample = sampling.compute_customer_sample(
            tables, max_customers=cfg.max_customers_in_memory, seed=cfg.sample_seed, cache=True,
            setting=f"{engine}.max_customers_in_memory")
        tables["customers"], self.attribute_notes = prepare_attributes(tables["customers"])
        return tables

    #: What :func:`campaignlab.data.attributes.prepare_attributes` changed (numbers read as numbers, levels lumped).
    attribute_notes: list[str] = field(default_factory=list, repr=False)
    #: The customer sample of a run too large for this process (:mod:`campaignlab.data.sampling`), else None.
    sample: dict[str, Any] | None = field(default=None, repr=False)

    def engine_section(self) -> dict[str, Any]:
        """The summary's ``engine`` section: which engine ran the analyses, and the customer sample if one was drawn."""
        _ = self.tables  # the sample is drawn with the tables
        return {"name": self.params.engine, "sample": self.sample, "note": sampling.describe_sample(self.sample)}

    @property
    def _hint(self) -> str:
        return str(self.params_path)

    # ------------------------------------------------------------------ the per-customer feature table
    def feature_plan(self) -> tuple[list[feature_table.FeatureWindow], list[feature_table.FeatureWindow], str]:
        """The feature table's order windows, event windows, and a key naming them with the data they read."""
        p, w = self.params, self.windows
        lo, hi = self.data_range
        order_windows, event_windows = feature_table.plan_windows(
            w, data_start=lo, data_end=hi, lookback_days=p.segmentation.lookback_days,
            churned_days=p.segmentation.lifecycle.churned_days, pre_days=p.pre_period_days)
        plan = {"version": feature_table.VERSION, "clean": str(self.clean_dir), "campaign": p.campaign,
                "events": self.feature_events, "windows": [repr(x) for x in (*order_windows, *event_windows)]}
        key = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:16]
        return order_windows, event_windows, key

    @property
    def feature_events(self) -> list[str]:
        return list(dict.fromkeys([self.params.response_event, *self.params.funnel]))

    def prepare_features(self) -> Path:
        """Compute the feature table in one query and write ``features.parquet`` (01_clean's last step)."""
        order_windows, event_windows, key = self.feature_plan()
        w, d = self.windows, dt.timedelta(days=self.params.pre_period_days)
        start = w["campaign"].start
        # Other campaigns overlapping the analysis span; the placebo's span is one pre-period earlier.
        overlaps = {"other_campaigns": (w["pre"].start, w["post"].end),
                    "placebo_other_campaigns": (start - 2 * d, start + d)}
        # DuckDB computes it part by part (customer-id ranges) to bound its memory; Spark in one query.
        per_part = self.params.duckdb.feature_part_customers if self.params.engine == "duckdb" else None
        ranges = feature_table.customer_ranges(self.tables["customers"], per_part) if per_part else [(None, None)]
        parts = (feature_table.compute_customer_features(
            self.tables, order_windows, campaign_id=self.params.campaign, events=self.feature_events,
            event_windows=event_windows, overlaps=overlaps, id_range=r).to_pyarrow() for r in ranges)
        return iorw.write_features(self.run_dir, parts, key)

    def features(self, columns: list[str] | None = None, prefixes: tuple[str, ...] = ()) -> pd.DataFrame:
        """Columns of the run's feature table: ``columns``, else ``customer_id``, ``arm`` and those starting with one
        of ``prefixes``, else all. Written first when absent or made for other parameters or data."""
        if iorw.features_key(self.run_dir) != self.feature_plan()[2]:
            self.prepare_features()
        if columns is None and prefixes:
            names = iorw.read_features_schema(self.run_dir)
            columns = [c for c in names if c in ("customer_id", "arm") or c.startswith(prefixes)]
        return iorw.read_features(self.run_dir, columns)

    # ------------------------------------------------------------------ campaign and windows
    @cached_property
    def campaign(self) -> dict[str, Any]:
        """The campaign's row of the campaigns table."""
        c = self.tables["campaigns"]
        rows = c.filter(c.campaign_id == self.params.campaign).to_pandas()
        if rows.empty:
            known = ", ".join(sorted(c.campaign_id.to_pandas().astype(str))[:30])
            raise ValueError(
                f"{self.params_path}: campaign '{self.params.campaign}' is not in the campaigns table "
                f"(known: {known}). Set 'campaign' to one of them."
            )
        return rows.iloc[0].to_dict()

    @cached_property
    def data_range(self) -> tuple[dt.date, dt.date]:
        """First day with clean transactions and the day after the last one (of all customers, as cleaning found
        them: a customer sample does not move the windows)."""
        span = iorw.clean_span(self.clean_dir)
        if span is None:
            raise ValueError(f"No transactions are left after cleaning the data of {self.params_path}.")
        return span

    @cached_property
    def windows(self) -> dict[str, windows.Window]:
        start, end = _as_date(self.campaign["start_date"]), _as_date(self.campaign["end_date"])
        lo, hi = self.data_range
        return windows.compute_windows(
            start, end, pre_days=self.params.pre_period_days, post_days=self.params.post_period_days,
            data_start=lo, data_end=hi,
        )

    def windows_table(self) -> pd.DataFrame:
        """The three windows as a table (requested dates, days covered by the data)."""
        rows = []
        for name in windows.PERIODS:
            w = self.windows[name]
            rows.append({"period": name, "start": w.start, "end (exclusive)": w.end, "days": w.days,
                         "days with data": w.covered_days, "complete": w.complete})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ run folder
    def path(self, name: str) -> Path:
        return self.run_dir / name

    @property
    def report_dir(self) -> Path:
        """The folder a reader finds this run's files in: a scheduled run writes into ``outputs/_staging/...``,
        published as ``outputs/<id>`` once every notebook has run; any other run folder is its own."""
        return self.run_dir.parent.parent / self.params.id if self.run_dir.parent.name == "_staging" else self.run_dir

    def require(self, name: str, producer: str) -> Path:
        return iorw.require_file(self.run_dir, name, producer, self._hint)

    def summary(self) -> dict[str, Any]:
        return iorw.read_summary(self.run_dir)

    def write_section(self, section: str, value: Any) -> None:
        iorw.update_summary(self.run_dir, section, value)

    def start_summary(self, clean: iorw.CleanData, quality: pd.DataFrame) -> dict[str, Any]:
        """Write the summary's opening sections: schema version, campaign, windows, data and quality."""
        campaign = {k: _plain(v) for k, v in self.campaign.items()}
        summary = {
            "schema_version": SCHEMA_VERSION,
            "campaign": {"id": self.params.id, "source_id": self.params.campaign,
                         "title": self.params.title or campaign.get("name") or self.params.id, **campaign},
            "windows": {
                **{name: w.to_dict() for name, w in self.windows.items()},
                "clipped": any(not w.complete for w in self.windows.values()),
                "notes": windows.describe_clipping(self.windows),
            },
            "data": {"fingerprint": clean.fingerprint, "source": clean.source,
                     "first_day": self.data_range[0].isoformat(), "end_day": self.data_range[1].isoformat()},
            "quality": quality.reset_index().to_dict(orient="records") if "table" not in quality else
            quality.to_dict(orient="records"),
            "package_version": __version__,
            "engine": self.engine_section(),
        }
        iorw.write_json(self.run_dir / iorw.SUMMARY_FILE, summary)
        return summary


def _as_date(value: Any) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _plain(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp, dt.date)):
        return _as_date(value).isoformat()
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def spark_session(cfg: SparkConfig) -> Any:
    """The process's SparkSession for ``engine: spark``, started on first use (``cfg.master``, ``cfg.config``).

    Process state belongs here: Spark's Python workers must run this interpreter (``PYSPARK_PYTHON``, unless the
    user set it), and a SparkSession is one per process: a second call returns the running one, its settings
    updated with the runtime-settable keys of ``cfg.config``.
    """
    import sys

    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise RuntimeError(
            "engine: spark needs pyspark: install the spark extra (pip install -c constraints.txt -e '.[spark]') "
            "and Java 17, or set engine: duckdb."
        ) from None
    os.environ["PYSPARK_PYTHON"] = os.environ.get("PYSPARK_PYTHON") or sys.executable
    builder = SparkSession.builder.master(cfg.master).appName("campaignlab")
    for key, value in cfg.config.items():
        builder = builder.config(key, str(value).lower() if isinstance(value, bool) else str(value))
    return builder.getOrCreate()


def _use_compile_cache() -> None:
    # Process state belongs to the session start: pymc-marketing compiles its models with pytensor, which reads
    # PYTENSOR_FLAGS when first imported. Respect a cache the user set; otherwise use the project's.
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if "base_compiledir" not in flags:
        cache = iorw.compile_cache_dir()
        os.environ["PYTENSOR_FLAGS"] = ",".join(f for f in (flags, f"base_compiledir={cache}") if f)


def _quiet_progress_bars() -> None:
    # pymc-marketing imports tqdm.auto, which in a notebook kernel without ipywidgets warns "IProgress not found"
    # (a pink stderr box in 02_segment). Import it once here with that one warning silenced; the module is then
    # cached, so the later import is silent. Nothing else is filtered and the filter does not outlive the import.
    import warnings

    try:
        from tqdm import TqdmWarning
    except ImportError:
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)
        import tqdm.auto  # noqa: F401


def open_run(params_path: str, run_dir: str = "", notebook: str = "") -> Run:
    """Validate the parameters and resolve the run folder; the first call in every notebook.

    Parameters
    ----------
    params_path
        The campaign's YAML file (relative paths resolve from the working directory, then the project root).
    run_dir
        The run folder the runner gives; empty for an interactive session (``outputs/_interactive/<id>``).
    notebook
        The calling notebook (``"03_response"``). In an interactive session the notebooks before it are built in
        the interactive folder when their files are missing or were made from other parameters or data, and one
        line says so; the runner (``run_dir`` given) runs them itself.

    Raises
    ------
    SessionError
        Interactive session only: the parameters or an upstream notebook failed. IPython shows its message (what
        is wrong and what fixes it) without a traceback. The previous run's variables are dropped first, so no
        result of another campaign stays in the kernel.
    """
    if run_dir:
        return _open(params_path, run_dir)
    interactive.clear_previous_run()
    try:
        run = _open(params_path, "")
        interactive.prepare_folder(run.run_dir, interactive.params_stamp(run.params))
        if notebook:
            line = interactive.build_upstream(run.params_path, run.run_dir, notebook)
            if line:
                from campaignlab.steps.display import show_markdown

                show_markdown(line)
    except (ParamsError, ValueError, OSError) as exc:
        raise interactive.SessionError(str(exc)) from None
    return run


def _open(params_path: str, run_dir: str) -> Run:
    path = resolve_path(params_path)
    params = load_params(path)
    folder = Path(run_dir) if run_dir else iorw.default_run_dir(params.id)
    if not folder.is_absolute():
        folder = resolve_path(folder)
    iorw.ensure_dir(folder)
    _use_compile_cache()
    _quiet_progress_bars()
    # Reports show whole sentences in tables (reasons, definitions, methods): no "..." truncation.
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", 40)
    return Run(params_path=path, params=params, run_dir=folder)
