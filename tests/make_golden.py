"""Regenerate the nbval golden notebooks (tests/golden/) on purpose: `make golden`.

The fixture campaign (tests/data/fixture_shop/fixture.yaml) runs through every notebook with papermill, with
relative paths, so `pytest --nbval tests/golden` can re-execute the goldens from any clone and compare outputs.
Review the diff of tests/golden/ before committing it: a changed number is a changed result.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
PARAMS = "tests/data/fixture_shop/fixture.yaml"
RUN_DIR = "tests/golden/_run"


def main() -> int:
    sys.path.insert(0, str(ROOT / "lib"))
    from campaignlab.run.runner import KERNEL_NAME, notebook_paths

    shutil.rmtree(ROOT / RUN_DIR, ignore_errors=True)
    for old in GOLDEN.glob("*.ipynb"):
        old.unlink()
    for nb in notebook_paths(ROOT / "notebooks"):
        target = GOLDEN / nb.name
        print(f"golden {target.relative_to(ROOT)}", flush=True)
        pm.execute_notebook(str(nb), str(target), parameters={"params_path": PARAMS, "run_dir": RUN_DIR},
                            kernel_name=KERNEL_NAME, cwd=str(ROOT), progress_bar=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
