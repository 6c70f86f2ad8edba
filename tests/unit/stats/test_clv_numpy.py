"""The numpy/scipy BG/NBD and Gamma-Gamma fits against pymc-marketing (the library they stand in for).

The log-likelihoods and gradients are compared with the compiled pymc-marketing models at random points, and the
fitted parameters with pymc-marketing's own flat-prior MAP fit on CDNOW (Fader, Hardie & Lee 2005), whose likelihood
is well conditioned: the two fits agree to about 1e-9 relative; 1e-7 is asked here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaignlab.stats import clv, clv_numpy

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    summary = raw.rename(columns={"ID": "customer_id", "x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    return clv._check_summary(summary, monetary=True)


@pytest.fixture(scope="module")
def library(cdnow):
    """pymc-marketing's BG/NBD and Gamma-Gamma models of CDNOW with flat priors, built (not fitted)."""
    Prior, BetaGeoModel, GammaGammaModel = clv._pymc_marketing()
    bgnbd = BetaGeoModel(model_config={k: Prior("HalfFlat") for k in clv.BGNBD_PARAMS})
    bgnbd.build_model(data=cdnow.drop(columns="monetary_value"))
    gamma_gamma = GammaGammaModel(model_config={k: Prior("HalfFlat") for k in clv.GAMMA_GAMMA_PARAMS})
    gamma_gamma.build_model(data=clv._gamma_gamma_data(cdnow)[0])
    return bgnbd, gamma_gamma


def _library_loglik(model, names: tuple[str, ...], theta: np.ndarray) -> tuple[float, np.ndarray]:
    """The library model's log-likelihood (flat priors add nothing) and its gradient with respect to theta."""
    pm_model = model.model
    point = {f"{name}_log__": np.log(value) for name, value in zip(names, theta)}
    value = pm_model.compile_logp(jacobian=False)(point)
    # The gradient is with respect to the value variables, log theta, in the model's order: d/dtheta = d/dlog / theta.
    grad_log = pm_model.compile_dlogp(jacobian=False)(point)
    order = [v.name.removesuffix("_log__") for v in pm_model.value_vars]
    by_name = dict(zip(order, grad_log))
    return float(value), np.array([by_name[name] / t for name, t in zip(names, theta)])


def _points(rng: np.random.Generator, centre: np.ndarray, n: int = 5) -> list[np.ndarray]:
    return [centre * np.exp(rng.uniform(-1.0, 1.0, len(centre))) for _ in range(n)]


