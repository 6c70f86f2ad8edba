"""Shared text helpers: how a missing value, a number with its interval, a missing column and a write fault are said.

Every page says a missing value the same way (:data:`NOT_AVAILABLE`), every interval reads
``estimate (95% CI low to high)``, and every table that lacks a column is refused with the same sentence. The
lowest layer of the package: it imports nothing from campaignlab.
"""

from __future__ import annotations

import errno
import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["NOT_AVAILABLE", "NotAvailable", "as_number", "describe_write_fault", "escape_text", "format_ci",
           "money_format", "require_columns"]

#: What every page shows for a number that could not be computed.
NOT_AVAILABLE = "not available"


@dataclass(frozen=True)
class NotAvailable:
    """What a section returns instead of a result when the data lacks what it needs; shown as one sentence.

    Parameters
    ----------
    section : str
        The section as the reader knows it ("Lifetime value", "Migration of not-assigned customers").
    missing : str
        What is missing, in plain words.
    fix : str
        What would provide it (a parameter, more data, a holdout); empty when nothing the user can do.

    Examples
    --------
    >>> na = NotAvailable("Net promoter score", "the data has no feedback for this campaign",
    ...                   "add a feedback table (customer_id, ts, score 0-10)")
    >>> na.sentence
    'Net promoter score is not available: the data has no feedback for this campaign. To get it: add a feedback table (customer_id, ts, score 0-10).'
    >>> na.as_note()["missing"]
    'the data has no feedback for this campaign'
    """

    section: str
    missing: str
    fix: str = ""

    @property
    def sentence(self) -> str:
        return f"{self.section} is not available: {self.missing}." + (f" To get it: {self.fix}." if self.fix else "")

    def as_note(self) -> dict[str, str]:
        """The ``{section, missing, fix}`` entry for a section's notes in summary.json."""
        return asdict(self)


def as_number(value: Any) -> float:
    """A float, or NaN for None, pandas NA, text and other non-numbers.

    Examples
    --------
    >>> as_number("3.5"), as_number(None), as_number(2)
    (3.5, nan, 2.0)
    """
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def format_ci(estimate: Any, low: Any, high: Any, *, fmt: Callable[[float], str] = "{:+,.2f}".format,
              level: int = 95) -> str:
    """``estimate (95% CI low to high)`` with one number format, or :data:`NOT_AVAILABLE`.

    Parameters
    ----------
    estimate, low, high
        The estimate and its interval bounds; None or NaN bounds give ``(no interval)``.
    fmt : callable
        Formats one number (default: signed, two decimals, thousands separators).
    level : int
        Confidence level in percent, as named in the text.

    Examples
    --------
    >>> format_ci(18.047, -0.034, 36.129)
    '+18.05 (95% CI -0.03 to +36.13)'
    >>> format_ci(0.062, -0.094, 0.218, fmt=lambda v: f"{100 * v:+.1f} pts")
    '+6.2 pts (95% CI -9.4 pts to +21.8 pts)'
    >>> format_ci(None, 1, 2), format_ci(5.0, None, None, fmt="{:,.0f}".format)
    ('not available', '5 (no interval)')
    """
    est, lo, hi = as_number(estimate), as_number(low), as_number(high)
    if math.isnan(est):
        return NOT_AVAILABLE
    if math.isnan(lo) or math.isnan(hi):
        return f"{fmt(est)} (no interval)"
    return f"{fmt(est)} ({level}% CI {fmt(lo)} to {fmt(hi)})"


