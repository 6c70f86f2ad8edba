"""Deterministic simulated campaign data with a known true effect.

Two generators:

* :func:`simulate_customer_panel` - one row per customer (pre-period orders and revenue,
  an income attribute with missing values, campaign-period revenue) with targeting on
  pre-period spend. The true effect on the treated (ATT) is known exactly, which is what
  the estimator tests in ``tests/unit/test_causal.py`` need.
* :func:`simulate_dataset` - the canonical tables (customers, transactions, campaigns,
  assignments, events) of one campaign, usable as a small test fixture and, with a large
  ``n_customers``, as a scale-test generator (generation is vectorized).

Randomness comes only from ``numpy.random.default_rng(seed)``; the same seed gives the
same data on every machine. No global random state is touched.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["simulate_customer_panel", "simulate_dataset"]

_INCOME_BANDS = np.array(["low", "middle", "high"], dtype=object)
_AGE_BANDS = np.array(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"], dtype=object)
_AGE_SHARES = np.array([0.10, 0.22, 0.22, 0.19, 0.15, 0.12])
_REGIONS = np.array(["North", "South", "East", "West"], dtype=object)
_REGION_SHARES = np.array([0.3, 0.25, 0.25, 0.2])


def _income_band(rng: np.random.Generator, affluence: np.ndarray, missing_share: float) -> np.ndarray:
    score = affluence + rng.normal(0.0, 0.7, affluence.size)
    bands = _INCOME_BANDS[np.digitize(score, [-0.5, 0.5])].copy()
    bands[rng.random(affluence.size) < missing_share] = None
    return bands


def _gamma_sums(rng: np.random.Generator, counts: np.ndarray, mean_value: np.ndarray, shape: float) -> np.ndarray:
    """Sum of ``counts`` Gamma(shape, mean/shape) order values; a sum of k Gammas is Gamma(k*shape)."""
    k = np.maximum(counts, 1) * shape
    sums = rng.gamma(k, mean_value / shape)
    return np.where(counts > 0, np.round(sums, 2), 0.0)


def simulate_customer_panel(
    n_customers: int,
    *,
    true_att: float,
    confounding: float,
    seed: int,
    seasonality: float = 0.3,
    income_missing_share: float = 0.1,
) -> pd.DataFrame:
    """One row per customer, targeted on pre-period spend, with a known ATT.

    Each customer has a latent order rate and order value. Pre-period orders and revenue
    are drawn from them; targeting is a logistic function of ``log1p(pre_revenue)`` and
    of being in the high income band, scaled by ``confounding`` (0 = random targeting).
    Campaign-period revenue without the campaign has the same rates times
    ``1 + seasonality``, so the seasonal change is proportional to a customer's spend
    level: heavier spenders, who are more often targeted, also grow more in absolute
    terms. Hence the naive difference in means and difference-in-differences are both
    biased when ``confounding > 0``, while an estimator that conditions on the pre-period
    covariates (e.g. doubly robust ATT with the propensity model
    ``logit ~ log1p(pre_revenue) + log1p(pre_orders) + income_band``) is not.
    Treated customers get exactly ``true_att`` added to their campaign-period revenue,
    so the ATT (sample and population) is ``true_att`` and stays so after trimming.

    Parameters
    ----------
    n_customers : int
        Number of rows.
    true_att : float
        Additive effect of the campaign on each treated customer's revenue.
    confounding : float
        Strength of targeting on pre-period spend (log-odds per 1.5 log-units of spend);
        about 30% of customers are treated at ``confounding=1``.
    seed : int
        Seed for ``numpy.random.default_rng``.
    seasonality : float, default 0.3
        Proportional growth of order rates in the campaign period.
    income_missing_share : float, default 0.1
        Share of customers whose ``income_band`` is missing.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (str), ``treatment`` (0/1 int), ``pre_orders`` (int),
        ``pre_revenue`` (float), ``income_band`` ("low"/"middle"/"high", missing as NaN),
        ``revenue`` (campaign-period revenue, float). ``attrs["true_att"]`` holds the
        true ATT; ``attrs["seed"]`` and ``attrs["confounding"]`` the inputs.

    Examples
    --------
    >>> panel = simulate_customer_panel(1000, true_att=5.0, confounding=1.0, seed=1)
    >>> panel.shape, panel.attrs["true_att"]
    ((1000, 6), 5.0)
    >>> bool(panel.loc[panel.treatment == 1, "pre_revenue"].mean()
    ...      > panel.loc[panel.treatment == 0, "pre_revenue"].mean())
    True
    """
    if n_customers < 1:
        raise ValueError(f"n_customers must be positive, got {n_customers}")
    rng = np.random.default_rng(seed)
    n = n_customers
    activity = rng.normal(size=n)
    affluence = rng.normal(size=n)
    rate = np.exp(np.log(1.5) + 0.7 * activity)  # expected orders per period
    order_value = np.exp(np.log(40.0) + 0.35 * affluence)
    income = _income_band(rng, affluence, income_missing_share)

    pre_orders = rng.poisson(rate)
    pre_revenue = _gamma_sums(rng, pre_orders, order_value, shape=4.0)

    # Fixed centering constants (not sample statistics) keep the true propensity exactly
    # logit-linear in log1p(pre_revenue) and the income dummies.
    logit = -1.0 + confounding * ((np.log1p(pre_revenue) - 4.0) / 1.5 + 0.4 * (income == "high"))
    treatment = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)

    post_orders = rng.poisson(rate * (1.0 + seasonality))
    revenue0 = _gamma_sums(rng, post_orders, order_value, shape=4.0)
    revenue = revenue0 + true_att * treatment

    width = max(5, len(str(n)))
    panel = pd.DataFrame(
        {
            "customer_id": [f"C{i:0{width}d}" for i in range(1, n + 1)],
            "treatment": treatment,
            "pre_orders": pre_orders.astype(int),
            "pre_revenue": pre_revenue,
            "income_band": pd.Series(income),
            "revenue": revenue,
        }
    )
    panel.attrs.update(true_att=float(true_att), seed=seed, confounding=float(confounding))
    return panel


# ------------------------------------------------------------------------ full dataset


def _sample_days(rng: np.random.Generator, counts: np.ndarray, days: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Day index of every event: customer i gets counts[i] days drawn with probability ~ weights."""
    total = int(counts.sum())
    if total == 0 or days.size == 0:
        return np.empty(0, dtype=int)
    return rng.choice(days, size=total, p=weights / weights.sum())


