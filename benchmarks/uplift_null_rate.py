"""How often the targeting section claims a targetable difference where there is none, and finds one that is there.

Simulates randomized tests of 3,000 customers whose revenue depends on pre-period spend and region. Under the null
the campaign's effect is the same for everyone (+5); under the planted alternative only region N (a quarter of the
customers) responds (``--planted``, +25 by default). Each run fits the cross-fitted uplift model of the targeting
section (with its sequential fits) and records three one-sided 2.5% decisions "the model found a targetable
difference":

- ``pooled``: the 95% interval of the Qini excess of the pooled cross-fitted scores, from a bootstrap with the
  predictions held fixed, lies above 0 (the section's decision until this benchmark showed it too liberal);
- ``median``: twice the median of the five folds' one-sided p-values (each fold scored by the models that did
  not see it) is below 2.5% (Chernozhukov, Demirer, Duflo & Fernandez-Val; valid under any dependence);
- ``sequential``: the section's decision, :func:`campaignlab.stats.uplift.sequential_qini_test` (Wager 2024).

Prints, for each, the claim rate with its Clopper-Pearson 95% interval under the null (the false-claim rate; nominal
2.5%) and under the planted effect (the power), and the mean and SD of the null's excess estimates and z values.

    .venv/bin/python benchmarks/uplift_null_rate.py [--runs 200] [--customers 3000] [--planted 25]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

DECISIONS = ("pooled", "median", "sequential")


def simulate(seed: int, n: int, planted: float | None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A randomized test: zero-inflated revenue; effect +5 for all (``planted`` None) or +planted in region N."""
    rng = np.random.default_rng(seed)
    f = pd.DataFrame({"pre_revenue": rng.gamma(2, 50, n), "region": rng.choice(list("NSEW"), n)})
    t = rng.integers(0, 2, n)
    effect = 5.0 if planted is None else np.where(f["region"] == "N", planted, 0.0)
    y = (rng.random(n) < 0.5) * rng.gamma(2, 0.25 * f["pre_revenue"].to_numpy() + 10) + effect * t
    return f, y, t


def decide(f: pd.DataFrame, y: np.ndarray, t: np.ndarray, alpha: float = 0.05) -> dict:
    """The three decisions (and the excess each is about) on one simulated test."""
    from scipy import stats

    from campaignlab.stats import uplift

    X, cat = uplift.feature_matrix(f, list(f.columns))
    m = uplift.CrossFitUplift(seed=1, sequential=True).fit(X, y, t, categorical=cat)
    z = stats.norm.ppf(1 - alpha / 2)
    ex, se = uplift.heldout_qini_excess(y, t, m.uplift_, n_boot=200, seed=2)
    p_folds = []
    for k in range(m.folds):
        rows = m.fold_ == k
        e_k, s_k = uplift.heldout_qini_excess(y[rows], t[rows], m.uplift_[rows], n_boot=200, seed=2 + k)
        p_folds.append(stats.norm.sf(e_k / s_k))
    seq = uplift.sequential_qini_test(y, t, m.fold_, m.sequential_uplift_, n_boot=200, seed=2, alpha=alpha)
    return {"pooled": ex - z * se > 0, "median": 2 * np.median(p_folds) < alpha / 2, "sequential": seq["targetable"],
            "pooled_excess": ex, "sequential_excess": seq["excess"], "pooled_z": ex / se, "sequential_z": seq["z"]}


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy import stats

    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return float(ci.low), float(ci.high)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--planted", type=float, default=25.0, help="effect in region N under the alternative")
    args = parser.parse_args()
    t0 = time.perf_counter()
    null = pd.DataFrame([decide(*simulate(100 + s, args.customers, None)) for s in range(args.runs)])
    alt = pd.DataFrame([decide(*simulate(10_000 + s, args.customers, args.planted)) for s in range(args.runs)])
    print(f"{args.runs} runs of {args.customers:,} customers each, homogeneous effect (+5 for all) and planted "
          f"(+{args.planted:g} in region N only, 25% of customers); one-sided 2.5% decisions; "
          f"{time.perf_counter() - t0:.0f} s")
    for name in DECISIONS:
        k0, k1 = int(null[name].sum()), int(alt[name].sum())
        lo0, hi0 = clopper_pearson(k0, args.runs)
        lo1, hi1 = clopper_pearson(k1, args.runs)
        print(f"  {name:<10} false claims {k0:>3}/{args.runs} = {k0 / args.runs:5.1%} (95% CI {lo0:.1%} to "
              f"{hi0:.1%}; nominal 2.5%)   power {k1:>3}/{args.runs} = {k1 / args.runs:5.1%} "
              f"(95% CI {lo1:.1%} to {hi1:.1%})")
    for name in ("pooled", "sequential"):
        e, z = null[f"{name}_excess"], null[f"{name}_z"]
        print(f"  null, {name}: excess mean {e.mean():.3f} (SD {e.std():.3f}); z mean {z.mean():.2f}, SD {z.std():.2f} "
              "(an honest standard error gives SD 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
