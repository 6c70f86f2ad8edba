"""Write a simulated data shape as a data folder with its params file (used by tests/test_shape_suite.py and benchmarks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from campaignlab.data.shapes import case_name, simulate_shape

#: A randomized e-mail test as users export it: no history, two e-mails and a no-e-mail control, eight attributes.
EMAIL_TEST = {"history": False, "holdout": True, "arms": 2, "attributes": "mixed8", "events": True, "feedback": False,
              "everyone": True}


def write_shape_folder(folder: Path, case: dict[str, Any], n_customers: int, *, seed: int,
                       campaign_id: str | None = None) -> Path:
    """Write the tables of ``case`` as CSV files in ``folder`` and return its params file."""
    tables, design = simulate_shape(case, n_customers, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    params: dict[str, Any] = {"id": campaign_id or case_name(case), "campaign": "SIM1", "data": ".",
                              "control_arm": design["control_arm"], "pre_period_days": 60, "post_period_days": 30}
    if design.get("planned_split"):
        params["response"] = {"planned_split": design["planned_split"]}
    path = folder / "shape.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path