def test_bgnbd_loglik_and_gradient_equal_pymc_marketing(cdnow, library):
    x, t_x, T = (cdnow[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    rng = np.random.default_rng(sum(map(ord, "bgnbd_loglik")))
    for theta in _points(rng, np.array([0.24, 4.4, 0.79, 2.4])):
        value, grad = clv_numpy.bgnbd_loglik(theta, x, t_x, T)
        lib_value, lib_grad = _library_loglik(library[0], clv.BGNBD_PARAMS, theta)
        assert value == pytest.approx(lib_value, rel=1e-10)
        np.testing.assert_allclose(grad, lib_grad, rtol=1e-8, atol=1e-8 * np.abs(lib_grad).max())


def test_gamma_gamma_loglik_and_gradient_equal_pymc_marketing(cdnow, library):
    data = clv._gamma_gamma_data(cdnow)[0]
    x, z = data["frequency"].to_numpy(dtype="float64"), data["monetary_value"].to_numpy(dtype="float64")
    rng = np.random.default_rng(sum(map(ord, "gamma_gamma_loglik")))
    for theta in _points(rng, np.array([6.2, 3.7, 15.4])):
        value, grad = clv_numpy.gamma_gamma_loglik(theta, x, z)
        lib_value, lib_grad = _library_loglik(library[1], clv.GAMMA_GAMMA_PARAMS, theta)
        assert value == pytest.approx(lib_value, rel=1e-10)
        np.testing.assert_allclose(grad, lib_grad, rtol=1e-8, atol=1e-8 * np.abs(lib_grad).max())


def test_weights_count_customers_sharing_a_history(cdnow):
    """A history weighted by n adds what n customers with that history add."""
    x, t_x, T = (cdnow[c].to_numpy(dtype="float64")[:40] for c in ("frequency", "recency", "T"))
    weight = np.arange(1.0, 41.0)
    theta = np.array([0.3, 5.0, 0.7, 2.0])
    repeated = [np.repeat(v, weight.astype(int)) for v in (x, t_x, T)]
    value, grad = clv_numpy.bgnbd_loglik(theta, x, t_x, T, weight)
    value_rows, grad_rows = clv_numpy.bgnbd_loglik(theta, *repeated)
    assert value == pytest.approx(value_rows, rel=1e-12)
    np.testing.assert_allclose(grad, grad_rows, rtol=1e-10)


def test_fits_equal_pymc_marketing_fits(cdnow):
    """pymc-marketing's fit(method="map") with flat priors, through its own code path."""
    Prior, BetaGeoModel, GammaGammaModel = clv._pymc_marketing()
    bgnbd = BetaGeoModel(model_config={k: Prior("HalfFlat") for k in clv.BGNBD_PARAMS})
    bgnbd.fit(data=cdnow.drop(columns="monetary_value"), method="map", progressbar=False)
    gg_data = clv._gamma_gamma_data(cdnow)[0]
    gamma_gamma = GammaGammaModel(model_config={k: Prior("HalfFlat") for k in clv.GAMMA_GAMMA_PARAMS})
    gamma_gamma.fit(data=gg_data, method="map", progressbar=False)
    ours = {**clv_numpy.fit_bgnbd(cdnow), **clv_numpy.fit_gamma_gamma(gg_data)}
    theirs = {**clv._posterior_values(bgnbd.idata, clv.BGNBD_PARAMS),
              **clv._posterior_values(gamma_gamma.idata, clv.GAMMA_GAMMA_PARAMS)}
    for name, value in theirs.items():
        assert ours[name] == pytest.approx(value, rel=1e-7), name


def test_flat_map_fit_builds_no_library_model(cdnow):
    model = clv.LifetimeValueModel(horizon_days=39, priors="flat").fit(cdnow)
    assert model.bgnbd_model_ is None and model.gg_model_ is None
    assert model.bgnbd_params_["n_customers"] == len(cdnow)
    assert model.gg_params_["n_customers"] == int((cdnow["frequency"] > 0).sum())


def test_evaluation_limit_returns_the_last_point(cdnow, monkeypatch):
    """Past find_MAP's evaluation limit the last evaluated point is returned, as find_MAP does."""
    full = clv_numpy.fit_bgnbd(cdnow)
    monkeypatch.setattr(clv_numpy, "MAX_EVALUATIONS", 3)
    stopped = clv_numpy.fit_bgnbd(cdnow)
    assert all(np.isfinite(list(stopped.values())))
    assert stopped["r"] != pytest.approx(full["r"], rel=1e-3)


def test_distinct_rows_are_numpys_row_unique():
    rng = np.random.default_rng(sum(map(ord, "distinct_rows")))
    columns = [rng.integers(0, 4, 500).astype(float), rng.integers(0, 3, 500).astype(float), rng.normal(size=500)]
    columns[2][::3] = 1.5  # ties on every column
    combos, back = clv_numpy.distinct_rows(*columns)
    stacked = np.column_stack(columns)
    expected = np.unique(stacked, axis=0)
    np.testing.assert_array_equal(combos[back], stacked)
    assert len(combos) == len(expected)
    np.testing.assert_array_equal(combos[np.lexsort(combos.T[::-1])], combos)  # sorted, first column first
    np.testing.assert_array_equal(np.sort(combos, axis=0), np.sort(expected, axis=0))
    empty, none = clv_numpy.distinct_rows(np.array([]), np.array([]))
    assert empty.shape == (0, 2) and none.size == 0
