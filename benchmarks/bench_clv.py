"""Time the lifetime-value model: fit, cache hit, and prediction over 13 discounting periods, against pymc-marketing.

Prints seconds for: fitting BG/NBD + Gamma-Gamma on N customers by maximum likelihood (flat priors, the suite's fit
in scipy, :mod:`campaignlab.stats.clv_numpy`); importing pymc-marketing and fitting the same with its own
``fit(method="map")``, and the largest relative difference of the parameters; restoring the model from the fit
cache; predicting with pymc-marketing one horizon per call and with the broadcast over all horizons, and the
largest difference between the two.

    .venv/bin/python benchmarks/bench_clv.py [--customers N] [--predict-customers M]

The customers are simulated from the BG/NBD story (days), so the numbers do not depend on the bundled data.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def simulate_summary(n: int, seed: int) -> pd.DataFrame:
    """Frequency, recency, T and mean spend of n customers drawn from BG/NBD and Gamma-Gamma (days)."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(30, 365, n).round()
    lam = rng.gamma(0.8, 1 / 15.0, n)
    p = rng.beta(0.7, 3.0, n)
    # Repeat purchases until dropout: geometric number of purchases, exponential gaps, cut at T.
    tries = np.minimum(rng.geometric(p) - 1, 200)
    frequency = np.zeros(n)
    recency = np.zeros(n)
    for i in np.flatnonzero(tries > 0):
        times = np.cumsum(rng.exponential(1 / lam[i], tries[i]))
        times = np.floor(times[times <= T[i]])
        days = np.unique(times[times > 0])
        frequency[i], recency[i] = days.size, days.max() if days.size else 0
    spend = np.where(frequency > 0, rng.gamma(6.0, 6.0, n), np.nan)
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "frequency": frequency, "recency": recency,
                         "T": T, "monetary_value": spend})


def per_horizon_loop(library, horizon_days: int, summary: pd.DataFrame) -> np.ndarray:
    """pymc-marketing's expected_purchases once per 30-day period end (its fitted BetaGeoModel ``library``)."""
    bg = summary[["customer_id", "frequency", "recency", "T"]]
    ends = np.minimum(np.arange(1, int(np.ceil(horizon_days / 30)) + 1) * 30, horizon_days)
    out = []
    for t in ends:
        values = library.expected_purchases(bg, future_t=t).mean(("chain", "draw")).to_series()
        out.append(values.reindex(bg["customer_id"].to_numpy()).to_numpy())
    return out[-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2469, help="customers fitted (campaign 18 has 2,469)")
    parser.add_argument("--predict-customers", type=int, default=300_000, help="customers predicted")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    from campaignlab import cache
    from campaignlab.stats import clv

    summary = simulate_summary(args.customers, seed=sum(map(ord, "bench_clv")))
    t = time.perf_counter()
    model = clv.LifetimeValueModel(horizon_days=365, priors="flat", discount_rate=0.1).fit(summary)
    print(f"fit on {args.customers:,} customers (maximum likelihood in scipy, BG/NBD + Gamma-Gamma): "
          f"{time.perf_counter() - t:.2f} s; degenerate: {model.degenerate_}")
    if model.degenerate_:
        return 1
    t = time.perf_counter()
    Prior, BetaGeoModel, GammaGammaModel = clv._pymc_marketing()
    print(f"import pymc_marketing: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    library = BetaGeoModel(model_config={k: Prior("HalfFlat") for k in clv.BGNBD_PARAMS})
    library.fit(data=clv._check_summary(summary, monetary=False), method="map", progressbar=False)
    gg_data, counts = clv._gamma_gamma_data(summary)
    library_gg = GammaGammaModel(model_config={k: Prior("HalfFlat") for k in clv.GAMMA_GAMMA_PARAMS})
    library_gg.fit(data=gg_data, method="map", progressbar=False)
    library_params = (clv._posterior_values(library.idata, clv.BGNBD_PARAMS),
                      clv._posterior_values(library_gg.idata, clv.GAMMA_GAMMA_PARAMS))
    ours = {**model.bgnbd_params_, **model.gg_params_}
    worst = max(abs(ours[k] / v - 1) for params in library_params for k, v in params.items())
    print(f"the same fit with pymc-marketing (MAP, flat priors): {time.perf_counter() - t:.1f} s; "
          f"largest relative difference of the parameters {worst:.1e}")
    folder = Path(tempfile.mkdtemp(prefix="bench-clv-"))
    key = clv.compute_fit_key(summary, priors="flat")
    cache.write_clv_fit(key, model.bgnbd_params_, model.gg_params_, cache_dir=folder)
    t = time.perf_counter()
    key = clv.compute_fit_key(summary, priors="flat")
    stored = cache.read_clv_fit(key, cache_dir=folder)
    clv.LifetimeValueModel(horizon_days=365, priors="flat", discount_rate=0.1).set_fitted(
        stored["bgnbd"], stored["gamma_gamma"])
    print(f"fit from the cache (fingerprint + read): {time.perf_counter() - t:.3f} s")
    # The broadcast against the library's per-horizon calls, both from the library's parameters.
    restored = clv.LifetimeValueModel(horizon_days=365, priors="flat", discount_rate=0.1).set_fitted(
        {**library_params[0], "n_customers": len(summary)}, {**library_params[1], **counts})
    big = simulate_summary(args.predict_customers, seed=sum(map(ord, "bench_clv predict")))
    t = time.perf_counter()
    loop = per_horizon_loop(library, 365, big)
    loop_s = time.perf_counter() - t
    t = time.perf_counter()
    pred = restored.predict(big)
    vec_s = time.perf_counter() - t
    diff = np.max(np.abs(pred["expected_orders"].to_numpy() - loop) / np.maximum(np.abs(loop), 1e-300))
    print(f"predict {args.predict_customers:,} customers, 13 periods: pymc-marketing per horizon "
          f"(orders only) {loop_s:.1f} s, broadcast (orders, P(alive), order value, value) {vec_s:.1f} s; "
          f"largest relative difference of expected orders {diff:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
