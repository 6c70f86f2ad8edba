"""Tests for campaignlab.stats.causal: independent recomputation, edge cases and a coverage simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from campaignlab.data.simulate import simulate_customer_panel
from campaignlab.stats.causal import (
    compute_balance,
    compute_overlap,
    estimate_att_bootstrap,
    estimate_att_doubly_robust,
    estimate_att_ipw,
    estimate_did,
    estimate_linear_adjusted,
    estimate_naive,
    fit_propensity,
)

COVARIATES = ["pre_orders", "pre_revenue", "income_band"]
KEYS = {"metric", "method", "estimate", "ci_low", "ci_high", "p_value", "relative",
        "n_treat", "n_control", "n_trimmed", "mean_treat", "counterfactual_mean"}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate_customer_panel(3000, true_att=8.0, confounding=1.0, seed=sum(map(ord, "causal")))


def _reference_design(df: pd.DataFrame) -> pd.DataFrame:
    """The propensity design built by hand: log1p spend/orders and income dummies, missing as a level."""
    return pd.DataFrame(
        {
            "lo": np.log1p(df["pre_orders"]),
            "lr": np.log1p(df["pre_revenue"]),
            "band": df["income_band"].fillna("unknown"),
            "treatment": df["treatment"],
            "revenue": df["revenue"],
            "pre_orders": df["pre_orders"],
            "pre_revenue": df["pre_revenue"],
        }
    )


# ------------------------------------------------------------------------- propensity


def test_propensity_matches_an_independent_logit(panel: pd.DataFrame) -> None:
    ps, info = fit_propensity(panel, treatment="treatment", covariates=COVARIATES)
    ref = smf.logit("treatment ~ lo + lr + C(band)", data=_reference_design(panel)).fit(disp=0)
    np.testing.assert_allclose(ps, ref.predict(), rtol=1e-6)
    assert info["log1p_columns"] == ["pre_orders", "pre_revenue"]
    assert info["regularized"] is False and "maximum likelihood" in info["method"]


def test_propensity_log1p_can_be_switched_off(panel: pd.DataFrame) -> None:
    ps, info = fit_propensity(panel, treatment="treatment", covariates=["pre_revenue"], log1p_columns=())
    ref = smf.logit("treatment ~ pre_revenue", data=panel).fit(disp=0)
    np.testing.assert_allclose(ps, ref.predict(), rtol=1e-6)
    assert info["log1p_columns"] == []


def test_perfect_separation_falls_back_to_ridge() -> None:
    x = np.linspace(-2, 2, 200)
    df = pd.DataFrame({"t": (x > 0).astype(int), "x": x, "noise": np.cos(np.arange(200))})
    ps, info = fit_propensity(df, treatment="t", covariates=["x", "noise"])
    assert info["regularized"] is True
    assert "ridge" in info["method"] and "separation" in info["method"]
    assert np.isfinite(ps).all() and ((ps > 0) & (ps < 1)).all()
    assert ps[df.t == 1].min() > ps[df.t == 0].max()  # still ranks the groups


def test_perfect_separation_does_not_break_the_estimator() -> None:
    x = np.linspace(0, 10, 300)
    df = pd.DataFrame({"t": (x > 6).astype(int), "x": x, "y": x + 2.0 * (x > 6)})
    r = estimate_att_doubly_robust(df, outcome="y", treatment="t", covariates=["x"], trim=None)
    assert "ridge-penalized propensity" in r["method"]
    assert np.isfinite(r["estimate"])


# ---------------------------------------------------------------------------- balance


def test_balance_matches_hand_smd_with_missing_level(panel: pd.DataFrame) -> None:
    table = compute_balance(panel, treatment="treatment", covariates=["pre_revenue", "income_band"])
    t = panel.treatment == 1
    x = panel["pre_revenue"]
    smd = (x[t].mean() - x[~t].mean()) / math.sqrt((x[t].var() + x[~t].var()) / 2)
    row = table.set_index("covariate").loc["pre_revenue"]
    assert row["smd_before"] == pytest.approx(smd, rel=1e-9)
    miss = panel["income_band"].isna()
    pt, pc = miss[t].mean(), miss[~t].mean()
    smd_miss = (pt - pc) / math.sqrt((miss[t].var() + miss[~t].var()) / 2)
    assert table.set_index("covariate").loc["income_band=<missing>", "smd_before"] == pytest.approx(smd_miss)
    assert set(table.columns) == {"covariate", "smd_before", "smd_after", "balanced"}
    assert table["smd_after"].isna().all()
    assert table.attrs["balanced"] is False  # targeting on spend: pre_revenue is imbalanced


def test_odds_weights_restore_balance(panel: pd.DataFrame) -> None:
    ps, info = fit_propensity(panel, treatment="treatment", covariates=COVARIATES)
    w = np.where(panel.treatment == 1, 1.0, ps / (1 - ps))
    table = compute_balance(panel, treatment="treatment", covariates=COVARIATES, weights=w,
                            log1p_columns=info["log1p_columns"])
    assert "log1p(pre_revenue)" in table["covariate"].tolist()
    assert table["smd_before"].abs().max() > 0.5
    assert table["smd_after"].abs().max() < 0.05
    assert table.attrs["balanced"] is True
    bad = compute_balance(panel, treatment="treatment", covariates=COVARIATES, weights=np.ones(len(panel)))
    assert bad.attrs["balanced"] is False


def test_balance_drops_constant_columns_and_validates_weights(panel: pd.DataFrame) -> None:
    df = panel.assign(const=1.0)
    table = compute_balance(df, treatment="treatment", covariates=["const", "pre_orders"])
    assert table["covariate"].tolist() == ["pre_orders"]
    with pytest.raises(ValueError, match="weights"):
        compute_balance(df, treatment="treatment", covariates=["pre_orders"], weights=np.ones(3))


# ---------------------------------------------------------------------------- overlap


def test_overlap_hand_example() -> None:
    ov = compute_overlap([0.2, 0.6, 0.9, 0.1, 0.5, 0.5], [1, 1, 1, 0, 0, 0])
    assert ov["share_treated_outside_control_support"] == pytest.approx(2 / 3)
    w = np.array([0.1 / 0.9, 1.0, 1.0])
    assert ov["ess_control"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert ov["ess_control_share"] == pytest.approx(ov["ess_control"] / 3)
    assert (ov["ps_treat_min"], ov["ps_control_max"]) == (0.2, 0.5)
    empty = compute_overlap([0.3, 0.4], [1, 1])
    assert math.isnan(empty["ess_control"]) and math.isnan(empty["share_treated_outside_control_support"])


# ---------------------------------------------------------------------------- DR, IPW


def test_dr_and_ipw_match_independent_recomputation(panel: pd.DataFrame) -> None:
    d = _reference_design(panel)
    ps = np.asarray(smf.logit("treatment ~ lo + lr + C(band)", data=d).fit(disp=0).predict())
    assert ps.min() > 0.01 and ps.max() < 0.99  # nothing trimmed, so no refit to mimic
    t = d.treatment.to_numpy() == 1
    m0 = smf.ols("revenue ~ pre_orders + pre_revenue + C(band)", data=d[~t]).fit().predict(d).to_numpy()
    odds = ps / (1 - ps)
    resid = d.revenue.to_numpy() - m0
    dr = resid[t].mean() - np.average(resid[~t], weights=odds[~t])
    ipw = d.revenue[t].mean() - np.average(d.revenue[~t], weights=odds[~t])

    r_dr = estimate_att_doubly_robust(panel, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    r_ipw = estimate_att_ipw(panel, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    assert KEYS <= r_dr.keys() and KEYS <= r_ipw.keys()
    assert r_dr["estimate"] == pytest.approx(dr, rel=1e-6)
    assert r_ipw["estimate"] == pytest.approx(ipw, rel=1e-6)
    assert r_dr["counterfactual_mean"] == pytest.approx(d.revenue[t].mean() - dr, rel=1e-6)
    assert r_dr["relative"] == pytest.approx(dr / r_dr["counterfactual_mean"])
    assert r_dr["n_trimmed"] == 0 and r_dr["n_treat"] == t.sum()
    z = stats.norm.ppf(0.975)
    assert r_dr["ci_high"] - r_dr["ci_low"] == pytest.approx(2 * z * r_dr["se"])
    assert "Sant'Anna & Zhao" in r_dr["method"] and "influence-function" in r_dr["method"]
    assert "Hajek" in r_ipw["method"]


def test_influence_se_agrees_with_bootstrap() -> None:
    df = simulate_customer_panel(1500, true_att=8.0, confounding=1.0, seed=sum(map(ord, "bootstrap")))
    r_if = estimate_att_doubly_robust(df, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    r_bs = estimate_att_bootstrap(df, outcome="revenue", treatment="treatment", covariates=COVARIATES,
                                  seed=sum(map(ord, "bootstrap")), n_boot=150)
    assert r_bs["n_boot"] == 150
    assert r_bs["estimate"] == pytest.approx(r_if["estimate"])
    assert r_bs["se"] == pytest.approx(r_if["se"], rel=0.2)
    assert "bootstrap" in r_bs["method"]


def test_ipw_influence_se_accounts_for_propensity_estimation(panel: pd.DataFrame) -> None:
    # Treating the weights as known gives a different (here larger) SE: estimating the
    # propensity score improves efficiency (Hirano, Imbens & Ridder 2003). The IF SE must
    # differ from the naive weighted-mean SE, or the estimation term is being ignored.
    r = estimate_att_ipw(panel, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    ps, _ = fit_propensity(panel, treatment="treatment", covariates=COVARIATES)
    t = panel.treatment.to_numpy() == 1
    y = panel.revenue.to_numpy()
    w = (ps / (1 - ps))[~t]
    w = w / w.sum()
    mu_c = w @ y[~t]
    naive_var = y[t].var(ddof=1) / t.sum() + (w**2) @ (y[~t] - mu_c) ** 2
    assert r["se"] < math.sqrt(naive_var) * 0.98


def test_dr_did_equals_dr_on_the_change(panel: pd.DataFrame) -> None:
    df = panel.assign(change=panel.revenue - panel.pre_revenue)
    a = estimate_att_doubly_robust(df, outcome="revenue", pre_outcome="pre_revenue", treatment="treatment",
                                   covariates=COVARIATES)
    b = estimate_att_doubly_robust(df, outcome="change", treatment="treatment", covariates=COVARIATES)
    assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-12)
    assert a["se"] == pytest.approx(b["se"], rel=1e-12)
    assert "DR DiD" in a["method"]
    # levels are reported on the outcome's own scale
    assert a["mean_treat"] == pytest.approx(panel.revenue[panel.treatment == 1].mean())
    assert a["counterfactual_mean"] == pytest.approx(a["mean_treat"] - a["estimate"])


def test_trimming_drops_and_counts_extreme_propensities() -> None:
    df = simulate_customer_panel(2000, true_att=8.0, confounding=2.5, seed=sum(map(ord, "trim")))
    ps, _ = fit_propensity(df, treatment="treatment", covariates=COVARIATES)
    outside = int(((ps < 0.01) | (ps > 0.99)).sum())
    assert outside > 0
    r = estimate_att_doubly_robust(df, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    assert r["n_trimmed"] == outside
    assert r["n_treat"] + r["n_control"] + r["n_trimmed"] == len(df)
    untrimmed = estimate_att_doubly_robust(df, outcome="revenue", treatment="treatment", covariates=COVARIATES,
                                           trim=None)
    assert untrimmed["n_trimmed"] == 0 and untrimmed["estimate"] != r["estimate"]


def test_missing_text_level_equals_an_explicit_level(panel: pd.DataFrame) -> None:
    filled = panel.assign(income_band=panel.income_band.fillna("zz_unknown"))
    a = estimate_att_doubly_robust(panel, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    b = estimate_att_doubly_robust(filled, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-8)
    assert a["se"] == pytest.approx(b["se"], rel=1e-6)


def test_constant_covariate_is_ignored(panel: pd.DataFrame) -> None:
    a = estimate_att_doubly_robust(panel.assign(k=3.0), outcome="revenue", treatment="treatment",
                                   covariates=[*COVARIATES, "k"])
    b = estimate_att_doubly_robust(panel, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-10)


@pytest.mark.parametrize("estimator", [estimate_att_doubly_robust, estimate_att_ipw])
def test_single_group_gives_nan_not_an_error(panel: pd.DataFrame, estimator) -> None:
    only_treated = panel[panel.treatment == 1].head(50)
    r = estimator(only_treated, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    assert math.isnan(r["estimate"]) and math.isnan(r["ci_low"])
    assert "not estimable" in r["method"] and r["n_control"] == 0


def test_missing_column_message_names_it(panel: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="'spend'.*missing"):
        estimate_att_doubly_robust(panel, outcome="spend", treatment="treatment", covariates=COVARIATES)


# --------------------------------------------------------------- comparison estimators


def test_naive_did_and_linear_match_direct_computation(panel: pd.DataFrame) -> None:
    t = panel.treatment == 1
    naive = estimate_naive(panel, outcome="revenue", treatment="treatment")
    assert naive["estimate"] == pytest.approx(panel.revenue[t].mean() - panel.revenue[~t].mean())
    assert naive["method"].startswith("naive")
    assert naive["p_value"] == pytest.approx(stats.ttest_ind(panel.revenue[t], panel.revenue[~t],
                                                             equal_var=False).pvalue)
    did = estimate_did(panel, outcome="revenue", pre_outcome="pre_revenue", treatment="treatment")
    change = panel.revenue - panel.pre_revenue
    assert did["estimate"] == pytest.approx(change[t].mean() - change[~t].mean())
    assert did["mean_treat"] == pytest.approx(panel.revenue[t].mean())
    assert did["relative"] == pytest.approx(did["estimate"] / (panel.revenue[t].mean() - did["estimate"]))
    lin = estimate_linear_adjusted(panel, outcome="revenue", treatment="treatment", covariates=COVARIATES)
    ref = smf.ols("revenue ~ treatment + pre_orders + pre_revenue + C(band)",
                  data=_reference_design(panel)).fit(cov_type="HC2")
    assert lin["estimate"] == pytest.approx(ref.params["treatment"], rel=1e-9)
    assert lin["se"] == pytest.approx(ref.bse["treatment"], rel=1e-9)


# ------------------------------------------------------------------ coverage simulation


def test_dr_interval_covers_the_true_att_while_naive_is_biased() -> None:
    """Over 300 confounded campaigns the 95% DR interval covers the truth 90-99% of the time.

    The propensity model is correctly specified (logit in log1p spend and income) but the
    linear outcome model is not, so this also exercises the double robustness. Naive and
    DiD estimates are biased because targeting follows pre-period spend and the seasonal
    change scales with spend. About 15 s on an idle 2-core machine.
    """
    true_att, n_sims, n_customers = 8.0, 300, 2000
    base = sum(map(ord, "coverage"))
    covered, dr_err, naive_err, did_err = [], [], [], []
    for i in range(n_sims):
        df = simulate_customer_panel(n_customers, true_att=true_att, confounding=1.0, seed=base + i)
        dr = estimate_att_doubly_robust(df, outcome="revenue", treatment="treatment", covariates=COVARIATES)
        naive = estimate_naive(df, outcome="revenue", treatment="treatment")
        did = estimate_did(df, outcome="revenue", pre_outcome="pre_revenue", treatment="treatment")
        covered.append(dr["ci_low"] <= true_att <= dr["ci_high"])
        dr_err.append(dr["estimate"] - true_att)
        naive_err.append(naive["estimate"] - true_att)
        did_err.append(did["estimate"] - true_att)
    coverage = float(np.mean(covered))
    assert 0.90 <= coverage <= 0.99, f"DR coverage {coverage:.3f}"
    dr_err, naive_err, did_err = map(np.asarray, (dr_err, naive_err, did_err))
    mcse = naive_err.std(ddof=1) / math.sqrt(n_sims)
    assert naive_err.mean() > 10 * mcse and naive_err.mean() > 5 * true_att  # clearly positive bias
    assert abs(did_err.mean()) > 10 * did_err.std(ddof=1) / math.sqrt(n_sims)  # DiD biased too
    # DR is (nearly) unbiased: its mean error is small relative to the naive bias and its own spread
    assert abs(dr_err.mean()) < 4 * dr_err.std(ddof=1) / math.sqrt(n_sims)
    assert abs(dr_err.mean()) < 0.05 * naive_err.mean()


# ------------------------------------------------------------------------------------------- shared propensity fits
def test_shared_propensity_fit_gives_the_same_estimates_as_separate_fits() -> None:
    from campaignlab.stats.causal import PropensityFits

    # Strong confounding so that trimming drops customers and the trimmed refit is shared too.
    df = simulate_customer_panel(2000, true_att=8.0, confounding=2.5, seed=sum(map(ord, "shared fits")))
    df["converted"] = (df["revenue"] > df["revenue"].median()).astype(int)
    fits = PropensityFits()
    for outcome in ("revenue", "converted"):
        for estimator in (estimate_att_doubly_robust, estimate_att_ipw):
            separate = estimator(df, outcome=outcome, treatment="treatment", covariates=COVARIATES)
            shared = estimator(df, outcome=outcome, treatment="treatment", covariates=COVARIATES,
                               propensity_fits=fits)
            assert shared == separate  # every key, exactly: the same fit, not a similar one
    assert separate["n_trimmed"] > 0
    ps, info = fit_propensity(df, treatment="treatment", covariates=COVARIATES)
    ps_shared, info_shared = fit_propensity(df, treatment="treatment", covariates=COVARIATES, propensity_fits=fits)
    np.testing.assert_array_equal(ps_shared, ps)
    pd.testing.assert_series_equal(info_shared["params"], info["params"])
    # One fit of the full sample and one of the trimmed sample, whatever the number of estimators and metrics.
    assert (fits.fitted, fits.reused) == (2, 7)


def test_another_sample_gets_its_own_propensity_fit(panel: pd.DataFrame) -> None:
    from campaignlab.stats.causal import PropensityFits

    fits = PropensityFits()
    whole = estimate_att_doubly_robust(panel, outcome="revenue", treatment="treatment", covariates=COVARIATES,
                                       trim=None, propensity_fits=fits)
    half = panel.iloc[: len(panel) // 2]
    part = estimate_att_doubly_robust(half, outcome="revenue", treatment="treatment", covariates=COVARIATES,
                                      trim=None, propensity_fits=fits)
    alone = estimate_att_doubly_robust(half, outcome="revenue", treatment="treatment", covariates=COVARIATES,
                                       trim=None)
    assert part == alone and part["estimate"] != whole["estimate"]
    assert (fits.fitted, fits.reused) == (2, 0)


def test_shared_propensity_arrays_are_read_only(panel: pd.DataFrame) -> None:
    from campaignlab.stats.causal import PropensityFits
    from campaignlab.stats.causal.propensity import _propensity_design

    X, _, _ = _propensity_design(panel, COVARIATES, None)
    fit = PropensityFits().fit(X, panel["treatment"].to_numpy(), 0.01)
    with pytest.raises(ValueError, match="read-only"):
        fit["ps"][0] = 0.5
