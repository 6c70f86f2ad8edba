"""Notebook 05_review's steps: read the run's results, show the key charts again, export the tables.

Everything shown is read back from the run folder that the earlier notebooks wrote (summary.json, CSV tables), so
the review says exactly what the analyses found.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import iorw, review
from .session import Run

TABLES_WORKBOOK = "tables.xlsx"


def load_summary(run: Run) -> dict[str, Any]:
    """The run's summary.json, refusing to write a review without the response analysis."""
    run.require("effects.csv", "03_response")
    summary = run.summary()
    if not summary.get("response"):
        raise FileNotFoundError(f"{run.run_dir}/summary.json has no response section: run 03_response first.")
    return summary


def read_result_table(run: Run, name: str) -> pd.DataFrame:
    """A table an earlier notebook wrote (empty when that notebook did not write it)."""
    path = run.path(name)
    return iorw.read_table(path) if path.exists() else pd.DataFrame()


def export_tables(run: Run, summary: dict[str, Any]) -> list[str]:
    """Write the tables behind the report as CSV and as one XLSX workbook (one sheet per table)."""
    sheets = {
        "arms": pd.DataFrame((summary.get("response") or {}).get("arms") or []),
        "effects": read_result_table(run, "effects.csv"),
        "segment_effects": read_result_table(run, "segment_effects.csv"),
        "segment_profiles": read_result_table(run, "segment_profiles.csv"),
        "recommendations": review.compute_recommendations(summary),
        "repurchase": read_result_table(run, "repurchase.csv"),
        "glossary": review.glossary_table(),
    }
    written = []
    for name in ("recommendations", "arms"):
        iorw.write_table(sheets[name], run.path(f"{name}.csv"))
    tmp = run.path(f".{TABLES_WORKBOOK}.tmp")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for name, frame in sheets.items():
            if not frame.empty:
                frame.to_excel(xl, sheet_name=name[:31], index=False)
                written.append(name)
    tmp.replace(run.path(TABLES_WORKBOOK))
    return written
