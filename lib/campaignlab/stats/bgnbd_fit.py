"""The BG/NBD maximum a posteriori fit on distinct customer histories, each weighted by how many customers share it.

The BG/NBD likelihood of a customer depends only on ``(frequency, recency, T)``, so customers with the same three
numbers add the same term to the log-likelihood. A million customers with a day-resolution history share about
300,000 distinct triples (measured on the generated 1M-customer data set): summing each distinct term times its
count is the same objective as pymc-marketing's per-customer model for a third of the work per evaluation.

pymc-marketing's ``BetaGeoModel`` has no case weights, so this module builds the same PyMC model it builds (the
same priors from its resolved ``model_config``, created in the same order, the same ``BetaGeoNBD`` distribution)
with the observed rows replaced by a ``pm.Potential`` holding the count-weighted sum of that distribution's
log-density, and finds its maximum with ``pm.find_MAP``, as ``BetaGeoModel.fit(method="map")`` does.

How close to the per-customer fit: on the 1M-customer data set ``r`` and ``alpha`` agree to 4e-8 relative and the
weakly identified ``a`` and ``b`` (the likelihood is nearly flat along their ridge) to 3e-6, predictions to 2e-6.
That is the per-customer fit's own reproducibility: the same customers in another row order move its ``a`` and
``b`` by 4.5e-6 (``benchmarks/clv_grouped_fit.py`` prints these figures). ``tests/unit/stats/test_bgnbd_fit.py``
checks the grouped fit against the library's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: The columns the BG/NBD likelihood reads; customers equal on all three contribute equal terms.
HISTORY = ("frequency", "recency", "T")
#: Customers are grouped when the distinct histories are at most this share of them: below it the fit's work at
#: least halves; above it (a few thousand customers with mostly distinct histories, as in the bundled campaigns) the
#: per-customer fit is kept, which costs under a second there.
GROUPING_SHARE = 0.5


def group_histories(data: pd.DataFrame) -> pd.DataFrame:
    """Distinct ``(frequency, recency, T)`` rows with ``n``, the number of customers holding each, in sorted order.

    Examples
    --------
    >>> d = pd.DataFrame({"frequency": [1.0, 0, 1], "recency": [5.0, 0, 5], "T": [9.0, 4, 9]})
    >>> group_histories(d).to_dict("list")
    {'frequency': [0.0, 1.0], 'recency': [0.0, 5.0], 'T': [4.0, 9.0], 'n': [1, 2]}
    """
    return data.groupby(list(HISTORY), sort=True).size().reset_index(name="n")


def grouping_pays(data: pd.DataFrame) -> bool:
    """Whether the customers share histories enough for the grouped fit (:data:`GROUPING_SHARE`).

    Examples
    --------
    >>> grouping_pays(pd.DataFrame({"frequency": [0.0] * 4, "recency": [0.0] * 4, "T": [9.0, 9, 9, 8]}))
    True
    """
    distinct = len(data.drop_duplicates(list(HISTORY)))
    return distinct <= GROUPING_SHARE * len(data)


def _dropout(model_config: dict[str, Any]) -> tuple[Any, Any]:
    """``a`` and ``b`` as ``BetaGeoModel.build_model`` creates them (no covariates): their own priors when the
    config has both, else the pooled ``phi_dropout`` and ``kappa_dropout``."""
    import pymc as pm

    if "a" in model_config and "b" in model_config:
        return model_config["a"].create_variable("a"), model_config["b"].create_variable("b")
    phi = model_config["phi_dropout"].create_variable("phi_dropout")
    kappa = model_config["kappa_dropout"].create_variable("kappa_dropout")
    return pm.Deterministic("a", phi * kappa), pm.Deterministic("b", (1.0 - phi) * kappa)


def fit_bgnbd_map_grouped(data: pd.DataFrame, model_config: dict[str, Any]) -> dict[str, float]:
    """MAP estimates of ``r``, ``alpha``, ``a``, ``b`` from customers grouped by history.

    Parameters
    ----------
    data
        Validated ``frequency``, ``recency`` and ``T`` per customer (floats, days).
    model_config
        A ``BetaGeoModel``'s resolved ``model_config`` (its priors); covariates are not supported.

    Returns
    -------
    dict
        The four parameters as floats.
    """
    import pymc as pm
    from pymc_marketing.clv.distributions import BetaGeoNBD

    if model_config.get("purchase_covariate_cols") or model_config.get("dropout_covariate_cols"):
        raise ValueError("the grouped BG/NBD fit does not take covariates")
    grouped = group_histories(data)
    observed = np.stack((grouped["recency"].to_numpy(dtype="float64"),
                         grouped["frequency"].to_numpy(dtype="float64")), axis=1)
    counts = grouped["n"].to_numpy(dtype="float64")
    with pm.Model() as model:
        alpha = model_config["alpha"].create_variable("alpha")
        a, b = _dropout(model_config)
        r = model_config["r"].create_variable("r")
        dist = BetaGeoNBD.dist(a=a, b=b, r=r, alpha=alpha, T=grouped["T"].to_numpy(dtype="float64"))
        pm.Potential("recency_frequency", (counts * pm.logp(dist, observed)).sum())
        point = pm.find_MAP(model=model, progressbar=False)
    return {name: float(point[name]) for name in ("r", "alpha", "a", "b")}
