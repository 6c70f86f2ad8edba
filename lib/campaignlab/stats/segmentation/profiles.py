"""Migration and profiles: part of :mod:`campaignlab.stats.segmentation`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from campaignlab.formatting import require_columns
from campaignlab.stats.segmentation.snapshot import _id_values


def compute_migration(
    before: pd.Series,
    after: pd.Series,
    order: Sequence[str] | None = None,
    *,
    absent: str = "absent",
) -> pd.DataFrame:
    """Count customers moving between segments from one snapshot to the next.

    Parameters
    ----------
    before, after : pandas.Series
        Segment per customer, indexed by customer id.
    order : sequence of str, optional
        Category order. Every category appears as a row and a column even with no
        customers; a label not in ``order`` raises (catches misspelt segments).
        Default: sorted labels.
    absent : str
        Label for customers present in only one of the two series (new or gone);
        added last, only when needed.

    Returns
    -------
    pandas.DataFrame
        Square count matrix (``int64``): rows ``before``, columns ``after``.

    Examples
    --------
    >>> before = pd.Series({"a": "low", "b": "low", "c": "high"})
    >>> after = pd.Series({"a": "high", "b": "low", "d": "low"})
    >>> m = compute_migration(before, after, order=["high", "mid", "low"])
    >>> m.index.tolist() == m.columns.tolist() == ["high", "mid", "low", "absent"]
    True
    >>> m.to_numpy().tolist()  # rows before, columns after
    [[0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 1, 0]]
    """
    b_ids, a_ids = _id_values(before.index), _id_values(after.index)
    if b_ids.has_duplicates or a_ids.has_duplicates:
        raise ValueError("before and after must have one row per customer id")
    b, a = pd.Series(before.array, index=b_ids), pd.Series(after.array, index=a_ids)
    if not b_ids.equals(a_ids):  # the same customers in the same order (the usual case): nothing to align
        ids = b_ids.union(a_ids)
        b, a = b.reindex(ids), a.reindex(ids)
    # Each side's labels as codes into its few distinct labels (a missing label is -1, then ``absent``): factorizing
    # keeps the labels in their own (Arrow or categorical) storage, where a Python object per customer cost seconds
    # at a million customers.
    (codes_b, labels_b), (codes_a, labels_a) = (pd.factorize(side) for side in (b, a))
    labels_b, labels_a = ([str(x) for x in labels] + [absent] for labels in (labels_b, labels_a))
    seen = {labels_b[c] for c in np.unique(codes_b)} | {labels_a[c] for c in np.unique(codes_a)}
    if order is None:
        categories = sorted(seen - {absent})
    else:
        categories = list(order)
        unknown = sorted(seen - set(categories) - {absent})
        if unknown:
            raise ValueError(f"segments {unknown} are not in order {categories}")
    if absent in seen and absent not in categories:
        categories.append(absent)
    # Counts of (before, after) pairs by their category codes: one bincount, where pd.crosstab groups a million rows.
    k = len(categories)
    position = {label: i for i, label in enumerate(categories)}
    codes_b = np.array([position.get(x, -1) for x in labels_b], dtype=np.int64)[codes_b]
    codes_a = np.array([position.get(x, -1) for x in labels_a], dtype=np.int64)[codes_a]
    counts = np.bincount(codes_b * k + codes_a, minlength=k * k).reshape(k, k)
    matrix = pd.DataFrame(counts.astype("int64"), index=pd.Index(categories), columns=pd.Index(categories))
    matrix.index.name = "before"
    matrix.columns.name = "after"
    return matrix


def compute_segment_profile(
    segments: pd.DataFrame,
    dimension: str,
    *,
    order: Sequence[str] | None = None,
    revenue: str = "monetary",
    recency: str = "recency_days",
    frequency: str = "frequency",
    expected_value: str = "expected_value",
) -> pd.DataFrame:
    """Size, revenue share and mean behaviour of each segment of one dimension.

    Missing spend and frequency count as 0 (customers without orders spent nothing);
    missing recency is left out of the mean (it is undefined without an order).

    Parameters
    ----------
    segments : pandas.DataFrame
        One row per customer with ``dimension`` and the measure columns.
    dimension : str
        Column to group by (e.g. ``"segment"``, ``"value_tier"``, ``"lifecycle"``).
    order : sequence of str, optional
        Row order; segments in ``order`` without customers get a row of zeros.
        Default: by descending customer count.
    revenue, recency, frequency, expected_value : str
        Measure columns; ``mean_expected_value`` is added only when
        ``expected_value`` is a column of ``segments``.

    Returns
    -------
    pandas.DataFrame
        ``dimension``, ``customers``, ``share``, ``revenue``, ``revenue_share``,
        ``mean_recency_days``, ``mean_frequency``, ``mean_spend`` and, if present,
        ``mean_expected_value``.

    Examples
    --------
    >>> df = pd.DataFrame({"segment": ["a", "a", "b", "c"], "monetary": [10.0, 30.0, 60.0, None],
    ...                    "recency_days": [1, 3, 10, None], "frequency": [1, 3, 2, None]})
    >>> compute_segment_profile(df, "segment")[["segment", "customers", "revenue_share",
    ...                                         "mean_recency_days", "mean_spend"]].values.tolist()
    [['a', 2, 0.4, 2.0, 20.0], ['b', 1, 0.6, 10.0, 60.0], ['c', 1, 0.0, nan, 0.0]]
    """
    require_columns(segments.columns, [dimension, revenue, recency, frequency], "segments")
    df = segments.copy()
    df[revenue] = pd.to_numeric(df[revenue]).astype("float64").fillna(0.0)
    df[frequency] = pd.to_numeric(df[frequency]).astype("float64").fillna(0.0)
    df[recency] = pd.to_numeric(df[recency]).astype("float64")
    aggs: dict[str, tuple[str, str]] = {
        "customers": (dimension, "size"),
        "revenue": (revenue, "sum"),
        "mean_recency_days": (recency, "mean"),
        "mean_frequency": (frequency, "mean"),
        "mean_spend": (revenue, "mean"),
    }
    if expected_value in df.columns:
        aggs["mean_expected_value"] = (expected_value, "mean")
    profile = df.groupby(dimension, sort=False, observed=True).agg(**aggs)
    if order is None:
        profile = profile.sort_values("customers", ascending=False, kind="mergesort")
    else:
        extra = [k for k in profile.index if k not in set(order)]
        if extra:
            raise ValueError(f"{dimension} values {sorted(map(str, extra))} are not in order {list(order)}")
        profile = profile.reindex(list(order))
        profile["customers"] = profile["customers"].fillna(0)
        profile["revenue"] = profile["revenue"].fillna(0.0)
    profile["customers"] = profile["customers"].astype("int64")
    total_customers = profile["customers"].sum()
    total_revenue = profile["revenue"].sum()
    profile["share"] = profile["customers"] / total_customers if total_customers else np.nan
    profile["revenue_share"] = profile["revenue"] / total_revenue if total_revenue else np.nan
    columns = ["customers", "share", "revenue", "revenue_share", "mean_recency_days", "mean_frequency", "mean_spend"]
    if "mean_expected_value" in profile.columns:
        columns.append("mean_expected_value")
    profile.index.name = dimension
    return profile[columns].reset_index()


