"""Planning the next campaign within the customer base there is: feasibility and the options that fit.

The power calculations are statsmodels' (through :func:`campaignlab.stats.effects.compute_mde` and
:func:`campaignlab.stats.effects.compute_required_sample`); this module only asks them the questions a planner
has when the needed holdout is larger than the customer base: what could a 50/50 split of everyone detect, what
would adjusting for pre-period spend buy (CUPED, Deng et al. 2013), what would pooling two such campaigns give.

References
----------
.. [1] Deng, A., Xu, Y., Kohavi, R., & Walker, T. (2013). "Improving the sensitivity of online controlled
       experiments by utilizing pre-experiment data." *WSDM '13*, 123-132.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from campaignlab.stats import effects

__all__ = ["compute_feasibility"]


def _mde(n_treat: float, n_control: float, sd: float, alpha: float, power: float) -> float:
    if not (n_treat >= 2 and n_control >= 2 and sd > 0):
        return math.nan
    mde = effects.compute_mde(int(n_treat), int(n_control), sd=sd, alpha=alpha, power=power).get("mde")
    # statsmodels' solver returns a one-element array rather than a number for some sizes.
    return float(np.asarray(mde, dtype=float).ravel()[0]) if mde is not None else math.nan


def compute_feasibility(planning: dict[str, Any], frame: pd.DataFrame, *, customers_available: int,
                        control: str) -> dict[str, Any]:
    """Add ``customers_available``, ``feasible`` and ``options`` to a planning dict.

    Parameters
    ----------
    planning : dict
        As :func:`campaignlab.stats.response.compute_planning` returns it (``sd_revenue``, ``n_treat``,
        ``n_control``, ``observed_lift``, ``holdout_needed_at_9_to_1``, ``treated_needed_at_9_to_1``, ``alpha``,
        ``power``).
    frame : pandas.DataFrame
        The analysis frame: ``group``, ``revenue`` and, where present, ``pre_revenue``.
    customers_available : int
        Customers in the customer base, the most a next campaign can split.
    control : str
        The comparison group's name in ``group``.

    Returns
    -------
    dict
        ``planning`` plus ``customers_available``, ``feasible`` (the 90/10 plan for the observed effect fits in the
        base; None when no plan could be derived) and ``options``: a list of ``{option, n_treat, n_control,
        mde_revenue_per_customer, detects_observed}``, the effect each plan could detect at the same power.

    Examples
    --------
    >>> rng = np.random.default_rng(sum(map(ord, "feasibility")))
    >>> frame = pd.DataFrame({"group": ["t"] * 900 + ["c"] * 100, "pre_revenue": rng.gamma(2.0, 50.0, 1000)})
    >>> frame["revenue"] = frame["pre_revenue"] * 0.8 + rng.gamma(1.0, 40.0, 1000)
    >>> plan = {"sd_revenue": float(frame["revenue"].std()), "n_treat": 900, "n_control": 100,
    ...         "observed_lift": -10.0, "holdout_needed_at_9_to_1": 4000, "treated_needed_at_9_to_1": 36000,
    ...         "alpha": 0.05, "power": 0.8}
    >>> out = compute_feasibility(plan, frame, customers_available=2500, control="c")
    >>> out["feasible"], [o["option"] for o in out["options"]][:2]
    (False, ['90/10 split of every customer', '50/50 split of every customer'])
    >>> out["observed_lift"]  # the sign is kept
    -10.0
    """
    out = dict(planning)
    alpha, power = float(planning.get("alpha", 0.05)), float(planning.get("power", 0.8))
    sd = float(planning.get("sd_revenue", math.nan))
    lift = float(planning.get("observed_lift", math.nan))
    need = float(planning.get("holdout_needed_at_9_to_1") or math.nan) + float(
        planning.get("treated_needed_at_9_to_1") or math.nan)
    n = int(customers_available)
    out["customers_available"] = n
    out["feasible"] = None if math.isnan(need) or math.isinf(need) else bool(need <= n)
    options = [
        ("90/10 split of every customer", 0.9 * n, 0.1 * n, sd),
        ("50/50 split of every customer", 0.5 * n, 0.5 * n, sd),
    ]
    if "pre_revenue" in frame and frame["pre_revenue"].notna().sum() > 2:
        rho = float(np.corrcoef(frame["pre_revenue"].fillna(0.0), frame["revenue"].fillna(0.0))[0, 1])
        if math.isfinite(rho):
            options.append((f"50/50 split, adjusted for pre-period spend (CUPED; correlation {rho:.2f})",
                            0.5 * n, 0.5 * n, sd * math.sqrt(max(1 - rho**2, 0.0))))
    options.append(("two such campaigns pooled, 50/50 split of every customer each", n, n, sd))
    out["options"] = [{
        "option": name, "n_treat": int(t), "n_control": int(c),
        "mde_revenue_per_customer": (m := _mde(t, c, s, alpha, power)),
        "detects_observed": bool(abs(lift) >= m) if math.isfinite(lift) and math.isfinite(m) else None,
    } for name, t, c, s in options]
    return out
