"""Write the small fixture campaign (tests/data/fixture_shop/) from the simulator; rerun only on purpose.

The folder is a canonical-model data set as a user would bring it: CSV files plus one params file. Its campaign
SIM1 has a randomized holdout arm named `control`.
"""

from pathlib import Path

from campaignlab.data.simulate import simulate_dataset

HERE = Path(__file__).resolve().parent / "fixture_shop"
SEED = sum(map(ord, "fixture_shop"))


def main() -> None:
    data = simulate_dataset(400, n_days=240, campaign_start_day=120, campaign_days=28, true_lift=0.15,
                            confounding=1.0, holdout_share=0.3, seed=SEED)
    HERE.mkdir(parents=True, exist_ok=True)
    for name, frame in data.items():
        frame.to_csv(HERE / f"{name}.csv", index=False)
        print(f"{name}: {len(frame)} rows")


if __name__ == "__main__":
    main()
