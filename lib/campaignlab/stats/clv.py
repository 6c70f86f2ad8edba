"""Customer lifetime value: BG/NBD purchase counts times Gamma-Gamma order values.

The models are pymc-marketing's (pinned 0.19.2), fitted by maximum a posteriori (MAP) by default. With flat priors
(``priors="flat"``, the default) the MAP estimates are the maximum-likelihood estimates of the papers below, which is
what the CDNOW golden tests check; that fit is :mod:`campaignlab.stats.clv_numpy` (the same objective and optimiser
in scipy, without building and compiling a PyMC model; checked against pymc-marketing's fit). Other priors and MCMC
fit with pymc-marketing itself.

pymc-marketing (and through it pymc and pytensor) is imported on first use, not at import time: importing pytensor
fixes its compile cache directory, and the caller must be able to set ``PYTENSOR_FLAGS=base_compiledir=...`` first.
With its default priors, customers sharing a BG/NBD history are fitted once, with their count, when that shrinks the
data by half or more (:mod:`campaignlab.stats.bgnbd_fit`).

All durations (``recency``, ``T``, ``horizon_days``) are in days.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your customers the easy
       way: An alternative to the Pareto/NBD model." *Marketing Science*, 24(2), 275-284.
.. [2] Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "RFM and CLV: Using iso-value curves
       for customer base analysis." *Journal of Marketing Research*, 42(4), 415-430.
.. [3] Fader, P. S., & Hardie, B. G. S. (2013). "The Gamma-Gamma model of monetary value."
       http://www.brucehardie.com/notes/025/gamma_gamma.pdf
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from campaignlab.formatting import id_values, require_columns
from campaignlab.stats import bgnbd_fit, clv_numpy

__all__ = [
    "BGNBD_PARAMS",
    "GAMMA_GAMMA_PARAMS",
    "DEGENERATE_BOUNDS",
    "SUMMARY_COLUMNS",
    "LifetimeValueModel",
    "compute_clv_summary",
    "compute_fit_key",
    "find_degenerate_fit",
    "fit_bgnbd",
    "fit_gamma_gamma",
]

#: Columns of a customer summary, the input of every fit and prediction here.
SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")
#: Parameter names of the BG/NBD model (Fader, Hardie & Lee 2005).
BGNBD_PARAMS = ("r", "alpha", "a", "b")
#: Parameter names of the Gamma-Gamma model; ``v`` is the paper's gamma.
GAMMA_GAMMA_PARAMS = ("p", "q", "v")

# Discounting is applied at the end of each 30-day period (as lifetimes and
# pymc-marketing do with monthly steps); the annual rate is converted per period.
_PERIOD_DAYS = 30
_DAYS_PER_YEAR = 365.0

Priors = Literal["flat", "default"]

#: BG/NBD's dropout parameters a and b outside these bounds mean the fit ran off to the edge of its range: the
#: history holds no dropout signal (nobody visibly went quiet), the likelihood is flat in that direction, and the
#: digits of the estimate depend on the optimiser's path (they differ between processors with the same packages).
DEGENERATE_BOUNDS = (1e-3, 1e3)


def compute_clv_summary(snapshot: pd.DataFrame) -> pd.DataFrame:
    """Customer summary for the lifetime-value models from a customer snapshot.

    Renames the BTYD columns of :func:`campaignlab.stats.segmentation.compute_customer_snapshot`
    to the names pymc-marketing uses, as floats in days.

    Parameters
    ----------
    snapshot : pandas.DataFrame
        ``customer_id``, ``frequency_repeat``, ``recency_bgnbd``, ``T``, ``monetary_repeat_mean``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``frequency`` (repeat purchase days), ``recency``, ``T`` and
        ``monetary_value`` (mean spend per repeat purchase day; NaN without repeats).

    Examples
    --------
    >>> snap = pd.DataFrame({"customer_id": ["a"], "frequency_repeat": [2], "recency_bgnbd": [30],
    ...                      "T": [40], "monetary_repeat_mean": [12.5]})
    >>> compute_clv_summary(snap).columns.tolist()
    ['customer_id', 'frequency', 'recency', 'T', 'monetary_value']
    """
    needed = ["customer_id", "frequency_repeat", "recency_bgnbd", "T", "monetary_repeat_mean"]
    require_columns(snapshot.columns, needed, "snapshot")
    return pd.DataFrame(
        {
            "customer_id": id_values(snapshot["customer_id"]).array,
            "frequency": snapshot["frequency_repeat"].astype("float64").to_numpy(),
            "recency": snapshot["recency_bgnbd"].astype("float64").to_numpy(),
            "T": snapshot["T"].astype("float64").to_numpy(),
            "monetary_value": snapshot["monetary_repeat_mean"].astype("float64").to_numpy(),
        }
    )


#: Bump when the fitting code changes what a fit returns, so cached fits of the old code are not reused.
FIT_VERSION = "3"


def compute_fit_key(summary: pd.DataFrame, *, priors: str, method: str = "map") -> str:
    """Fingerprint of everything a lifetime-value fit depends on: the data, the settings and the code.

    A BLAKE2b digest of the customer summary (frequency, recency, T, monetary value, in row order: the order can move
    an optimiser's last digits; the ids do not enter the fit, so text ids and integer keys of the same customers
    get the same key), the priors and fit method, :data:`FIT_VERSION` and the installed pymc-marketing version (read from the package
    metadata, without importing it). Two summaries with the same key get the same fit.

    Examples
    --------
    >>> snap = pd.DataFrame({"customer_id": ["a", "b"], "frequency": [0, 2], "recency": [0, 30], "T": [40, 50],
    ...                      "monetary_value": [float("nan"), 12.5]})
    >>> key = compute_fit_key(snap, priors="flat")
    >>> len(key), key == compute_fit_key(snap.copy(), priors="flat"), key == compute_fit_key(snap, priors="default")
    (32, True, False)
    """
    from importlib import metadata

    data = _check_summary(summary, monetary=True)
    h = hashlib.blake2b(digest_size=16)
    h.update(len(data).to_bytes(8, "little"))
    for col in ("frequency", "recency", "T", "monetary_value"):
        h.update(col.encode())
        h.update(np.ascontiguousarray(data[col].to_numpy(dtype="float64")).tobytes())
    try:
        version = metadata.version("pymc-marketing")
    except metadata.PackageNotFoundError:
        version = "absent"
    h.update(f"|{priors}|{method}|{FIT_VERSION}|pymc-marketing {version}".encode())
    return h.hexdigest()


# -------------------------------------------------------------------------------- validation


def _check_summary(summary: pd.DataFrame, *, monetary: bool) -> pd.DataFrame:
    """Validated copy with text ids (or integer keys) and float measures."""
    needed = ["customer_id", "frequency", "recency", "T"] + (["monetary_value"] if monetary else [])
    require_columns(summary.columns, needed, "summary")
    if len(summary) == 0:
        raise ValueError("summary has no customers")
    out = summary[needed].copy()
    out["customer_id"] = id_values(out["customer_id"])
    if out["customer_id"].duplicated().any():
        dupes = out.loc[out["customer_id"].duplicated(), "customer_id"].head(5).tolist()
        raise ValueError(f"summary has duplicate customer_id values, e.g. {dupes}")
    for col in needed[1:]:
        out[col] = pd.to_numeric(out[col], errors="raise").astype("float64")
    for col in ("frequency", "recency", "T"):
        if out[col].isna().any() or (out[col] < 0).any():
            raise ValueError(f"summary column {col!r} must be >= 0 and not missing")
    if (out["frequency"] != np.floor(out["frequency"])).any():
        raise ValueError("summary column 'frequency' must hold whole numbers of repeat purchases")
    bad = out["recency"] > out["T"]
    if bad.any():
        raise ValueError(
            f"summary has recency > T for {int(bad.sum())} customers (e.g. {out.loc[bad, 'customer_id'].iloc[0]!r}): "
            "recency is first-to-last purchase, T is first purchase to the end of observation"
        )
    return out


def _check_gamma_gamma(gg_params: dict[str, float]) -> None:
    if gg_params["q"] <= 1:
        # The population mean order value p * v / (q - 1) is infinite for q <= 1.
        raise ValueError(
            f"Gamma-Gamma fit gave q = {gg_params['q']:.3f} <= 1: mean order value is unbounded; "
            "check monetary_value for extreme orders"
        )


def _check_priors(priors: str) -> None:
    if priors not in ("flat", "default"):
        raise ValueError(f"priors must be 'flat' or 'default', got {priors!r}")


# -------------------------------------------------------------------------------- fitting


def _posterior_values(idata: Any, names: tuple[str, ...]) -> dict[str, float]:
    # fit_summary() rounds to 3 decimals; the posterior holds the optimiser's values.
    # For MAP there is one chain and one draw, so the mean is that point.
    posterior = idata.posterior
    return {name: float(posterior[name].mean(("chain", "draw")).item()) for name in names}


def _pymc_marketing() -> tuple[Any, Any, Any]:
    """Prior, BetaGeoModel and GammaGammaModel, imported on first use; ArviZ's once-a-day notice (on its first
    import each day) silenced, only it and only for the import: a stderr box in one run a day, not the fit's."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\s*ArviZ is undergoing a major refactor", category=FutureWarning)
        from pymc_extras.prior import Prior
        from pymc_marketing.clv import BetaGeoModel, GammaGammaModel
    return Prior, BetaGeoModel, GammaGammaModel


