"""Figures of the response analysis. Each ``plot_*`` takes a computed table, draws, and returns the Axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from campaignlab.data.windows import Window
from campaignlab.plots.theme import axes_or_new, format_money_axis

ROLE_LABEL = {"naive": "naive (biased by targeting)", "headline": "headline", "supporting": "supporting",
              "sensitivity": "sensitivity", "descriptive": "descriptive", "post-period": "post-period"}


def short_method(method: str) -> str:
    """A method name short enough for an axis label: no parentheses, up to the first comma or semicolon.

    Examples
    --------
    >>> short_method("doubly robust ATT (Sant'Anna & Zhao 2020); ridge-penalized propensity, influence-function SE")
    'doubly robust ATT'
    >>> short_method("naive difference in means, Welch two-sample t-test (unequal variances, scipy)")
    'naive difference in means'
    """
    import re

    text = re.sub(r"\s*\([^()]*\)", "", str(method))
    return re.split(r"[,;]", text)[0].strip()


def plot_estimates(estimates: pd.DataFrame, *, ax=None, title: str | None = None):
    """Point estimates with confidence intervals, one row per method (a forest plot); zero marked."""
    ax = axes_or_new(ax, (8, 0.6 * len(estimates) + 1.2))
    labels = [f"{ROLE_LABEL.get(r, r)}:\n{short_method(m)}" for r, m in zip(estimates["role"], estimates["method"])]
    if {"arm", "versus"} <= set(estimates) and len(estimates[["arm", "versus"]].drop_duplicates()) > 1:
        # Several arms: a row says which comparison it is, or the reader sees the same label three times.
        labels = [f"{label.replace(':', f' ({a} vs {v}):', 1)}"
                  for label, a, v in zip(labels, estimates["arm"], estimates["versus"])]
    y = np.arange(len(estimates))[::-1]
    err = np.vstack([estimates["estimate"] - estimates["ci_low"], estimates["ci_high"] - estimates["estimate"]])
    colors = ["#b0b0b0" if r == "naive" else ("#1f5f8b" if r == "headline" else "#6a9fc0") for r in estimates["role"]]
    for i, color in enumerate(colors):
        ax.errorbar(estimates["estimate"].iloc[i], y[i], xerr=np.nan_to_num(err[:, i : i + 1]), fmt="none",
                    ecolor=color, capsize=3)
    ax.scatter(estimates["estimate"], y, c=colors, zorder=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel("effect per customer (95% CI; money per customer)")
    format_money_axis(ax, "x")
    ax.set_title(title or "Effect per customer by method (95% CI)")
    return ax


def plot_balance(balance: pd.DataFrame, *, threshold: float = 0.1, ax=None):
    """Standardized mean differences before and after weighting, per covariate (a love plot)."""
    ax = axes_or_new(ax, (7, 0.3 * len(balance) + 1.5))
    y = np.arange(len(balance))[::-1]
    ax.scatter(balance["smd_before"].abs(), y, marker="o", facecolors="none", edgecolors="#b0b0b0", label="before")
    ax.scatter(balance["smd_after"].abs(), y, marker="o", color="#1f5f8b", label="after weighting")
    ax.axvline(threshold, color="#c0392b", ls="--", lw=1, label=f"threshold {threshold}")
    ax.set_yticks(y, balance["covariate"])
    ax.set_xlabel("|standardized mean difference| (standard deviations)")
    ax.set_title("Covariate balance before and after weighting")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return ax


def plot_weekly(weekly: pd.DataFrame, windows: dict[str, Window], *, value: str = "revenue_per_customer", ax=None):
    """Weekly series per group across pre, campaign and post, with the campaign window shaded."""
    ax = axes_or_new(ax, (9, 3.5))
    sns.lineplot(data=weekly, x="week", y=value, hue="group", marker="o", ax=ax)
    camp = windows["campaign"]
    ax.axvspan(pd.Timestamp(camp.start), pd.Timestamp(camp.end), color="#f2c14e", alpha=0.25, label="campaign window")
    ax.set_xlabel("week (starting Monday)")
    ax.set_ylabel(value.replace("_", " ") + " per week")
    format_money_axis(ax, "y")
    ax.set_title("Weekly revenue per customer by group (unweighted)")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def plot_weighted_weekly(weekly: pd.DataFrame, campaign: tuple, *, axes=None, currency: str | None = None):
    """Two panels: weekly revenue per targeted customer against the weighted comparison, and their difference.

    A CausalImpact-style picture without the model: the comparison line is the comparison group averaged with the
    verdict estimator's propensity odds weights (descriptive, not a forecast). The campaign window is shaded.

    Parameters
    ----------
    weekly : pandas.DataFrame
        Output of :func:`campaignlab.stats.weekly.compute_weighted_weekly`.
    campaign : tuple
        Start and end (exclusive) of the campaign window.
    axes : pair of Axes, optional
        Where to draw; a new two-row figure when None.
    currency : str, optional
        Put in front of the money ticks.

    Returns
    -------
    numpy.ndarray of Axes
        The series panel and the difference panel.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    top, bottom = axes
    unit = f" ({currency})" if currency else ""
    top.plot(weekly["week"], weekly["targeted"], marker="o", ms=3, color="#0173b2", label="targeted customers")
    top.plot(weekly["week"], weekly["comparison_weighted"], marker="o", ms=3, color="#de8f05",
             label="comparison, weighted like the targeted")
    top.plot(weekly["week"], weekly["comparison_unweighted"], color="#949494", lw=1, ls=":",
             label="comparison, unweighted")
    colors = np.where(weekly["difference"] >= 0, "#029e73", "#d55e00")
    bottom.bar(weekly["week"], weekly["difference"], width=5, color=colors)
    bottom.axhline(0, color="black", lw=0.8)
    for ax in axes:
        ax.axvspan(pd.Timestamp(campaign[0]), pd.Timestamp(campaign[1]), color="#f2c14e", alpha=0.25,
                   label="campaign window" if ax is top else None)
        format_money_axis(ax, "y", None)
    top.set_ylabel(f"revenue per customer{unit}")
    top.set_title("Weekly revenue: targeted vs weighted comparison (descriptive, not a forecast)")
    top.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    bottom.set_ylabel(f"difference{unit}")
    bottom.set_xlabel("week (starting Monday)")
    bottom.set_title("Weekly difference: targeted minus weighted comparison", fontsize="medium")
    return np.asarray(axes)


