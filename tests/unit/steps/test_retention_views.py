"""Tests for the views of campaignlab.steps.retention (notebook 04_retention) on a small hand-built RetentionResult.

Figures are checked by what was drawn (axes, bars, tick labels, titles), sentences by what they say.
"""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from campaignlab.steps import retention as retention_views  # noqa: E402
from campaignlab.steps.retention import RetentionResult  # noqa: E402

GROUPS = ["responder", "non-responder", "control"]


@pytest.fixture
def shown(capture_markdown) -> list[str]:
    """Every markdown sentence the views display, in order."""
    return capture_markdown(retention_views)


def repurchase() -> pd.DataFrame:
    """30 days observed for every group; 60 days not yet (the data end 33 days after the campaign)."""
    rows = []
    for group, n, hit, lo, hi in (("responder", 300, 150, 0.44345, 0.55655), ("non-responder", 200, 60, 0.2405, 0.3671),
                                  ("control", 1000, 280, 0.25301, 0.30873)):
        rows.append({"group": group, "window_days": 30, "customers": n, "repurchased": hit, "rate": hit / n,
                     "ci_low": lo, "ci_high": hi, "complete": True, "note": ""})
    for group, n in (("responder", 300), ("non-responder", 200), ("control", 1000)):
        rows.append({"group": group, "window_days": 60, "customers": n, "repurchased": pd.NA, "rate": np.nan,
                     "ci_low": np.nan, "ci_high": np.nan, "complete": False, "note": "window ends after the data"})
    return pd.DataFrame(rows)


def km_curves() -> pd.DataFrame:
    rows = []
    for group, drops in (("responder", [1.0, 0.8, 0.5]), ("non-responder", [1.0, 0.9, 0.7]),
                         ("control", [1.0, 0.95, 0.72])):
        for day, s in zip([0, 10, 33], drops):
            rows.append({"group": group, "day": day, "survival": s, "ci_low": max(s - 0.05, 0),
                         "ci_high": min(s + 0.05, 1), "at_risk": 100, "events": 0 if day == 0 else 10})
    return pd.DataFrame(rows)


def churn() -> pd.DataFrame:
    rows = []
    for group, before, after in (("responder", 0.1, 0.15234), ("non-responder", 0.2, 0.3), ("control", 0.25, 0.3)):
        for period, as_of, rate in (("before", dt.date(2024, 3, 1), before), ("after", dt.date(2024, 6, 27), after)):
            rows.append({"group": group, "period": period, "as_of": as_of, "customers": 100,
                         "churned": round(100 * rate), "rate": rate, "ci_low": rate - 0.05, "ci_high": rate + 0.05,
                         "complete": True, "note": ""})
    return pd.DataFrame(rows)


def cohort_matrix(labels: list[str], sizes: list[int], months: int) -> pd.DataFrame:
    out = pd.DataFrame({"customers": sizes}, index=pd.Index(labels, name="cohort"))
    for m in range(months):
        out[f"month_{m}"] = [1.0 if m == 0 else 0.5 / m for _ in labels]
    return out


def by_segment() -> pd.DataFrame:
    rows = []
    for segment in ("champions", "at_risk"):
        for group, rate in (("responder", 0.61234), ("control", 0.4)):
            rows.append({"dimension": "rfm_segment", "segment": segment, "group": group, "window_days": 30,
                         "customers": 50, "repurchased": round(50 * rate), "rate": rate, "ci_low": rate - 0.1,
                         "ci_high": rate + 0.1, "complete": True, "note": ""})
    return pd.DataFrame(rows)


def nps() -> pd.DataFrame:
    return pd.DataFrame({"group": ["control", "responder"], "responses": [40, 25], "promoters": [10, 12],
                         "passives": [20, 8], "detractors": [10, 5], "nps": [0.0, 28.0], "nps_ci_low": [-21.456, 1.234],
                         "nps_ci_high": [21.456, 54.766], "mean_score": [7.1234, 7.9], "mean_ci_low": [6.5, 7.2],
                         "mean_ci_high": [7.7, 8.6]})


def make_result() -> RetentionResult:
    groups = pd.DataFrame({"customer_id": [f"c{i}" for i in range(9)],
                           "group": ["responder"] * 3 + ["non-responder"] * 2 + ["control"] * 4})
    return RetentionResult(
        groups=groups, anchor=dt.date(2024, 3, 29), data_end=dt.date(2024, 5, 1), repurchase=repurchase(),
        km=km_curves(),
        logrank={"statistic": 12.3456, "df": 2, "p_value": 0.00208, "groups": GROUPS, "method": "log-rank test"},
        churn=churn(),
        cohorts_first_month=cohort_matrix(["2024-01", "2024-02", "2024-03"], [40, 30, 20], 3),
        cohorts_by_group=cohort_matrix(["control", "non-responder", "responder"], [4, 2, 3], 1),
        by_segment=by_segment(), nps=nps(),
        notes=["The data ends 33 days after the campaign: repurchase within 60 days cannot be measured yet and is "
               "shown as incomplete."],
    )


@pytest.fixture
def result() -> RetentionResult:
    return make_result()


# ------------------------------------------------------------------------------------------ notes
def test_notes_count_the_groups_and_say_where_time_starts(result, shown):
    retention_views.show_retention_notes(result)
    assert shown == ["Groups: control 4, non-responder 2, responder 3. Time is counted from 2024-03-29. The data "
                     "ends 33 days after the campaign: repurchase within 60 days cannot be measured yet and is shown "
                     "as incomplete."]