def simulate_dataset(
    n_customers: int = 500,
    *,
    n_days: int = 240,
    campaign_start_day: int = 120,
    campaign_days: int = 28,
    true_lift: float = 0.1,
    confounding: float = 1.0,
    holdout_share: float = 0.0,
    seed: int = 0,
    start_date: dt.date = dt.date(2024, 1, 1),
    target_share: float = 0.4,
    lift_by: dict[str, dict[str, float]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Canonical tables of one simulated campaign with a known lift in order rate.

    Customers order as Poisson processes whose daily rate is a customer-level rate times
    a shared day profile (weekday pattern and a slow seasonal wave), so seasonal swings
    in absolute spend scale with a customer's spend level. Orders have 1 + Poisson line
    items drawn from a product catalog. Targeting is a logistic function of
    standardized ``log1p`` pre-campaign spend times ``confounding`` (0 = random),
    aiming at ``target_share`` of customers; a random ``holdout_share`` of the targeted
    becomes the ``"control"`` arm. Customers in the ``"treatment"`` arm order at
    ``1 + true_lift`` times their usual rate during ``[start, end)``; non-targeted and
    control customers do not. Treatment-arm customers get funnel events; a redeemed
    coupon takes 10% off the lines of the first order after the click.

    Parameters
    ----------
    n_customers : int, default 500
        Number of customers (vectorized; millions of rows are fine).
    n_days : int, default 240
        Days of transaction history starting at ``start_date``.
    campaign_start_day : int, default 120
        Day index (0-based) when the campaign starts.
    campaign_days : int, default 28
        Length of the campaign window in days.
    true_lift : float, default 0.1
        Proportional increase in order rate for treatment-arm customers in the window.
    confounding : float, default 1.0
        Strength of targeting on pre-campaign spend.
    holdout_share : float, default 0.0
        Share of targeted customers held out as a randomized control.
    seed : int, default 0
        Seed for ``numpy.random.default_rng``.
    start_date : datetime.date, default 2024-01-01
        First day of the history.
    target_share : float, default 0.4
        Approximate share of customers targeted.
    lift_by : dict, optional
        A heterogeneous effect: ``{attribute: {level: lift}}`` gives treatment-arm customers of that level this
        lift instead of ``true_lift`` (e.g. ``true_lift=0, lift_by={"region": {"North": 0.8}}``: only the North
        responds). Draws no random numbers, so the same seed gives the same customers and history as without it.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``customers`` (customer_id, signup_date, age_band, income_band, region),
        ``transactions`` (customer_id, order_id, ts, amount, quantity, product_id,
        discount; ``amount`` is paid after discount), ``campaigns`` (campaign_id
        ``"SIM1"``, start_date, end_date, name, type, cost_per_contact, fixed_cost),
        ``assignments`` (campaign_id, customer_id, arm) for targeted customers only,
        and ``events`` (campaign_id, customer_id, event, ts, value). Dates are
        ``datetime.date`` objects; ``ts`` is naive ``datetime64``. The truth is in
        ``campaigns.attrs["truth"]``: ``true_lift``, ``n_treatment``,
        ``expected_incremental_orders_per_treated`` and
        ``expected_incremental_gross_revenue_per_treated`` (expectations given the
        simulated customers; gross = before coupon discounts).

    Examples
    --------
    >>> data = simulate_dataset(200, seed=3, holdout_share=0.2)
    >>> sorted(data)
    ['assignments', 'campaigns', 'customers', 'events', 'transactions']
    >>> sorted(data["assignments"]["arm"].unique())
    ['control', 'treatment']
    >>> bool((data["transactions"]["amount"] > 0).all())
    True
    """
    if not 0 <= campaign_start_day < campaign_start_day + campaign_days <= n_days:
        raise ValueError(
            f"Campaign window [{campaign_start_day}, {campaign_start_day + campaign_days}) "
            f"must lie inside [0, {n_days})"
        )
    if campaign_start_day == 0:
        raise ValueError("campaign_start_day must be > 0 so that there is a pre-period to target on")
    if not 0 <= holdout_share < 1:
        raise ValueError(f"holdout_share must be in [0, 1), got {holdout_share}")
    if not 0 < target_share < 1:
        raise ValueError(f"target_share must be in (0, 1), got {target_share}")
    rng = np.random.default_rng(seed)
    return simulate_block(
        rng, first_id=1, n_customers=n_customers, id_width=max(5, len(str(n_customers))),
        start_date=start_date, n_days=n_days, campaign_start_day=campaign_start_day, campaign_days=campaign_days,
        arm_lifts={"treatment": true_lift}, confounding=confounding, holdout_share=holdout_share,
        target_share=target_share, lift_by=lift_by,
    )


def day_profile(start_date: dt.date, n_days: int) -> np.ndarray:
    """Relative order intensity of each day: a weekday pattern times a slow seasonal wave (mean about 1)."""
    days = np.arange(n_days)
    weekday = (pd.Timestamp(start_date) + pd.to_timedelta(days, unit="D")).day_of_week.to_numpy()
    weekly = np.array([0.9, 0.95, 1.0, 1.0, 1.1, 1.25, 0.8])[weekday]
    return weekly * (1.0 + 0.3 * np.sin(2 * np.pi * (days - 60) / 365.0))


#: Mean daily order rate of the latent customer rate exp(log(0.04) + 0.8 z), z ~ N(0, 1), before ``rate_scale``.
BASE_DAILY_RATE = 0.04 * float(np.exp(0.8**2 / 2))
#: Mean line items per order: 1 + Poisson(0.6 exp(0.3 z)), z ~ N(0, 1).
LINES_PER_ORDER = 1.0 + 0.6 * float(np.exp(0.3**2 / 2))


def draw_catalog(rng: np.random.Generator, n_products: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Product ids, shelf prices and Zipf-like popularity (shares adding to 1) of the simulated shop."""
    prices = np.round(np.maximum(np.exp(rng.normal(np.log(12.0), 0.6, n_products)), 1.0), 2)
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.8
    popularity /= popularity.sum()
    product_ids = np.array([f"P{i:03d}" for i in range(1, n_products + 1)], dtype=object)
    return product_ids, prices, popularity


def simulate_block(
    rng: np.random.Generator,
    *,
    first_id: int,
    n_customers: int,
    id_width: int,
    start_date: dt.date,
    n_days: int,
    campaign_start_day: int,
    campaign_days: int,
    arm_lifts: dict[str, float],
    confounding: float,
    holdout_share: float,
    target_share: float,
    rate_scale: float = 1.0,
    catalog: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    first_order: int = 1,
    order_width: int = 8,
    lift_by: dict[str, dict[str, float]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The canonical tables of customers ``first_id .. first_id + n_customers - 1``: the story of
    :func:`simulate_dataset`, for one block of a larger data set (see :mod:`campaignlab.data.synth`).

    Customers are independent, so a large data set is a sequence of blocks, each with its own generator. Within a
    block, targeting standardizes pre-period spend over the block's customers and the holdout is exactly
    ``round(holdout_share * targeted)``. Treatment-arm customers order at ``1 + arm_lifts[arm]`` times their usual
    rate in the window; with several arms the non-held-out targeted customers are split among them at random.
    ``rate_scale`` multiplies every customer's order rate (more or fewer lines per customer); ``catalog`` (from
    :func:`draw_catalog`) is shared by every block, or drawn here when None; order ids count from ``first_order``.
    ``campaigns.attrs["truth"]`` adds, per arm, ``n``, ``incremental_orders`` and ``incremental_gross_revenue``
    (expected sums over the arm's customers) so that blocks can be added up.
    """
    n = n_customers
    start = pd.Timestamp(start_date)
    ids = np.array([f"C{i:0{id_width}d}" for i in range(first_id, first_id + n)], dtype=object)

    # --- customers: latent rate and basket size, observed attributes
    activity = rng.normal(size=n)
    affluence = rng.normal(size=n)
    daily_rate = np.exp(np.log(0.04) + 0.8 * activity) * rate_scale
    extra_lines = 0.6 * np.exp(0.3 * affluence)  # mean extra line items per order
    signup = start - pd.to_timedelta(rng.integers(30, 1500, n), unit="D")
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "signup_date": pd.Series([d.date() for d in signup], dtype=object),
            "age_band": rng.choice(_AGE_BANDS, n, p=_AGE_SHARES),
            "income_band": pd.Series(_income_band(rng, affluence, 0.08)),
            "region": rng.choice(_REGIONS, n, p=_REGION_SHARES),
        }
    )

    days = np.arange(n_days)
    profile = day_profile(start_date, n_days)
    end_day = campaign_start_day + campaign_days
    segments = {
        "pre": days[:campaign_start_day],
        "window": days[campaign_start_day:end_day],
        "post": days[end_day:],
    }

    product_ids, prices, popularity = catalog if catalog is not None else draw_catalog(rng)
    n_products = product_ids.size
    mean_quantity = 1.25  # 1 + Poisson(0.25)
    mean_line_amount = float((popularity * prices).sum() * mean_quantity)

    def segment_orders(segment: str, multiplier: np.ndarray) -> dict[str, np.ndarray]:
        seg = segments[segment]
        counts = rng.poisson(daily_rate * multiplier * profile[seg].sum())
        cust = np.repeat(np.arange(n), counts)
        lines = 1 + rng.poisson(extra_lines[cust])
        line_order = np.repeat(np.arange(cust.size), lines)
        product = rng.choice(n_products, size=line_order.size, p=popularity)
        quantity = 1 + rng.poisson(mean_quantity - 1, size=line_order.size)
        return {
            "cust": cust,
            "day": _sample_days(rng, counts, seg, profile[seg]),
            "line_order": line_order,
            "product": product,
            "quantity": quantity,
            "gross": np.round(prices[product] * quantity, 2),
        }

    # --- pre-period orders decide targeting (realized spend, as a CRM team would use)
    pre = segment_orders("pre", np.ones(n))
    pre_spend = np.bincount(pre["cust"][pre["line_order"]], weights=pre["gross"], minlength=n)
    arm = _assign_arms(rng, pre_spend, arms=list(arm_lifts), confounding=confounding,
                       holdout_share=holdout_share, target_share=target_share)
    is_treat = np.isin(arm, list(arm_lifts))
    planted = np.zeros(n)  # each customer's proportional lift in the window
    for name, value in arm_lifts.items():
        planted[arm == name] = value

    for column, levels in (lift_by or {}).items():
        if column not in customers:
            raise ValueError(f"lift_by names '{column}', not an attribute of the simulated customers "
                             f"({', '.join(customers.columns[2:])})")
        for level, value in levels.items():
            planted[((customers[column] == level).to_numpy()) & is_treat] = value
    parts = [pre, segment_orders("window", 1.0 + planted), segment_orders("post", np.ones(n))]
    offsets = np.cumsum([0] + [p["cust"].size for p in parts[:-1]])
    order_cust = np.concatenate([p["cust"] for p in parts])
    order_day = np.concatenate([p["day"] for p in parts])
    line_order = np.concatenate([p["line_order"] + off for p, off in zip(parts, offsets)])
    product = np.concatenate([p["product"] for p in parts])
    quantity = np.concatenate([p["quantity"] for p in parts])
    gross = np.concatenate([p["gross"] for p in parts])

    seconds = rng.integers(7 * 3600, 23 * 3600, size=order_cust.size)
    order_ts = (start + pd.to_timedelta(order_day, unit="D") + pd.to_timedelta(seconds, unit="s")).to_numpy()
    # order ids follow time order, as a shop system would issue them
    perm = np.lexsort((order_cust, order_ts))
    rank = np.empty_like(perm)
    rank[perm] = np.arange(perm.size)
    order_frame = pd.DataFrame({"cust": order_cust[perm], "ts": order_ts[perm]})
    order_frame["order_id"] = [f"O{i:0{order_width}d}" for i in range(first_order, first_order + len(order_frame))]
    line_order = rank[line_order]
    line_perm = np.argsort(line_order, kind="stable")
    line_order, product, quantity, gross = (a[line_perm] for a in (line_order, product, quantity, gross))

    campaign_id = "SIM1"
    window_start = start + pd.Timedelta(days=campaign_start_day)
    window_end = start + pd.Timedelta(days=end_day)
    events, redeemed_pos, discount = _funnel(rng, ids, np.flatnonzero(is_treat), order_frame, line_order, gross,
                                             campaign_id, window_start, window_end)
    amount = np.round(gross - discount, 2)

    transactions = pd.DataFrame(
        {
            "customer_id": ids[order_frame["cust"].to_numpy()[line_order]],
            "order_id": order_frame["order_id"].to_numpy()[line_order],
            "ts": order_frame["ts"].to_numpy()[line_order],
            "amount": amount,
            "quantity": quantity.astype(int),
            "product_id": product_ids[product],
            "discount": discount,
        }
    )

    campaigns = pd.DataFrame(
        {
            "campaign_id": [campaign_id],
            "start_date": pd.Series([window_start.date()], dtype=object),
            "end_date": pd.Series([window_end.date()], dtype=object),
            "name": ["Simulated coupon campaign"],
            "type": ["email"],
            "cost_per_contact": [0.05],
            "fixed_cost": [500.0],
        }
    )
    assigned = np.flatnonzero(arm != "")
    assignments = pd.DataFrame(
        {"campaign_id": campaign_id, "customer_id": ids[assigned], "arm": arm[assigned].astype(str)}
    )
    incr_orders = planted * daily_rate * profile[segments["window"]].sum()
    incr_revenue = incr_orders * (1 + extra_lines) * mean_line_amount
    campaigns.attrs["truth"] = _truth(arm, arm_lifts, incr_orders, incr_revenue)
    transactions.attrs["n_orders"] = len(order_frame)
    return {
        "customers": customers,
        "transactions": transactions,
        "campaigns": campaigns,
        "assignments": assignments,
        "events": events,
    }


def _assign_arms(rng: np.random.Generator, pre_spend: np.ndarray, *, arms: list[str], confounding: float,
                 holdout_share: float, target_share: float) -> np.ndarray:
    """Arm of every customer ('' = not targeted): targeting on standardized log pre-spend, then a random holdout."""
    n = pre_spend.size
    x = np.log1p(pre_spend)
    z = (x - x.mean()) / (x.std() if x.std() > 0 else 1.0)
    logit = np.log(target_share / (1 - target_share)) + confounding * z
    targeted = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    target_idx = np.flatnonzero(targeted)
    n_holdout = int(round(holdout_share * target_idx.size))
    holdout_idx = rng.choice(target_idx, size=n_holdout, replace=False) if n_holdout else np.empty(0, int)
    arm = np.full(n, "", dtype=object)
    if len(arms) == 1:
        arm[target_idx] = arms[0]
    else:  # several treatment arms: the targeted who are not held out are split among them at random
        treated_idx = np.setdiff1d(target_idx, holdout_idx)
        arm[treated_idx] = np.array(arms, dtype=object)[rng.integers(len(arms), size=treated_idx.size)]
    arm[holdout_idx] = "control"
    return arm


def _truth(arm: np.ndarray, arm_lifts: dict[str, float], incr_orders: np.ndarray,
           incr_revenue: np.ndarray) -> dict:
    is_treat = np.isin(arm, list(arm_lifts))
    truth = {
        "true_lift": float(next(iter(arm_lifts.values()))) if len(arm_lifts) == 1 else dict(arm_lifts),
        "n_treatment": int(is_treat.sum()),
        "expected_incremental_orders_per_treated": float(incr_orders[is_treat].mean()) if is_treat.any() else float("nan"),
        "expected_incremental_gross_revenue_per_treated": (
            float(incr_revenue[is_treat].mean()) if is_treat.any() else float("nan")
        ),
    }
    truth["arms"] = {
        name: {"lift": float(value), "n": int((arm == name).sum()),
               "incremental_orders": float(incr_orders[arm == name].sum()),
               "incremental_gross_revenue": float(incr_revenue[arm == name].sum())}
        for name, value in arm_lifts.items()
    }
    return truth


def _funnel(rng: np.random.Generator, ids: np.ndarray, treat_idx: np.ndarray, order_frame: pd.DataFrame,
            line_order: np.ndarray, gross: np.ndarray, campaign_id: str, window_start: pd.Timestamp,
            window_end: pd.Timestamp) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Funnel events of the treated and the coupon discounts they redeem: (events, redeemed orders, line discount)."""
    delivered = treat_idx[rng.random(treat_idx.size) < 0.97]
    delivered_ts = window_start + pd.Timedelta(hours=8) + pd.to_timedelta(rng.integers(0, 7200, delivered.size), unit="s")
    open_mask = rng.random(delivered.size) < 0.5
    opened = delivered[open_mask]
    opened_ts = delivered_ts[open_mask] + pd.to_timedelta(rng.exponential(8 * 3600, opened.size).astype(int), unit="s")
    click_mask = rng.random(opened.size) < 0.3
    clicked = opened[click_mask]
    clicked_ts = opened_ts[click_mask] + pd.to_timedelta(rng.exponential(600, clicked.size).astype(int) + 1, unit="s")
    keep_click = clicked_ts < window_end
    clicked, clicked_ts = clicked[keep_click], clicked_ts[keep_click]

    # a click redeems (with probability 0.8) on the first order after it in the window
    clicks = pd.DataFrame({"cust": clicked, "click_ts": clicked_ts}).sort_values("click_ts")
    win_orders = order_frame[(order_frame["ts"] >= window_start) & (order_frame["ts"] < window_end)]
    win_orders = win_orders.assign(order_pos=win_orders.index).sort_values("ts")
    matched = pd.merge_asof(
        clicks, win_orders[["cust", "ts", "order_pos"]], left_on="click_ts", right_on="ts", by="cust",
        direction="forward", allow_exact_matches=False,
    ).dropna(subset=["order_pos"])
    matched = matched[rng.random(len(matched)) < 0.8].sort_values("cust")
    redeemed_pos = matched["order_pos"].to_numpy(dtype=int)
    discount = np.zeros(line_order.size)
    discounted_line = np.isin(line_order, redeemed_pos)
    discount[discounted_line] = np.round(0.1 * gross[discounted_line], 2)
    order_discount = np.bincount(line_order, weights=discount, minlength=len(order_frame))

    def event_rows(name: str, who: np.ndarray, ts: pd.DatetimeIndex | np.ndarray, value: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {"campaign_id": campaign_id, "customer_id": ids[who], "event": name,
             "ts": pd.to_datetime(np.asarray(ts)), "value": value}
        )

    events = pd.concat(
        [
            event_rows("delivered", delivered, delivered_ts, np.full(delivered.size, np.nan)),
            event_rows("opened", opened, opened_ts, np.full(opened.size, np.nan)),
            event_rows("clicked", clicked, clicked_ts, np.full(clicked.size, np.nan)),
            event_rows(
                "redeemed",
                matched["cust"].to_numpy(dtype=int),
                order_frame["ts"].to_numpy()[redeemed_pos],
                np.round(order_discount[redeemed_pos], 2),
            ),
        ],
        ignore_index=True,
    )
    events = events.sort_values(["ts", "customer_id", "event"], kind="stable").reset_index(drop=True)
    return events, redeemed_pos, discount
