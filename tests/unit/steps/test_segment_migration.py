"""Migration between segments when a group is empty (a randomized test that assigned every customer to an arm)."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from campaignlab.data.outcomes import NOT_ASSIGNED  # noqa: E402
from campaignlab.formatting import NotAvailable  # noqa: E402
from campaignlab.stats import segmentation as seg  # noqa: E402
from campaignlab.steps import segment  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_an_empty_group_gets_a_reason_not_a_matrix():
    before = pd.Series(["new", "active", "active"], index=["a", "b", "c"])
    after = pd.Series(["active", "active", "sleeping"], index=["a", "b", "c"])
    mask = pd.Series([True, True, True], index=before.index).to_numpy()
    drawn = segment._migration_or_reason(before[mask], after[mask], "targeted", list(seg.LIFECYCLE_STATES))
    empty = segment._migration_or_reason(before[~mask], after[~mask], NOT_ASSIGNED, list(seg.LIFECYCLE_STATES))
    assert isinstance(drawn, pd.DataFrame) and int(drawn.to_numpy().sum()) == 3
    assert isinstance(empty, NotAvailable) and "every customer was assigned" in empty.missing
    section = segment._migration_section({"targeted": drawn, NOT_ASSIGNED: empty})
    assert section[NOT_ASSIGNED]["missing"] == empty.missing and sum(map(sum, section["targeted"]["counts"])) == 3


def test_show_migration_draws_the_group_it_has_and_says_why_the_other_is_missing(monkeypatch):
    said = []
    monkeypatch.setattr(segment, "show_not_available", lambda na: said.append(na.sentence))
    before = pd.Series(["new", "active"], index=["a", "b"])
    matrix = segment._migration_or_reason(before, before, "targeted", list(seg.LIFECYCLE_STATES))
    empty = segment._migration_or_reason(before.iloc[:0], before.iloc[:0], NOT_ASSIGNED, list(seg.LIFECYCLE_STATES))
    result = SimpleNamespace(migration={"lifecycle": {"targeted": matrix, NOT_ASSIGNED: empty}})
    segment.show_migration(result, "lifecycle")
    assert len(plt.gcf().axes) >= 1 and plt.gcf().axes[0].get_title().startswith("lifecycle, targeted customers")
    assert said == [empty.sentence]


def test_migration_rows_follow_the_lifecycle_not_the_alphabet_and_show_row_percentages():
    before = pd.Series(["sleeping", "new", "active", "churned", "active"], index=list("abcde"))
    after = pd.Series(["active", "active", "sleeping", "churned", "active"], index=list("abcde"))
    matrix = segment._migration_or_reason(before, after, "targeted", list(seg.LIFECYCLE_STATES))
    assert matrix.index.tolist() == ["new", "active", "sleeping", "churned"] == matrix.columns.tolist()
    segment.show_migration(SimpleNamespace(migration={"lifecycle": {"targeted": matrix}}), "lifecycle")
    ax = plt.gcf().axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "active (n=2)"
    assert {t.get_text() for t in ax.texts} >= {"50%", "100%", "0%"}
