"""Tests for the views of campaignlab.steps.clean (notebook 01_clean) that need no cleaned data.

``show_params`` reads only the parameters and ``show_windows`` only the windows and the data range, so they run on a
Run whose windows and data range are set by hand; ``quality_table`` reads a quality.csv. Not tested here:
``concurrent_campaigns``, which queries the run's assignments and campaigns tables (a full Run with its database).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from campaignlab import iorw
from campaignlab.data.windows import compute_windows
from campaignlab.params import load_params
from campaignlab.run.session import Run
from campaignlab.steps import clean as clean_views

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def shown(capture_markdown) -> list[str]:
    """Every markdown sentence the views display, in order."""
    return capture_markdown(clean_views)


def make_run(tmp_path: Path, extra: str = "") -> Run:
    """A Run on campaign 18's parameters (over the project defaults), without data."""
    (tmp_path / "defaults.yaml").write_text((ROOT / "params" / "defaults.yaml").read_text())
    path = tmp_path / "spring.yaml"
    path.write_text("id: spring\ncampaign: '18'\n" + extra)
    return Run(params_path=path, params=load_params(path), run_dir=tmp_path / "run")


def set_data(run: Run, start: dt.date, end: dt.date, data_start: dt.date, data_end: dt.date) -> Run:
    """Give the run its windows and data range without reading transactions (both are cached properties)."""
    run.data_range = (data_start, data_end)
    run.windows = compute_windows(start, end, pre_days=run.params.pre_period_days,
                                  post_days=run.params.post_period_days, data_start=data_start, data_end=data_end)
    return run


# ------------------------------------------------------------------------------------------ parameters
def test_params_name_the_campaign_data_windows_design_and_margin(tmp_path, shown):
    clean_views.show_params(make_run(tmp_path))
    assert shown == ["**Campaign** `spring` (campaign **18** in the bundled Complete Journey data); pre-period 90 days, "
                     "post-period 90 days; response = **redeemed** events; no holdout arm (matched comparison group); "
                     "gross margin 30%."]


def test_params_with_a_holdout_and_own_data_name_both(tmp_path, shown):
    (tmp_path / "shop").mkdir()
    run = make_run(tmp_path, "data: shop\ncontrol_arm: control\npre_period_days: 30\n"
                             "economics:\n  gross_margin: 0.255\n")
    clean_views.show_params(run)
    text = shown[0]
    assert f"(campaign **18** in `{tmp_path / 'shop'}`); pre-period 30 days" in text
    assert "; holdout arm **control**;" in text
    assert text.endswith("gross margin 26%.")


# ------------------------------------------------------------------------------------------ windows
def test_windows_inside_the_data_say_so_and_list_three_periods(tmp_path, shown):
    run = set_data(make_run(tmp_path), dt.date(2017, 6, 1), dt.date(2017, 6, 29), dt.date(2017, 1, 1),
                   dt.date(2018, 1, 1))
    table = clean_views.show_windows(run)
    assert shown == ["The data covers 2017-01-01 to 2017-12-31. All three windows lie inside the data."]
    assert list(table.columns) == ["period", "start", "end (exclusive)", "days", "days with data", "complete"]
    assert table["period"].tolist() == ["pre", "campaign", "post"]
    assert table["days"].tolist() == [90, 28, 90]
    assert table["complete"].all()


def test_windows_clipped_by_the_data_say_how_much_is_covered(tmp_path, shown):
    run = set_data(make_run(tmp_path), dt.date(2017, 1, 5), dt.date(2017, 2, 2), dt.date(2017, 1, 1),
                   dt.date(2017, 3, 1))
    table = clean_views.show_windows(run)
    assert shown == ["The data covers 2017-01-01 to 2017-02-28. The pre-period (2016-10-07 to 2017-01-04) is only "
                     "partly covered by the data: 4 of 90 days. The post-period (2017-02-02 to 2017-05-02) is only "
                     "partly covered by the data: 27 of 90 days."]
    assert table["days with data"].tolist() == [4, 28, 27]
    assert table["complete"].tolist() == [False, True, False]


def test_windows_outside_the_data_say_so(tmp_path, shown):
    run = set_data(make_run(tmp_path), dt.date(2016, 1, 1), dt.date(2016, 1, 29), dt.date(2017, 1, 1),
                   dt.date(2018, 1, 1))
    table = clean_views.show_windows(run)
    assert "The campaign window (2016-01-01 to 2016-01-28) lies entirely outside the data." in shown[0]
    assert table["days with data"].tolist() == [0, 0, 0]


# ------------------------------------------------------------------------------------------ quality
def write_quality(folder: Path, rows: list[dict]) -> iorw.CleanData:
    pd.DataFrame(rows).to_csv(folder / iorw.RunFiles.QUALITY, index=False)
    return iorw.CleanData(path=folder, fingerprint="0123456789ab", source="fixture", created=False)


def test_quality_table_leaves_out_rules_that_removed_nothing_anywhere(tmp_path):
    clean = write_quality(tmp_path, [
        {"table": "transactions", "rows_in": 1000, "removed_duplicate": 12, "removed_missing_id": 0, "rows_out": 985,
         "removed_return": 3, "kept_outlier": 0, "kept_late": 7},
        {"table": "customers", "rows_in": 50, "removed_duplicate": 0, "removed_missing_id": 0, "rows_out": 50,
         "removed_return": 0, "kept_outlier": 0, "kept_late": 0},
    ])
    table = clean_views.quality_table(clean)
    assert table.index.name == "table"
    assert table.index.tolist() == ["transactions", "customers"]
    assert list(table.columns) == ["rows_in", "removed_duplicate", "rows_out", "removed_return", "kept_late"]
    assert table.loc["transactions", "removed_duplicate"] == 12
    assert table.loc["customers", "rows_out"] == 50


def test_quality_table_of_a_clean_data_set_keeps_the_row_counts(tmp_path):
    clean = write_quality(tmp_path, [{"table": "transactions", "rows_in": 10, "removed_duplicate": 0, "rows_out": 10,
                                      "kept_late": 0}])
    table = clean_views.quality_table(clean)
    assert list(table.columns) == ["rows_in", "rows_out"]
    assert table.loc["transactions"].tolist() == [10, 10]


def test_a_staged_runs_files_are_named_in_its_report_folder(tmp_path):
    staged = make_run(tmp_path)
    staged.run_dir = tmp_path / "outputs" / "_staging" / "spring-20261201T101500123456-pid42"
    assert staged.report_dir == tmp_path / "outputs" / "spring"
    assert make_run(tmp_path).report_dir == tmp_path / "run"  # a folder of its own (Lab, tests)
