"""The canonical data model every data source is read into, and its validation.

Tables (one file each, Parquet or CSV, in a folder):

==============  =======================================  ==========================================================
table           required columns                          optional columns
==============  =======================================  ==========================================================
customers       customer_id                              signup_date; any other column is an attribute
transactions    customer_id, order_id, ts, amount        quantity, product_id, discount, campaign_discount,
                                                         store_id, channel
campaigns       campaign_id, start_date, end_date        name, type, cost_per_contact, fixed_cost
assignments     campaign_id, customer_id, arm            assigned_at
events          campaign_id, customer_id, event, ts      value, detail (e.g. the coupon or link)
feedback        campaign_id, customer_id, ts, score      comment
campaign_products campaign_id, product_id                (optional table: the products a campaign promotes)
==============  =======================================  ==========================================================

Validation runs where the tables live (Ibis on DuckDB; pandera's Ibis backend checks types and nulls), so
transactions are never loaded into pandas. Every error names the file, the column, the first offending rows
and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt

MONEY = dt.Decimal(18, 2)
TEXT = dt.String()
TIMESTAMP = dt.Timestamp()
DATE = dt.Date()
FLOAT = dt.Float64()


@dataclass(frozen=True)
class TableSpec:
    """Columns of one canonical table: name -> Ibis type, and which ones identify a row."""

    name: str
    required: dict[str, dt.DataType]
    optional: dict[str, dt.DataType] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    required_table: bool = True
    extra_attributes: bool = False  # customers: any other column is an attribute


TABLES: dict[str, TableSpec] = {
    "customers": TableSpec(
        "customers", {"customer_id": TEXT}, {"signup_date": DATE}, key=("customer_id",), extra_attributes=True
    ),
    "transactions": TableSpec(
        "transactions",
        {"customer_id": TEXT, "order_id": TEXT, "ts": TIMESTAMP, "amount": MONEY},
        {
            "quantity": FLOAT,
            "product_id": TEXT,
            "discount": MONEY,
            "campaign_discount": MONEY,
            "store_id": TEXT,
            "channel": TEXT,
        },
    ),
    "campaigns": TableSpec(
        "campaigns",
        {"campaign_id": TEXT, "start_date": DATE, "end_date": DATE},
        {"name": TEXT, "type": TEXT, "cost_per_contact": FLOAT, "fixed_cost": FLOAT},
        key=("campaign_id",),
    ),
    "assignments": TableSpec(
        "assignments",
        {"campaign_id": TEXT, "customer_id": TEXT, "arm": TEXT},
        {"assigned_at": TIMESTAMP},
        key=("campaign_id", "customer_id"),
    ),
    "events": TableSpec(
        "events",
        {"campaign_id": TEXT, "customer_id": TEXT, "event": TEXT, "ts": TIMESTAMP},
        {"value": FLOAT, "detail": TEXT},
        required_table=False,
    ),
    "campaign_products": TableSpec(
        "campaign_products", {"campaign_id": TEXT, "product_id": TEXT}, required_table=False
    ),
    "feedback": TableSpec(
        "feedback",
        {"campaign_id": TEXT, "customer_id": TEXT, "ts": TIMESTAMP, "score": FLOAT},
        {"comment": TEXT},
        required_table=False,
    ),
}


class DataValidationError(ValueError):
    """Input data does not fit the canonical model; the message says where and what to do."""


def _sample(rows: ibis.Table, limit: int = 5) -> str:
    frame = rows.limit(limit).to_pandas()
    return frame.to_string(index=False, max_colwidth=40)


@ibis.udf.scalar.builtin(name="timezone", signature=((dt.String(), dt.Timestamp(timezone="UTC")), dt.Timestamp()))
def _local_time(zone, ts):
    """DuckDB's ``timezone(zone, t)``: the wall-clock time in ``zone`` of an instant (Ibis has no such operation)."""


def coerce_table(raw: ibis.Table, spec: TableSpec, source: str, *, decimal_comma: bool = False,
                 zones: dict[str, str] | None = None) -> ibis.Table:
    """Cast a raw table to the canonical column types, refusing values that do not parse.

    Times stored with a time zone (a Parquet column written from tz-aware pandas times) become the wall-clock time in
    that zone (``zones``, from the file's schema; UTC when it names none): the canonical times have no zone, and a
    purchase at 00:30 in Berlin belongs to that day, not to the previous day in UTC.

    Parameters
    ----------
    raw
        The table as read (CSV files are read as text).
    spec
        The canonical table it must become.
    source
        File name used in error messages.
    decimal_comma
        Numbers in text columns use ``,`` as the decimal mark and ``.`` for thousands (params
        ``cleaning.decimal_comma``); otherwise a decimal comma is refused with that hint.
    zones
        Time zone of each column stored with one (:func:`campaignlab.data.sources.time_zones`).

    Returns
    -------
    ibis.Table
        Required and present optional columns in canonical types, then (customers only) the attributes: text
        stays text, numbers become floats.

    Raises
    ------
    DataValidationError
        A required column is missing, or a value cannot be read as its column's type.
    """
    present = list(raw.columns)
    missing = [c for c in spec.required if c not in present]
    if missing:
        raise DataValidationError(
            f"Required column{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} missing from "
            f"{source} (found: {', '.join(present)}). Rename the columns to the canonical names in docs/data-model.md."
        )
    wanted = {**spec.required, **{k: v for k, v in spec.optional.items() if k in present}}
    exprs = {}
    for column, dtype in wanted.items():
        original = raw[column]
        if original.type() == dtype:
            exprs[column] = original
            continue
        if dtype.is_timestamp() and original.type().is_timestamp() and original.type().timezone:
            exprs[column] = _local_time((zones or {}).get(column, "UTC"), original).cast(dtype)
            continue
        if dtype.is_string():
            exprs[column] = original.cast(dtype)
            continue
        text = original.cast(TEXT) if not original.type().is_string() else original
        parsed = _parse_text(text.strip(), dtype, decimal_comma) if original.type().is_string() else (
            original.try_cast(dtype))
        bad = raw.filter(original.notnull() & parsed.isnull())
        if original.type().is_string():
            bad = raw.filter(original.notnull() & (text.strip() != "") & parsed.isnull())
        n_bad = bad.count().to_pyarrow().as_py()
        if n_bad:
            raise DataValidationError(
                f"Column '{column}' of {source} has {n_bad} value(s) that cannot be read as {dtype} "
                f"(first rows below). {_hint(bad, column, dtype, decimal_comma)}\n{_sample(bad.select(column))}"
            )
        exprs[column] = parsed
    if spec.extra_attributes:
        for column in present:
            if column in wanted:
                continue
            ctype = raw[column].type()
            exprs[column] = raw[column].cast(FLOAT) if ctype.is_numeric() else raw[column].cast(TEXT)
    return raw.select(**exprs)


