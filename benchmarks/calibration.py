"""False-positive rates of the headline tests with small holdouts (issue: decisions people can act on).

    PYTHONPATH=lib .venv/bin/python benchmarks/calibration.py [--sims 2000] [--resamples 9999]

(about two minutes; ``--resamples 999`` takes twenty seconds and measures the same rates up to noise).

For treatment / control splits of 270/30, 900/100 and 9,000/1,000 and event rates of 1%, 2% and 5%, with no
true effect, prints the share of tests that reject at 5%:

conversion
    Exact, not simulated: every pair of binomial counts (treated, control) is enumerated, truncated to the counts
    that carry all but about 1e-9 of the probability, and weighted by its probability. Each table goes through
    the product's decision: Lin (2013) adjustment where :func:`campaignlab.stats.effects.allows_adjustment`
    allows it, else Fisher's exact test where :func:`campaignlab.stats.effects.needs_exact_test` says so, else the
    score test. ``interval`` is the share whose reported interval excludes zero (Newcombe's interval next to the
    score and exact tests).
revenue
    2,000 seeded simulations per cell: each customer buys with the event rate and then spends lognormal(3, 1)
    (mean about 33, coefficient of variation 1.3), so revenue per customer is zero-inflated and skewed. The
    product's decision: Lin adjustment where allowed, else the permutation test.

The benchmark assumes a campaign with covariates that carry no information about the outcome; Lin's estimator
then is OLS on the treatment indicator with HC2 errors, i.e. the unpooled variance with N - 2 degrees of freedom,
which is what is computed here (``tests/unit/stats/test_calibration.py`` checks it, and every other shortcut below,
against the product's functions). The old methods are printed next to the new: the unpooled Wald test and Welch's
t-test (the old unadjusted tests), Lin with HC2 always leading (the old headline with covariates), and Student's
pooled-variance t-test (the permutation test's large-sample form, measured as the other candidate).

Target: at most 7% in every cell, and at least 3% where at least 5 events per group are expected.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats import proportion as sm_proportion

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "lib") not in sys.path:
    sys.path.insert(0, str(ROOT / "lib"))

from campaignlab.stats import effects  # noqa: E402

SPLITS = ((270, 30), (900, 100), (9000, 1000), (18_000, 2_000), (45_000, 5_000))
RATES = (0.01, 0.02, 0.05)
SEED = sum(map(ord, "calibration"))
TAIL = 1e-9
LOGNORMAL = (3.0, 1.0)  # log-scale mean and standard deviation of a buyer's spend
TARGET_MAX, TARGET_MIN, TARGET_MIN_EVENTS = 0.07, 0.03, 5


# ------------------------------------------------------------------------------------------------ shared pieces
def hc2_pvalues(mean_t, var_t, n_t, mean_c, var_c, n_c):
    """Lin's estimator without covariate information: OLS on treatment, HC2 errors, t with N - 2 df.

    HC2 on a two-group design is the unpooled variance ``s_t^2 / n_t + s_c^2 / n_c`` (sample variances), the same
    as Welch's; only the degrees of freedom differ. NaN where both variances are zero (the product's NaN too).
    """
    se = np.sqrt(var_t / n_t + var_c / n_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (mean_t - mean_c) / se
    return np.where(se > 0, 2 * stats.t.sf(np.abs(z), n_t + n_c - 2), np.nan)


def rejected(p, alpha):
    """NaN p-values (nothing to test) count as not rejected, as a report would read them."""
    return np.nan_to_num(np.asarray(p, dtype=float), nan=1.0) < alpha


# ------------------------------------------------------------------------------------------------ conversion
def binomial_support(n: int, rate: float, tail: float = TAIL) -> tuple[np.ndarray, np.ndarray]:
    """Counts of a binomial(n, rate) outside whose range lies at most ``tail / 2`` of the probability."""
    lo, hi = int(stats.binom.ppf(tail / 4, n, rate)), int(stats.binom.isf(tail / 4, n, rate))
    k = np.arange(max(lo - 1, 0), min(hi + 1, n) + 1)
    return k, stats.binom.pmf(k, n, rate)


def conversion_decisions(x_t, n_t, x_c, n_c, alpha=0.05) -> dict[str, np.ndarray]:
    """Per table: the product's p-value and interval decision, which branch ran, and the old tests' p-values."""
    x_t, x_c = np.asarray(x_t), np.asarray(x_c)
    pooled = (x_t + x_c) / (n_t + n_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        skewness = (1 - 2 * pooled) / np.sqrt(pooled * (1 - pooled))  # scipy.stats.skew of the pooled 0/1 outcomes
    expected = min(n_t, n_c) * np.minimum(pooled, 1 - pooled)
    adjusted = np.asarray(effects.allows_adjustment(n_t, n_c, expected, skewness))
    exact = np.asarray(effects.needs_exact_test(n_t, n_c, x_t + x_c)) & ~adjusted
    p_t, p_c = x_t / n_t, x_c / n_c
    p_lin = hc2_pvalues(p_t, p_t * (1 - p_t) * n_t / (n_t - 1), n_t, p_c, p_c * (1 - p_c) * n_c / (n_c - 1), n_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_score = sm_proportion.test_proportions_2indep(x_t, n_t, x_c, n_c, method="score", compare="diff").pvalue
        p_wald = sm_proportion.test_proportions_2indep(x_t, n_t, x_c, n_c, method="wald", compare="diff").pvalue
        low, high = sm_proportion.confint_proportions_2indep(x_t, n_t, x_c, n_c, method="newcomb", compare="diff",
                                                             alpha=alpha)
    p_fisher = np.full(x_t.shape, np.nan)
    for i in np.flatnonzero(exact):  # scipy's exact test takes one table at a time; these tables are few
        p_fisher[i] = stats.fisher_exact([[x_t[i], n_t - x_t[i]], [x_c[i], n_c - x_c[i]]]).pvalue
    p = np.where(adjusted, p_lin, np.where(exact, p_fisher, p_score))
    excludes_zero = (np.asarray(low) > 0) | (np.asarray(high) < 0)
    wald_var = p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c
    return {"p": p, "interval": np.where(adjusted, rejected(p_lin, alpha), excludes_zero), "adjusted": adjusted,
            "exact": exact, "p_wald": np.where(wald_var > 0, p_wald, np.nan), "p_lin": p_lin}


def conversion_rates(n_t: int, n_c: int, rate: float, alpha: float = 0.05, tail: float = TAIL) -> dict:
    """Exact false-positive rates of the conversion tests for one split and rate (no true effect)."""
    k_t, w_t = binomial_support(n_t, rate, tail)
    k_c, w_c = binomial_support(n_c, rate, tail)
    x_t, x_c = (a.ravel() for a in np.meshgrid(k_t, k_c, indexing="ij"))
    w = np.outer(w_t, w_c).ravel()
    d = conversion_decisions(x_t, n_t, x_c, n_c, alpha)
    share = lambda flags: float(np.sum(w * flags) / np.sum(w))  # noqa: E731
    return {"new": share(rejected(d["p"], alpha)), "new_interval": share(d["interval"]),
            "old_unadjusted": share(rejected(d["p_wald"], alpha)), "old_lin_hc2": share(rejected(d["p_lin"], alpha)),
            "pooled_t": np.nan, "share_adjusted": share(d["adjusted"]), "share_exact": share(d["exact"]),
            "unadjusted": np.nan, "share_large": np.nan,
            "tables": int(w.size), "mass": float(w.sum())}


# ------------------------------------------------------------------------------------------------ revenue
def permutation_pvalues(spend: np.ndarray, treated: np.ndarray, n_t: int, n_c: int, resamples: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Two-sided permutation p-values of the difference in means, one per row, as ``scipy.stats.permutation_test``.

    Written out because scipy draws each permutation of every customer in a Python loop: 2,000 data sets of 10,000
    customers would take hours. Only buyers move the difference in means, so each permutation deals the row's
    buyers (``spend`` > 0, padded with zeros) one by one into the treatment group with probability (treatment
    places left) / (customers left), which gives a uniformly random split; the statistic is then a function of the
    spend dealt to treatment. The p-value counts as scipy does: (1 + as extreme) / (1 + resamples), doubled.
    """
    m, k_max = spend.shape
    scale = 1 / n_t + 1 / n_c
    total = spend.sum(axis=1)
    observed = (spend * treated).sum(axis=1) * scale - total / n_c
    spend_t = np.zeros((m, resamples))
    left = np.full((m, resamples), float(n_t))
    for j in range(k_max):
        take = rng.random((m, resamples)) * (n_t + n_c - j) < left
        spend_t += take * spend[:, j : j + 1]
        left -= take
    null = spend_t * scale - (total / n_c)[:, None]
    tol = (np.abs(observed) * np.finfo(float).eps * 100)[:, None]
    greater = (1 + np.sum(null >= observed[:, None] - tol, axis=1)) / (resamples + 1)
    less = (1 + np.sum(null <= observed[:, None] + tol, axis=1)) / (resamples + 1)
    return np.minimum(1.0, 2 * np.minimum(greater, less))


