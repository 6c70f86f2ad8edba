"""Rich output for the notebooks: markdown sentences."""

from __future__ import annotations


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def say(text: str) -> None:
    """Show one paragraph of generated text."""
    if text:
        show_markdown(text)
