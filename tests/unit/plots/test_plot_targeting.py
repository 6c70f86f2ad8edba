"""Figures of the targeting section: what is drawn and how the money axis reads."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from campaignlab.plots import targeting as tplots  # noqa: E402
from campaignlab.plots.theme import compact_number  # noqa: E402

POLICY = pd.DataFrame({"share": [0.3, 0.6, 1.0], "incremental_revenue": [9000.0, 11000.0, 12000.0],
                       "ci_low": [6000.0, 7000.0, 6500.0], "ci_high": [12000.0, 15000.0, 17500.0],
                       "net_profit": [2500.0, 1500.0, -300000.0], "net_ci_low": [1000.0, -500.0, -310000.0],
                       "net_ci_high": [4000.0, 3500.0, -290000.0]})


def test_policy_curve_reads_money_in_compact_units_with_the_currency():
    ax = tplots.plot_policy_curve(POLICY, currency="EUR", recommended=0.3)
    fmt = ax.yaxis.get_major_formatter()
    assert fmt(-300000, 0) == compact_number(-300000, currency="EUR") == "EUR -300k"
    labels = [line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
    assert labels == ["incremental revenue", "net profit", "recommended: top 30%"]
    # Both curves start at (0, 0) and have one point per share.
    assert all(len(line.get_xdata()) == len(POLICY) + 1 for line in ax.lines[:2])
    plt.close("all")


def test_policy_curve_without_a_recommendation_draws_no_marker():
    ax = tplots.plot_policy_curve(POLICY)
    assert not any(line.get_label().startswith("recommended") for line in ax.lines)
    assert ax.yaxis.get_major_formatter()(2500, 0) == "2.5k"
    plt.close("all")
