"""Notebook 01_clean's views: parameters, data quality, windows, overlapping campaigns."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from campaignlab import iorw
from campaignlab.data import assignments
from campaignlab.data.sampling import describe_sample
from campaignlab.formatting import escape_text
from campaignlab.steps.display import show_markdown

if TYPE_CHECKING:
    from campaignlab.run.session import Run


def show_params(run: Run) -> None:
    """Say which campaign, data and run folder this run uses."""
    p = run.params
    data = "the bundled Complete Journey data" if p.data.startswith("bundled:") else f"`{p.data}`"
    design = f"holdout arm **{escape_text(p.control_arm)}**" if p.control_arm else "no holdout arm (matched comparison group)"
    show_markdown(
        f"**Campaign** `{p.id}` (campaign **{escape_text(p.campaign)}** in {data}); pre-period {p.pre_period_days} days, "
        f"post-period {p.post_period_days} days; response = **{escape_text(p.response_event)}** events; {design}; "
        f"gross margin {p.economics.gross_margin:.0%}."
    )


def quality_table(clean: iorw.CleanData) -> pd.DataFrame:
    """The data-quality table, with rule columns that removed nothing anywhere left out."""
    q = iorw.read_quality(clean.path)
    keep = [c for c in q.columns if not (c.startswith(("removed_", "kept_")) and (q[c] == 0).all())]
    return q[keep].set_index("table")


def show_windows(run: Run) -> pd.DataFrame:
    """The analysis windows and, where the data does not cover them, a plain sentence saying so."""
    from campaignlab.data import windows as w
    from campaignlab.data.sources import time_zone_notes

    notes = w.describe_clipping(run.windows)
    lo, hi = run.data_range
    text = f"The data covers {lo} to {hi - pd.Timedelta(days=1):%Y-%m-%d}. "
    text += " ".join(notes) if notes else "All three windows lie inside the data."
    text += "".join(" " + n for n in time_zone_notes(run.params.data))
    if getattr(run, "sample", None):  # past <engine>.max_customers_in_memory (docs/engines.md)
        text += " " + describe_sample(run.sample)
    show_markdown(text)
    return run.windows_table()


def concurrent_campaigns(run: Run) -> pd.DataFrame:
    """Other campaigns overlapping this campaign's analysis span, and how many customers they share."""
    ws = run.windows
    out = assignments.compute_concurrent_assignments(
        run.tables["assignments"], run.tables["campaigns"], run.params.campaign, ws["pre"].start, ws["post"].end
    )
    n_shared = int((out["shared_customers"] > 0).sum())
    show_markdown(
        f"{n_shared} other campaign(s) overlapping {ws['pre'].start} to {ws['post'].end} share customers with "
        "this one. Effects measured for this campaign may partly be theirs; the comparison group excludes customers "
        "assigned to overlapping campaigns (see 03_response)."
    )
    shown = out[out["shared_customers"] > 0].copy()
    shown["share_of_this_campaign"] = (100 * shown["share_of_this_campaign"]).round(1)
    return shown.rename(columns={"share_of_this_campaign": "% of this campaign's customers"}).reset_index(drop=True)


def write_features(run: Run) -> None:
    """Compute the per-customer feature table once for the run (``features.parquet``) and say what it holds."""
    run.prepare_features()
    order_windows, _, _ = run.feature_plan()
    rows = iorw.count_features_rows(run.run_dir)
    show_markdown(f"The per-customer feature table holds {rows:,} customers and {len(order_windows)} windows, computed "
                  "in one pass over the transactions; 02_segment, 03_response and 04_retention read it instead of "
                  "the transactions.")
