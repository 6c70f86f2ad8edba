"""The analyst's path: every notebook opened in JupyterLab runs top to bottom with its default parameters."""

from __future__ import annotations

from pathlib import Path

import papermill as pm
import pytest

from campaignlab import iorw
from campaignlab.run.runner import KERNEL_NAME, notebook_paths
from campaignlab.run.summary import validate_summary

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_notebooks_run_with_their_defaults_from_the_notebook_folder(tmp_path):
    # JupyterLab starts kernels in the notebook's folder and injects nothing: defaults must resolve from there,
    # and an interactive run writes to outputs/_interactive/<campaign id>, never to the published report.
    published = ROOT / "outputs" / "cj_campaign_18" / "summary.json"
    before = published.read_bytes() if published.exists() else None
    for nb in notebook_paths(ROOT / "notebooks"):
        pm.execute_notebook(str(nb), str(tmp_path / nb.name), kernel_name=KERNEL_NAME, cwd=str(ROOT / "notebooks"),
                            progress_bar=False)
    interactive = ROOT / "outputs" / "_interactive" / "cj_campaign_18"
    summary = iorw.read_summary(interactive)
    validate_summary(summary)
    assert {"segments", "response", "retention"} <= set(summary)
    assert (published.read_bytes() if published.exists() else None) == before
