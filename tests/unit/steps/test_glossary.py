"""The glossary defines every technical term the rendered pages use."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from campaignlab.steps import glossary

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
#: Capitals on the pages that are not terms: "NA" (not available) and the fixture campaign's id.
NOT_TERMS = {"NA", "SIM1"}


def page_text(path: Path) -> str:
    """The text a reader sees on a rendered notebook: markdown cells and markdown / HTML outputs, tags removed."""
    nb = json.loads(path.read_text())
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            for kind in ("text/markdown", "text/html"):
                if kind in out.get("data", {}):
                    parts.append("".join(out["data"][kind]))
    return html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(parts)))


PAGES = sorted(GOLDEN.glob("*.ipynb"))


def test_every_watched_term_is_defined():
    assert set(glossary.TERM_PATTERNS) - set(glossary.GLOSSARY) == set()


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_rendered_pages_use_no_undefined_term(page):
    text = page_text(page)
    assert glossary.terms_used(text), f"{page.name}: no glossary term found: is the page rendered?"
    assert glossary.undefined_terms(text) == set()
    # Every acronym on the page is a glossary term (or part of one's name).
    names = " ".join(glossary.GLOSSARY)
    acronyms = set(re.findall(r"\b[A-Z][A-Z0-9²]+\b", text)) - NOT_TERMS
    assert {a for a in acronyms if not re.search(rf"\b{re.escape(a)}\b", names)} == set()


def test_the_review_uses_the_terms_a_manager_must_look_up():
    review = page_text(GOLDEN / "05_review.ipynb")
    used = glossary.terms_used(review)
    assert {"q-value", "Benjamini-Hochberg (BH)", "randomized", "confidence interval (95% CI)"} <= used


def test_undefined_terms_catches_a_watched_term_missing_from_the_glossary(monkeypatch):
    monkeypatch.setattr(glossary, "GLOSSARY", {k: v for k, v in glossary.GLOSSARY.items() if k != "placebo test"})
    assert glossary.undefined_terms("A placebo test on the pre-period.") == {"placebo test"}
