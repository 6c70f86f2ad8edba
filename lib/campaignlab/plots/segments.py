"""Figures for segmentation and lifetime value, drawn with seaborn.

Every ``plot_*`` function takes a result table from a ``compute_*`` function (or a
fitted model's predictions), draws on ``ax`` (a new figure when ``None``) and returns
the Axes. Nothing here changes matplotlib's global state at import time: call
:func:`set_house_theme` once, at the top of a notebook, for the house look.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from campaignlab.plots.theme import HOUSE_PALETTE, axes_or_new

__all__ = [
    "HOUSE_PALETTE",
    "SEQUENTIAL_CMAP",
    "plot_clv_distribution",
    "plot_lifecycle",
    "plot_migration",
    "plot_rfm_heatmap",
    "plot_segment_sizes",
]

#: Colour map for count heatmaps (one hue, light to dark).
SEQUENTIAL_CMAP = "Blues"


def _pretty(label: object) -> str:
    return str(label).replace("_", " ")


def plot_rfm_heatmap(result: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Heatmap of customers per recency x frequency score cell.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`campaignlab.stats.segmentation.compute_rfm_scores` or
        ``compute_rfm_segments``; customers without scores are left out. With a
        ``segment`` column each cell also shows its segment name.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        25 cells, recency 5 at the top, frequency 1 on the left, annotated with counts.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> scores = pd.DataFrame({"r_score": [5, 5, 1], "f_score": [5, 4, 1]})
    >>> ax = plot_rfm_heatmap(scores)
    >>> ax.collections[0].get_array().size
    25
    """
    scored = result.dropna(subset=["r_score", "f_score"])
    r = scored["r_score"].astype("int64")
    f = scored["f_score"].astype("int64")
    counts = (
        pd.crosstab(pd.Categorical(r, categories=range(1, 6)), pd.Categorical(f, categories=range(1, 6)), dropna=False)
        .reindex(index=range(5, 0, -1), columns=range(1, 6), fill_value=0)
        .astype("int64")
    )
    annot = counts.astype(str)
    if "segment" in scored.columns:
        names = scored.assign(r=r, f=f).groupby(["r", "f"])["segment"].first()
        for (ri, fi), name in names.items():
            annot.loc[ri, fi] = f"{_pretty(name)}\n{counts.loc[ri, fi]}"
    ax = axes_or_new(ax, (7, 5.5))
    sns.heatmap(
        counts,
        annot=annot.to_numpy(),
        fmt="",
        cmap=SEQUENTIAL_CMAP,
        linewidths=0.5,
        cbar_kws={"label": "customers"},
        annot_kws={"fontsize": 7},
        ax=ax,
    )
    ax.set_xlabel("Frequency score (5 = most orders)")
    ax.set_ylabel("Recency score (5 = most recent)")
    ax.set_title("Customers by recency and frequency score")
    return ax


