"""Unit tests for campaignlab.stats.clv, with golden values from the CDNOW papers.

The first fit in a fresh pytensor compile cache takes about 30-40 s per model graph; the
fits are module-scoped so each graph is compiled once per run. Set
``PYTENSOR_FLAGS=base_compiledir=...`` (the Makefile does) to keep the cache between runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaignlab.stats import clv
from campaignlab.stats import segmentation as seg

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """CDNOW calibration summary (weeks), 2,357 customers, with mean repeat spend."""
    raw = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    return raw.rename(columns={"ID": "customer_id", "x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.fixture(scope="module")
def cdnow_bgnbd() -> dict:
    summary = pd.read_csv(DATA / "cdnow_customers_summary.csv").rename(columns={"ID": "customer_id"})
    return clv.fit_bgnbd(summary, priors="flat")


@pytest.fixture(scope="module")
def cdnow_gg(cdnow) -> dict:
    return clv.fit_gamma_gamma(cdnow)


@pytest.fixture(scope="module")
def cdnow_model(cdnow) -> clv.LifetimeValueModel:
    # Durations are in weeks here: horizon_days=39 means 39 of the data's time units.
    return clv.LifetimeValueModel(horizon_days=39, priors="flat", discount_rate=0.0).fit(cdnow)


def _simulate_transactions(n: int, seed: int) -> pd.DataFrame:
    """Transactions from the BG/NBD story (Fader, Hardie & Lee 2005) in days, Gamma-Gamma spend."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    lam = rng.gamma(0.5, 1 / 20.0, n)  # r = 0.5, alpha = 20 days
    p_drop = rng.beta(0.8, 2.5, n)  # a = 0.8, b = 2.5
    rows = []
    for i in range(n):
        t = float(rng.uniform(0, 300))
        nu = rng.gamma(6.0, 1 / 15.0)
        first = True
        while t < 540:
            spend = round(rng.gamma(6.0, 1 / nu), 2)
            rows.append((f"c{i:05d}", f"o{i}-{len(rows)}", start + pd.Timedelta(days=t), spend))
            # BG/NBD: a customer may drop out after each *repeat* purchase, not after the first.
            if not first and rng.random() < p_drop[i]:
                break
            first = False
            t += rng.exponential(1 / lam[i])
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "ts", "amount"])


@pytest.fixture(scope="module")
def simulated_summary() -> pd.DataFrame:
    tx = _simulate_transactions(1500, seed=sum(map(ord, "simulated_summary")))
    snapshot = seg.compute_customer_snapshot(tx, as_of="2024-06-24", lookback_days=3650)
    return clv.compute_clv_summary(snapshot)


@pytest.fixture(scope="module")
def simulated_model(simulated_summary) -> clv.LifetimeValueModel:
    return clv.LifetimeValueModel(horizon_days=365, priors="flat", discount_rate=0.1).fit(simulated_summary)


# --------------------------------------------------------------------------------------
# Golden values
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, paper", [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)])
def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow_bgnbd, name, paper):
    # Fader, Hardie & Lee (2005), Marketing Science 24(2), maximum-likelihood estimates on CDNOW.
    assert cdnow_bgnbd[name] == pytest.approx(paper, rel=0.01)
    assert cdnow_bgnbd["n_customers"] == 2357


@pytest.mark.parametrize("name, paper", [("p", 6.25), ("q", 3.74), ("v", 15.44)])
def test_gamma_gamma_reproduces_fader_hardie_lee_2005b(cdnow_gg, name, paper):
    # Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4): p, q, gamma on the 946 CDNOW repeat buyers.
    assert cdnow_gg[name] == pytest.approx(paper, rel=0.01)
    assert cdnow_gg["n_customers"] == 946
    assert cdnow_gg["n_excluded_no_repeat"] == 2357 - 946
    assert cdnow_gg["n_excluded_nonpositive_spend"] == 0


