"""Weekly revenue of the targeted customers against the weighted comparison group (a CausalImpact-style view).

Descriptive, not a forecast: the comparison line is the comparison group's weekly revenue per customer averaged
with the propensity odds weights of the verdict's estimator (:func:`campaignlab.stats.causal.compute_att_weights`),
so before the campaign the two lines should run together if the weighting made the groups alike; during the
campaign their gap is the weighted difference week by week. The doubly robust verdict adds an outcome model on top
of these weights, so the weekly gaps summed over the campaign window approximate the IPW estimate, not the verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignlab.stats.verdict import effective_sample_size


def compute_weighted_weekly(customer_weekly: pd.DataFrame, weights: pd.DataFrame, *, weeks: pd.DatetimeIndex,
                            windows: dict[str, tuple]) -> pd.DataFrame:
    """Weekly revenue per targeted customer, per weighted comparison customer, and their difference.

    Parameters
    ----------
    customer_weekly : pandas.DataFrame
        customer_id, week, revenue: the customer-weeks with a purchase (absent = no purchase that week).
    weights : pandas.DataFrame
        customer_id, treated (bool), weight: 1 for targeted customers, the propensity odds for comparison
        customers; rows with a missing weight (trimmed) are left out.
    weeks : pandas.DatetimeIndex
        The weeks (Mondays) to report, in order.
    windows : dict
        period name (``pre``, ``campaign``, ``post``) to a ``(start, end)`` pair: each week is labelled with the
        period its Monday falls in (``""`` when none).

    Returns
    -------
    pandas.DataFrame
        week, period, targeted, comparison_weighted, comparison_unweighted, difference (targeted minus weighted
        comparison), targeted_customers, comparison_customers, comparison_effective (Kish effective size).

    Examples
    --------
    >>> cw = pd.DataFrame({"customer_id": [1, 2, 3], "week": pd.to_datetime(["2024-01-01"] * 3),
    ...                    "revenue": [10.0, 4.0, 8.0]})
    >>> w = pd.DataFrame({"customer_id": [1, 2, 3], "treated": [True, False, False], "weight": [1.0, 1.0, 3.0]})
    >>> out = compute_weighted_weekly(cw, w, weeks=pd.DatetimeIndex(["2024-01-01"]), windows={})
    >>> out[["targeted", "comparison_weighted", "comparison_unweighted", "difference"]].values.tolist()
    [[10.0, 7.0, 6.0, 3.0]]
    """
    w = weights.dropna(subset=["weight"]).set_index("customer_id")
    wide = (customer_weekly[customer_weekly["customer_id"].isin(w.index)]
            .pivot_table(index="customer_id", columns="week", values="revenue", aggfunc="sum")
            .reindex(index=w.index, columns=weeks).fillna(0.0))
    t = w["treated"].astype(bool).to_numpy()
    wt = w["weight"].to_numpy(dtype=float)
    values = wide.to_numpy(dtype=float)
    targeted = values[t].mean(axis=0) if t.any() else np.full(len(weeks), np.nan)
    comp_w = wt[~t] @ values[~t] / wt[~t].sum() if (~t).any() and wt[~t].sum() > 0 else np.full(len(weeks), np.nan)
    comp_u = values[~t].mean(axis=0) if (~t).any() else np.full(len(weeks), np.nan)
    period = [next((name for name, (lo, hi) in windows.items()
                    if lo is not None and pd.Timestamp(lo) <= wk < pd.Timestamp(hi)), "") for wk in weeks]
    kish = effective_sample_size(wt[~t])
    return pd.DataFrame({"week": weeks, "period": period, "targeted": targeted, "comparison_weighted": comp_w,
                         "comparison_unweighted": comp_u, "difference": targeted - comp_w,
                         "targeted_customers": int(t.sum()), "comparison_customers": int((~t).sum()),
                         "comparison_effective": float(kish)})
