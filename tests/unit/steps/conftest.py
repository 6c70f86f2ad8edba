"""Shared fixtures of the view tests: figures closed after each test, markdown sentences captured."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from campaignlab.steps import display  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def capture_markdown(monkeypatch):
    """A function that captures every markdown sentence the given view modules show, in order (those shown through
    the display module's own name too: ``say``, ``show_not_available``)."""

    def capture(*modules) -> list[str]:
        captured: list[str] = []
        for module in (*modules, display):
            monkeypatch.setattr(module, "show_markdown", captured.append)
        return captured

    return capture
