"""Rich output for the notebooks: markdown sentences."""

from __future__ import annotations

import re

from campaignlab.formatting import NotAvailable

# The start of an HTML tag, comment or processing instruction; a "<" before a space or a digit (q < 0.05) stays.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def show_markdown(text: str) -> None:
    """Show markdown; no raw HTML gets through (data text is escaped where it enters, this is the backstop).

    Our own sentences use markdown only, never HTML, so a ``<`` that would open a tag becomes ``&lt;`` (shown as ``<``).
    """
    from IPython.display import Markdown, display

    display(Markdown(_TAG_START.sub("&lt;", text)))


def say(text: str) -> None:
    """Show one paragraph of generated text."""
    if text:
        show_markdown(text)


def show_not_available(na: NotAvailable) -> None:
    """One sentence in place of a section that lacks what it needs."""
    show_markdown(na.sentence)