def plot_funnel(funnel: pd.DataFrame, *, ax=None):
    """Share of each arm reaching each funnel step."""
    from matplotlib.ticker import PercentFormatter

    ax = axes_or_new(ax, (8, 4))
    data = funnel.assign(step=funnel["step"].map(lambda s: "purchased\n(all buyers in window)"
                                                 if s == "purchased" else str(s).replace("_", " ")))
    sns.barplot(data=data, x="step", y="share_of_arm", hue="arm", ax=ax)
    for container in ax.containers:
        ax.bar_label(container, fmt="{:.0%}", fontsize="small")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("customers of the group (%)")
    ax.set_xlabel("funnel step (event steps: reached every earlier step)")
    ax.set_title("Campaign funnel: share of each group reaching each step")
    top = float(funnel["share_of_arm"].max() or 0)
    ax.set_ylim(0, top * 1.15 + 0.05)  # room for the labels above the tallest bar
    ax.set_yticks([t for t in np.linspace(0, 1, 6) if t <= top * 1.15 + 0.05])
    # Outside the bars: a legend inside sat on top of them.
    ax.legend(title="group", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def plot_segment_lift(segments: pd.DataFrame, dimension: str, *, metric: str = "revenue_per_customer", ax=None):
    """Lift per segment of one dimension with intervals; segments significant after BH correction are filled."""
    sub = segments[(segments["dimension"] == dimension) & (segments["metric"] == metric) & ~segments["small"]]
    ax = axes_or_new(ax, (7, 0.45 * max(len(sub), 1) + 1.2))
    if sub.empty:
        ax.text(0.5, 0.5, "no segment large enough to estimate", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    sub = sub.sort_values("lift")
    y = np.arange(len(sub))
    err = np.vstack([sub["lift"] - sub["ci_low"], sub["ci_high"] - sub["lift"]])
    sig = sub["q_value"] < 0.05
    ax.errorbar(sub["lift"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="#6a9fc0", capsize=3)
    ax.scatter(sub["lift"][sig], y[sig.to_numpy()], color="#1f5f8b", zorder=3, label="q < 0.05")
    ax.scatter(sub["lift"][~sig], y[~sig.to_numpy()], facecolors="white", edgecolors="#1f5f8b", zorder=3,
               label="not significant")
    ax.axvline(0, color="black", lw=0.8)
    arms = sub["arm"] if "arm" in sub and sub["arm"].nunique() > 1 else None  # name the arm when several share a segment
    ax.set_yticks(y, [f"{s}{'' if arms is None else ' · ' + str(arms.iloc[i])} (n={n})"
                      for i, (s, n) in enumerate(zip(sub["segment"], sub["customers"]))])
    ax.set_xlabel(f"lift in {metric.replace('_', ' ')} (95% CI)")
    if "revenue" in metric:
        format_money_axis(ax, "x")
    ax.set_title(f"Lift by {dimension.replace('_', ' ')}")
    ax.legend(frameon=False, loc="lower right")
    return ax
