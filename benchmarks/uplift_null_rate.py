"""How often the targeting section claims a targetable difference where there is none (a homogeneous effect).

Simulates randomized tests of 3,000 customers whose revenue depends on pre-period spend and region but whose
campaign effect is the same for everyone (zero), fits the cross-fitted uplift model, and counts the runs whose Qini
excess over random targeting has a 95% bootstrap interval above 0 (the section's "targetable difference"; a
one-sided 2.5% test). Prints the rate and the mean excess (should be about 0).

    .venv/bin/python benchmarks/uplift_null_rate.py [--runs 30]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd


def main() -> int:
    from campaignlab.stats import uplift

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--customers", type=int, default=3000)
    args = parser.parse_args()
    claims, excess = 0, []
    for s in range(args.runs):
        rng = np.random.default_rng(100 + s)
        n = args.customers
        f = pd.DataFrame({"pre_revenue": rng.gamma(2, 50, n), "region": rng.choice(list("NSEW"), n)})
        t = rng.integers(0, 2, n)
        y = (rng.random(n) < 0.5) * rng.gamma(2, 0.25 * f["pre_revenue"].to_numpy() + 10) + 5.0 * t
        X, cat = uplift.feature_matrix(f, list(f.columns))
        score = uplift.CrossFitUplift(seed=1).fit(X, y, t, categorical=cat).uplift_
        q = uplift.evaluate_uplift(y, t, score, n_boot=200, seed=2).qini
        claims += q["excess_ci_low"] > 0
        excess.append(q["excess"])
    print(f"homogeneous effect, {args.runs} runs of {args.customers:,} customers: a targetable difference claimed "
          f"in {claims} ({claims / args.runs:.1%}; nominal 2.5%); mean Qini excess {np.mean(excess):.3f} "
          f"(SD {np.std(excess):.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