# Markdown that data text must not start: emphasis, code spans, links and images, headings, tables, strikethrough,
# HTML. An underscore inside a word (at_risk, tag_region) cannot open emphasis, so it is left as it is.
_MARKDOWN_CONTROL = re.compile(r"[\\`*\[\]#|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def escape_text(value: Any) -> str:
    """Text from the data (a campaign title, an arm, a segment, an attribute value), safe inside a markdown sentence.

    Markdown passes raw HTML through, so a name like ``<script>`` would run in the exported page. Markdown control
    characters get a backslash, then HTML special characters become entities; line breaks become spaces so a
    name cannot start a block of its own. The page shows the text exactly as it is in the data.

    Examples
    --------
    >>> escape_text("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> escape_text("at_risk"), escape_text("*bold* [link](x)"), escape_text(42)
    ('at_risk', '\\\\*bold\\\\* \\\\[link\\\\](x)', '42')
    """
    text = " ".join(str(value).splitlines())
    return html.escape(_MARKDOWN_CONTROL.sub(lambda m: "\\" + m.group(0), text), quote=False)


def money_format(currency: str | None, decimals: int = 0, *, signed: bool = False) -> Callable[[float], str]:
    """A number format for money: thousands separators, ``decimals`` places, the currency (if any) in front.

    Examples
    --------
    >>> money_format("EUR")(-1234.5), money_format(None, 2, signed=True)(3.0)
    ('EUR -1,234', '+3.00')
    """
    spec = f"{{:{'+' if signed else ''},.{decimals}f}}"
    prefix = f"{currency} " if currency else ""
    return lambda v: prefix + spec.format(v)


def money_change_format(currency: str | None) -> Callable[[float], str]:
    """How every page writes a change in money (incremental revenue, a total or an interval end): whole currency
    units with a sign, so the review, 03, the portfolio and the index show the same figure the same way.

    Examples
    --------
    >>> money_change_format("EUR")(18992.8), money_change_format(None)(-21436.94)
    ('EUR +18,993', '-21,437')
    """
    return money_format(currency, 0, signed=True)


def id_values(ids: Any) -> Any:
    """Customer ids (a pandas Series or Index) as text; integer ids are kept as they are.

    Ids are text everywhere they are stored. In memory, a caller may pass integer keys instead (the segment step
    codes each id by its position among the sorted ids, so the keys sort as the ids do): joins, unions and sorts
    on integers cost a fraction of those on a million strings. The segmentation and lifetime-value functions treat
    both alike.

    Examples
    --------
    >>> import pandas as pd
    >>> id_values(pd.Series([3, 1])).tolist(), id_values(pd.Series(["a", 2], dtype=object)).tolist()
    ([3, 1], ['a', '2'])
    """
    return ids if getattr(ids.dtype, "kind", "") in ("i", "u") else ids.astype(str)


def require_columns(columns: Iterable[Any], required: Sequence[str], what: str) -> None:
    """Refuse a table that lacks a required column, naming the column, the table and what it has.

    Parameters
    ----------
    columns
        The table's column names (``df.columns`` of a pandas DataFrame or an Ibis table).
    required
        Columns the caller needs.
    what
        The table as the user knows it (a file name, "summary", "the customer table").

    Examples
    --------
    >>> require_columns(["customer_id", "ts"], ["customer_id", "order_id"], "transactions")
    Traceback (most recent call last):
    ...
    ValueError: Required column 'order_id' missing from transactions (found: customer_id, ts)
    """
    found = [str(c) for c in columns]
    missing = [c for c in required if c not in found]
    if missing:
        raise ValueError(f"Required column {missing[0]!r} missing from {what} (found: {', '.join(found) or 'no columns'})")


#: Errors that stop every write to a folder, and what a person does about each.
WRITE_FAULTS = {
    errno.EROFS: ("the file system is read-only", "Make the folder writable"),
    errno.ENOSPC: ("the disk is full", "Free space there (old runs in _history/ and _failed/ can go)"),
    errno.EDQUOT: ("the disk quota is used up", "Free space there (old runs in _history/ and _failed/ can go)"),
    errno.EACCES: ("permission denied", "Make the folder writable for this user"),
    errno.EPERM: ("permission denied", "Make the folder writable for this user"),
}


def describe_write_fault(exc: OSError, folder: str | Path) -> str | None:
    """A message naming the folder and what to do when ``exc`` stops writing there; None for other errors.

    Examples
    --------
    >>> describe_write_fault(OSError(errno.ENOSPC, "No space left on device"), "outputs")  # doctest: +ELLIPSIS
    'Cannot write to outputs: the disk is full. Free space there (...), or write the reports elsewhere with ...'
    >>> describe_write_fault(FileNotFoundError(errno.ENOENT, "gone"), "outputs") is None
    True
    """
    if exc.errno not in WRITE_FAULTS:
        return None
    why, fix = WRITE_FAULTS[exc.errno]
    where = f"{folder} ({exc.filename})" if exc.filename and str(exc.filename) != str(folder) else f"{folder}"
    return (f"Cannot write to {where}: {why}. {fix}, or write the reports elsewhere with "
            "`campaignlab run --outputs <folder>`.")
