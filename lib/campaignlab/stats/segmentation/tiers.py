"""Value tiers: part of :mod:`campaignlab.stats.segmentation`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from campaignlab.params import (
    ValueTier,
    ValueTierConfig,
)
from campaignlab.stats.segmentation.snapshot import _id_values


def compute_value_tiers(
    spend: pd.Series,
    *,
    method: Literal["share", "threshold"],
    tiers: Sequence[ValueTier | dict],
) -> pd.DataFrame:
    """Assign a value tier to each customer from their spend.

    ``method="share"``: customers are ranked by spend (highest first, ties by
    ``customer_id`` ascending) and cut by cumulative share of *all* customers, the
    boundaries rounded down (with 10 customers and shares 0.2 / 0.3 / 0.5 the tiers get
    2 / 3 / 5). ``method="threshold"``: a customer gets the first tier whose
    ``min_spend`` their spend reaches (``>=``); pass annualised spend when the
    thresholds are annual.

    Customers with zero, negative or missing spend always get the lowest tier, under
    either method: with many non-buyers the top tiers are then smaller than their share.

    Parameters
    ----------
    spend : pandas.Series
        Spend per customer, indexed by customer id.
    method : {"share", "threshold"}
        How tiers are cut.
    tiers : sequence of ValueTier or dict
        Tiers from highest to lowest (see :class:`ValueTierConfig`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``spend`` and ``value_tier``, sorted by ``customer_id``.

    Examples
    --------
    >>> spend = pd.Series([900.0, 50.0, 0.0, 6000.0], index=["a", "b", "c", "d"])
    >>> compute_value_tiers(spend, method="threshold", tiers=[
    ...     {"name": "high", "min_spend": 5000}, {"name": "medium", "min_spend": 100},
    ...     {"name": "low", "min_spend": 0}])["value_tier"].tolist()
    ['medium', 'low', 'low', 'high']
    """
    cfg = ValueTierConfig(method=method, tiers=list(tiers))
    names = [t.name for t in cfg.tiers]
    ids = pd.Index(_id_values(spend.index), name="customer_id")
    if ids.duplicated().any():
        raise ValueError("spend has duplicate customer ids in its index")
    values = pd.to_numeric(pd.Series(spend.to_numpy(), index=ids), errors="raise").astype("float64")
    no_value = ~(values > 0)  # zero, negative and NaN alike
    n = len(values)
    tier_index = np.full(n, len(names) - 1, dtype="int64")
    if n and cfg.method == "share":
        frame = pd.DataFrame({"neg_spend": -values.fillna(0.0).to_numpy(), "id": ids.to_numpy()})
        order = frame.sort_values(["neg_spend", "id"], kind="mergesort").index.to_numpy()
        position = np.empty(n, dtype="int64")
        position[order] = np.arange(1, n + 1)
        bounds = np.cumsum([t.share for t in cfg.tiers]) * n
        # A tier takes the positions up to its cumulative share, rounded down; the
        # small tolerance keeps 0.2 * 10 from becoming 1.9999999.
        tier_index = np.searchsorted(np.floor(bounds + 1e-9), position, side="left")
        tier_index = np.minimum(tier_index, len(names) - 1)
    elif n:
        floors = np.array([t.min_spend for t in cfg.tiers], dtype="float64")
        v = values.fillna(0.0).to_numpy()
        reached = v[:, None] >= floors[None, :]
        tier_index = np.where(reached.any(axis=1), reached.argmax(axis=1), len(names) - 1)
    tier_index = np.where(no_value.to_numpy(), len(names) - 1, tier_index)
    out = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "spend": values.to_numpy(),
            "value_tier": pd.Series(np.asarray(names, dtype=object)[tier_index], dtype="str")
            if n
            else pd.Series(dtype="str"),
        }
    )
    return out.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


