"""Tests for the views of campaignlab.steps.segment (notebook 02_segment) on small hand-built results.

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

from campaignlab.steps import segment as segment_views  # noqa: E402
from campaignlab.steps.segment import SegmentResult  # noqa: E402


@pytest.fixture
def shown(capture_markdown) -> list[str]:
    """Every markdown sentence the views display, in order."""
    return capture_markdown(segment_views)


def profile(dimension: str, names: list[str], customers: list[int], revenue: list[float],
            expected_value: list[float] | None = None) -> pd.DataFrame:
    """A segment profile as compute_segment_profile returns it (shares derived from the counts)."""
    n, total = sum(customers), sum(revenue)
    out = pd.DataFrame({
        dimension: names, "customers": customers, "share": [c / n for c in customers], "revenue": revenue,
        "revenue_share": [r / total for r in revenue], "mean_recency_days": [5.0] * len(names),
        "mean_frequency": [2.0] * len(names), "mean_spend": [r / c for r, c in zip(revenue, customers)],
    })
    if expected_value is not None:
        out["mean_expected_value"] = expected_value
    return out


def segments_table() -> pd.DataFrame:
    """Six customers with every dimension, RFM scores and lifetime-value predictions."""
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(1, 7)],
        "snapshot_date": pd.Timestamp("2024-03-01"),
        "r_score": [5, 5, 4, 1, 1, np.nan],
        "f_score": [5, 4, 4, 1, 2, np.nan],
        "rfm_segment": ["champions", "champions", "champions", "at_risk", "at_risk", "hibernating"],
        "value_tier": ["high", "high", "mid", "mid", "low", "low"],
        "lifecycle": ["active", "active", "active", "sleeping", "churned", "new"],
        "response_history": ["responded_before", "never_contacted", "never_contacted", "never_contacted",
                             "contacted_not_responded", "never_contacted"],
        "tag_region": ["north", "north", "south", "south", "north", "unknown"],
        "expected_orders": [4.0, 3.5, 3.0, 1.0, 0.5, 0.2],
        "probability_alive": [0.95, 0.9, 0.85, 0.4, 0.2, 0.99],
        "expected_order_value": [50.0, 45.0, 40.0, 30.0, 25.0, 20.0],
        "expected_value": [200.0, 157.5, 120.0, 30.0, 12.5, 4.0],
    })


def make_result() -> SegmentResult:
    """Six customers segmented on four dimensions and one tag, with lifetime value and a second snapshot."""
    segs = segments_table()
    profiles = {
        "rfm_segment": profile("rfm_segment", ["champions", "at_risk", "hibernating"], [3, 2, 1],
                               [300.0, 150.0, 50.0], [123.456, 45.678, np.nan]),
        "value_tier": profile("value_tier", ["high", "mid", "low"], [2, 2, 2], [250.0, 150.0, 100.0]),
        "lifecycle": profile("lifecycle", ["active", "sleeping", "churned", "new"], [3, 1, 1, 1],
                             [300.0, 100.0, 50.0, 50.0]),
        "response_history": profile("response_history",
                                    ["never_contacted", "responded_before", "contacted_not_responded"],
                                    [4, 1, 1], [300.0, 150.0, 50.0]),
    }
    tags = pd.DataFrame({"dimension": ["region", "region", "region"], "value": ["north", "south", "unknown"],
                         "customers": [3, 2, 1], "share": [0.5, 1 / 3, 1 / 6]})
    rfm_order = ["champions", "at_risk", "hibernating"]
    migration = {"rfm_segment": {
        "targeted": pd.DataFrame([[2, 0, 0], [0, 1, 0], [0, 0, 0]], index=rfm_order, columns=rfm_order),
        "not_assigned": pd.DataFrame([[1, 0, 0], [0, 0, 1], [0, 0, 1]], index=rfm_order, columns=rfm_order),
    }}
    clv = {
        "estimated": True, "degenerate": False, "reason": None, "horizon_days": 365, "priors": "flat",
        "method": "BG/NBD and Gamma-Gamma",
        "bgnbd": {"r": 0.24312, "alpha": 4.41456, "a": 100.0, "b": 12345.6, "n_customers": 1234},
        "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44, "n_customers": 900, "n_excluded_no_repeat": 300,
                        "n_excluded_nonpositive_spend": 34},
    }
    return SegmentResult(
        as_of=dt.date(2024, 3, 1), after_as_of=dt.date(2024, 6, 1), segments=segs,
        dimensions=["rfm_segment", "value_tier", "lifecycle", "response_history", "tag_region"],
        tag_counts=tags, profiles=profiles, clv_params=clv, migration=migration,
        notes=["The second snapshot is taken on 2024-06-01, where the data ends."],
    )


@pytest.fixture
def result() -> SegmentResult:
    return make_result()


# ------------------------------------------------------------------------------------------ notes
def test_segment_notes_say_the_snapshot_the_customers_the_dimensions_and_the_notes(result, shown):
    segment_views.show_segment_notes(result)
    assert shown == [
        "Snapshot on **2024-03-01** (orders before the campaign start); 6 customers. Dimensions: rfm_segment, "
        "value_tier, lifecycle, response_history, tag_region. The second snapshot is taken on 2024-06-01, where the "
        "data ends."
    ]


def test_segment_notes_without_customers_say_zero(result, shown):
    result.segments = result.segments.iloc[0:0]
    result.notes = []
    segment_views.show_segment_notes(result)
    assert len(shown) == 1
    assert "; 0 customers." in shown[0]
    assert shown[0].endswith("tag_region.")


# ------------------------------------------------------------------------------------------ profiles
def test_profiles_table_shows_shares_in_percent_and_lifetime_value_to_three_digits(result):
    view = segment_views.show_profiles(result, "rfm_segment")
    assert list(view.columns) == ["rfm_segment", "customers", "share %", "revenue", "revenue share %",
                                  "mean_recency_days", "mean_frequency", "mean_spend", "mean_expected_value"]
    assert len(view) == 3
    assert view["share %"].tolist() == [50.0, 33.3, 16.7]
    assert view["revenue share %"].tolist() == [60.0, 30.0, 10.0]
    assert view["mean_expected_value"].iloc[:2].tolist() == [123.0, 45.7]
    assert np.isnan(view["mean_expected_value"].iloc[2])
    # the result itself is left as it was: shares stay fractions
    assert result.profiles["rfm_segment"]["share"].iloc[0] == 0.5


def test_profiles_figure_has_two_bars_per_segment_in_profile_order(result):
    segment_views.show_profiles(result, "rfm_segment")
    axes = plt.gcf().axes
    assert len(axes) == 1
    ax = axes[0]
    assert sum(len(c) for c in ax.containers) == 6
    assert [t.get_text() for t in ax.get_yticklabels()] == ["champions", "at risk", "hibernating"]
    assert ax.get_title() == "Customers and revenue by rfm segment"


def test_profiles_without_lifetime_value_leave_that_column_out(result):
    view = segment_views.show_profiles(result, "value_tier")
    assert "mean_expected_value" not in view.columns
    assert view["share %"].tolist() == [33.3, 33.3, 33.3]


def test_profiles_with_lifetime_value_not_estimated_leave_that_column_out(result):
    result.profiles["value_tier"]["mean_expected_value"] = np.nan
    view = segment_views.show_profiles(result, "value_tier")
    assert "mean_expected_value" not in view.columns


@pytest.mark.filterwarnings("ignore:No artists with labels found to put in legend")
@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="show_profiles draws empty axes (and matplotlib warns 'No artists with labels') and returns "
                          "an empty table without a word when the profile has no segments")
def test_profiles_without_segments_say_so(result, shown):
    result.profiles["rfm_segment"] = result.profiles["rfm_segment"].iloc[0:0]
    view = segment_views.show_profiles(result, "rfm_segment")
    assert view.empty
    assert sum(len(c) for c in plt.gcf().axes[0].containers) == 0
    assert len(shown) == 1


def test_lifecycle_draws_states_and_response_history_and_returns_the_lifecycle_profile(result):
    view = segment_views.show_lifecycle(result)
    axes = plt.gcf().axes
    assert len(axes) == 2
    # lifecycle states in lifecycle order, one bar each
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["new", "active", "sleeping", "churned"]
    assert len(axes[0].patches) == 4
    assert sorted(p.get_width() for p in axes[0].patches) == [1, 1, 1, 3]
    assert axes[1].get_title() == "Customers and revenue by response history"
    assert sum(len(c) for c in axes[1].containers) == 6
    assert view["lifecycle"].tolist() == ["active", "sleeping", "churned", "new"]
    assert view["share %"].tolist() == [50.0, 16.7, 16.7, 16.7]


def test_tags_show_shares_in_percent(result):
    view = segment_views.show_tags(result)
    assert list(view.columns) == ["dimension", "value", "customers", "share %"]
    assert view["share %"].tolist() == [50.0, 33.3, 16.7]


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="show_tags returns an empty table without a word when the customer table has no text "
                          "attributes (no tag dimensions)")
def test_tags_without_text_attributes_say_so(result, shown):
    result.tag_counts = pd.DataFrame({"dimension": pd.Series(dtype=str), "value": pd.Series(dtype=str),
                                      "customers": pd.Series(dtype="int64"), "share": pd.Series(dtype=float)})
    view = segment_views.show_tags(result)
    assert view.empty
    assert len(shown) == 1


# ------------------------------------------------------------------------------------------ lifetime value
def test_clv_quotes_fitted_parameters_to_three_significant_digits(result, shown):
    segment_views.show_clv(result)
    assert len(shown) == 1
    text = shown[0]
    assert "BG/NBD: r = 0.243, alpha = 4.41, a = 100, b = 12,346 (1,234 customers)." in text
    assert "Gamma-Gamma: p = 6.25, q = 3.74, v = 15.4 (900 repeat buyers; 300 without a repeat purchase and 34 " \
           "with zero or negative spend left out of the fit)." in text
    assert "Horizon 365 days." in text


def test_clv_table_describes_the_four_predictions_and_the_figure_is_a_histogram(result):
    table = segment_views.show_clv(result)
    assert table.index.tolist() == ["expected_orders", "probability_alive", "expected_order_value", "expected_value"]
    assert table.columns.tolist() == ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]
    assert table.loc["expected_value", "count"] == 6
    assert table.loc["expected_value", "max"] == 200.0
    # mean 87.33... to three significant digits
    assert table.loc["expected_value", "mean"] == 87.3
    ax = plt.gcf().axes[0]
    assert len(ax.patches) == 30
    assert len(ax.lines) == 2  # mean and median
    assert ax.get_title() == "Distribution of expected value"


def test_clv_not_estimated_says_why_in_one_sentence(result, shown):
    result.clv_params = {"estimated": False, "reason": "only 3 customers have a repeat purchase"}
    assert segment_views.show_clv(result) is None
    assert len(shown) == 1
    assert shown[0].startswith("Lifetime value is not ")
    assert ": only 3 customers have a repeat purchase." in shown[0]
    assert plt.get_fignums() == []


def test_clv_section_missing_says_it_was_not_fitted(result, shown):
    result.clv_params = {}
    assert segment_views.show_clv(result) is None
    assert len(shown) == 1
    assert shown[0].startswith("Lifetime value is not ")
    assert ": it was not fitted." in shown[0]


# ------------------------------------------------------------------------------------------ migration and RFM
def test_migration_draws_one_heatmap_per_group_with_titles(result, shown):
    segment_views.show_migration(result, "rfm_segment")
    axes = plt.gcf().axes
    assert len(axes) == 2
    assert [ax.get_title().split(":")[0] for ax in axes] == ["rfm segment, targeted customers",
                                                            "rfm segment, not assigned customers"]
    # nine annotated cells per 3 x 3 matrix in row percentages, labelled with pretty segment names and row counts
    assert [t.get_text() for t in axes[0].texts] == ["100%", "0%", "0%", "0%", "100%", "0%", "0%", "0%", "0%"]
    assert [t.get_text().split(" (n=")[0] for t in axes[1].get_yticklabels()] == ["champions", "at risk",
                                                                                  "hibernating"]
    assert shown == []


def test_migration_without_a_second_snapshot_says_so(result, shown):
    result.migration = {}
    segment_views.show_migration(result, "rfm_segment")
    assert len(shown) == 1
    assert "second snapshot" in shown[0].lower()
    assert "the data ends at the campaign start" in shown[0]
    assert plt.get_fignums() == []


def test_rfm_heatmap_counts_scored_customers_in_25_cells(result):
    segment_views.show_rfm(result)
    ax = plt.gcf().axes[0]
    cells = ax.collections[0].get_array()
    assert cells.size == 25
    assert cells.sum() == 5  # the customer without scores is left out
    # recency 5 is the top row, frequency 5 the last column: one customer there
    assert [t.get_text() for t in ax.texts][4] == "1"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "4", "3", "2", "1"]


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="show_rfm draws 25 empty cells without a word when no customer has an RFM score "
                          "(a campaign starting on the data's first day)")
def test_rfm_without_scored_customers_says_so(result, shown):
    result.segments = result.segments.assign(r_score=np.nan, f_score=np.nan)
    segment_views.show_rfm(result)
    assert plt.gcf().axes[0].collections[0].get_array().sum() == 0
    assert len(shown) == 1
