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
