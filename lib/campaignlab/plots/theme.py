"""The house look of every figure, and the axes helper every plot function uses."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.axes import Axes

#: Qualitative palette (seaborn "colorblind"): distinguishable with the common colour-vision deficiencies.
HOUSE_PALETTE = (
    "#0173b2",
    "#de8f05",
    "#029e73",
    "#d55e00",
    "#cc78bc",
    "#ca9161",
    "#fbafe4",
    "#949494",
    "#ece133",
    "#56b4e9",
)


def set_house_theme(context: str = "notebook") -> None:
    """Apply the house seaborn theme and palette to every later figure.

    Parameters
    ----------
    context : str
        seaborn plotting context (``"notebook"``, ``"talk"``, ``"paper"``, ``"poster"``).

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():  # restores the previous settings afterwards
    ...     set_house_theme()
    ...     mpl.colors.to_hex(mpl.rcParams["axes.prop_cycle"].by_key()["color"][0])
    '#0173b2'
    """
    sns.set_theme(context=context, style="whitegrid", palette=list(HOUSE_PALETTE), font_scale=1.0)


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """The Axes to draw on: ``ax`` as given, or a new figure's of ``figsize`` (every ``plot_*`` takes ``ax=None``)."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
