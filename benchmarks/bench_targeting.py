"""Time the targeting section (the uplift model of 03_response) on a 60,000-customer randomized test.

The target: the section (cross-fitted uplift model with its sequential fits, Qini with bootstrap, the sequential
test of a targetable difference, deciles, policy table, drivers and tree segments, writing its summary section and
scores) runs within 60 s on a 2-core machine. The data are simulated (`simulate_dataset`, only
region North responds), written as Parquet, cleaned and put through the response analysis first (timed apart).

    .venv/bin/python benchmarks/bench_targeting.py [--customers 60000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd


def main() -> int:
    from campaignlab.data.simulate import simulate_dataset
    from campaignlab.run import session
    from campaignlab.steps import response, targeting

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=60_000, help="customers in the randomized test")
    args = parser.parse_args()
    # 90% of the simulated customers are targeted and half of them held out: every targeted customer is in the test.
    n = int(round(args.customers / 0.9))
    t0 = time.perf_counter()
    data = simulate_dataset(n, seed=60, confounding=0.0, target_share=0.9, holdout_share=0.5, true_lift=0.0,
                            lift_by={"region": {"North": 0.8}})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, table in data.items():
            table.to_parquet(folder / f"{name}.parquet", index=False)
        (folder / "bench.yaml").write_text(
            "id: bench_uplift\ncampaign: SIM1\ndata: .\ncontrol_arm: control\nresponse_event: redeemed\n"
            "pre_period_days: 90\npost_period_days: 60\neconomics: {cost_per_contact: 1.0}\n"
            "response: {planned_split: {treatment: 0.5, control: 0.5}}\n")
        run = session.open_run(str(folder / "bench.yaml"), str(folder / "run"))
        run.start_summary(run.prepare_data(), pd.DataFrame())
        result = response.analyse(run, response.build_customer_table(run))
        t1 = time.perf_counter()
        uplift = targeting.analyse(run, result)
        section = targeting.write(run, uplift)
        t2 = time.perf_counter()
    q = section["qini"]
    print(f"customers in the randomized test: {uplift.customers:,} ({len(uplift.features)} features, "
          f"{uplift.folds} folds, {q['bootstrap']} bootstrap draws)")
    print(f"simulate + clean + response analysis: {t1 - t0:.1f} s")
    print(f"targeting section (fit, evaluate, write): {t2 - t1:.1f} s  (target: at most 60 s)")
    print(f"Qini AUUC {q['auuc']:.2f} (95% CI {q['ci_low']:.2f} to {q['ci_high']:.2f}) against random "
          f"{q['random_auuc']:.2f}; recommended share: {section['recommended_share']}")
    test = q["test"]
    print(f"targetable difference (sequential cross-fitting): {test['targetable']}, Qini excess {test['excess']:.2f} "
          f"(95% CI {test['ci_low']:.2f} to {test['ci_high']:.2f}), one-sided p {test['p_value']:.2g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