def _maximum_likelihood(priors: Priors, method: str) -> bool:
    """Flat priors fitted by MAP: the maximum-likelihood fit of :mod:`clv_numpy` (no PyMC model to build)."""
    return priors == "flat" and method == "map"


def _library_model(kind: Literal["bgnbd", "gamma_gamma"], priors: Priors) -> Any:
    """pymc-marketing's BG/NBD or Gamma-Gamma model with the ``priors`` (flat: ``HalfFlat`` on every parameter)."""
    Prior, BetaGeoModel, GammaGammaModel = _pymc_marketing()
    cls, names = (BetaGeoModel, BGNBD_PARAMS) if kind == "bgnbd" else (GammaGammaModel, GAMMA_GAMMA_PARAMS)
    return cls(model_config={name: Prior("HalfFlat") for name in names} if priors == "flat" else None)


def _fit_bgnbd_model(summary: pd.DataFrame, priors: Priors, method: str) -> tuple[Any, dict[str, float]]:
    _check_priors(priors)
    data = _check_summary(summary, monetary=False)
    if _maximum_likelihood(priors, method):
        model, params = None, clv_numpy.fit_bgnbd(data)
    else:
        model = _library_model("bgnbd", priors)
        if method == "map" and bgnbd_fit.grouping_pays(data):
            params = bgnbd_fit.fit_bgnbd_map_grouped(data, model.model_config)
            model = None
        else:
            model.fit(data=data, method=method, progressbar=False)
            params = _posterior_values(model.idata, BGNBD_PARAMS)
    params["n_customers"] = len(data)
    return model, params


