"""04_retention's views: descriptive labels for self-selected groups, left-censored cohorts, sentences for empty tables."""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from campaignlab.formatting import NotAvailable  # noqa: E402
from campaignlab.stats import retention as stats  # noqa: E402
from campaignlab.steps import retention  # noqa: E402

ANCHOR, DATA_END = dt.date(2024, 3, 1), dt.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def said(monkeypatch) -> list[str]:
    """What the views show as text (markdown and not-available sentences), in order."""
    out: list[str] = []
    monkeypatch.setattr(retention, "show_markdown", out.append)
    monkeypatch.setattr(retention, "show_not_available", lambda na: out.append(na.sentence))
    return out


def _tx(rows):
    return pd.DataFrame({"customer_id": [r[0] for r in rows], "order_id": [f"o{i}" for i in range(len(rows))],
                         "ts": pd.to_datetime([r[1] for r in rows])})


def _result(**changes) -> retention.RetentionResult:
    groups = pd.DataFrame({"customer_id": list("abcdef"),
                           "group": ["responder", "responder", "non-responder", "non-responder", "control",
                                     "control"]})
    nxt = pd.DataFrame({"group": groups["group"], "observed": [True, True, True, False, True, False],
                        "duration": [3, 10, 20, 92, 15, 92]})
    tx = _tx([("a", "2024-01-05"), ("b", "2024-02-10"), ("c", "2024-03-11"), ("e", "2024-04-02")])
    fields = dict(
        groups=groups, anchor=ANCHOR, data_end=DATA_END,
        repurchase=stats.compute_repurchase(nxt, windows_days=(30, 60), anchor=ANCHOR, data_end=DATA_END),
        km=stats.compute_km_curves(nxt),
        logrank={**stats.compute_logrank(nxt), "comparison": "descriptive"},
        churn=pd.DataFrame({"group": ["control"], "period": ["before"], "rate": [0.1], "ci_low": [0.0],
                            "ci_high": [0.3]}),
        cohorts_first_month=stats.compute_cohort_retention(tx, data_end=DATA_END, history_days=30),
        cohorts_by_group=stats.compute_cohort_retention(tx, cohort=groups.set_index("customer_id")["group"],
                                                        origin=dt.date(2024, 1, 1), data_end=DATA_END),
        history_days=30,
    )
    return retention.RetentionResult(**{**fields, **changes})


# --------------------------------------------------------------------------------------------- descriptive
def test_km_sentence_says_descriptive_before_any_p_value(said):
    retention.show_km(_result())
    assert len(said) == 1
    sentence = said[0]
    assert sentence.startswith("A descriptive comparison of self-selected groups")
    assert not sentence.lower().startswith(("log-rank", "p ="))
    assert "p = " in sentence and sentence.index("descriptive") < sentence.index("p = ")
    assert "not an effect of the campaign" in sentence


def test_km_sentence_without_a_test_still_says_descriptive():
    sentence = retention.compute_logrank_sentence({"statistic": float("nan"), "df": 0, "p_value": float("nan"),
                                                   "method": "log-rank test", "comparison": "descriptive"})
    assert sentence.startswith("A descriptive comparison") and "p =" not in sentence


def test_groups_with_responders_are_labelled_descriptive():
    groups = pd.DataFrame({"customer_id": list("abc"), "group": ["responder", "non-responder", "comparison"]})
    note = retention.compute_descriptive_note(groups, "comparison")
    assert "select themselves" in note and "descriptive" in note and "comparison group" in note
    assert retention.compute_descriptive_note(groups[groups["group"] == "comparison"], "comparison") == ""


def test_repurchase_figure_is_titled_descriptive(said):
    table = retention.show_repurchase(_result())
    assert table is not None and not said
    assert plt.gca().get_title().endswith("descriptive, responders select themselves")


# --------------------------------------------------------------------------------------------- cohorts
def test_left_censored_cohorts_are_labelled_in_the_figure_and_said(said):
    result = _result()
    retention.show_cohorts(result)
    labels = [t.get_text() for t in plt.gcf().axes[0].get_yticklabels()]
    # Data start Jan 5; 30 days of history needed: January and February (27 days after) are left-censored.
    assert labels == ["2024-01 (n=1, left-censored)", "2024-02 (n=1, left-censored)", "2024-03 (n=1)",
                      "2024-04 (n=1)"]
    assert len(said) == 1 and "2024-01, 2024-02 are marked left-censored" in said[0] and "30 days" in said[0]


def test_group_cohorts_starting_before_the_data_are_said(said):
    tx = _tx([("a", "2024-01-20"), ("c", "2024-02-20")])
    by_group = stats.compute_cohort_retention(tx, cohort=pd.Series(["responder", "control"], index=["a", "c"]),
                                              origin=dt.date(2024, 1, 1), data_start=dt.date(2024, 1, 20),
                                              data_end=DATA_END)
    retention.show_cohorts(_result(cohorts_by_group=by_group))
    assert "the group cohorts are left-censored" in said[-1]


# --------------------------------------------------------------------------------------------- empty tables
def _empty(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0]


@pytest.mark.parametrize("view,changes,section", [
    (retention.show_repurchase, lambda r: {"repurchase": _empty(r.repurchase)}, "Repurchase after the campaign"),
    (retention.show_km, lambda r: {"km": _empty(r.km)}, "Time to next purchase"),
    (retention.show_churn, lambda r: {"churn": _empty(r.churn)}, "Churn before and after"),
    (retention.show_retention_by_segment, lambda r: {}, "Retention by segment"),
    (retention.show_cohorts, lambda r: {"cohorts_first_month": _empty(r.cohorts_first_month),
                                        "cohorts_by_group": _empty(r.cohorts_by_group)}, "Cohort retention"),
    (retention.show_nps, lambda r: {}, "Net promoter score"),
])
def test_an_empty_table_is_one_sentence(said, view, changes, section):
    base = _result()
    assert view(_result(**changes(base))) is None
    assert len(said) == 1 and said[0].startswith(f"{section} is not available: ")
    assert not plt.get_fignums()  # no empty figure either


def test_repurchase_with_no_complete_window_is_one_sentence(said):
    nxt = pd.DataFrame({"group": ["responder", "control"], "observed": [False, False], "duration": [10, 10]})
    anchor = DATA_END - dt.timedelta(days=10)
    rep = stats.compute_repurchase(nxt, windows_days=(30, 60), anchor=anchor, data_end=DATA_END)
    assert retention.show_repurchase(_result(repurchase=rep, anchor=anchor)) is None
    assert said == ["Repurchase after the campaign is not available: the data end 10 days after the campaign, before "
                    "the shortest window (30 days) is over. To get it: use data that continue after the campaign's "
                    "end."]


def test_missing_segments_say_which_step_provides_them(said):
    missing = NotAvailable("Retention by segment", "the run folder has no segments",
                           "run 02_segment first with the same parameters")
    assert retention.show_retention_by_segment(_result(by_segment_missing=missing)) is None
    assert said == [missing.sentence]