def revenue_decisions(y: np.ndarray, n_t: int, n_c: int, resamples: int, rng: np.random.Generator) -> dict:
    """Per simulated data set (rows of ``y``, treatment first): the product's p-value and the old tests' p-values."""
    yt, yc = y[:, :n_t], y[:, n_t:]
    with np.errstate(divide="ignore", invalid="ignore"):
        skewness = stats.skew(y, axis=1)
        p_welch = stats.ttest_ind(yt, yc, axis=1, equal_var=False).pvalue
        p_pooled = stats.ttest_ind(yt, yc, axis=1, equal_var=True).pvalue
    expected = min(n_t, n_c) * np.mean(y != 0, axis=1)
    adjusted = np.asarray(effects.allows_adjustment(n_t, n_c, expected, skewness))
    large = np.asarray(effects.uses_large_sample_test(n_t, n_c, expected, skewness))
    p_lin = hc2_pvalues(yt.mean(axis=1), yt.var(axis=1, ddof=1), n_t, yc.mean(axis=1), yc.var(axis=1, ddof=1), n_c)
    p_perm = np.full(y.shape[0], np.nan)
    varies = np.ptp(y, axis=1) > 0  # no buyer at all: the product reports no test
    # Above the permutation test's size limit the unadjusted test is measured too (below it, it is the
    # permutation test, exact by construction), so there every row without the large-sample form is permuted.
    above = n_t + n_c > effects.PERMUTATION_MAX_CUSTOMERS
    rows = np.flatnonzero((~large if above else ~adjusted) & varies)
    if rows.size:
        buyers = y[rows] > 0
        k_max = int(buyers.sum(axis=1).max())
        order = np.argsort(~buyers, axis=1, kind="stable")[:, :k_max]  # each row's buyers first, in place order
        spend = np.take_along_axis(y[rows], order, axis=1)
        p_perm[rows] = permutation_pvalues(spend, order < n_t, n_t, n_c, resamples, rng)
    # The unadjusted test (no covariates, or the supporting row): permutation, or its large-sample form.
    p_unadjusted = np.where(large, p_pooled, p_perm) if above else np.full(y.shape[0], np.nan)
    return {"p": np.where(adjusted, p_lin, p_perm), "adjusted": adjusted, "p_welch": p_welch, "p_pooled": p_pooled,
            "p_lin": p_lin, "large": large, "p_unadjusted": p_unadjusted}


