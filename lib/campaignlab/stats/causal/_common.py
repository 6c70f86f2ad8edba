"""Constants shared by the submodules: part of :mod:`campaignlab.stats.causal`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

_NAN = float("nan")

SMD_THRESHOLD = 0.1  # Austin (2009), Statistics in Medicine 28, 3083-3107


def _auto_log1p(df: pd.DataFrame, covariates: Sequence[str]) -> list[str]:
    """Numeric, non-negative, right-skewed (skewness > 1) covariates: spend and counts."""
    out = []
    for col in covariates:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            continue
        x = s.dropna().to_numpy(dtype=float)
        if x.size > 2 and x.min() >= 0 and np.unique(x).size > 2 and stats.skew(x) > 1:
            out.append(col)
    return out
