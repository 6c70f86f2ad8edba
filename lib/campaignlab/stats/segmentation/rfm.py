"""RFM: part of :mod:`campaignlab.stats.segmentation`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from campaignlab.formatting import require_columns
from campaignlab.params import (
    NO_PURCHASE,
    RfmRule,
    validate_rfm_rules,
)
from campaignlab.stats.segmentation.snapshot import _customer_ids, _id_values


def _quintile_scores(values: pd.Series, *, higher_is_better: bool) -> np.ndarray:
    """Scores 1-5: ``1 + floor(5 * (rank - 1) / n)``, rank 1 the worst, tied values sharing their lowest rank."""
    key = values.astype("float64")
    # method="min": equal values share the lowest rank of their run, so a tie never straddles a quintile boundary
    # (and never depends on customer ids or row order).
    rank = (key if higher_is_better else -key).rank(method="min").to_numpy(dtype="int64")
    return 1 + (5 * (rank - 1)) // len(rank)


def compute_rfm_scores(
    snapshot: pd.DataFrame,
    customers: pd.Series | pd.DataFrame | pd.Index | Iterable[str],
) -> pd.DataFrame:
    """Recency, frequency and monetary scores 1-5 by quintile [1]_.

    Scores are computed among the ``n`` customers who ordered in the look-back window:
    each value is ranked from worst to best (``rank = 1..n``) and scores
    ``1 + floor(5 * (rank - 1) / n)``, so without ties the best 20% score 5 (exact
    quintiles when ``n`` is a multiple of 5). 5 means most recent (smallest
    ``recency_days``), most frequent, highest spend. **Ties share a score**: equal
    values take the lowest rank of their run (``pandas.Series.rank(method="min")``), so
    every single-purchase customer gets the same frequency score (1 when they are the
    least frequent) instead of being spread over several scores by customer id.
    A consequence: when many customers share the worst value, the higher scores hold
    fewer than 20% each, and a lone customer (or a column where everyone ties) scores 1.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        Output of :func:`compute_customer_snapshot` (``customer_id``,
        ``recency_days``, ``frequency``, ``monetary``).
    customers : Series, DataFrame or sequence
        Every customer id (a DataFrame's ``customer_id`` column). Customers in the
        snapshot but missing here are kept: an order makes them customers.

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by ``customer_id``: ``customer_id``,
        ``recency_days``, ``frequency``, ``monetary``, ``r_score``, ``f_score``,
        ``m_score`` (nullable ``Int64``) and ``rfm_cell`` (e.g. ``"545"``).
        Customers without an order in the window have missing scores (they get the
        segment ``no_purchase`` from :func:`compute_rfm_segments`).

    Examples
    --------
    >>> snap = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
    ...                      "recency_days": [1, 10, 20, 30, 40],
    ...                      "frequency": [5, 4, 3, 2, 1],
    ...                      "monetary": [50.0, 40.0, 30.0, 20.0, 10.0]})
    >>> scores = compute_rfm_scores(snap, ["a", "b", "c", "d", "e", "f"])
    >>> scores["rfm_cell"].tolist()
    ['555', '444', '333', '222', '111', <NA>]

    Tied values share a score: the three single-purchase customers all score F = 1.

    >>> snap["frequency"] = [4, 2, 1, 1, 1]
    >>> compute_rfm_scores(snap, snap["customer_id"])["f_score"].tolist()
    [5, 4, 1, 1, 1]
    """
    require_columns(snapshot.columns, ["customer_id", "recency_days", "frequency", "monetary"], "snapshot")
    purchasers = snapshot[["customer_id", "recency_days", "frequency", "monetary"]].copy()
    purchasers["customer_id"] = _id_values(purchasers["customer_id"])
    if purchasers["customer_id"].duplicated().any():
        raise ValueError("snapshot has duplicate customer_id rows: expected one row per customer")
    if len(purchasers):
        purchasers["r_score"] = _quintile_scores(purchasers["recency_days"], higher_is_better=False)
        purchasers["f_score"] = _quintile_scores(purchasers["frequency"], higher_is_better=True)
        purchasers["m_score"] = _quintile_scores(purchasers["monetary"], higher_is_better=True)
    else:
        for col in ("r_score", "f_score", "m_score"):
            purchasers[col] = pd.Series(dtype="int64")

    universe = _customer_ids(customers).union(pd.Index(purchasers["customer_id"], name="customer_id"))
    out = (
        pd.DataFrame({"customer_id": _id_values(universe)})
        .merge(purchasers, on="customer_id", how="left")
        .sort_values("customer_id", kind="mergesort")
        .reset_index(drop=True)
    )
    for col in ("r_score", "f_score", "m_score"):
        out[col] = out[col].astype("Int64")
    cell = out["r_score"].astype("string") + out["f_score"].astype("string") + out["m_score"].astype("string")
    out["rfm_cell"] = cell
    return out


def compute_rfm_segments(scores: pd.DataFrame, rules: Sequence[RfmRule | dict]) -> pd.DataFrame:
    """Name each customer's segment from the recency and frequency scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`compute_rfm_scores` (``r_score``, ``f_score``).
    rules : sequence of RfmRule or dict
        The rule table (checked with :func:`validate_rfm_rules`).

    Returns
    -------
    pandas.DataFrame
        ``scores`` with a ``segment`` column: the rule's name, or ``no_purchase``
        where the scores are missing.

    Examples
    --------
    >>> scores = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                        "r_score": pd.array([5, 1, None], dtype="Int64"),
    ...                        "f_score": pd.array([5, 2, None], dtype="Int64")})
    >>> rules = [{"name": "recent", "r": [3, 5], "f": [1, 5]},
    ...          {"name": "lapsed", "r": [1, 2], "f": [1, 5]}]
    >>> compute_rfm_segments(scores, rules)["segment"].tolist()
    ['recent', 'lapsed', 'no_purchase']
    """
    parsed = validate_rfm_rules(rules)
    require_columns(scores.columns, ["r_score", "f_score"], "scores")
    lookup = {
        (r, f): rule.name
        for rule in parsed
        for r in range(rule.r[0], rule.r[1] + 1)
        for f in range(rule.f[0], rule.f[1] + 1)
    }
    out = scores.copy()
    r_vals = out["r_score"].astype("Int64")
    f_vals = out["f_score"].astype("Int64")
    missing = (r_vals.isna() | f_vals.isna()).to_numpy()
    # The rule table as a 6 x 6 grid of names (scores 1 to 5; row and column 0 for a missing score), indexed by the
    # scores: one lookup for a million customers instead of a Python loop over them.
    grid = np.full((6, 6), NO_PURCHASE, dtype=object)
    for (r, f), name in lookup.items():
        grid[r, f] = name
    r_idx = r_vals.fillna(0).to_numpy(dtype=np.int64)
    f_idx = f_vals.fillna(0).to_numpy(dtype=np.int64)
    segment = np.where(missing, NO_PURCHASE, grid[r_idx, f_idx])
    out["segment"] = pd.Series(segment, index=out.index, dtype="str")
    return out