def revenue_rates(n_t: int, n_c: int, rate: float, alpha: float = 0.05, sims: int = 2000, resamples: int = 999,
                  seed: int = SEED) -> dict:
    """Simulated false-positive rates of the revenue tests for one split and rate (no true effect)."""
    # Separate streams and a fixed chunk: the simulated data sets do not depend on the number of permutations.
    data_rng, permutation_rng = (np.random.default_rng([seed, n_t, n_c, round(rate * 10_000), i]) for i in (0, 1))
    chunk = 50
    out: dict[str, list] = {"p": [], "adjusted": [], "p_welch": [], "p_pooled": [], "p_lin": [], "large": [],
                            "p_unadjusted": []}
    for start in range(0, sims, chunk):
        m = min(chunk, sims - start)
        y = (data_rng.random((m, n_t + n_c)) < rate) * data_rng.lognormal(*LOGNORMAL, size=(m, n_t + n_c))
        for key, value in revenue_decisions(y, n_t, n_c, resamples, permutation_rng).items():
            out[key].append(value)
    d = {k: np.concatenate(v) for k, v in out.items()}
    return {"new": float(np.mean(rejected(d["p"], alpha))), "new_interval": float(np.mean(rejected(d["p"], alpha))),
            "old_unadjusted": float(np.mean(rejected(d["p_welch"], alpha))),
            "old_lin_hc2": float(np.mean(rejected(d["p_lin"], alpha))),
            "pooled_t": float(np.mean(rejected(d["p_pooled"], alpha))), "share_adjusted": float(np.mean(d["adjusted"])),
            "unadjusted": (float(np.mean(rejected(d["p_unadjusted"], alpha)))
                           if n_t + n_c > effects.PERMUTATION_MAX_CUSTOMERS else np.nan),
            "share_large": float(np.mean(d["large"])),
            "share_exact": np.nan, "tables": sims, "mass": np.nan}


