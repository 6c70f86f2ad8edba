from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "fixture_shop"

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def fixture_folder(tmp_path: Path) -> Path:
    """A private copy of the fixture shop, safe to break."""
    target = tmp_path / "shop"
    shutil.copytree(FIXTURE, target)
    return target