def plot_segment_sizes(profile: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of customers and share of revenue per segment, side by side.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`campaignlab.stats.segmentation.compute_segment_profile`: its first
        column names the segments, with ``share`` and ``revenue_share``.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        Horizontal bars, two per segment, in the profile's order.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> profile = pd.DataFrame({"segment": ["a", "b"], "share": [0.7, 0.3],
    ...                         "revenue_share": [0.4, 0.6]})
    >>> sum(len(bars) for bars in plot_segment_sizes(profile).containers)
    4
    """
    dimension = profile.columns[0]
    long = profile.melt(
        id_vars=[dimension], value_vars=["share", "revenue_share"], var_name="measure", value_name="value"
    )
    long["measure"] = long["measure"].map({"share": "customers", "revenue_share": "revenue"})
    long[dimension] = long[dimension].map(_pretty)
    ax = axes_or_new(ax, (7, 0.5 * len(profile) + 1.5))
    sns.barplot(
        data=long,
        y=dimension,
        x="value",
        hue="measure",
        hue_order=["customers", "revenue"],
        order=[_pretty(v) for v in profile[dimension]],
        palette=list(HOUSE_PALETTE[:2]),
        orient="h",
        ax=ax,
    )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of all customers / of all revenue (%)")
    ax.set_ylabel(_pretty(dimension))
    ax.set_title(f"Customers and revenue by {_pretty(dimension)}")
    # Outside the plot: inside, the legend sat over the longest bars.
    ax.legend(title="share of", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def plot_lifecycle(
    lifecycle: pd.DataFrame,
    *,
    ax: Axes | None = None,
    order: Sequence[str] | None = None,
) -> Axes:
    """Number of customers per lifecycle state.

    Parameters
    ----------
    lifecycle : pandas.DataFrame
        Output of :func:`campaignlab.stats.segmentation.compute_lifecycle`.
    ax : matplotlib Axes, optional
        Where to draw.
    order : sequence of str, optional
        States to show, in order; default: the states present, in lifecycle order.

    Returns
    -------
    matplotlib.axes.Axes
        One horizontal bar per state, labelled with its count.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> df = pd.DataFrame({"lifecycle": ["new", "active", "active", "churned"]})
    >>> [t.get_text() for t in plot_lifecycle(df).get_yticklabels()]
    ['new', 'active', 'churned']
    """
    from campaignlab.stats.segmentation import LIFECYCLE_STATES

    counts = lifecycle["lifecycle"].value_counts()
    if order is None:
        known = [s for s in LIFECYCLE_STATES if s in counts.index]
        order = known + sorted(set(counts.index) - set(known))
    counts = counts.reindex(list(order), fill_value=0)
    ax = axes_or_new(ax, (7, 0.45 * len(counts) + 1.5))
    # Horizontal bars: long state names ("registered never purchased") overlapped as x tick labels.
    sns.barplot(y=[_pretty(s) for s in counts.index], x=counts.to_numpy(), color=HOUSE_PALETTE[0], orient="h", ax=ax)
    for container in ax.containers:
        ax.bar_label(container, fmt="{:,.0f}", padding=3)
    ax.set_xlim(0, max(1, counts.max()) * 1.15)
    ax.set_ylabel("lifecycle state")
    ax.set_xlabel("customers")
    ax.set_title("Customers by lifecycle state")
    return ax


def plot_clv_distribution(
    predictions: pd.DataFrame,
    *,
    ax: Axes | None = None,
    column: str = "expected_value",
    bins: int = 30,
) -> Axes:
    """Histogram of predicted lifetime value, with the mean and median marked.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Output of :meth:`campaignlab.stats.clv.LifetimeValueModel.predict`.
    ax : matplotlib Axes, optional
        Where to draw.
    column : str
        Column to plot.
    bins : int
        Number of histogram bins.

    Returns
    -------
    matplotlib.axes.Axes
        ``bins`` bars and two vertical lines (mean, median).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_clv_distribution(pd.DataFrame({"expected_value": [1.0, 2.0, 2.5, 10.0]}), bins=5)
    >>> len(ax.patches), len(ax.lines)
    (5, 2)
    """
    values = pd.to_numeric(predictions[column]).dropna()
    ax = axes_or_new(ax, (7, 4))
    sns.histplot(x=values.to_numpy(), bins=bins, color=HOUSE_PALETTE[0], ax=ax)
    mean, median = float(np.mean(values)), float(np.median(values))
    ax.axvline(mean, color=HOUSE_PALETTE[3], linestyle="-", label=f"mean {mean:,.2f}")
    ax.axvline(median, color=HOUSE_PALETTE[1], linestyle="--", label=f"median {median:,.2f}")
    ax.set_xlabel(_pretty(column))
    ax.set_ylabel("customers")
    ax.set_title(f"Distribution of {_pretty(column)}")
    ax.legend()
    return ax


def plot_migration(matrix: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Heatmap of where each segment's customers went: row percentages (rows before, columns after).

    Each row adds to 100% of the customers who were in that segment before; the row label keeps its count, so a
    large share of a tiny segment is not mistaken for many customers.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Counts, output of :func:`campaignlab.stats.segmentation.compute_migration` (rows in display order).
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        One cell per (before, after) pair, annotated with its row percentage.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> m = pd.DataFrame([[3, 1], [0, 2]], index=["a", "b"], columns=["a", "b"])
    >>> ax = plot_migration(m)
    >>> [t.get_text() for t in ax.texts], [t.get_text() for t in ax.get_yticklabels()]
    (['75%', '25%', '0%', '100%'], ['a (n=4)', 'b (n=2)'])
    """
    ax = axes_or_new(ax, (0.9 * matrix.shape[1] + 3.5, 0.6 * matrix.shape[0] + 2))
    totals = matrix.sum(axis=1)
    share = matrix.div(totals.where(totals > 0), axis=0).fillna(0.0)
    share.index = [f"{_pretty(i)} (n={int(n):,})" for i, n in totals.items()]
    share.columns = [_pretty(c) for c in share.columns]
    sns.heatmap(share, annot=True, fmt=".0%", cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, linewidths=0.5, cbar=False,
                annot_kws={"fontsize": 8}, ax=ax)
    ax.set_xlabel("segment after (share of the row)")
    ax.set_ylabel("segment before (customers)")
    ax.tick_params(axis="x", labelrotation=45)
    ax.tick_params(axis="y", labelrotation=0)  # seaborn turns long row labels on a short heatmap vertical
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.set_title("Where each segment's customers went (% of row)")
    return ax
