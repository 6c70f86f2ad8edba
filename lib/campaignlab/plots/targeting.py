"""Figures of the targeting section: the policy curve, the Qini curve and the uplift by decile.

Each ``plot_*`` takes a table of :mod:`campaignlab.stats.uplift` (or the summary's records of it), draws, and
returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignlab.plots.theme import axes_or_new, format_money_axis


def plot_policy_curve(policy: pd.DataFrame, *, currency: str | None = None, recommended: float | None = None,
                      ax=None):
    """Incremental revenue and net profit (95% bands) of targeting the top share of customers by predicted uplift.

    Examples
    --------
    >>> p = pd.DataFrame({"share": [0.5, 1.0], "incremental_revenue": [80.0, 100.0], "ci_low": [60.0, 70.0],
    ...                   "ci_high": [100.0, 130.0], "net_profit": [20.0, 10.0], "net_ci_low": [10.0, 0.0],
    ...                   "net_ci_high": [30.0, 20.0]})
    >>> len(plot_policy_curve(p, recommended=0.5).lines)
    4
    """
    ax = axes_or_new(ax, (7, 4))
    p = pd.DataFrame(policy)
    x = 100 * np.r_[0.0, p["share"].to_numpy(dtype=float)]
    for col, lo, hi, color, label in (("incremental_revenue", "ci_low", "ci_high", "#1f5f8b", "incremental revenue"),
                                      ("net_profit", "net_ci_low", "net_ci_high", "#c06a2b", "net profit")):
        # The curve starts at (0, 0): targeting no one earns nothing.
        ax.plot(x, np.r_[0.0, p[col].to_numpy(dtype=float)], color=color, marker="o", label=label)
        ax.fill_between(x, np.r_[0.0, p[lo].to_numpy(dtype=float)], np.r_[0.0, p[hi].to_numpy(dtype=float)],
                        color=color, alpha=0.15, lw=0)
    ax.axhline(0, color="black", lw=0.8)
    if recommended is not None:
        ax.axvline(100 * recommended, color="#2e7d32", ls="--", lw=1.2, label=f"recommended: top {recommended:.0%}")
    format_money_axis(ax, "y", currency)
    ax.set_xlabel("customers targeted, highest predicted uplift first (% of the test)")
    ax.set_ylabel("campaign window, 95% CI")
    ax.set_title("Who to target next time: the policy curve")
    ax.legend(loc="best", frameon=False)
    return ax


def plot_qini_curve(curve: pd.DataFrame, *, ax=None):
    """The Qini curve (incremental revenue per customer of the test) with its band, against random targeting.

    Examples
    --------
    >>> c = pd.DataFrame({"share": [0.0, 0.5, 1.0], "qini": [0.0, 3.0, 4.0], "ci_low": [0.0, 2.0, 3.0],
    ...                   "ci_high": [0.0, 4.0, 5.0], "random": [0.0, 2.0, 4.0]})
    >>> [t.get_text() for t in plot_qini_curve(c).get_legend().get_texts()]
    ['uplift model (out of fold)', 'random targeting']
    """
    ax = axes_or_new(ax, (6, 4))
    x = 100 * curve["share"]
    ax.plot(x, curve["qini"], color="#1f5f8b", label="uplift model (out of fold)")
    ax.fill_between(x, curve["ci_low"], curve["ci_high"], color="#1f5f8b", alpha=0.15, lw=0)
    ax.plot(x, curve["random"], color="#888888", ls="--", label="random targeting")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("customers targeted, highest predicted uplift first (%)")
    ax.set_ylabel("incremental revenue per customer of the test")
    ax.set_title("Qini curve (95% bootstrap band)")
    ax.legend(loc="best", frameon=False)
    return ax


def plot_uplift_deciles(deciles: pd.DataFrame, *, ax=None):
    """Observed treated-minus-control revenue per customer in each decile of predicted uplift, with intervals.

    Examples
    --------
    >>> d = pd.DataFrame({"decile": [1, 2], "observed_uplift": [5.0, -1.0], "ci_low": [1.0, -4.0],
    ...                   "ci_high": [9.0, 2.0], "predicted_uplift": [4.0, 0.5]})
    >>> len(plot_uplift_deciles(d).patches)
    2
    """
    ax = axes_or_new(ax, (6, 4))
    d = deciles
    err = np.vstack([d["observed_uplift"] - d["ci_low"], d["ci_high"] - d["observed_uplift"]])
    ax.bar(d["decile"], d["observed_uplift"], color="#6a9fc0", yerr=np.nan_to_num(err), capsize=3,
           label="observed (95% CI)")
    ax.plot(d["decile"], d["predicted_uplift"], color="#c06a2b", marker="o", ls="none", label="predicted")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(d["decile"])
    ax.set_xlabel("decile of predicted uplift (1 = highest)")
    ax.set_ylabel("revenue per customer: treated minus control")
    ax.set_title("Uplift by decile")
    ax.legend(loc="best", frameon=False)
    return ax
