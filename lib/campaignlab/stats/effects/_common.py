"""Constants shared by the submodules: part of :mod:`campaignlab.stats.effects`."""

from __future__ import annotations

import numpy as np

# Module import (not ``from ... import test_proportions_2indep``): a name starting with
# ``test_`` in this namespace would be collected by pytest as a test.

_NAN = float("nan")

def _relative(estimate: float, control_mean: float) -> float:
    if not np.isfinite(control_mean) or control_mean == 0:
        return _NAN
    return float(estimate / control_mean)

def _result(
    *,
    metric: str,
    method: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    p_value: float,
    control_mean: float,
    **extra: object,
) -> dict:
    out = {
        "metric": metric,
        "method": method,
        "estimate": float(estimate),
        "ci_low": float(ci_low),
        "ci_high": float(ci_high),
        "p_value": float(p_value),
        "relative": _relative(float(estimate), float(control_mean)),
    }
    out.update(extra)
    return out
