"""Data sets of every shape a user may bring: the factors of the data-shape suite and a pairwise covering array.

A *shape* is one choice per factor (:data:`FACTORS`): purchase history before the campaign or none, a randomized
holdout or none, one to three treatment arms, customer attributes none / text / numeric / one text column with
5,000 levels, campaign events or none, feedback or none. :func:`simulate_shape` turns a shape into the canonical
tables (from :func:`campaignlab.data.simulate.simulate_dataset`), and :func:`pairwise_cases` picks a small set of
shapes in which every pair of levels of every two factors occurs at least once.

The covering array is hand-written (greedy, in the manner of AETG: Cohen et al. 1997, "The AETG system") rather than
taken from ``allpairspy``, which is not in this project's package index; with 192 full-crossing rows an exhaustive
greedy pick is instant, deterministic, and tested for pair coverage in ``tests/unit/data/test_shapes.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from campaignlab.data.simulate import simulate_dataset

__all__ = ["FACTORS", "all_cases", "case_name", "covered_pairs", "pairwise_cases", "simulate_shape"]

#: The factors of the data-shape suite and their levels (the first level of each is the "usual" one).
FACTORS: dict[str, tuple[Any, ...]] = {
    "history": (True, False),
    "holdout": (True, False),
    "arms": (1, 2, 3),
    "attributes": ("text", "none", "numeric", "levels5000"),
    "events": (True, False),
    "feedback": (False, True),
}

#: Levels of the many-level text attribute (a zip-code like column).
MANY_LEVELS = 5000
#: Customers of the many-level case: 5,000 codes among 6,000 customers (every code used, a sixth of them twice).
MANY_LEVELS_CUSTOMERS = 6000


def all_cases(factors: dict[str, Sequence[Any]] = FACTORS) -> list[dict[str, Any]]:
    """Every combination of the factors' levels (the full crossing)."""
    names = list(factors)
    return [dict(zip(names, combo)) for combo in itertools.product(*(factors[n] for n in names))]


def _pairs(case: dict[str, Any], names: Sequence[str]) -> set[tuple]:
    return {(a, case[a], b, case[b]) for a, b in itertools.combinations(names, 2)}


def covered_pairs(cases: Sequence[dict[str, Any]], factors: dict[str, Sequence[Any]] = FACTORS) -> set[tuple]:
    """The (factor, level, factor, level) pairs that ``cases`` cover."""
    names = list(factors)
    return set().union(*(_pairs(c, names) for c in cases)) if cases else set()


def pairwise_cases(factors: dict[str, Sequence[Any]] = FACTORS) -> list[dict[str, Any]]:
    """A small list of cases covering every pair of levels of every two factors.

    Greedy: each step takes, from the full crossing, the first case that covers the most pairs not yet covered,
    until none is left. Deterministic (no random tie-breaks).

    Examples
    --------
    >>> cases = pairwise_cases({"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    >>> len(cases), covered_pairs(cases, {"a": (0, 1), "b": (0, 1), "c": (0, 1)}) == covered_pairs(
    ...     all_cases({"a": (0, 1), "b": (0, 1), "c": (0, 1)}), {"a": (0, 1), "b": (0, 1), "c": (0, 1)})
    (4, True)
    """
    names = list(factors)
    candidates = all_cases(factors)
    wanted = covered_pairs(candidates, factors)
    chosen: list[dict[str, Any]] = []
    while wanted:
        best = max(candidates, key=lambda c: len(_pairs(c, names) & wanted))
        chosen.append(best)
        wanted -= _pairs(best, names)
    return chosen


def case_name(case: dict[str, Any]) -> str:
    """A short id for a case, usable as a campaign id: ``hist-hold-arms2-text-events-nofeedback``."""
    return "-".join([
        "hist" if case["history"] else "nohist",
        "hold" if case["holdout"] else "nohold",
        f"arms{case['arms']}",
        f"attr{case['attributes']}",
        "events" if case["events"] else "noevents",
        "feedback" if case["feedback"] else "nofeedback",
    ]).lower()


def _attributes(kind: str, n: int, rng: np.random.Generator, base: pd.DataFrame) -> pd.DataFrame:
    keep = base[["customer_id", "signup_date"]].copy()
    if kind == "none":
        return keep
    if kind == "text":
        return base
    if kind == "numeric":
        keep["months_since_last"] = rng.integers(1, 36, n)
        keep["spend_last_year"] = np.round(rng.gamma(2.0, 120.0, n), 2)
        keep["newsletter"] = rng.integers(0, 2, n)
        return keep
    if kind == "levels5000":
        # every one of the 5,000 codes is used (when there are that many customers), the rest drawn at random
        codes = rng.permutation(MANY_LEVELS)[: min(n, MANY_LEVELS)]
        extra = rng.integers(0, MANY_LEVELS, max(0, n - MANY_LEVELS))
        keep["zip_code"] = [f"Z{c:05d}" for c in np.concatenate([codes, extra])]
        keep["region"] = base["region"].to_numpy()
        return keep
    if kind == "mixed8":
        return _mixed_attributes(keep, n, rng)
    raise ValueError(f"Unknown attributes kind {kind!r}: use one of {FACTORS['attributes']} or 'mixed8'")