def test_params_are_unrounded_posterior_values(cdnow_bgnbd, cdnow_gg):
    # fit_summary() would round to 3 decimals; the posterior value carries more digits.
    assert cdnow_bgnbd["alpha"] != round(cdnow_bgnbd["alpha"], 3)
    assert cdnow_gg["v"] != round(cdnow_gg["v"], 3)


def test_conditional_expected_purchases_matches_paper(cdnow_model, cdnow):
    # Fader, Hardie & Lee (2005), section 5: a customer with x=2, t_x=30.43, T=38.86 is expected
    # to make 1.226 purchases in the next 39 weeks.
    pred = cdnow_model.predict(cdnow).set_index("customer_id")
    assert pred.loc[1, "expected_orders"] == pytest.approx(1.226, abs=0.001)  # integer ids come back as given


def test_expected_order_value_matches_hardie_spreadsheet(cdnow_model, cdnow):
    # Conditional expected average spend of the first CDNOW customers, as computed in Fader & Hardie's
    # Gamma-Gamma note spreadsheet (and the lifetimes test suite).
    pred = cdnow_model.predict(cdnow.head(10))
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    np.testing.assert_allclose(pred["expected_order_value"], expected, rtol=1e-3)


# --------------------------------------------------------------------------------------
# Gamma-Gamma exclusions and priors
# --------------------------------------------------------------------------------------


def test_gamma_gamma_excludes_nonpositive_spend_explicitly(cdnow, cdnow_gg):
    extra = pd.DataFrame(
        {"customer_id": [90001, 90002, 90003], "frequency": [3, 2, 0], "recency": [10.0, 5.0, 0.0],
         "T": [20.0, 20.0, 20.0], "monetary_value": [0.0, -12.5, 0.0]}
    )  # fmt: skip
    params = clv.fit_gamma_gamma(pd.concat([cdnow, extra], ignore_index=True))
    assert params["n_excluded_nonpositive_spend"] == 2
    assert params["n_excluded_no_repeat"] == cdnow_gg["n_excluded_no_repeat"] + 1
    assert params["n_customers"] == 946
    assert params["p"] == pytest.approx(cdnow_gg["p"], rel=1e-4)


def test_gamma_gamma_needs_repeat_buyers():
    summary = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [0, 1], "recency": [0, 3], "T": [9, 9],
                            "monetary_value": [0.0, -1.0]})  # fmt: skip
    with pytest.raises(ValueError, match=r"found 0 \(1 without repeat purchase, 1 with zero or negative spend"):
        clv.fit_gamma_gamma(summary)


def test_default_priors_move_away_from_maximum_likelihood(cdnow_bgnbd):
    summary = pd.read_csv(DATA / "cdnow_customers_summary.csv").rename(columns={"ID": "customer_id"})
    default = clv.fit_bgnbd(summary, priors="default")
    differences = [abs(default[k] / cdnow_bgnbd[k] - 1) for k in clv.BGNBD_PARAMS]
    assert max(differences) > 0.01


# --------------------------------------------------------------------------------------
# LifetimeValueModel
# --------------------------------------------------------------------------------------


def test_estimator_init_only_stores_arguments():
    model = clv.LifetimeValueModel(horizon_days=-5, priors="nonsense", discount_rate=3.0)
    assert (model.horizon_days, model.priors, model.discount_rate) == (-5, "nonsense", 3.0)
    assert not hasattr(model, "bgnbd_params_")
    with pytest.raises(ValueError, match="priors must be 'flat' or 'default'"):
        model.fit(pd.DataFrame())


def test_predict_before_fit_raises(cdnow):
    with pytest.raises(ValueError, match="not fitted"):
        clv.LifetimeValueModel().predict(cdnow)


def test_fit_returns_self_with_learned_attributes(cdnow_model):
    assert isinstance(cdnow_model, clv.LifetimeValueModel)
    assert set(clv.BGNBD_PARAMS) <= set(cdnow_model.bgnbd_params_)
    assert set(clv.GAMMA_GAMMA_PARAMS) <= set(cdnow_model.gg_params_)


