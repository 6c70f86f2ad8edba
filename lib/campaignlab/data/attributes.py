"""Customer attributes as users have them: numbers read as numbers, and text with a bounded number of levels.

CSV files are read as text (every column ``VARCHAR``), so an exported "last year's spend" column arrives as text
with thousands of distinct values; as text it would become thousands of dummy covariates and segment tags. Here a
column is numeric when at least :data:`NUMERIC_SHARE` of its non-empty values parse as numbers, and a text column
keeps its :data:`MAX_LEVELS` most frequent levels, the rest lumped as :data:`OTHER`. Every change is said in a note.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from campaignlab.formatting import escape_text

__all__ = ["MAX_LEVELS", "NUMERIC_SHARE", "OTHER", "prepare_attributes"]

NUMERIC_SHARE = 0.95
MAX_LEVELS = 20
OTHER = "other"
#: Columns of the customers table that are not attributes.
NOT_ATTRIBUTES = ("customer_id", "signup_date")


def _is_text(table: ir.Table, column: str) -> bool:
    return table[column].type().is_string()


def prepare_attributes(customers: ir.Table, *, numeric_share: float = NUMERIC_SHARE,
                       max_levels: int = MAX_LEVELS) -> tuple[ir.Table, list[str]]:
    """Cast numeric-looking text attributes to numbers and lump rare levels of text attributes.

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
    changes, notes = {}, []
    for c in attrs:
        filled, numbers, levels = (int(stats[f"{c}__{k}"] or 0) for k in ("filled", "numbers", "levels"))
        if filled and numbers >= numeric_share * filled:
            changes[c] = customers[c].strip().try_cast("float64")
            notes.append(f"Attribute '{escape_text(c)}' is read as a number ({numbers:,} of {filled:,} non-empty values are "
                         "numbers).")
        elif levels > max_levels:
            present = customers.filter(customers[c].notnull())
            top = (present.group_by(c).agg(n=present.count())
                   .order_by([ibis.desc("n"), c]).limit(max_levels)[c].to_pyarrow().to_pylist())
            changes[c] = ibis.cases((customers[c].isin(top), customers[c]),
                                    (customers[c].isnull(), customers[c]), else_=ibis.literal(OTHER))
            notes.append(f"Attribute '{escape_text(c)}' has {levels:,} distinct values: its {max_levels} most frequent are kept "
                         f"as covariates and segments, the others are grouped as '{OTHER}'.")
    return (customers.mutate(**changes) if changes else customers), notes
