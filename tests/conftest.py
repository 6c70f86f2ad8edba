from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "fixture_shop"

# Draw off-screen in this process only: an MPLBACKEND variable would leak into notebook kernels (nbval, papermill)
# and turn their inline figures off.
import matplotlib  # noqa: E402

matplotlib.use("Agg")


@pytest.fixture
def fixture_folder(tmp_path: Path) -> Path:
    """A private copy of the fixture shop, safe to break."""
    target = tmp_path / "shop"
    shutil.copytree(FIXTURE, target)
    return target
