"""ROI: part of :mod:`campaignlab.stats.effects`."""

from __future__ import annotations

# Module import (not ``from ... import test_proportions_2indep``): a name starting with
# ``test_`` in this namespace would be collected by pytest as a test.
from campaignlab.stats.effects._common import _NAN


def compute_roi(
    incremental_revenue: float,
    incremental_revenue_ci: tuple[float, float],
    *,
    gross_margin: float,
    discount_cost: float,
    contacts: int,
    cost_per_contact: float,
    fixed_cost: float,
) -> dict:
    """Campaign profit and return on investment from incremental revenue.

    ``incremental_margin = gross_margin * incremental_revenue``;
    ``total_cost = contacts * cost_per_contact + fixed_cost + discount_cost``;
    ``net_profit = incremental_margin - total_cost``; ``roi = net_profit / total_cost``.
    Costs are treated as known, so intervals are the revenue interval pushed through
    these monotone maps (exact for a known-cost linear transform, no delta method
    needed).

    Parameters
    ----------
    incremental_revenue : float
        Total incremental revenue of the campaign (e.g. ATT per customer times the
        number of treated customers), in currency units.
    incremental_revenue_ci : tuple of float
        ``(low, high)`` interval for the incremental revenue.
    gross_margin : float
        Margin as a fraction of revenue, in [0, 1].
    discount_cost : float
        Total cost of discounts/coupons redeemed (currency units).
    contacts : int
        Number of customers contacted.
    cost_per_contact : float
        Variable cost per contact.
    fixed_cost : float
        Fixed campaign cost.

    Returns
    -------
    dict
        ``incremental_revenue, incremental_revenue_ci_low, incremental_revenue_ci_high,
        incremental_margin, incremental_margin_ci_low, incremental_margin_ci_high,
        total_cost, net_profit, net_profit_ci_low, net_profit_ci_high, roi,
        roi_ci_low, roi_ci_high, break_even_incremental_revenue,
        break_even_lift_per_customer``. ROI is NaN when ``total_cost`` is 0; the
        break-even revenue is NaN when ``gross_margin`` is 0 and the per-customer
        break-even is NaN when ``contacts`` is 0.

    Examples
    --------
    >>> r = compute_roi(50_000.0, (20_000.0, 80_000.0), gross_margin=0.4,
    ...                 discount_cost=2_000.0, contacts=10_000, cost_per_contact=0.5,
    ...                 fixed_cost=3_000.0)
    >>> r["total_cost"], r["net_profit"], r["roi"], r["roi_ci_low"], r["roi_ci_high"]
    (10000.0, 10000.0, 1.0, -0.2, 2.2)
    >>> r["break_even_incremental_revenue"], r["break_even_lift_per_customer"]
    (25000.0, 2.5)
    """
    if not 0 <= gross_margin <= 1:
        raise ValueError(f"gross_margin must be a fraction in [0, 1], got {gross_margin}")
    if min(discount_cost, contacts, cost_per_contact, fixed_cost) < 0:
        raise ValueError("Costs and contacts must be non-negative")
    low, high = (float(v) for v in incremental_revenue_ci)
    rev = float(incremental_revenue)
    total_cost = float(contacts * cost_per_contact + fixed_cost + discount_cost)

    def margin(r: float) -> float:
        return gross_margin * r

    def profit(r: float) -> float:
        return margin(r) - total_cost

    def roi(r: float) -> float:
        return profit(r) / total_cost if total_cost > 0 else _NAN

    break_even = total_cost / gross_margin if gross_margin > 0 else _NAN
    return {
        "incremental_revenue": rev,
        "incremental_revenue_ci_low": low,
        "incremental_revenue_ci_high": high,
        "incremental_margin": margin(rev),
        "incremental_margin_ci_low": margin(low),
        "incremental_margin_ci_high": margin(high),
        "total_cost": total_cost,
        "net_profit": profit(rev),
        "net_profit_ci_low": profit(low),
        "net_profit_ci_high": profit(high),
        "roi": roi(rev),
        "roi_ci_low": roi(low),
        "roi_ci_high": roi(high),
        "break_even_incremental_revenue": break_even,
        "break_even_lift_per_customer": break_even / contacts if contacts > 0 else _NAN,
    }