def test_non_repeat_customers_get_population_mean_spend(cdnow_model, cdnow):
    pred = cdnow_model.predict(cdnow)
    gg = cdnow_model.gg_params_
    population = gg["p"] * gg["v"] / (gg["q"] - 1)
    no_repeat = (cdnow["frequency"] == 0).to_numpy()
    np.testing.assert_allclose(pred.loc[no_repeat, "expected_order_value"], population, rtol=1e-9)
    assert pred["expected_order_value"].notna().all()


def test_predict_keeps_input_order_and_handles_new_customers(cdnow_model, cdnow):
    shuffled = cdnow.sample(frac=1.0, random_state=sum(map(ord, "shuffled"))).head(50)
    pred = cdnow_model.predict(shuffled)
    assert pred["customer_id"].tolist() == shuffled["customer_id"].tolist()
    unseen = pd.DataFrame({"customer_id": ["new"], "frequency": [0], "recency": [0.0], "T": [1.0]})
    out = cdnow_model.predict(unseen)  # no monetary_value: population mean spend
    assert out["probability_alive"].iloc[0] == 1.0
    assert out["expected_orders"].iloc[0] > 0


def test_undiscounted_value_is_orders_times_order_value(cdnow_model, cdnow):
    pred = cdnow_model.predict(cdnow)
    np.testing.assert_allclose(pred["expected_value"], pred["expected_orders"] * pred["expected_order_value"])
    assert pred["probability_alive"].between(0, 1).all()


def test_simulated_days_recover_parameters(simulated_model, simulated_summary):
    # Simulated with r=0.5, alpha=20, a=0.8, b=2.5 (days): MAP on ~1,500 customers lands close.
    params = simulated_model.bgnbd_params_
    assert params["r"] == pytest.approx(0.5, rel=0.3)
    assert params["alpha"] == pytest.approx(20.0, rel=0.3)
    assert params["a"] == pytest.approx(0.8, rel=0.4)
    assert params["b"] == pytest.approx(2.5, rel=0.4)
    assert simulated_model.gg_params_["n_customers"] == int((simulated_summary["frequency"] > 0).sum())


def test_discounting_lowers_value_within_bounds(simulated_model, simulated_summary):
    pred = simulated_model.predict(simulated_summary)
    undiscounted = pred["expected_orders"] * pred["expected_order_value"]
    assert (pred["expected_value"] <= undiscounted + 1e-9).all()
    # Nothing is discounted by more than a full year's rate.
    assert (pred["expected_value"] >= undiscounted / 1.1 - 1e-9).all()
    assert (pred["expected_value"] < undiscounted).mean() > 0.9


def test_probability_alive_orders_customers_sensibly(simulated_model):
    summary = pd.DataFrame(
        {"customer_id": ["recent", "lapsed"], "frequency": [5, 5], "recency": [200.0, 20.0], "T": [210.0, 210.0]}
    )
    pred = simulated_model.predict(summary).set_index("customer_id")
    assert pred.loc["recent", "probability_alive"] > 0.8 > pred.loc["lapsed", "probability_alive"]
    assert pred.loc["recent", "expected_orders"] > pred.loc["lapsed", "expected_orders"]


# --------------------------------------------------------------------------------------
# Summary and validation
# --------------------------------------------------------------------------------------