# ------------------------------------------------------------------------------------------------ the table
def compute_calibration(splits=SPLITS, rates=RATES, *, alpha: float = 0.05, sims: int = 2000,
                        resamples: int = effects.PERMUTATION_RESAMPLES, seed: int = SEED,
                        tail: float = TAIL) -> pd.DataFrame:
    """False-positive rates per outcome, split and rate: the product's headline next to the old methods.

    ``resamples`` is the number of permutations per simulated revenue test (the product's 9,999 by default; the
    level of a permutation test does not depend on it, so fewer give the same rates up to simulation noise).

    Returns
    -------
    pandas.DataFrame
        ``outcome, n_treat, n_control, rate, expected_control_events, new, new_interval, old_unadjusted,
        old_lin_hc2, pooled_t, share_adjusted, share_exact, tables, mass, meets_target`` (rates as fractions).
    """
    rows = []
    for n_t, n_c in splits:
        for rate in rates:
            base = {"n_treat": n_t, "n_control": n_c, "rate": rate, "expected_control_events": n_c * rate}
            rows.append({"outcome": "conversion", **base, **conversion_rates(n_t, n_c, rate, alpha, tail)})
            rows.append({"outcome": "revenue", **base,
                         **revenue_rates(n_t, n_c, rate, alpha, sims=sims, resamples=resamples, seed=seed)})
    out = pd.DataFrame(rows).sort_values(["outcome", "n_control", "rate"], kind="stable").reset_index(drop=True)
    worst = out[["new", "new_interval", "unadjusted"]].max(axis=1)  # NaN (not measured) is skipped
    floor_applies = out["expected_control_events"] >= TARGET_MIN_EVENTS
    out["meets_target"] = (worst <= TARGET_MAX) & (~floor_applies | (out["new"] >= TARGET_MIN))
    return out


def format_table(table: pd.DataFrame) -> str:
    """The calibration table as fixed-width text, rates in percent."""
    pct = lambda v: "" if pd.isna(v) else f"{100 * v:5.1f}"  # noqa: E731
    shown = pd.DataFrame({
        "outcome": table["outcome"],
        "split": [f"{t:,}/{c:,}" for t, c in zip(table["n_treat"], table["n_control"])],
        "rate": [f"{100 * r:.0f}%" for r in table["rate"]],
        "E[ctrl events]": table["expected_control_events"].map(lambda v: f"{v:g}"),
        "new %": table["new"].map(pct),
        "new interval %": table["new_interval"].map(pct),
        "old Wald/Welch %": table["old_unadjusted"].map(pct),
        "old Lin HC2 %": table["old_lin_hc2"].map(pct),
        "pooled t %": table["pooled_t"].map(pct),
        "adjusted %": table["share_adjusted"].map(pct),
        "unadjusted %": table["unadjusted"].map(pct),
        "large-sample %": table["share_large"].map(pct),
        "exact %": table["share_exact"].map(pct),
        "target": table["meets_target"].map({True: "ok", False: "MISSED"}),
    })
    return shown.to_string(index=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sims", type=int, default=2000, help="simulated data sets per revenue cell")
    parser.add_argument("--resamples", type=int, default=effects.PERMUTATION_RESAMPLES,
                        help="permutations per simulated revenue test (the product's by default)")
    args = parser.parse_args()
    start = time.perf_counter()
    table = compute_calibration(sims=args.sims, resamples=args.resamples)
    print("False-positive rate at alpha = 5% with no true effect (new = the product's headline decision).")
    print(f"Conversion: exact enumeration (all but {TAIL:g} of the probability). Revenue: {args.sims:,} seeded "
          f"simulations per cell, buyers spend lognormal{LOGNORMAL}, {args.resamples:,} permutations per test.")
    print(format_table(table))
    print(f"Target: at most {TARGET_MAX:.0%} in every cell; at least {TARGET_MIN:.0%} where at least "
          f"{TARGET_MIN_EVENTS} control events are expected. Cells missing it: {int((~table['meets_target']).sum())}.")
    print(f"Wall time: {time.perf_counter() - start:.1f} s")
    return 0 if table["meets_target"].all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