def _parse_text(text: ibis.StringValue, dtype: dt.DataType, decimal_comma: bool) -> ibis.Value:
    if decimal_comma and dtype.is_numeric():
        text = text.replace(".", "").replace(",", ".")
    return text.try_cast(dtype)


def _hint(bad: ibis.Table, column: str, dtype: dt.DataType, decimal_comma: bool) -> str:
    """What to do about values that do not parse; a decimal comma gets its own advice."""
    if dtype.is_numeric() and not decimal_comma:
        comma = bad.filter(bad[column].strip().re_search(r"^[-+]?[0-9.]*[0-9],[0-9]+$")).count().to_pyarrow().as_py()
        if comma:
            return ("They look like numbers with a decimal comma (12,50): set 'cleaning.decimal_comma: true' in the "
                    "params file (docs/parameters.md), or export the file with a decimal point.")
    if dtype.is_timestamp() or dtype.is_date():
        return "Write dates as YYYY-MM-DD (times as YYYY-MM-DD HH:MM:SS), or fix or remove these rows, then run again."
    return "Fix or remove them, then run again."


def pandera_schema(spec: TableSpec, columns: list[str], *, strict_nulls: bool = True):
    """The pandera (Ibis backend) schema of a coerced table: types, and (``strict_nulls``) no nulls in required columns."""
    import pandera.ibis as pa

    cols = {}
    for name, dtype in {**spec.required, **spec.optional}.items():
        if name in columns:
            cols[name] = pa.Column(dtype, nullable=not (strict_nulls and name in spec.required))
    return pa.DataFrameSchema(cols, strict=False, name=spec.name)


def validate_table(table: ibis.Table, spec: TableSpec, source: str) -> None:
    """Check types and nulls with pandera, and key uniqueness for dimension tables.

    Null ids in transactions, events and assignments are a cleaning rule (counted and removed), not an error;
    for customers and campaigns, whose rows everything else refers to, a null or duplicate key is an error.
    """
    import pandera.errors

    strict_nulls = spec.name in {"customers", "campaigns"}
    for column in spec.key if strict_nulls else ():
        empty = table.filter(table[column].isnull())
        n_empty = empty.count().to_pyarrow().as_py()
        if n_empty:
            raise DataValidationError(
                f"Column '{column}' of {source} is empty in {n_empty} row(s) (first rows below): every row needs "
                f"one. Fill in the {column} or remove those rows.\n{_sample(empty)}")
    schema = pandera_schema(spec, list(table.columns), strict_nulls=strict_nulls)
    try:
        schema.validate(table, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        columns = sorted({str(c) for c in cases["column"].dropna().unique()}) if "column" in cases else []
        raise DataValidationError(
            f"{source} does not fit the canonical '{spec.name}' table (columns: {', '.join(columns) or '?'}):\n"
            f"{exc.message if hasattr(exc, 'message') else str(exc)[:1500]}\n"
            "See docs/data-model.md for the expected types."
        ) from None
    if spec.key:
        dupes = table.group_by(list(spec.key)).agg(n=table.count()).filter(lambda t: t.n > 1)
        n_dupes = dupes.count().to_pyarrow().as_py()
        if n_dupes and spec.name in {"customers", "campaigns"}:
            raise DataValidationError(
                f"{source}: {n_dupes} value(s) of {' + '.join(spec.key)} occur more than once; each must be unique "
                f"(first ones below). Remove the duplicate rows.\n{_sample(dupes.order_by(ibis.desc('n')))}"
            )


def validate_campaign_windows(campaigns: ibis.Table, source: str) -> None:
    """Refuse campaigns whose end date is not after their start date."""
    bad = campaigns.filter(campaigns.end_date <= campaigns.start_date)
    n_bad = bad.count().to_pyarrow().as_py()
    if n_bad:
        raise DataValidationError(
            f"{source}: {n_bad} campaign(s) end on or before they start (windows are half-open [start_date, "
            f"end_date)). Fix end_date.\n{_sample(bad.select('campaign_id', 'start_date', 'end_date'))}"
        )
