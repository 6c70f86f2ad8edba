"""Documented cleaning rules, written as Ibis expressions so they run where the data lives.

Each row gets the name of the first rule it breaks (rules are applied in the order listed) or none; rows with a
rule go to the ``rejected`` table with that name, so nothing is lost, and the data-quality table counts them.

Rules, in order
---------------
transactions
    ``missing_id`` (customer_id, order_id, ts or amount is empty), ``unknown_customer`` (customer_id not in
    customers), ``out_of_range`` (ts before ``cleaning.valid_from`` or on/after ``cleaning.valid_to``),
    ``return`` (negative amount or quantity: a return or correction, not a sale), ``empty_line`` (zero amount and
    zero or missing quantity: nothing was sold), ``duplicate`` (an exact copy of an earlier row). Kept but counted:
    ``free_item`` (zero amount, positive quantity: fully discounted) and ``zero_quantity`` (positive amount,
    quantity 0: sold by weight or a fee).
assignments
    ``missing_id``, ``unknown_customer``, ``unknown_campaign``, ``two_arms`` (every row of a customer assigned to two
    different arms of the same campaign: the comparison would be contaminated, so the customer is left out of it),
    ``duplicate`` (a second row for the same campaign, customer and arm).
events, campaign_products, feedback
    ``missing_id``, ``unknown_customer``, ``unknown_campaign``, ``duplicate``; feedback also ``score_out_of_range``
    (outside 0-10).
customers, campaigns
    Null or duplicate keys are refused at validation (they are what everything else refers to), so nothing is
    removed here.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import pandas as pd

Rule = tuple[str, Callable[[ibis.Table], ibis.Value] | None]


@dataclass(frozen=True)
class CleanResult:
    """Cleaned and rejected rows per table (lazy), and the rules applied."""

    clean: dict[str, ibis.Table]
    rejected: dict[str, ibis.Table]
    rules: dict[str, list[str]]
    #: Every row once with its ``_rule`` (null when kept), for tables whose rules are all row predicates
    #: (assignments): store this once and split it, rather than evaluating the rules again for each part.
    labelled: dict[str, ibis.Table] = field(default_factory=dict)
    #: For tables whose last rule is :data:`EXACT_COPY`: every row once, labelled by the rules before it and with
    #: its hash (:func:`with_row_hash`). Store it once, then :func:`repeated_hashes`, :func:`repeated_rows` and
    #: :func:`split_copies` finish the labelling.
    before_copies: dict[str, ibis.Table] = field(default_factory=dict)


def _missing(columns: list[str]) -> Callable[[ibis.Table], ibis.Value]:
    def predicate(t: ibis.Table) -> ibis.Value:
        cond = ibis.literal(False)
        for c in columns:
            cond = cond | t[c].isnull()
            if t[c].type().is_string():
                # Blank is strip() == "" (strip removes string.whitespace). Only a value that starts with one of
                # those characters can be blank once it has any: strip just those (stripping every value of a
                # large table took most of the rules' time), the rest is blank only when empty.
                # Every such value sorts before "!" (whitespace and the empty string come first in byte order), and
                # the engine evaluates the rest of an AND only where that cheap comparison holds.
                starts_blank = t[c].ascii_str().isin([ord(ch) for ch in string.whitespace])
                cond = cond | ((t[c] < "!") & ibis.ifelse(starts_blank, t[c].strip() == "", t[c] == ""))
        return cond

    return predicate


def _not_in(column: str, reference: ibis.Table, ref_column: str) -> Callable[[ibis.Table], ibis.Value]:
    return lambda t: t[column].notin(reference[ref_column])


def _duplicate(key: list[str], order: list[str] | None = None) -> Callable[[ibis.Table], ibis.Value]:
    def predicate(t: ibis.Table) -> ibis.Value:
        rank = [t[c] for c in (order or []) if c not in key]
        window = ibis.window(group_by=[t[c] for c in key], order_by=rank or None)
        return ibis.row_number().over(window) > 0

    return predicate


#: ``duplicate`` over every column (an exact copy of an earlier row): not a row predicate but the last rule of its
#: table, applied by :func:`repeated_hashes`, :func:`repeated_rows` and :func:`split_copies` to the rows the
#: rules before it kept.
EXACT_COPY: Rule = ("duplicate", None)


def _two_arms(t: ibis.Table) -> ibis.Value:
    window = ibis.window(group_by=[t.campaign_id, t.customer_id])
    return t.arm.min().over(window) != t.arm.max().over(window)


def split_labelled(labelled: ibis.Table) -> tuple[ibis.Table, ibis.Table]:
    """The clean rows (no rule) and the rejected rows (with their ``rule``) of a labelled table."""
    clean = labelled.filter(labelled._rule.isnull()).drop("_rule")
    rejected = labelled.filter(labelled._rule.notnull()).rename(rule="_rule")
    return clean, rejected


def with_row_hash(labelled: ibis.Table) -> ibis.Table:
    """``labelled`` with ``_h``, a 64-bit hash of all the row's columns (but ``_rule``).

    Rows equal in every column (as grouping compares them: nulls equal, 0.0 equal to -0.0, NaN to NaN) have equal
    hashes; rows with equal hashes need not be equal, so the hash only picks the candidates that
    :func:`repeated_rows` then compares column by column.
    """
    columns = [c for c in labelled.columns if c != "_rule"]
    return labelled.mutate(_h=ibis.struct({c: labelled[c] for c in columns}).hash())


def repeated_hashes(labelled: ibis.Table) -> ibis.Table:
    """The hashes (``_h``) shared by more than one row that passed every rule (``_rule`` null).

    A group-by on one 64-bit column: much lighter than grouping, or numbering with a window, over every column of
    every row; the groups that have copies are few.
    """
    passing = labelled.filter(labelled._rule.isnull())
    return passing.group_by("_h").agg(_n=passing.count()).filter(lambda t: t._n > 1).select("_h")


def repeated_rows(labelled: ibis.Table, hashes: ibis.Table) -> ibis.Table:
    """The passing rows whose hash is in :func:`repeated_hashes`, each with ``_copy``: 1 for the row kept among the
    rows equal to it in every column, 2, 3, ... for its copies (a row that only shares a hash is numbered 1).

    Rows equal in every column need no order among them: which one is kept cannot be told apart (except the sign
    of a zero, or a NaN's payload, which the row keeps to the bit).
    """
    passing = labelled.filter(labelled._rule.isnull())
    rows = passing.semi_join(hashes, passing._h == hashes._h).drop("_rule", "_h")
    return rows.mutate(_copy=ibis.row_number().over(group_by=[rows[c] for c in rows.columns]) + 1)


def copy_parts(labelled: ibis.Table, hashes: ibis.Table,
               repeated: ibis.Table) -> tuple[dict[str, ibis.Table], dict[str, ibis.Table]]:
    """The parts of the clean rows (``single``: passing rows without a copy; ``first``: the kept row
    of each group of copies) and of the rejected rows (``ruled``: rows that broke an earlier rule; ``copies``: the
    other rows of each group, rule ``duplicate``) of a table whose last rule is :data:`EXACT_COPY`.
    """
    passing = labelled.filter(labelled._rule.isnull())
    clean = {"single": passing.anti_join(hashes, passing._h == hashes._h).drop("_rule", "_h"),
             "first": repeated.filter(repeated._copy == 1).drop("_copy")}
    ruled = labelled.filter(labelled._rule.notnull()).drop("_h").rename(rule="_rule")
    copies = repeated.filter(repeated._copy > 1).drop("_copy").mutate(rule=ibis.literal(EXACT_COPY[0], "string"))
    return clean, {"ruled": ruled, "copies": copies}


def split_copies(labelled: ibis.Table, hashes: ibis.Table, repeated: ibis.Table) -> tuple[ibis.Table, ibis.Table]:
    """The clean rows and the rejected rows (with their ``rule``) of a table whose last rule is :data:`EXACT_COPY`,
    from its labelled rows (:func:`with_row_hash`), their :func:`repeated_hashes` and :func:`repeated_rows`: the
    union of :func:`copy_parts`.
    """
    clean, rejected = copy_parts(labelled, hashes, repeated)
    return clean["single"].union(clean["first"]), rejected["ruled"].union(rejected["copies"])


def union_parts(parts: dict[str, ibis.Table], sizes: dict[str, int], required: list[str]) -> ibis.Table:
    """The union of the non-empty ``parts`` (of :func:`copy_parts`, or one part), with exactly the ``required``
    columns known to have no nulls (none when every part is empty).

    DuckDB's Parquet writer marks a column REQUIRED when the query's statistics prove it has no nulls, so the mark
    follows the plan. It stays as the cleaning step made it when it wrote the labelled rows to Parquet and read
    them back: REQUIRED when the file has rows and the source column has no null (``rule``: when the file has
    rows). The parts read stored tables, whose statistics know their nulls; an empty part is left out (a filter
    its statistics prove false would make every column optional), and a column that must be optional goes
    through ``CASE WHEN c IS NOT NULL THEN c END``, which keeps every value and lets the statistics allow nulls.
    """
    empty = not any(sizes[k] for k in parts)
    kept = [t for k, t in parts.items() if sizes[k]] or list(parts.values())[:1]
    schema = kept[0].schema()  # a stored table may spell a type otherwise (timestamp(6) for timestamp)
    kept = [t if t.schema() == schema else t.cast(schema) for t in kept]
    table = kept[0].union(*kept[1:]) if len(kept) > 1 else kept[0]
    optional = [c for c in table.columns if empty or c not in required]
    if not optional:
        return table
    return table.mutate(**{c: ibis.ifelse(table[c].notnull(), table[c], ibis.null(table[c].type())) for c in optional})


def _apply_rules(table: ibis.Table, rules: list[Rule]) -> ibis.Table:
    # Rules are evaluated in order and a row is labelled with the first one it breaks; the duplicate rule sees
    # only rows that passed the others, so a removed row never makes a valid one look like its copy.
    labelled = table.mutate(_rule=ibis.null("string"))
    for name, predicate in rules:
        if predicate is None:
            raise ValueError(f"rule {name} is applied by split_copies, not as a row predicate")
        if name == "duplicate":
            passing = labelled.filter(labelled._rule.isnull())
            rest = labelled.filter(labelled._rule.notnull())
            passing = passing.mutate(_rule=ibis.ifelse(predicate(passing), name, ibis.null("string")))
            labelled = passing.union(rest)
        else:
            labelled = labelled.mutate(
                _rule=ibis.coalesce(
                    labelled._rule, ibis.ifelse(predicate(labelled).fill_null(False), name, ibis.null("string"))
                )
            )
    return labelled


def _other_rules(customers: ibis.Table, campaigns: ibis.Table) -> dict[str, list[Rule]]:
    """The rules of the tables other than transactions, in order (see the module's docstring)."""
    return {
        "assignments": [
            ("missing_id", _missing(["campaign_id", "customer_id", "arm"])),
            ("unknown_customer", _not_in("customer_id", customers, "customer_id")),
            ("unknown_campaign", _not_in("campaign_id", campaigns, "campaign_id")),
            ("two_arms", _two_arms),
            ("duplicate", _duplicate(["campaign_id", "customer_id"], ["campaign_id", "customer_id", "arm"])),
        ],
        "events": [
            ("missing_id", _missing(["campaign_id", "customer_id", "event", "ts"])),
            ("unknown_customer", _not_in("customer_id", customers, "customer_id")),
            ("unknown_campaign", _not_in("campaign_id", campaigns, "campaign_id")),
            EXACT_COPY,
        ],
        "campaign_products": [
            ("missing_id", _missing(["campaign_id", "product_id"])),
            ("unknown_campaign", _not_in("campaign_id", campaigns, "campaign_id")),
            EXACT_COPY,
        ],
        "feedback": [
            ("missing_id", _missing(["campaign_id", "customer_id", "ts", "score"])),
            ("unknown_customer", _not_in("customer_id", customers, "customer_id")),
            ("unknown_campaign", _not_in("campaign_id", campaigns, "campaign_id")),
            ("score_out_of_range", lambda t: (t.score < 0) | (t.score > 10)),
            EXACT_COPY,
        ],
    }


def compute_clean_tables(
    tables: dict[str, ibis.Table],
    *,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> CleanResult:
    """Apply the cleaning rules to canonical tables.

    Parameters
    ----------
    tables
        Coerced canonical tables (see :mod:`campaignlab.data.datamodel`); customers, transactions, campaigns and
        assignments are required, events, campaign_products and feedback optional.
    valid_from, valid_to
        Optional half-open date range outside which transactions are ``out_of_range``.

    Returns
    -------
    CleanResult
        Lazy clean and rejected tables (rejected rows keep every column plus ``rule``).

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", None], "order_id": ["1", "1", "2", "3"],
    ...                    "ts": pd.to_datetime(["2024-01-01"] * 4), "amount": [1.0, 1.0, -2.0, 3.0]})
    >>> t = {"customers": ibis.memtable({"customer_id": ["a"]}), "transactions": ibis.memtable(tx),
    ...      "campaigns": ibis.memtable({"campaign_id": ["c"]}),
    ...      "assignments": ibis.memtable({"campaign_id": ["c"], "customer_id": ["a"], "arm": ["t"]})}
    >>> res = compute_clean_tables(t)
    >>> sorted(res.rejected["transactions"].to_pandas()["rule"])
    ['duplicate', 'missing_id', 'return']
    """
    customers, campaigns = tables["customers"], tables["campaigns"]
    result_clean: dict[str, ibis.Table] = {"customers": customers, "campaigns": campaigns}
    result_rejected: dict[str, ibis.Table] = {}
    result_labelled: dict[str, ibis.Table] = {}
    result_before_copies: dict[str, ibis.Table] = {}
    rules_used: dict[str, list[str]] = {"customers": [], "campaigns": []}

    tx = tables["transactions"]
    qty = tx["quantity"] if "quantity" in tx.columns else None
    tx_rules: list[Rule] = [
        ("missing_id", _missing(["customer_id", "order_id", "ts", "amount"])),
        ("unknown_customer", _not_in("customer_id", customers, "customer_id")),
    ]
    if valid_from is not None or valid_to is not None:
        lo = ibis.literal(pd.Timestamp(valid_from)) if valid_from else None
        hi = ibis.literal(pd.Timestamp(valid_to)) if valid_to else None
        tx_rules.append(
            ("out_of_range", lambda t: (t.ts < lo if lo is not None else False) | (t.ts >= hi if hi is not None else False))
        )
    if qty is not None:
        tx_rules.append(("return", lambda t: (t.amount < 0) | (t.quantity < 0)))
        tx_rules.append(("empty_line", lambda t: (t.amount == 0) & ((t.quantity == 0) | t.quantity.isnull())))
    else:
        tx_rules.append(("return", lambda t: t.amount < 0))
        tx_rules.append(("empty_line", lambda t: t.amount == 0))
    tx_rules.append(EXACT_COPY)

    other_rules = _other_rules(customers, campaigns)
    all_rules = {"transactions": tx_rules, **other_rules}
    for name, rules in all_rules.items():
        if name not in tables:
            continue
        rules_used[name] = [r for r, _ in rules]
        if rules[-1] is EXACT_COPY:
            labelled = result_before_copies[name] = with_row_hash(_apply_rules(tables[name], rules[:-1]))
            hashes = repeated_hashes(labelled)
            result_clean[name], result_rejected[name] = split_copies(labelled, hashes, repeated_rows(labelled, hashes))
        else:
            result_labelled[name] = _apply_rules(tables[name], rules)
            result_clean[name], result_rejected[name] = split_labelled(result_labelled[name])
    return CleanResult(result_clean, result_rejected, rules_used, result_labelled, result_before_copies)


def compute_kept_flags(transactions: ibis.Table) -> dict[str, ibis.Value]:
    """Conditions of rows that are kept but worth counting: ``free_item`` and ``zero_quantity``."""
    t = transactions
    if "quantity" not in t.columns:
        return {"free_item": t.amount == 0}
    return {"free_item": (t.amount == 0) & (t.quantity > 0), "zero_quantity": (t.amount > 0) & (t.quantity == 0)}


def compute_quality_table(
    rows_in: dict[str, int], rejected_counts: dict[str, dict[str, int]], rows_out: dict[str, int],
    rules: dict[str, list[str]], flagged: dict[str, dict[str, int]] | None = None,
) -> pd.DataFrame:
    """One row per table: rows in, rows removed by each rule, rows out, and rows kept but flagged.

    Examples
    --------
    >>> q = compute_quality_table({"t": 10}, {"t": {"duplicate": 2}}, {"t": 8}, {"t": ["missing_id", "duplicate"]})
    >>> q.loc[0, ["rows_in", "removed_duplicate", "removed_missing_id", "rows_out"]].tolist()
    [10, 2, 0, 8]
    """
    all_rules = sorted({r for rs in rules.values() for r in rs})
    all_flags = sorted({f for fs in (flagged or {}).values() for f in fs})
    records = []
    for table, n_in in rows_in.items():
        removed = rejected_counts.get(table, {})
        row = {"table": table, "rows_in": int(n_in)}
        row.update({f"removed_{r}": int(removed.get(r, 0)) for r in all_rules})
        row["rows_out"] = int(rows_out[table])
        row.update({f"kept_{f}": int((flagged or {}).get(table, {}).get(f, 0)) for f in all_flags})
        if row["rows_in"] != row["rows_out"] + sum(int(v) for v in removed.values()):
            raise AssertionError(f"cleaning lost rows in {table}: in {n_in}, out {rows_out[table]}, removed {removed}")
        records.append(row)
    return pd.DataFrame.from_records(records)
