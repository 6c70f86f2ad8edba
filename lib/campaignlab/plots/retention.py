"""Retention figures: Kaplan-Meier curves, cohort heatmap, repurchase rates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignlab.plots.theme import axes_or_new


# --------------------------------------------------------------------------------------------- plots
def _axes(ax, figsize: tuple[float, float]):

    return axes_or_new(ax, figsize)


def plot_km_curves(km: pd.DataFrame, *, ax=None):
    """Kaplan-Meier step curves of "not yet repurchased", one per group, with shaded 95% bands.

    Parameters
    ----------
    km : pandas.DataFrame
        Output of :func:`compute_km_curves`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        One line and one shaded band per group, with a legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> np_ = pd.DataFrame({"group": list("aabb"), "observed": [True, False, True, True], "duration": [2, 9, 4, 6]})
    >>> from campaignlab.stats.retention import compute_km_curves
    >>> ax = plot_km_curves(compute_km_curves(np_))
    >>> len(ax.get_lines()), [t.get_text() for t in ax.get_legend().get_texts()]
    (2, ['a', 'b'])
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    ax = _axes(ax, (7, 4.5))
    groups = list(pd.unique(km["group"]))
    palette = dict(zip(groups, sns.color_palette(n_colors=max(len(groups), 1))))
    for group in groups:
        part = km[km["group"] == group].sort_values("day")
        color = palette[group]
        ax.step(part["day"], part["survival"], where="post", color=color, label=str(group))
        band = part["ci_low"].notna() & part["ci_high"].notna()
        ax.fill_between(part["day"], part["ci_low"], part["ci_high"], where=band.to_numpy(), step="post",
                        color=color, alpha=0.2, linewidth=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("days after the anchor date (the campaign's end)")
    ax.set_ylabel("share not yet repurchased")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if not ax.get_title():
        ax.set_title("Time to next purchase (Kaplan-Meier, 95% band)")
    if groups:
        ax.legend(title="group", frameon=False)
    return ax


def plot_cohort_heatmap(matrix: pd.DataFrame, *, ax=None):
    """Heatmap of the cohort retention matrix, in percent, with cohort sizes in the row labels.

    Cohorts flagged ``left_censored`` (they start before the data can tell new customers from old ones) say so in
    their row label.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Output of :func:`compute_cohort_retention`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        One cell per cohort and month (unobserved months blank), annotated when the matrix is small.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> m = pd.DataFrame({"customers": [10, 4], "month_0": [1.0, 1.0], "month_1": [0.4, np.nan]},
    ...                  index=pd.Index(["2024-01", "2024-02"], name="cohort"))
    >>> ax = plot_cohort_heatmap(m.assign(left_censored=[True, False]))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['2024-01 (n=10, left-censored)', '2024-02 (n=4)']
    """
    import seaborn as sns

    ax = _axes(ax, (8, max(3.0, 0.35 * len(matrix) + 1.5)))
    shares = matrix.drop(columns=["customers", "left_censored"], errors="ignore") * 100
    if shares.size == 0:
        ax.text(0.5, 0.5, "no fully observed cohort month", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    shares.columns = [c.removeprefix("month_") for c in shares.columns]
    censored = matrix["left_censored"] if "left_censored" in matrix else pd.Series(False, index=matrix.index)
    shares.index = [f"{c} (n={n}{', left-censored' if cut else ''})"
                    for c, n, cut in zip(matrix.index, matrix["customers"], censored)]
    sns.heatmap(shares.astype(float), vmin=0, vmax=100, cmap="Blues", annot=shares.size <= 300, fmt=".0f",
                linewidths=0.5, cbar_kws={"label": "% of cohort buying"}, ax=ax)
    ax.set_xlabel("months since cohort start")
    ax.set_ylabel("cohort (customers)")
    ax.set_title("Share of each cohort buying, per month (%)")
    return ax


def plot_repurchase(repurchase: pd.DataFrame, *, ax=None):
    """Bars of the repurchase rate per window and group, with Wilson 95% error bars.

    Incomplete windows have no bar and their tick label says "(incomplete)".

    Parameters
    ----------
    repurchase : pandas.DataFrame
        Output of :func:`compute_repurchase`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per complete (window, group), grouped by window, coloured by group.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> rep = pd.DataFrame({"group": ["r", "c", "r", "c"], "window_days": [30, 30, 60, 60],
    ...                     "rate": [0.5, 0.3, np.nan, np.nan], "ci_low": [0.4, 0.2, np.nan, np.nan],
    ...                     "ci_high": [0.6, 0.4, np.nan, np.nan], "complete": [True, True, False, False]})
    >>> ax = plot_repurchase(rep)
    >>> sum(1 for p in ax.patches if p.get_height() > 0), [t.get_text() for t in ax.get_xticklabels()]
    (2, ['30 days', '60 days\\n(incomplete)'])
    """
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    ax = _axes(ax, (7, 4.5))
    windows = sorted(repurchase["window_days"].unique())
    groups = list(pd.unique(repurchase["group"]))
    palette = dict(zip(groups, sns.color_palette(n_colors=max(len(groups), 1))))
    width = 0.8 / max(len(groups), 1)
    # Bars placed by hand (not sns.barplot) so each error bar sits on its own bar even when some bars are missing.
    for gi, group in enumerate(groups):
        part = repurchase[repurchase["group"] == group].set_index("window_days").reindex(windows)
        x = np.arange(len(windows)) - 0.4 + width * (gi + 0.5)
        rate = part["rate"].to_numpy(float)
        ok = np.isfinite(rate)
        ax.bar(x[ok], rate[ok], width=width * 0.95, color=palette[group], label=str(group))
        # Wilson bounds can sit a rounding error inside the rate (rate 0, lower bound 1e-17): bar lengths are >= 0.
        err = np.clip(np.vstack([rate - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - rate]),
                      0, None)
        err_ok = ok & np.isfinite(err).all(axis=0)
        if err_ok.any():
            ax.errorbar(x[err_ok], rate[err_ok], yerr=err[:, err_ok], fmt="none", ecolor="black", capsize=3,
                        linewidth=1)
    complete = repurchase.groupby("window_days")["complete"].all().reindex(windows)
    ax.set_xticks(np.arange(len(windows)))
    ax.set_xticklabels([f"{w} days" + ("" if complete[w] else "\n(incomplete)") for w in windows])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("customers who bought again (%)")
    ax.set_xlabel("window after the anchor date (the campaign's end)")
    ax.set_title("Repurchase within each window (Wilson 95% intervals)")
    if groups:
        ax.legend(title="group", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax
