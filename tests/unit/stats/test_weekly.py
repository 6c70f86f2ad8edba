"""Weighted weekly series of the matched comparison, and the ATT weights it uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignlab.data.simulate import simulate_customer_panel
from campaignlab.stats import causal
from campaignlab.stats.weekly import compute_weighted_weekly

SEED = sum(map(ord, "weekly"))


def test_att_weights_reproduce_the_ipw_estimator():
    panel = simulate_customer_panel(3000, true_att=5.0, confounding=1.0, seed=SEED)
    cov = ["pre_orders", "pre_revenue", "income_band"]
    w = causal.compute_att_weights(panel, treatment="treatment", covariates=cov, trim=(0.05, 0.95))
    kept = w.notna()
    t = panel["treatment"] == 1
    by_hand = (panel.loc[kept & t, "revenue"].mean()
               - np.average(panel.loc[kept & ~t, "revenue"], weights=w[kept & ~t]))
    ipw = causal.estimate_att_ipw(panel, outcome="revenue", treatment="treatment", covariates=cov, trim=(0.05, 0.95))
    assert by_hand == pytest.approx(ipw["estimate"], rel=1e-9)
    assert int((~kept).sum()) == ipw["n_trimmed"]
    assert (w[t & kept] == 1).all()


def test_weighted_weekly_equals_a_weighted_average_per_week():
    rng = np.random.default_rng(SEED)
    weeks = pd.date_range("2024-01-01", periods=6, freq="W-MON")
    ids = np.arange(40)
    rows = [(c, wk, float(rng.gamma(2, 10))) for c in ids for wk in weeks if rng.random() < 0.4]
    cw = pd.DataFrame(rows, columns=["customer_id", "week", "revenue"])
    treated = ids < 15
    weight = np.where(treated, 1.0, rng.uniform(0.1, 3, len(ids)))
    weight[20] = np.nan  # trimmed
    weights = pd.DataFrame({"customer_id": ids, "treated": treated, "weight": weight})
    out = compute_weighted_weekly(cw, weights, weeks=weeks,
                                  windows={"pre": (weeks[0], weeks[3]), "campaign": (weeks[3], weeks[5])})
    full = cw.pivot_table(index="customer_id", columns="week", values="revenue").reindex(index=ids, columns=weeks)
    full = full.fillna(0.0)
    keep = ~np.isnan(weight)
    for i, wk in enumerate(weeks):
        y = full[wk].to_numpy()
        assert out["targeted"].iloc[i] == pytest.approx(y[treated].mean())
        assert out["comparison_weighted"].iloc[i] == pytest.approx(np.average(y[~treated & keep],
                                                                                weights=weight[~treated & keep]))
        assert out["comparison_unweighted"].iloc[i] == pytest.approx(y[~treated & keep].mean())
    assert out["period"].tolist() == ["pre"] * 3 + ["campaign"] * 2 + [""]
    assert (out["difference"] == out["targeted"] - out["comparison_weighted"]).all()
    assert out["comparison_customers"].iloc[0] == int((~treated & keep).sum())


def test_trust_check_and_weekly_chart_quote_one_effective_comparison_size():
    from campaignlab.stats import response

    panel = simulate_customer_panel(3000, true_att=5.0, confounding=1.5, seed=SEED)
    frame = panel.assign(group=np.where(panel["treatment"] == 1, "treatment", response.COMPARISON))
    cov = ["pre_orders", "pre_revenue", "income_band"]
    diag = response.matched_diagnostics(frame, covariates=cov, trim=(0.05, 0.95), threshold=0.1)
    w = causal.compute_att_weights(frame.assign(_t=panel["treatment"]), treatment="_t", covariates=cov,
                                   trim=(0.05, 0.95))
    comparison = w[(panel["treatment"] == 0) & w.notna()]
    assert diag["trimmed"] > 0, "the case must trim, or both weightings agree trivially"
    assert diag["effective_comparison"] == pytest.approx(comparison.sum() ** 2 / (comparison ** 2).sum(), rel=1e-9)
