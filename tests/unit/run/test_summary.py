"""The summary.json schema: schema 3 checks each section's required keys and its {section, missing, fix} notes;
summaries written by schema 1 and 2 (kept in outputs/_history) still validate."""

from __future__ import annotations

import copy

import pytest

from campaignlab.formatting import NotAvailable
from campaignlab.run.session import SCHEMA_VERSION
from campaignlab.run.summary import SummaryInvalid, load_schema, validate_summary

WINDOW = {"start": "2024-01-01", "end": "2024-02-01", "clipped_start": "2024-01-01", "clipped_end": "2024-02-01",
          "days": 31, "covered_days": 31, "complete": True}


def _summary(version: int) -> dict:
    """A complete summary in the shape the steps write (values are placeholders, not results)."""
    verdict = {"arm": "all", "metric": "revenue_per_customer", "estimate": None, "ci_low": None, "ci_high": None,
               "p_value": None, "window": {"start": "2024-01-01", "end": "2024-02-01", "label": "campaign window"},
               "method": "", "trust": "not_estimable", "trust_reasons": ["no comparison group"],
               "sentence": "No estimate.", "arms": []}
    nps = NotAvailable("Net promoter score", "the data has no feedback for this campaign", "add a feedback table")
    return {
        "schema_version": version,
        "campaign": {"id": "c1", "source_id": "C1", "title": "c1", "campaign_id": "C1", "start_date": "2024-01-01",
                     "end_date": "2024-02-01"},
        "windows": {**{n: {**WINDOW, "name": n} for n in ("pre", "campaign", "post")}, "clipped": False, "notes": []},
        "data": {"fingerprint": "0" * 64, "source": "here", "first_day": "2023-01-01", "end_day": "2024-06-01"},
        "quality": [{"table": "customers", "rows_in": 3, "rows_out": 3}],
        "segments": {"snapshot_date": "2024-01-01", "after_snapshot_date": None, "dimensions": {},
                     "clv": {"estimated": False, "reason": "too little history"}, "migration": {},
                     "notes": ["a sentence", NotAvailable("Lifetime value", "too little history").as_note()]},
        "response": {"design": "matched", "control_arm": "comparison", "response_event": "redeemed",
                     "eligibility": {}, "covariates": [], "arms": [{"arm": "mail", "customers": 3}], "effects": [],
                     "headline": [], "verdict": verdict, "segments": [], "srm": None, "balance": None,
                     "overlap": None, "placebo": None, "roi": {}, "funnel": [], "products": [], "periods": [],
                     "planning": {}, "winsorization": {"applied": False}, "notes": []},
        "retention": {"anchor": "2024-02-01", "data_end": "2024-06-01", "groups": {"responder": 1},
                      "repurchase": [], "logrank": {}, "churn": [], "by_segment": [], "nps": [],
                      "notes": [nps.as_note()], "method": "Kaplan-Meier"},
    }


def test_the_current_version_is_the_schemas_newest():
    assert SCHEMA_VERSION == max(load_schema()["properties"]["schema_version"]["enum"]) == 3


def test_a_complete_summary_with_not_available_notes_validates():
    validate_summary(_summary(3))


@pytest.mark.parametrize("section, key", [("segments", "clv"), ("response", "verdict"), ("response", "notes"),
                                          ("retention", "repurchase"), ("retention", "notes")])
def test_schema_3_requires_each_sections_keys(section, key):
    summary = _summary(3)
    del summary[section][key]
    with pytest.raises(SummaryInvalid, match=f"at {section}: '{key}' is a required property"):
        validate_summary(summary)


@pytest.mark.parametrize("note", [{"section": "NPS", "missing": "no feedback"},
                                  {"section": "", "missing": "x", "fix": ""}, {"section": "a", "missing": "b",
                                                                                "fix": "", "extra": 1}, 3])
def test_a_malformed_note_is_refused(note):
    summary = _summary(3)
    summary["retention"]["notes"].append(note)
    with pytest.raises(SummaryInvalid, match="retention/notes/1"):
        validate_summary(summary)


@pytest.mark.parametrize("version", [1, 2])
def test_older_summaries_in_history_still_validate_without_the_new_keys(version):
    summary = _summary(version)
    for section in ("segments", "response", "retention"):
        summary[section] = {"notes": ["only sentences then"]}
    validate_summary(summary)
    summary["schema_version"] = 3
    with pytest.raises(SummaryInvalid):
        validate_summary(copy.deepcopy(summary))
