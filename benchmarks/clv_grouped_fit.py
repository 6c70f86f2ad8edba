"""The BG/NBD fit on customers grouped by history against pymc-marketing's per-customer fit: time and agreement.

Reads a run folder's ``features.parquet`` (written by 01_clean), builds the lifetime-value summary 02_segment fits
(the full history before the campaign start), and fits it three ways with flat priors: pymc-marketing per customer,
the same per customer with the rows in another order (the per-customer fit's own reproducibility), and grouped
(:mod:`campaignlab.stats.bgnbd_fit`). Prints seconds, the parameters' relative differences and the largest relative
difference of expected orders (30 and 365 days) and P(alive) over all customers.

    .venv/bin/python benchmarks/clv_grouped_fit.py outputs/_scale/10M/outputs/<campaign id>

The first fit in a process also compiles (or loads) pytensor's code; the per-customer fit runs first and pays it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def _summary(run_dir: Path) -> pd.DataFrame:
    from campaignlab import iorw
    from campaignlab.data import features
    from campaignlab.stats.clv import compute_clv_summary

    table = iorw.read_features(run_dir, None)
    table = table[["customer_id", *[c for c in table.columns if c.startswith("hist_start_")]]]
    start = dt.date.fromisoformat(str(iorw.read_json(run_dir / "summary.json")["windows"]["campaign"]["start"]))
    return compute_clv_summary(features.snapshot_from_features(table, "hist_start", as_of=start))


def _timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder holding features.parquet and summary.json")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", module="pytensor")
    from campaignlab.stats import bgnbd_fit, clv, clv_numpy

    summary = _summary(args.run_dir)
    Prior, BetaGeoModel, _ = clv._pymc_marketing()
    config = BetaGeoModel(model_config={k: Prior("HalfFlat") for k in clv.BGNBD_PARAMS}).model_config
    data = clv._check_summary(summary, monetary=False)
    distinct = len(bgnbd_fit.group_histories(data))
    print(f"{len(data):,} customers, {distinct:,} distinct (frequency, recency, T) histories")
    per_customer, t_per = _timed(_per_customer, summary, config)
    shuffled = _per_customer(summary.sample(frac=1, random_state=1), config)
    grouped, t_grouped = _timed(bgnbd_fit.fit_bgnbd_map_grouped, data, config)
    x, t_x, T = (data[c].to_numpy() for c in bgnbd_fit.HISTORY)
    print(f"per customer {t_per:.1f} s, grouped {t_grouped:.1f} s")
    for name, params in (("rows in another order", shuffled), ("grouped", grouped)):
        rel = {k: f"{params[k] / per_customer[k] - 1:+.1e}" for k in clv.BGNBD_PARAMS}
        orders = [clv_numpy.expected_purchases(p, x, t_x, T, np.array([30.0, 365.0])) for p in (per_customer, params)]
        alive = [clv_numpy.probability_alive(p, x, t_x, T) for p in (per_customer, params)]
        print(f"{name:>22} vs per customer: parameters {rel}; expected orders max "
              f"{np.max(np.abs(orders[1] / orders[0] - 1)):.1e}, P(alive) max {np.max(np.abs(alive[1] / alive[0] - 1)):.1e}")


def _per_customer(summary: pd.DataFrame, config: dict) -> dict[str, float]:
    """pymc-marketing's own per-customer MAP fit (whether or not the run would group these customers)."""
    from campaignlab.stats import clv

    _, BetaGeoModel, _ = clv._pymc_marketing()
    model = BetaGeoModel(model_config=config)
    model.fit(data=clv._check_summary(summary, monetary=False), method="map", progressbar=False)
    return clv._posterior_values(model.idata, clv.BGNBD_PARAMS)


if __name__ == "__main__":
    main()
