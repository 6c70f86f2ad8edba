"""Who was assigned to what: overlapping campaigns and arms (Ibis expressions over the assignments table)."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd


def compute_overlapping_campaigns(
    campaigns: ibis.Table, campaign_id: str, start: dt.date, end: dt.date
) -> ibis.Table:
    """Other campaigns whose window ``[start_date, end_date)`` overlaps ``[start, end)``.

    Examples
    --------
    >>> c = ibis.memtable({"campaign_id": ["a", "b", "c"],
    ...     "start_date": [dt.date(2024, 1, 1), dt.date(2024, 1, 20), dt.date(2024, 3, 1)],
    ...     "end_date": [dt.date(2024, 2, 1), dt.date(2024, 2, 20), dt.date(2024, 4, 1)]})
    >>> sorted(compute_overlapping_campaigns(c, "a", dt.date(2024, 1, 1), dt.date(2024, 2, 1)).to_pandas().campaign_id)
    ['b']
    """
    lo, hi = ibis.literal(start), ibis.literal(end)
    return campaigns.filter(
        (campaigns.campaign_id != campaign_id) & (campaigns.start_date < hi) & (campaigns.end_date > lo)
    )


def compute_concurrent_assignments(
    assignments: ibis.Table, campaigns: ibis.Table, campaign_id: str, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """For each overlapping campaign, how many of this campaign's customers it also assigned.

    Returns
    -------
    pandas.DataFrame
        campaign_id, type (if known), start_date, end_date, shared_customers, share_of_this_campaign; sorted by
        shared customers, largest first.
    """
    mine = assignments.filter(assignments.campaign_id == campaign_id).select("customer_id").distinct()
    n_mine = mine.count().to_pyarrow().as_py()
    others = compute_overlapping_campaigns(campaigns, campaign_id, start, end)
    theirs = assignments.semi_join(others, "campaign_id")
    shared = theirs.inner_join(mine, "customer_id").group_by("campaign_id").agg(
        shared_customers=lambda t: t.customer_id.nunique()
    )
    cols = [c for c in ("campaign_id", "type", "start_date", "end_date") if c in others.columns]
    out = others.select(cols).left_join(shared, "campaign_id").select(
        *cols, shared_customers=lambda t: t.shared_customers.fill_null(0)
    ).to_pandas()
    out["share_of_this_campaign"] = out["shared_customers"] / n_mine if n_mine else float("nan")
    return out.sort_values(["shared_customers", "campaign_id"], ascending=[False, True]).reset_index(drop=True)


def compute_customers_in_overlapping_campaigns(
    assignments: ibis.Table, campaigns: ibis.Table, campaign_id: str, start: dt.date, end: dt.date
) -> ibis.Table:
    """Distinct customers assigned to any *other* campaign overlapping ``[start, end)`` (one column customer_id)."""
    others = compute_overlapping_campaigns(campaigns, campaign_id, start, end)
    return assignments.semi_join(others, "campaign_id").select("customer_id").distinct()
