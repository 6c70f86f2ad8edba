"""Rich output for the notebooks: markdown sentences."""

from __future__ import annotations

from campaignlab.formatting import NotAvailable


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def say(text: str) -> None:
    """Show one paragraph of generated text."""
    if text:
        show_markdown(text)


def show_not_available(na: NotAvailable) -> None:
    """One sentence in place of a section that lacks what it needs."""
    show_markdown(na.sentence)
