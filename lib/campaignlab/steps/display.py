"""Rich output for the notebooks: markdown sentences, and the short text a step result prints as."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

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


#: The longest line of a result's short text; longer lines end in "...".
REPR_LINE = 300


def describe_table(value: Any) -> str:
    """A table's shape, ``rows x columns``; a dict of tables gives each one's; anything else its type.

    Examples
    --------
    >>> import pandas as pd
    >>> describe_table(pd.DataFrame({"a": [1, 2]})), describe_table({"x": pd.DataFrame(), "y": None})
    ('2x1', '{x: 0x0, y: none}')
    """
    if isinstance(value, pd.DataFrame):
        return f"{value.shape[0]:,}x{value.shape[1]}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {describe_table(v)}" for k, v in value.items()) + "}"
    return "none" if value is None else type(value).__name__


def describe_result(name: str, lines: list[str], tables: dict[str, Any]) -> str:
    """The short text of a step result: its name, a few lines that say what it found, and its tables' shapes.

    Shows no rows, so no customer id: the tables are listed by name and shape only.

    Examples
    --------
    >>> import pandas as pd
    >>> print(describe_result("DemoResult", ["design: holdout"], {"effects": pd.DataFrame({"a": [1]})}))
    DemoResult
      design: holdout
      tables: effects 1x1
    """
    shown = [f"{k} {describe_table(v)}" for k, v in tables.items()]
    body = [*lines, "tables: " + ", ".join(shown)]
    return "\n".join([name, *("  " + _clip(line) for line in body)])


def _clip(line: str) -> str:
    line = " ".join(str(line).split())
    return line if len(line) <= REPR_LINE else line[:REPR_LINE - 3] + "..."
