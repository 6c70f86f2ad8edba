"""The doubly robust estimator against the authors' own: drdid, the Python port of Sant'Anna & Zhao's DRDID."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from drdid._estimators import drdid_panel

from campaignlab.stats import causal

SEED = sum(map(ord, "drdid"))


@pytest.mark.parametrize("n, effect", [(2000, 2.0), (600, -0.5)])
def test_doubly_robust_did_matches_drdid_panel(n, effect):
    rng = np.random.default_rng(SEED + n)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    d = (rng.random(n) < 1 / (1 + np.exp(-(0.5 * x1 - 0.3 * x2)))).astype(int)
    y0 = 1 + x1 + 0.5 * x2 + rng.normal(size=n)
    y1 = y0 + effect * d + 0.3 * x1 + rng.normal(size=n)
    df = pd.DataFrame({"y1": y1, "y0": y0, "d": d, "x1": x1, "x2": x2})

    att, influence = drdid_panel(y1, y0, d, np.column_stack([np.ones(n), x1, x2]))
    ours = causal.estimate_att_doubly_robust(df, outcome="y1", treatment="d", covariates=["x1", "x2"],
                                             pre_outcome="y0", trim=None)

    se = float(np.std(influence, ddof=1) / np.sqrt(n))
    assert ours["estimate"] == pytest.approx(att, rel=1e-8)
    # Our interval is estimate +/- z * SE with the same influence function (propensity estimation included).
    z = (ours["ci_high"] - ours["estimate"]) / se
    assert z == pytest.approx(1.959963984540054, rel=1e-6)
