"""Rich output for the notebooks: markdown sentences."""

from __future__ import annotations

import pandas as pd


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def say(text: str) -> None:
    """Show one paragraph of generated text."""
    if text:
        show_markdown(text)


def format_ci(est, lo, hi, pct=False) -> str:
    if est is None or pd.isna(est):
        return "not available"
    f = (lambda v: f"{100 * v:+.1f} pts") if pct else (lambda v: f"{v:+,.2f}")
    if lo is None or pd.isna(lo):
        return f"{f(est)} (no interval)"
    return f"{f(est)} (95% CI {f(lo)} to {f(hi)})"
