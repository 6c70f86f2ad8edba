"""Customer attributes as users have them: numbers read as numbers, and text with a bounded number of levels.

CSV files are read as text (every column ``VARCHAR``), so an exported "last year's spend" column arrives as text
with thousands of distinct values; as text it would become thousands of dummy covariates and segment tags. Here a
column is numeric when at least :data:`NUMERIC_SHARE` of its non-empty values parse as numbers, and a text column
keeps its :data:`MAX_LEVELS` most frequent levels, the rest lumped as :data:`OTHER`. A text column with a different
value for almost every customer (at least :data:`IDENTIFIER_SHARE` of them: an e-mail address, a phone number, a CRM
key) identifies customers rather than describing them: it is left out, so that no segment, covariate or exported
table carries it. Infinite numbers (a division by zero in an export) are read as missing. Every change is said in a
note.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from campaignlab.formatting import escape_text

__all__ = ["IDENTIFIER_SHARE", "MAX_LEVELS", "NUMERIC_SHARE", "OTHER", "prepare_attributes"]

NUMERIC_SHARE = 0.95
MAX_LEVELS = 20
IDENTIFIER_SHARE = 0.9
OTHER = "other"
#: Columns of the customers table that are not attributes.
NOT_ATTRIBUTES = ("customer_id", "signup_date")


def _is_text(table: ir.Table, column: str) -> bool:
    return table[column].type().is_string()


def prepare_attributes(customers: ir.Table, *, numeric_share: float = NUMERIC_SHARE,
                       max_levels: int = MAX_LEVELS) -> tuple[ir.Table, list[str]]:
    """Cast numeric-looking text attributes to numbers, lump rare levels of text attributes, leave out identifiers
    and read infinite numbers as missing.

    Parameters
    ----------
    customers : ibis.Table
        The customers table; every column but ``customer_id`` and ``signup_date`` is an attribute.
    numeric_share : float
        Share of non-empty values that must parse as numbers for a text column to become numeric (values that
        do not parse become missing).
    max_levels : int
        Text levels kept; the rest become ``"other"``.

    Returns
    -------
    (ibis.Table, list of str)
        The table (lazy) and one note per column changed.

    Examples
    --------
    >>> import pandas as pd
    >>> t = ibis.memtable(pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "spend": ["10", "2.5", "", "7"],
    ...                                 "zip": ["1", "x", "y", "z"], "band": ["lo", "hi", "hi", "mid"]}))
    >>> out, notes = prepare_attributes(t, max_levels=2)
    >>> out.to_pandas()["spend"].tolist(), out.to_pandas()["band"].tolist()
    ([10.0, 2.5, nan, 7.0], ['lo', 'hi', 'hi', 'other'])
    >>> notes[0]
    "Attribute 'spend' is read as a number (3 of 3 non-empty values are numbers)."
    """
    customers, notes = _prepare_text(customers, numeric_share, max_levels)
    customers, infinite = _infinite_as_missing(customers)
    return customers, notes + infinite


def _prepare_text(customers: ir.Table, numeric_share: float, max_levels: int) -> tuple[ir.Table, list[str]]:
    attrs = [c for c in customers.columns if c not in NOT_ATTRIBUTES and _is_text(customers, c)]
    if not attrs:
        return customers, []
    stats = customers.aggregate(**{
        agg: expr for c in attrs for agg, expr in (
            (f"{c}__filled", (customers[c].strip().length() > 0).sum()),
            (f"{c}__numbers", customers[c].strip().try_cast("float64").notnull().sum()),
            (f"{c}__levels", customers[c].nunique()),
        )
    }).to_pyarrow().to_pylist()[0]
    changes, notes, identifiers = {}, [], []
    for c in attrs:
        filled, numbers, levels = (int(stats[f"{c}__{k}"] or 0) for k in ("filled", "numbers", "levels"))
        if filled and numbers >= numeric_share * filled:
            changes[c] = customers[c].strip().try_cast("float64")
            notes.append(f"Attribute '{escape_text(c)}' is read as a number ({numbers:,} of {filled:,} non-empty values are "
                         "numbers).")
        elif levels > max_levels and levels >= IDENTIFIER_SHARE * filled:
            identifiers.append(c)
            notes.append(f"Attribute '{escape_text(c)}' is left out: it has a different value for almost every customer "
                         f"({levels:,} values for {filled:,} customers with one), so it identifies customers rather than "
                         "describing them, and no segment, covariate or table carries it.")
        elif levels > max_levels:
            present = customers.filter(customers[c].notnull())
            top = (present.group_by(c).agg(n=present.count())
                   .order_by([ibis.desc("n"), c]).limit(max_levels)[c].to_pyarrow().to_pylist())
            changes[c] = ibis.cases((customers[c].isin(top), customers[c]),
                                    (customers[c].isnull(), customers[c]), else_=ibis.literal(OTHER))
            notes.append(f"Attribute '{escape_text(c)}' has {levels:,} distinct values: its {max_levels} most frequent are kept "
                         f"as covariates and segments, the others are grouped as '{OTHER}'.")
    customers = customers.mutate(**changes) if changes else customers
    return (customers.drop(*identifiers) if identifiers else customers), notes


def _infinite_as_missing(customers: ir.Table) -> tuple[ir.Table, list[str]]:
    """Infinite values of numeric attributes become missing (no model or chart can use them), each column said."""
    numeric = [c for c in customers.columns if c not in NOT_ATTRIBUTES and customers[c].type().is_floating()]
    if not numeric:
        return customers, []
    counts = customers.aggregate(**{c: customers[c].isinf().sum() for c in numeric}).to_pyarrow().to_pylist()[0]
    infinite = {c: int(n) for c, n in counts.items() if n}
    notes = [f"Attribute '{escape_text(c)}' has {n:,} infinite value(s) (a division by zero in the export?): read as "
             "missing." for c, n in infinite.items()]
    changes = {c: ibis.ifelse(customers[c].isinf(), ibis.null("float64"), customers[c]) for c in infinite}
    return (customers.mutate(**changes) if changes else customers), notes