def _gamma_gamma_data(summary: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    data = _check_summary(summary, monetary=True)
    repeat = data["frequency"] > 0
    # Gamma-Gamma describes positive spend; returns or free orders can make a mean
    # spend zero or negative, and those customers would break the likelihood.
    nonpositive = repeat & ~(data["monetary_value"] > 0)
    counts = {
        "n_customers": int((repeat & ~nonpositive).sum()),
        "n_excluded_no_repeat": int((~repeat).sum()),
        "n_excluded_nonpositive_spend": int(nonpositive.sum()),
    }
    return data.loc[repeat & ~nonpositive].reset_index(drop=True), counts


def _fit_gamma_gamma_model(summary: pd.DataFrame, priors: Priors, method: str) -> tuple[Any, dict[str, float]]:
    _check_priors(priors)
    data, counts = _gamma_gamma_data(summary)
    if counts["n_customers"] < 2:
        raise ValueError(
            f"Gamma-Gamma needs repeat buyers with positive spend; found {counts['n_customers']} "
            f"({counts['n_excluded_no_repeat']} without repeat purchase, "
            f"{counts['n_excluded_nonpositive_spend']} with zero or negative spend excluded)"
        )
    if _maximum_likelihood(priors, method):
        model, params = None, clv_numpy.fit_gamma_gamma(data)
    else:
        model = _library_model("gamma_gamma", priors)
        model.fit(data=data, method=method, progressbar=False)
        params = _posterior_values(model.idata, GAMMA_GAMMA_PARAMS)
    params.update(counts)
    return model, params


def fit_bgnbd(summary: pd.DataFrame, *, priors: Priors = "flat", method: str = "map") -> dict[str, float]:
    """Fit the BG/NBD purchase model [1]_ and return its parameters.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``customer_id``, ``frequency`` (repeat purchases), ``recency`` (first to last
        purchase) and ``T`` (first purchase to end of observation), in days.
    priors : {"flat", "default"}
        ``"flat"``: ``HalfFlat`` priors on r, alpha, a, b, so the MAP estimate is the
        maximum-likelihood estimate of the paper. ``"default"``: pymc-marketing's
        default (weakly informative) priors, which pull the estimates.
    method : str
        pymc-marketing fit method; ``"map"`` (default) or ``"mcmc"`` (posterior means).

    Returns
    -------
    dict
        ``r``, ``alpha``, ``a``, ``b`` (floats, from the posterior, not the rounded
        summary) and ``n_customers`` (customers fitted).

    Examples
    --------
    >>> summary = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e", "f"],
    ...                         "frequency": [0, 1, 2, 0, 4, 1],
    ...                         "recency": [0, 20, 50, 0, 80, 5], "T": [90, 60, 95, 30, 100, 70]})
    >>> params = fit_bgnbd(summary)
    >>> sorted(params), params["r"] > 0
    (['a', 'alpha', 'b', 'n_customers', 'r'], True)
    """
    return _fit_bgnbd_model(summary, priors, method)[1]


def fit_gamma_gamma(summary: pd.DataFrame, *, priors: Priors = "flat", method: str = "map") -> dict[str, float]:
    """Fit the Gamma-Gamma order-value model [2]_ [3]_ and return its parameters.

    Only repeat buyers (``frequency > 0``) are fitted, since ``monetary_value`` is the
    mean of *repeat* purchases; of those, customers with zero or negative mean spend
    are excluded too, and both exclusions are counted.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``customer_id``, ``frequency``, ``recency``, ``T`` and ``monetary_value``.
    priors : {"flat", "default"}
        Both are ``HalfFlat`` on p, q, v in pymc-marketing 0.19.2 (maximum likelihood).
    method : str
        pymc-marketing fit method; ``"map"`` (default) or ``"mcmc"``.

    Returns
    -------
    dict
        ``p``, ``q``, ``v`` (``v`` is the paper's gamma) and the counts
        ``n_customers`` (fitted), ``n_excluded_no_repeat`` and
        ``n_excluded_nonpositive_spend``.

    Examples
    --------
    >>> summary = pd.DataFrame({"customer_id": list("abcdefgh"),
    ...                         "frequency": [0, 1, 2, 3, 1, 2, 4, 2],
    ...                         "recency": [0, 10, 20, 30, 5, 40, 60, 30], "T": [70] * 8,
    ...                         "monetary_value": [0, 20.0, 35.0, 30.0, -5.0, 12.0, 40.0, 25.0]})
    >>> params = fit_gamma_gamma(summary)
    >>> params["n_customers"], params["n_excluded_no_repeat"], params["n_excluded_nonpositive_spend"]
    (6, 1, 1)
    """
    return _fit_gamma_gamma_model(summary, priors, method)[1]


def find_degenerate_fit(bgnbd_params: dict[str, float], *, history_days: float | None = None,
                        min_history_days: float = 0) -> str | None:
    """Why a BG/NBD fit cannot be used for predictions, or None when it can.

    A fit is degenerate when the dropout parameters ``a`` or ``b`` leave :data:`DEGENERATE_BOUNDS`
    (the optimiser ran towards 0 or infinity: there is no dropout signal in the history), or when
    the history before the snapshot is shorter than ``min_history_days`` (too short to see customers
    go quiet, whatever the optimiser returns).

    Parameters
    ----------
    bgnbd_params : dict
        ``a`` and ``b`` as returned by :func:`fit_bgnbd` (an empty dict checks the history only).
    history_days : float, optional
        Days of history before the snapshot.
    min_history_days : float
        Shortest history that can show dropout.

    Returns
    -------
    str or None
        One plain sentence for the reader, without the estimate's digits (they are noise), or None.

    Examples
    --------
    >>> find_degenerate_fit({"r": 2.3, "alpha": 39.0, "a": 1e-6, "b": 1407.2})
    'no dropout signal in this history (the BG/NBD dropout parameters ran to the edge of their range: a < 0.001, b > 1,000)'
    >>> find_degenerate_fit({"a": 0.79, "b": 2.43}, history_days=38, min_history_days=90)
    'only 38 days of history before the snapshot; lifetime value needs at least 90 to see customers go quiet'
    >>> find_degenerate_fit({"a": 0.79, "b": 2.43}, history_days=300, min_history_days=90) is None
    True
    """
    if history_days is not None and history_days < min_history_days:
        return (f"only {history_days:,.0f} days of history before the snapshot; lifetime value needs at least "
                f"{min_history_days:,.0f} to see customers go quiet")
    lo, hi = DEGENERATE_BOUNDS
    edges = [f"{name} < {lo:g}" if value < lo else f"{name} > {hi:,.0f}"
             for name in ("a", "b") if name in bgnbd_params
             for value in [bgnbd_params[name]] if not lo <= value <= hi]
    if edges:
        return ("no dropout signal in this history (the BG/NBD dropout parameters ran to the edge of their range: "
                + ", ".join(edges) + ")")
    return None


# -------------------------------------------------------------------------------- estimator


class LifetimeValueModel:
    """Expected orders, probability alive and lifetime value over a horizon.

    BG/NBD [1]_ predicts the number of orders (purchase days) in the next
    ``horizon_days``; Gamma-Gamma [2]_ predicts the value of each. Expected value is
    their product, discounted at the end of each 30-day period at the annual
    ``discount_rate``. Customers the Gamma-Gamma model was not fitted on (no repeat
    purchase, or zero or negative spend) get its population mean order value
    ``p * v / (q - 1)``.

    Parameters
    ----------
    horizon_days : int
        Prediction horizon in days.
    priors : {"flat", "default"}
        Priors for both models (see :func:`fit_bgnbd`).
    discount_rate : float
        Annual discount rate in ``[0, 1)``; 0 means no discounting.
    method : str
        pymc-marketing fit method, ``"map"`` by default.

    Attributes
    ----------
    bgnbd_params_ : dict
        As returned by :func:`fit_bgnbd`.
    gg_params_ : dict
        As returned by :func:`fit_gamma_gamma`.
    bgnbd_model_, gg_model_ : pymc_marketing.clv models
        The fitted pymc-marketing models, or None where no library model was built (flat priors with MAP, fitted
        by :mod:`campaignlab.stats.clv_numpy`; customers grouped by history, see :mod:`campaignlab.stats.bgnbd_fit`);
        predictions use only the parameters.
    degenerate_ : str or None
        Why the BG/NBD fit is unusable (see :func:`find_degenerate_fit`), or None. Predictions from
        a degenerate fit are refused.

    Examples
    --------
    >>> summary = pd.DataFrame({"customer_id": list("abcdefgh"),
    ...                         "frequency": [0, 1, 2, 3, 1, 2, 4, 2],
    ...                         "recency": [0, 10, 20, 30, 5, 40, 60, 30], "T": [70] * 8,
    ...                         "monetary_value": [0, 20.0, 35.0, 30.0, 15.0, 12.0, 40.0, 25.0]})
    >>> model = LifetimeValueModel(horizon_days=90).fit(summary)
    >>> model.degenerate_  # eight customers who all still buy: nothing to predict from
    'no dropout signal in this history (the BG/NBD dropout parameters ran to the edge of their range: a > 1,000, b > 1,000)'

    On a history with dropout (CDNOW in ``tests/unit/stats/test_clv.py``), ``model.predict(summary)``
    returns ``customer_id``, ``expected_orders``, ``probability_alive``, ``expected_order_value`` and
    ``expected_value``.
    """

    def __init__(
        self,
        *,
        horizon_days: int = 365,
        priors: Priors = "flat",
        discount_rate: float = 0.0,
        method: str = "map",
    ) -> None:
        self.horizon_days = horizon_days
        self.priors = priors
        self.discount_rate = discount_rate
        self.method = method

    def __repr__(self) -> str:
        return (
            f"LifetimeValueModel(horizon_days={self.horizon_days!r}, priors={self.priors!r}, "
            f"discount_rate={self.discount_rate!r}, method={self.method!r})"
        )

    def _check_settings(self) -> None:
        _check_priors(self.priors)
        if not self.horizon_days > 0:
            raise ValueError(f"horizon_days must be > 0, got {self.horizon_days}")
        if not 0 <= self.discount_rate < 1:
            raise ValueError(f"discount_rate is an annual rate in [0, 1), got {self.discount_rate}")

    def fit(self, summary: pd.DataFrame) -> LifetimeValueModel:
        """Fit BG/NBD on every customer and Gamma-Gamma on repeat buyers with positive spend.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``customer_id``, ``frequency``, ``recency``, ``T``, ``monetary_value`` (days).

        Returns
        -------
        LifetimeValueModel
            ``self``, fitted.
        """
        self._check_settings()
        _check_summary(summary, monetary=True)
        self.bgnbd_model_, self.bgnbd_params_ = _fit_bgnbd_model(summary, self.priors, self.method)
        self.degenerate_ = find_degenerate_fit(self.bgnbd_params_)
        if self.degenerate_ is not None:
            # Gamma-Gamma is not needed: nothing will be predicted from this fit.
            self.gg_model_, self.gg_params_ = None, {}
            return self
        self.gg_model_, self.gg_params_ = _fit_gamma_gamma_model(summary, self.priors, self.method)
        _check_gamma_gamma(self.gg_params_)
        return self

    def set_fitted(self, bgnbd_params: dict[str, float], gg_params: dict[str, float]) -> LifetimeValueModel:
        """Take the parameters of an earlier :meth:`fit` (a cached fit) instead of fitting again.

        Predictions use only these parameters, so a model restored from the parameters of a fit predicts exactly
        what that fit does; ``bgnbd_model_`` and ``gg_model_`` (the pymc-marketing objects) are None.

        Parameters
        ----------
        bgnbd_params, gg_params : dict
            ``bgnbd_params_`` and ``gg_params_`` of a fitted model (``gg_params`` empty for a degenerate fit).

        Returns
        -------
        LifetimeValueModel
            ``self``, fitted.
        """
        self._check_settings()
        self.bgnbd_model_, self.gg_model_ = None, None
        self.bgnbd_params_, self.gg_params_ = dict(bgnbd_params), dict(gg_params)
        self.degenerate_ = find_degenerate_fit(self.bgnbd_params_)
        if self.degenerate_ is None:
            _check_gamma_gamma(self.gg_params_)
        return self

    def predict(self, summary: pd.DataFrame) -> pd.DataFrame:
        """Predict orders, probability alive, order value and lifetime value per customer.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``customer_id``, ``frequency``, ``recency``, ``T`` and optionally
            ``monetary_value`` (without it every customer gets the population mean
            order value). Customers need not be those the model was fitted on.

        Returns
        -------
        pandas.DataFrame
            In the order of ``summary``: ``customer_id``, ``expected_orders`` (over
            ``horizon_days``), ``probability_alive``, ``expected_order_value`` and
            ``expected_value`` (discounted lifetime value over the horizon).
        """
        if not hasattr(self, "bgnbd_params_"):
            raise ValueError("LifetimeValueModel is not fitted yet: call fit(summary) first")
        if self.degenerate_ is not None:
            raise ValueError(f"the BG/NBD fit is degenerate ({self.degenerate_}): it cannot predict lifetime value")
        self._check_settings()
        has_monetary = "monetary_value" in summary.columns
        data = _check_summary(summary, monetary=has_monetary)
        if not has_monetary:
            data["monetary_value"] = np.nan
        ids = data["customer_id"]
        x, t_x, T = (data[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))

        horizon = float(self.horizon_days)
        if self.discount_rate == 0:
            period_ends = np.array([horizon])
        else:
            period_ends = np.minimum(np.arange(1, math.ceil(horizon / _PERIOD_DAYS) + 1) * _PERIOD_DAYS, horizon)
        # Every horizon in one broadcast call (customers x period ends), not one pass over the customers per period.
        # Expected purchases depend on (frequency, recency, T) only: computed once per distinct combination (a few
        # thousand where there are millions of customers; hyp2f1 dominates the cost) and spread back, element by
        # element the same numbers. C order (periods x customers) as the former per-period rows: the sum over periods
        # below then adds in the same order, to the last bit (a column-major array would be summed pairwise).
        combos, back = clv_numpy.distinct_rows(x, t_x, T)
        per_combo = clv_numpy.expected_purchases(self.bgnbd_params_, *combos.T, period_ends)
        cumulative = np.ascontiguousarray(per_combo[back].T)
        increments = np.diff(np.vstack([np.zeros(len(ids)), cumulative]), axis=0)
        discount = (1.0 + self.discount_rate) ** (-period_ends / _DAYS_PER_YEAR)
        discounted_orders = (increments * discount[:, None]).sum(axis=0)

        p_alive = clv_numpy.probability_alive(self.bgnbd_params_, x, t_x, T)

        gg = self.gg_params_
        population_mean = gg["p"] * gg["v"] / (gg["q"] - 1)
        monetary = data["monetary_value"].to_numpy(dtype="float64")
        fitted = (x > 0) & (monetary > 0)
        order_value = np.full(len(ids), population_mean)
        order_value[fitted] = clv_numpy.expected_spend(gg, x[fitted], monetary[fitted])

        return pd.DataFrame(
            {
                "customer_id": ids.to_numpy(),
                "expected_orders": cumulative[-1].copy(),
                "probability_alive": p_alive,
                "expected_order_value": order_value,
                "expected_value": discounted_orders * order_value,
            }
        )
