"""Tags; Response history: part of :mod:`campaignlab.stats.segmentation`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from campaignlab.formatting import require_columns
from campaignlab.stats.segmentation.snapshot import _as_table, _as_timestamp, _customer_ids, _id_values


class TagDimensions(NamedTuple):
    """Result of :func:`compute_tag_dimensions`."""

    #: ``customer_id`` plus one text column per dimension, missing values as ``"unknown"``.
    wide: pd.DataFrame
    #: ``dimension``, ``value``, ``customers``, ``share``; ``unknown`` always listed.
    counts: pd.DataFrame


def _is_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return bool(
        isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)
    )


def compute_tag_dimensions(
    customers: pd.DataFrame,
    *,
    exclude: Sequence[str] = ("customer_id", "signup_date"),
    unknown: str = "unknown",
) -> TagDimensions:
    """Turn every text attribute of the customer table into a segment dimension.

    Text columns (string, object or categorical dtype) other than ``exclude`` become
    dimensions; numeric, boolean and date columns are ignored. Missing values and
    blank strings become the explicit value ``unknown`` so they are counted, not lost;
    other values are stripped of surrounding spaces.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id`` plus any attribute columns.
    exclude : sequence of str
        Columns that are never dimensions.
    unknown : str
        Label for missing values.

    Returns
    -------
    TagDimensions
        ``wide``: one row per customer (sorted), ``customer_id`` and the dimensions.
        ``counts``: one row per (dimension, value) with ``customers`` and ``share``,
        sorted by dimension and descending count; ``unknown`` is listed for every
        dimension, with 0 when nothing is missing. A table without text attributes
        gives a ``wide`` of ids only and an empty ``counts``.

    Examples
    --------
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                           "region": ["north", None, "north"], "age": [30, 40, 50]})
    >>> dims = compute_tag_dimensions(customers)
    >>> dims.wide["region"].tolist()
    ['north', 'unknown', 'north']
    >>> dims.counts[["dimension", "value", "customers"]].values.tolist()
    [['region', 'north', 2], ['region', 'unknown', 1]]
    """
    require_columns(customers.columns, ["customer_id"], "customers")
    wide = customers.copy()
    wide["customer_id"] = _id_values(wide["customer_id"])
    if wide["customer_id"].duplicated().any():
        raise ValueError("customers has duplicate customer_id rows")
    dims = [c for c in wide.columns if c not in exclude and _is_text(wide[c])]
    out = pd.DataFrame({"customer_id": wide["customer_id"]})
    for col in dims:
        text = wide[col].astype(object).astype("str").str.strip()  # vectorized: a million customers in a second
        out[col] = text.mask(wide[col].isna().to_numpy() | (text == "").to_numpy(), unknown)
    out = out.sort_values("customer_id", kind="mergesort").reset_index(drop=True)

    rows = []
    n = len(out)
    for col in dims:
        counts = out[col].value_counts()
        if unknown not in counts.index:
            counts.loc[unknown] = 0
        for value, count in counts.items():
            rows.append({"dimension": col, "value": value, "customers": int(count)})
    counts_df = pd.DataFrame(rows, columns=["dimension", "value", "customers"])
    counts_df["customers"] = counts_df["customers"].astype("int64")
    counts_df["share"] = counts_df["customers"] / n if n else np.nan
    counts_df = counts_df.sort_values(
        ["dimension", "customers", "value"], ascending=[True, False, True], kind="mergesort"
    ).reset_index(drop=True)
    return TagDimensions(wide=out, counts=counts_df)





def compute_response_history(
    events: ir.Table | pd.DataFrame,
    customers: pd.Series | pd.DataFrame | pd.Index | Iterable[str],
    *,
    as_of: Any,
    response_events: Sequence[str] = ("redeemed",),
) -> pd.DataFrame:
    """Whether each customer responded to, or was only contacted by, earlier campaigns.

    Only events strictly before ``as_of`` count. Any event is a contact; an event whose
    ``event`` is in ``response_events`` is a response. Events of ids absent from
    ``customers`` are ignored: the customer table is the universe.

    Parameters
    ----------
    events : ibis.Table or pandas.DataFrame
        ``campaign_id``, ``customer_id``, ``event``, ``ts``.
    customers : DataFrame, Series or sequence
        Every customer id.
    as_of : date-like
        Only events with ``ts < as_of`` count.
    response_events : sequence of str
        Event names that count as a response.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``response_history`` (``responded_before``,
        ``contacted_not_responded`` or ``never_contacted``), ``campaigns_contacted``
        and ``campaigns_responded`` (distinct campaigns), sorted by ``customer_id``.

    Examples
    --------
    >>> events = pd.DataFrame({"campaign_id": ["c1", "c1", "c1", "c2"],
    ...                        "customer_id": ["a", "a", "b", "c"],
    ...                        "event": ["sent", "redeemed", "sent", "sent"],
    ...                        "ts": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-01",
    ...                                              "2024-03-01"])})
    >>> compute_response_history(events, ["a", "b", "c"], as_of="2024-02-01")[
    ...     "response_history"].tolist()
    ['responded_before', 'contacted_not_responded', 'never_contacted']
    """
    as_of_ts = _as_timestamp(as_of)
    t = _as_table(events)
    require_columns(t.columns, ["campaign_id", "customer_id", "event", "ts"], "events")
    responses = list(response_events)
    if not responses:
        raise ValueError("response_events must name at least one event")
    ts = t.ts.cast("timestamp") if t.ts.type().is_date() else t.ts
    before = t.mutate(ts=ts).filter(lambda x: x.ts < ibis.literal(as_of_ts.to_pydatetime(), type="timestamp"))
    per_customer = before.group_by(before.customer_id.cast("string").name("customer_id")).aggregate(
        campaigns_contacted=before.campaign_id.nunique(),
        campaigns_responded=before.campaign_id.nunique(where=before.event.isin(responses)),
    )
    agg = per_customer.to_pandas()
    agg["customer_id"] = agg["customer_id"].astype(str)
    universe = _customer_ids(customers).astype(str)
    # Each contacted customer's row by position (ids absent from the universe are ignored): a join of a million
    # text ids would cost a second; the contacted customers are usually far fewer.
    at = universe.get_indexer(agg["customer_id"])
    known = at >= 0
    out = pd.DataFrame({"customer_id": universe})
    for col in ("campaigns_contacted", "campaigns_responded"):
        counts = np.zeros(len(universe), dtype="int64")
        counts[at[known]] = agg[col].to_numpy(dtype="int64")[known]
        out[col] = counts
    out["response_history"] = np.select(
        [out["campaigns_responded"] > 0, out["campaigns_contacted"] > 0],
        ["responded_before", "contacted_not_responded"],
        default="never_contacted",
    )
    out["response_history"] = out["response_history"].astype("str")
    return out[["customer_id", "response_history", "campaigns_contacted", "campaigns_responded"]]


