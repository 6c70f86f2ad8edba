"""The grouped BG/NBD fit against pymc-marketing's per-customer fit, on CDNOW (Fader, Hardie & Lee 2005).

CDNOW's 2,357 customers hold 1,016 distinct (frequency, recency, T) histories, and its likelihood is well
conditioned, so the two fits agree far inside the 1e-6 asked here on any processor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaignlab.stats import bgnbd_fit, clv

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    summary = pd.read_csv(DATA / "cdnow_customers_summary.csv").rename(columns={"ID": "customer_id"})
    return clv._check_summary(summary, monetary=False)


def _library_fit(data: pd.DataFrame, config: dict) -> dict[str, float]:
    _, BetaGeoModel, _ = clv._pymc_marketing()
    model = BetaGeoModel(model_config=config)
    model.fit(data=data, method="map", progressbar=False)
    return clv._posterior_values(model.idata, clv.BGNBD_PARAMS)


def _config(priors: str) -> dict:
    Prior, BetaGeoModel, _ = clv._pymc_marketing()
    flat = {name: Prior("HalfFlat") for name in clv.BGNBD_PARAMS}
    return BetaGeoModel(model_config=flat if priors == "flat" else None).model_config


def test_group_histories_counts_every_customer_once(cdnow):
    grouped = bgnbd_fit.group_histories(cdnow)
    assert grouped["n"].sum() == len(cdnow)
    assert not grouped.duplicated(list(bgnbd_fit.HISTORY)).any()
    expected = cdnow.groupby(list(bgnbd_fit.HISTORY)).size()
    got = grouped.set_index(list(bgnbd_fit.HISTORY))["n"]
    pd.testing.assert_series_equal(got, expected, check_names=False)


@pytest.mark.parametrize("priors", ["flat", "default"])
def test_grouped_fit_equals_pymc_marketing_per_customer(cdnow, priors):
    """Both prior settings: flat (the a, b branch of BetaGeoModel) and default (the pooled phi, kappa branch)."""
    config = _config(priors)
    grouped = bgnbd_fit.fit_bgnbd_map_grouped(cdnow, config)
    library = _library_fit(cdnow, config)
    for name in clv.BGNBD_PARAMS:
        assert grouped[name] == pytest.approx(library[name], rel=1e-6), name


def test_grouping_pays_only_when_histories_repeat(cdnow):
    assert bgnbd_fit.grouping_pays(cdnow)  # 1,016 distinct histories of 2,357 customers
    rng = np.random.default_rng(7)
    distinct = pd.DataFrame({"frequency": rng.integers(0, 5, 200).astype(float),
                             "recency": np.arange(200, dtype=float), "T": np.arange(200, dtype=float) + 300})
    assert not bgnbd_fit.grouping_pays(distinct)


def test_lifetime_value_model_with_default_priors_groups_shared_histories(cdnow):
    model = clv.LifetimeValueModel(horizon_days=39, priors="default")
    with_spend = cdnow.assign(monetary_value=np.where(cdnow["frequency"] > 0, 20.0 + cdnow["recency"], 0.0))
    model.fit(with_spend)
    assert model.bgnbd_model_ is None  # grouped: no per-customer pymc-marketing model was built
    assert model.bgnbd_params_["n_customers"] == len(cdnow)
    library = _library_fit(cdnow, _config("default"))
    assert model.bgnbd_params_["r"] == pytest.approx(library["r"], rel=1e-6)


def test_covariates_are_refused(cdnow):
    config = dict(_config("flat"), purchase_covariate_cols=["x"])
    with pytest.raises(ValueError, match="covariates"):
        bgnbd_fit.fit_bgnbd_map_grouped(cdnow, config)