_SPEND_BANDS = np.array(["1) $0 - $100", "2) $100 - $200", "3) $200 - $350", "4) $350 - $500", "5) $500 - $750",
                         "6) $750 - $1,000", "7) $1,000 +"], dtype=object)


def _mixed_attributes(keep: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Eight attributes as a randomized e-mail test exports them: text bands and types, dollars, months, 0/1 flags."""
    spend = np.round(rng.gamma(1.2, 200.0, n) + 29.99, 2)  # last year's spend in dollars: ~n distinct values
    keep["recency_months"] = rng.integers(1, 13, n)
    keep["history_segment"] = _SPEND_BANDS[np.digitize(spend, [100, 200, 350, 500, 750, 1000])]
    keep["history_dollars"] = spend
    keep["mens"] = rng.integers(0, 2, n)
    keep["womens"] = rng.integers(0, 2, n)
    keep["zip_code"] = rng.choice(np.array(["Urban", "Suburban", "Rural"], dtype=object), n, p=[0.4, 0.45, 0.15])
    keep["newbie"] = rng.integers(0, 2, n)
    keep["channel"] = rng.choice(np.array(["Phone", "Web", "Multichannel"], dtype=object), n, p=[0.44, 0.44, 0.12])
    return keep


def _feedback(assigned: pd.DataFrame, start: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    who = assigned[rng.random(len(assigned)) < 0.3]
    return pd.DataFrame({
        "campaign_id": who["campaign_id"].to_numpy(),
        "customer_id": who["customer_id"].to_numpy(),
        "ts": start + pd.to_timedelta(rng.integers(0, 20 * 86400, len(who)), unit="s"),
        "score": rng.integers(0, 11, len(who)).astype(float),
    })


def simulate_shape(case: dict[str, Any], n_customers: int = 2000, *, seed: int = 0,
                   n_days: int = 150, campaign_start_day: int = 90, campaign_days: int = 21
                   ) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The canonical tables of one data shape, and the params that go with them.

    Parameters
    ----------
    case : dict
        One level of each factor of :data:`FACTORS`; with ``everyone=True`` (and a holdout) every customer is in
        some arm, the control arm taking ``1 / (arms + 1)`` of them, as the export of a randomized e-mail test.
    n_customers : int
        Customers (raised to :data:`MANY_LEVELS_CUSTOMERS` for ``attributes="levels5000"``, so that every level
        occurs and some are shared: a column with a value per customer is an identifier, left out of the analysis).
    seed : int
        Seed of the simulation.

    Returns
    -------
    (dict of str to DataFrame, dict)
        The tables (optional ones left out when the case has none) and the params keys (``control_arm``,
        ``planned_split``) that describe the design; the caller adds ``id``, ``campaign`` and ``data``.

    Examples
    --------
    >>> case = dict(history=False, holdout=True, arms=2, attributes="numeric", events=False, feedback=True)
    >>> tables, params = simulate_shape(case, 300, seed=1)
    >>> sorted(tables), sorted(tables["assignments"]["arm"].unique()), params["control_arm"]
    (['assignments', 'campaigns', 'customers', 'feedback', 'transactions'], ['control', 'treatment', 'treatment_2'], 'control')
    """
    n = max(n_customers, MANY_LEVELS_CUSTOMERS) if case["attributes"] == "levels5000" else n_customers
    randomized = bool(case["holdout"])
    everyone = bool(case.get("everyone")) and randomized  # every customer in some arm, as an e-mail test exports
    control_share = 1 / (int(case["arms"]) + 1) if everyone else 0.3
    data = simulate_dataset(n, n_days=n_days, campaign_start_day=campaign_start_day, campaign_days=campaign_days,
                            true_lift=0.2, confounding=0.0 if randomized else 1.0, target_share=0.999 if everyone else 0.4,
                            holdout_share=control_share if randomized else 0.0, seed=seed)
    if everyone:  # the few the simulator left out join the control arm (they got nothing, as it did)
        asg = data["assignments"]
        rest = data["customers"].loc[~data["customers"]["customer_id"].isin(asg["customer_id"]), "customer_id"]
        data["assignments"] = pd.concat([asg, pd.DataFrame({"campaign_id": "SIM1", "customer_id": rest,
                                                            "arm": "control"})], ignore_index=True)
    rng = np.random.default_rng(seed + 1)
    start = pd.Timestamp(data["campaigns"]["start_date"].iloc[0])
    if not case["history"]:
        tx = data["transactions"]
        data["transactions"] = tx[tx["ts"] >= start].reset_index(drop=True)
    asg = data["assignments"]
    treated = asg["arm"] == "treatment"
    arm_names = np.array(["treatment"] + [f"treatment_{k}" for k in range(2, int(case["arms"]) + 1)], dtype=object)
    asg.loc[treated, "arm"] = arm_names[rng.integers(0, arm_names.size, int(treated.sum()))]
    data["customers"] = _attributes(case["attributes"], n, rng, data["customers"])
    if not case["events"]:
        del data["events"]
    if case["feedback"]:
        data["feedback"] = _feedback(asg, start, rng)
    params: dict[str, Any] = {"control_arm": "control" if randomized else None}
    if randomized:
        share = (1 - control_share) / arm_names.size
        params["planned_split"] = {**{str(a): round(share, 6) for a in arm_names}, "control": round(control_share, 6)}
    return data, params