def test_notes_without_notes_end_at_the_anchor(result, shown):
    result.notes = []
    retention_views.show_retention_notes(result)
    assert shown[0].endswith("Time is counted from 2024-03-29.")


# ------------------------------------------------------------------------------------------ repurchase
def test_repurchase_table_in_percent_and_bars_only_for_complete_windows(result):
    table = retention_views.show_repurchase(result)
    assert list(table.columns) == ["group", "window_days", "customers", "repurchased", "rate %", "95% CI low %",
                                   "95% CI high %", "complete", "note"]
    assert len(table) == 6
    assert table["rate %"].iloc[:3].tolist() == [50.0, 30.0, 28.0]
    assert table["95% CI low %"].iloc[0] == 44.3
    assert table["rate %"].iloc[3:].isna().all()
    ax = plt.gcf().axes[0]
    assert len(ax.patches) == 3  # one bar per group in the 30-day window, none in the incomplete one
    assert [t.get_text() for t in ax.get_xticklabels()] == ["30 days", "60 days\n(incomplete)"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == GROUPS


def test_repurchase_with_no_complete_window_says_so(result, shown):
    result.repurchase = result.repurchase[result.repurchase["window_days"] == 60].reset_index(drop=True)
    retention_views.show_repurchase(result)
    assert plt.get_fignums() == []
    assert len(shown) == 1 and "not available" in shown[0]


def test_km_draws_one_curve_per_group_and_quotes_the_log_rank_test(result, shown):
    retention_views.show_km(result)
    ax = plt.gcf().axes[0]
    assert len(ax.get_lines()) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == GROUPS
    said = " ".join(shown)
    assert "chi2 = 12.35 on 2 df (p = 0.0021)" in said


def test_km_without_a_test_draws_curves_but_quotes_nothing(result, shown):
    result.logrank = {"statistic": np.nan, "df": 0, "p_value": np.nan, "groups": ["control"], "method": "log-rank"}
    retention_views.show_km(result)
    assert len(plt.gcf().axes[0].get_lines()) == 3
    assert shown == []


def test_km_without_followup_says_so(result, shown):
    result.km = result.km.iloc[0:0]
    retention_views.show_km(result)
    assert len(shown) == 1 and "no customer can be followed after the campaign" in shown[0]
    assert plt.get_fignums() == []


# ------------------------------------------------------------------------------------------ churn and segments
def test_churn_in_percent(result):
    table = retention_views.show_churn(result)
    assert "churn %" in table.columns and "rate" not in table.columns
    assert len(table) == 6
    assert table["churn %"].tolist() == [10.0, 15.2, 20.0, 30.0, 25.0, 30.0]
    assert table["ci_high"].iloc[1] == 20.2


def test_retention_by_segment_in_percent_without_the_note_column(result, shown):
    table = retention_views.show_retention_by_segment(result)
    assert list(table.columns) == ["dimension", "segment", "group", "window_days", "customers", "repurchased", "rate",
                                   "ci_low", "ci_high", "complete"]
    assert len(table) == 4
    assert table["rate"].tolist() == [61.2, 40.0, 61.2, 40.0]
    assert table["ci_low"].iloc[0] == 51.2
    assert shown == []


def test_retention_by_segment_without_segments_says_run_02_segment(result, shown):
    result.by_segment = pd.DataFrame()
    table = retention_views.show_retention_by_segment(result)
    assert table is None or table.empty
    assert len(shown) == 1 and shown[0].startswith("Retention by segment is not available")


# ------------------------------------------------------------------------------------------ cohorts and NPS
def test_cohorts_draw_two_heatmaps_with_sizes_in_the_row_labels(result):
    retention_views.show_cohorts(result)
    fig = plt.gcf()
    heatmaps = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in heatmaps] == ["by month of first purchase",
                                                   "by campaign group (descriptive), months from the campaign start"]
    assert [t.get_text() for t in heatmaps[0].get_yticklabels()] == ["2024-01 (n=40)", "2024-02 (n=30)",
                                                                     "2024-03 (n=20)"]
    assert heatmaps[0].collections[0].get_array().size == 9
    assert [t.get_text() for t in heatmaps[1].get_yticklabels()] == ["control (n=4)", "non-responder (n=2)",
                                                                     "responder (n=3)"]
    assert [t.get_text() for t in heatmaps[1].texts] == ["100"] * 3


def test_cohorts_without_an_observed_month_say_so_in_the_panel(result):
    result.cohorts_by_group = result.cohorts_by_group[["customers"]]
    retention_views.show_cohorts(result)
    panel = plt.gcf().axes[1]
    assert [t.get_text() for t in panel.texts] == ["no fully observed cohort month"]
    assert panel.get_title() == "by campaign group (descriptive), months from the campaign start"


def test_nps_rounded_to_two_decimals(result, shown):
    table = retention_views.show_nps(result)
    assert len(table) == 2
    assert table["nps_ci_low"].tolist() == [-21.46, 1.23]
    assert table["mean_score"].iloc[0] == 7.12
    assert shown == []


def test_nps_without_feedback_says_so(result, shown):
    result.nps = pd.DataFrame()
    table = retention_views.show_nps(result)
    assert table is None or table.empty
    assert len(shown) == 1
    assert "no feedback for this campaign" in shown[0].lower()
