"""Response figures: checked by what was drawn (lines, bars, labels), never by pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from campaignlab.plots import response as rp  # noqa: E402
from campaignlab.plots.theme import compact_number  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_weighted_weekly_draws_three_lines_the_difference_bars_and_the_shaded_window():
    weeks = pd.date_range("2024-01-01", periods=8, freq="W-MON")
    t = np.linspace(10, 20, 8)
    weekly = pd.DataFrame({"week": weeks, "targeted": t, "comparison_weighted": t - 1,
                           "comparison_unweighted": t - 5, "difference": np.ones(8)})
    top, bottom = rp.plot_weighted_weekly(weekly, (weeks[3], weeks[5]), currency="EUR")
    assert len(top.get_lines()) == 3
    assert len(bottom.patches) >= 8
    assert "not a forecast" in top.get_title()
    assert "EUR" in top.get_ylabel() and bottom.get_title()
    labels = [x.get_text() for x in top.get_legend().get_texts()]
    assert "campaign window" in labels and any("weighted" in x for x in labels)


@pytest.mark.parametrize(("value", "text"), [(-300000, "-300k"), (1_500_000, "1.5M"), (999, "999"),
                                             (0.5, "0.5"), (0, "0")])
def test_compact_numbers_use_thousands_and_millions(value, text):
    assert compact_number(value) == text


def test_estimates_and_segment_lifts_name_the_arm_when_there_are_several():
    rows = pd.DataFrame({"arm": ["a1", "a2"], "versus": "control", "role": "headline", "method": "OLS (x)",
                         "estimate": [1.0, 2.0], "ci_low": [0.0, 1.0], "ci_high": [2.0, 3.0]})
    labels = [t.get_text() for t in rp.plot_estimates(rows).get_yticklabels()]
    assert any("(a1 vs control):" in x for x in labels) and any("(a2 vs control):" in x for x in labels)
    one = [t.get_text() for t in rp.plot_estimates(rows.iloc[:1]).get_yticklabels()]
    assert not any(" vs " in x for x in one)
    segs = pd.DataFrame({"dimension": "tier", "metric": "revenue_per_customer", "small": False, "segment": "low",
                         "arm": ["a1", "a2"], "customers": [10, 12], "lift": [1.0, 2.0], "ci_low": [0.0, 1.0],
                         "ci_high": [2.0, 3.0], "q_value": [0.01, 0.5]})
    labels = {t.get_text() for t in rp.plot_segment_lift(segs, "tier").get_yticklabels()}
    assert labels == {"low · a1 (n=10)", "low · a2 (n=12)"}
