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


def compact_number(value: float, _pos=None, *, currency: str | None = None) -> str:
    """A tick label in thousands or millions: ``-300k``, ``1.5M``, ``12``; the currency, if any, in front.

    Examples
    --------
    >>> compact_number(-300000), compact_number(1_500_000), compact_number(12.5), compact_number(2500, currency="EUR")
    ('-300k', '1.5M', '12.5', 'EUR 2.5k')
    """
    a = abs(value)
    text = (f"{value / 1e6:,.1f}".rstrip("0").rstrip(".") + "M" if a >= 1e6 else
            f"{value / 1e3:,.1f}".rstrip("0").rstrip(".") + "k" if a >= 1e3 else
            f"{value:,.2f}".rstrip("0").rstrip("."))
    return f"{currency} {text}" if currency else text


def format_money_axis(ax: Axes, axis: str = "y", currency: str | None = None) -> Axes:
    """Tick labels of ``axis`` ("x" or "y") in compact thousands / millions (no ``-300000``), currency in front."""
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, pos: compact_number(v, pos, currency=currency))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)
    return ax