def test_clv_summary_from_snapshot():
    snap = pd.DataFrame({"customer_id": ["a", "b"], "frequency_repeat": [2, 0], "recency_bgnbd": [30, 0],
                         "T": [40, 5], "monetary_repeat_mean": [12.5, np.nan]})  # fmt: skip
    summary = clv.compute_clv_summary(snap)
    assert list(summary.columns) == list(clv.SUMMARY_COLUMNS)
    assert summary["frequency"].tolist() == [2.0, 0.0]
    assert summary["recency"].tolist() == [30.0, 0.0]
    assert np.isnan(summary["monetary_value"].iloc[1])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.drop(columns="T"), r"Required column 'T' missing from summary \(found: customer_id, frequency"),
        (lambda d: d.assign(recency=d["T"] + 1), "recency > T"),
        (lambda d: d.assign(customer_id="same"), "duplicate customer_id"),
        (lambda d: d.assign(frequency=0.5), "whole numbers"),
        (lambda d: d.assign(T=-1.0), "'recency' must be >= 0|'T' must be >= 0"),
        (lambda d: d.iloc[0:0], "no customers"),
    ],
)
def test_summary_validation_messages(change, message):
    summary = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [1, 0], "recency": [3.0, 0.0], "T": [9.0, 9.0]})
    with pytest.raises(ValueError, match=message):
        clv.fit_bgnbd(change(summary))


# --------------------------------------------------------------------------------------
# Degenerate fits
# --------------------------------------------------------------------------------------


def _no_dropout_summary(n: int, seed: int) -> pd.DataFrame:
    """Everyone keeps buying until the end of observation: the history holds no dropout signal."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(100, 120, n).round()
    frequency = rng.poisson(12, n) + 1
    recency = T - rng.uniform(0, 3, n).round()
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "frequency": frequency.astype(float),
                         "recency": recency, "T": T, "monetary_value": rng.gamma(5.0, 6.0, n)})


def test_fit_without_dropout_signal_is_degenerate_and_refuses_to_predict():
    summary = _no_dropout_summary(300, seed=sum(map(ord, "no_dropout")))
    model = clv.LifetimeValueModel(horizon_days=365).fit(summary)
    lo, hi = clv.DEGENERATE_BOUNDS
    assert not lo <= model.bgnbd_params_["a"] <= hi or not lo <= model.bgnbd_params_["b"] <= hi
    assert model.degenerate_ is not None and model.degenerate_.startswith("no dropout signal")
    with pytest.raises(ValueError, match="degenerate"):
        model.predict(summary)


def test_well_identified_fit_is_not_degenerate(cdnow_model):
    assert cdnow_model.degenerate_ is None
    assert clv.find_degenerate_fit(cdnow_model.bgnbd_params_) is None


@pytest.mark.parametrize("a, b, flagged", [(0.5, 2.0, False), (1e-4, 2.0, True), (0.5, 2e3, True),
                                            (1e-3, 1e3, False)])
def test_degenerate_bounds(a, b, flagged):
    assert (clv.find_degenerate_fit({"a": a, "b": b}) is not None) is flagged


def test_short_history_is_flagged_before_any_fit():
    reason = clv.find_degenerate_fit({}, history_days=38, min_history_days=90)
    assert reason is not None and "38 days" in reason and "90" in reason
    assert clv.find_degenerate_fit({}, history_days=90, min_history_days=90) is None


def test_lifetime_value_section_says_why_not_estimated():
    from campaignlab.params import ClvConfig
    from campaignlab.steps import segment as segment_report

    cfg = ClvConfig(horizon_days=365, priors="flat", discount_rate=0.1, min_history_days=90)
    summary = _no_dropout_summary(50, seed=sum(map(ord, "short_history")))
    section = segment_report.fit_lifetime_value(summary, cfg, history_days=38)
    assert section["estimated"] is False and section["degenerate"] is True
    assert "38 days of history" in section["reason"]
    assert "bgnbd" not in section and "predictions" not in section


# ------------------------------------------------------------------------------------------- vectorized prediction
@pytest.fixture(scope="module")
def library_model(simulated_summary):
    """pymc-marketing's own flat-prior fits of the simulated customers, and a model holding their parameters."""
    Prior, BetaGeoModel, GammaGammaModel = clv._pymc_marketing()
    bgnbd = BetaGeoModel(model_config={k: Prior("HalfFlat") for k in clv.BGNBD_PARAMS})
    bgnbd.fit(data=clv._check_summary(simulated_summary, monetary=False), method="map", progressbar=False)
    gg_data, counts = clv._gamma_gamma_data(simulated_summary)
    gamma_gamma = GammaGammaModel(model_config={k: Prior("HalfFlat") for k in clv.GAMMA_GAMMA_PARAMS})
    gamma_gamma.fit(data=gg_data, method="map", progressbar=False)
    model = clv.LifetimeValueModel(horizon_days=365, priors="flat", discount_rate=0.1).set_fitted(
        {**clv._posterior_values(bgnbd.idata, clv.BGNBD_PARAMS), "n_customers": len(simulated_summary)},
        {**clv._posterior_values(gamma_gamma.idata, clv.GAMMA_GAMMA_PARAMS), **counts})
    model.bgnbd_model_, model.gg_model_ = bgnbd, gamma_gamma
    return model


