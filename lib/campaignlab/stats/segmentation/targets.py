"""Target lists: part of :mod:`campaignlab.stats.segmentation`."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from campaignlab.stats.segmentation.snapshot import _customer_ids


def compute_holdout_split(
    customer_ids: pd.Series | pd.Index | Iterable[str],
    *,
    holdout_share: float,
    seed: int,
) -> pd.DataFrame:
    """Split customers into ``send`` and ``holdout`` groups, reproducibly.

    The ids are de-duplicated and sorted, then shuffled with
    ``numpy.random.default_rng(seed)``; the first ``round(holdout_share * n)`` (half up)
    form the holdout. The same ids and seed always give the same split, whatever their
    input order, and the holdout size is exact rather than a coin flip per customer.

    Parameters
    ----------
    customer_ids : sequence of str
        Customers on the target list.
    holdout_share : float
        Share kept as control, in ``[0, 1)``.
    seed : int
        Seed of the shuffle (from the params file).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` and ``group`` (``"send"`` or ``"holdout"``), sorted by ``customer_id``.

    Examples
    --------
    >>> split = compute_holdout_split([f"c{i:02d}" for i in range(10)], holdout_share=0.2, seed=7)
    >>> split["group"].value_counts().to_dict()
    {'send': 8, 'holdout': 2}
    """
    if not 0 <= holdout_share < 1:
        raise ValueError(f"holdout_share must be in [0, 1), got {holdout_share}")
    ids = _customer_ids(customer_ids)
    n = len(ids)
    n_holdout = int(math.floor(holdout_share * n + 0.5))
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(n)
    group = np.full(n, "send", dtype=object)
    group[shuffled[:n_holdout]] = "holdout"
    return pd.DataFrame({"customer_id": ids.astype(str).to_numpy(), "group": pd.Series(group, dtype="str")})


def pseudonymize_ids(
    ids: pd.Series | pd.Index | Iterable[str],
    *,
    key: bytes,
    length: int = 16,
) -> pd.Series:
    """Replace customer ids by keyed hashes (HMAC-SHA256, truncated hex) for reports.

    The same id and key always give the same pseudonym, so tables can still be joined;
    without the key the ids cannot be recovered or recomputed from a list of guesses.
    The key comes from the caller (the CLI reads it from an environment variable).

    Parameters
    ----------
    ids : sequence of str
        Customer ids (compared as text).
    key : bytes
        Secret key, not empty.
    length : int
        Hex characters kept (4-64); 16 gives 64 bits, enough to avoid collisions for
        millions of customers.

    Returns
    -------
    pandas.Series
        Pseudonyms (``str``), same order and index as a Series input.

    Examples
    --------
    >>> pseudonymize_ids(["c1", "c2"], key=b"secret", length=8).tolist()
    ['4d8f8eb5', '2eccad7c']
    """
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"key must be bytes, got {type(key).__name__}")
    if not key:
        raise ValueError("key must not be empty")
    if not 4 <= length <= 64:
        raise ValueError(f"length must be between 4 and 64, got {length}")
    series = ids if isinstance(ids, pd.Series) else pd.Series(list(ids))
    hashed = [hmac.new(bytes(key), str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:length] for v in series]
    return pd.Series(hashed, index=series.index, dtype="str", name="customer_pseudonym")

