"""The notebooks' entry point: one object that knows the parameters, the run folder and the cleaned data.

A notebook's first code cell is ``run = session.open_run(params_path, run_dir)``. ``run_dir`` empty means an
interactive session, which writes to ``outputs/_interactive/<campaign_id>/`` and never touches the published report.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from campaignlab import __version__, iorw
from campaignlab.data import windows
from campaignlab.data.attributes import prepare_attributes
from campaignlab.params import CampaignParams, ParamsError, load_params, resolve_path
from campaignlab.run import interactive

SCHEMA_VERSION = 2


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
        if self._con is None:
            self._con = iorw.connect()
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
        """Cleaned canonical tables, lazy (DuckDB); customer attributes as :func:`prepare_attributes` reads them."""
        tables = iorw.read_clean_tables(self.clean_dir, self.con)
        tables["customers"], self.attribute_notes = prepare_attributes(tables["customers"])
        return tables

    #: What :func:`campaignlab.data.attributes.prepare_attributes` changed (numbers read as numbers, levels lumped).
    attribute_notes: list[str] = field(default_factory=list, repr=False)

    @property
    def _hint(self) -> str:
        return str(self.params_path)

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
        """First day with transactions and the day after the last one."""
        tx = self.tables["transactions"]
        row = tx.aggregate(lo=tx.ts.min(), hi=tx.ts.max()).to_pandas().iloc[0]
        if pd.isna(row["lo"]):
            raise ValueError(f"No transactions are left after cleaning the data of {self.params_path}.")
        return row["lo"].date(), row["hi"].date() + dt.timedelta(days=1)

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
