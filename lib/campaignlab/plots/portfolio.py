"""Portfolio figures: campaigns ranked by effect, ROI."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignlab.plots.theme import axes_or_new, format_money_axis
from campaignlab.stats.portfolio import NOT_AVAILABLE


# --------------------------------------------------------------------------------------------- plots
def _axes(ax, n_rows: int):

    return axes_or_new(ax, (8, max(2.5, 0.4 * n_rows + 1.2)))


def _labels(table: pd.DataFrame) -> list[str]:
    return [cid if title == cid else f"{title} ({cid})" for cid, title in zip(table["campaign_id"], table["title"])]


def _point_range(table: pd.DataFrame, column: str, ax, xlabel: str, *, percent: bool = False, title: str = ""):
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    data = table[table[column].notna()].copy()
    ax = _axes(ax, len(data))
    if data.empty:
        ax.text(0.5, 0.5, f"{xlabel}: {NOT_AVAILABLE}", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    data["label"] = _labels(data)
    data["type"] = data["type"].fillna("unknown").astype(str)
    types = sorted(data["type"].unique())
    palette = dict(zip(types, sns.color_palette(n_colors=len(types))))
    y = np.arange(len(data))
    low, high = data[f"{column}_ci_low"].to_numpy(float), data[f"{column}_ci_high"].to_numpy(float)
    has_ci = np.isfinite(low) & np.isfinite(high)
    ax.hlines(y[has_ci], low[has_ci], high[has_ci], colors=[palette[t] for t in data["type"][has_ci]], linewidth=2)
    sns.scatterplot(x=data[column].to_numpy(float), y=y, hue=data["type"].to_numpy(), hue_order=types,
                    palette=palette, s=60, zorder=3, ax=ax)
    ax.axvline(0, color="0.4", linewidth=1, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels(data["label"])
    ax.set_ylim(len(data) - 0.5, -0.5)  # first row (rank 1) at the top
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    elif column == "incremental_revenue":
        currency = data["currency"].dropna().iloc[0] if "currency" in data and data["currency"].notna().any() else None
        format_money_axis(ax, "x", currency)
    ax.set_title(title)
    ax.legend(title="campaign type", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def plot_campaign_ranking(table: pd.DataFrame, *, ax=None):
    """Point-range chart: incremental revenue with its 95% CI per campaign, in rank order, coloured by type.

    Campaigns without an incremental revenue are left out (the table says why).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`compute_campaign_table`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        One point and one interval line per campaign, a dashed line at 0 and a legend of types.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"campaign_id": ["c1", "c2"], "title": ["c1", "Autumn"], "type": ["A", "B"],
    ...                   "incremental_revenue": [300.0, -50.0], "incremental_revenue_ci_low": [100.0, -200.0],
    ...                   "incremental_revenue_ci_high": [500.0, 100.0]})
    >>> ax = plot_campaign_ranking(t)
    >>> [x.get_text() for x in ax.get_yticklabels()]
    ['c1', 'Autumn (c2)']
    """
    return _point_range(table, "incremental_revenue", ax, "incremental revenue (95% CI)",
                        title="Incremental revenue per campaign")


def plot_roi(table: pd.DataFrame, *, ax=None):
    """Point-range chart of ROI (net profit / cost) with its 95% CI per campaign, coloured by type; 0 = break-even.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`compute_campaign_table` (rows without ROI, e.g. zero cost, are left out).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        One point and one interval line per campaign with an ROI, x axis in percent.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"campaign_id": ["c1", "c2"], "title": ["c1", "c2"], "type": ["A", None],
    ...                   "roi": [0.5, np.nan], "roi_ci_low": [-0.1, np.nan], "roi_ci_high": [1.1, np.nan]})
    >>> ax = plot_roi(t)
    >>> len(ax.get_yticklabels()), ax.get_legend().get_texts()[0].get_text()
    (1, 'A')
    """
    return _point_range(table, "roi", ax, "ROI per unit spent: net profit / cost (95% CI)",
                        title="Return on investment per campaign")
