"""The results contract: ``summary.json`` and its JSON Schema (``campaignlab/run/summary.schema.json``, shipped with the package)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

# Shipped inside the package, so the path does not depend on where the package is installed.
SCHEMA_PATH = Path(__file__).resolve().with_name("summary.schema.json")


class SummaryInvalid(ValueError):
    """summary.json does not match its schema; the message gives the path of the first problem."""


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_summary(summary: dict[str, Any]) -> None:
    """Raise :class:`SummaryInvalid` unless ``summary`` matches the schema (formats such as dates checked).

    Examples
    --------
    >>> validate_summary({"schema_version": 1})
    Traceback (most recent call last):
    ...
    campaignlab.run.summary.SummaryInvalid: at (top level): 'campaign' is a required property
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(summary), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise SummaryInvalid(f"at {where}: {first.message}")