def test_vectorized_predict_equals_pymc_marketing_horizon_by_horizon(library_model, simulated_summary):
    """predict() evaluates every 30-day period end in one broadcast; pymc-marketing, one horizon per call."""
    model = library_model
    pred = model.predict(simulated_summary)
    bg = simulated_summary[["customer_id", "frequency", "recency", "T"]].astype({"customer_id": str})
    ids = bg["customer_id"]

    def per_customer(values):
        series = values.mean(("chain", "draw")).to_series()
        series.index = series.index.astype(str)
        return series.reindex(ids.to_numpy()).to_numpy(dtype="float64")

    period_ends = np.minimum(np.arange(1, 14) * 30, 365)
    loop = [per_customer(model.bgnbd_model_.expected_purchases(bg, future_t=t)) for t in period_ends]
    increments = np.diff(np.vstack([np.zeros(len(ids)), *loop]), axis=0)
    discount = (1.0 + model.discount_rate) ** (-period_ends / 365.0)
    np.testing.assert_allclose(pred["expected_orders"], loop[-1], rtol=1e-12, atol=0)
    alive = per_customer(model.bgnbd_model_.expected_probability_alive(bg))
    np.testing.assert_allclose(pred["probability_alive"], alive, rtol=1e-12, atol=0)
    repeat = ((simulated_summary["frequency"] > 0) & (simulated_summary["monetary_value"] > 0)).to_numpy()
    gg = simulated_summary.loc[repeat, ["customer_id", "frequency", "monetary_value"]]
    spend = model.gg_model_.expected_customer_spend(gg).mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(pred.loc[repeat, "expected_order_value"], spend, rtol=1e-12, atol=0)
    value = (increments * discount[:, None]).sum(axis=0) * pred["expected_order_value"].to_numpy()
    np.testing.assert_allclose(pred["expected_value"], value, rtol=1e-12, atol=0)


def test_model_restored_from_parameters_predicts_byte_for_byte(simulated_model, simulated_summary):
    restored = clv.LifetimeValueModel(horizon_days=365, priors="flat", discount_rate=0.1).set_fitted(
        simulated_model.bgnbd_params_, simulated_model.gg_params_)
    fresh, again = simulated_model.predict(simulated_summary), restored.predict(simulated_summary)
    pd.testing.assert_frame_equal(again, fresh, check_exact=True)
    assert restored.bgnbd_model_ is None and restored.degenerate_ is None


def test_fit_key_follows_data_and_settings(simulated_summary):
    key = clv.compute_fit_key(simulated_summary, priors="flat")
    assert key == clv.compute_fit_key(simulated_summary.copy(), priors="flat")
    assert key != clv.compute_fit_key(simulated_summary, priors="default")
    # The ids do not enter the fit: integer keys of the same customers (the segment step's) share the key.
    keyed = simulated_summary.assign(customer_id=np.arange(len(simulated_summary), dtype="int64"))
    assert key == clv.compute_fit_key(keyed, priors="flat")
    changed = simulated_summary.copy()
    changed.loc[changed.index[0], "T"] += 1.0
    assert key != clv.compute_fit_key(changed, priors="flat")
    assert key != clv.compute_fit_key(simulated_summary.iloc[::-1], priors="flat")
