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


@pytest.mark.slow
def test_a_notebook_switched_to_another_campaign_builds_its_upstream_in_the_interactive_folder(tmp_path):
    # What the browser test does in Lab, without a browser: 03 with a campaign whose interactive folder is empty.
    import json
    import shutil
    import uuid

    cid = f"switch_{uuid.uuid4().hex[:6]}"
    params = tmp_path / f"{cid}.yaml"
    fixture = ROOT / "tests" / "data" / "fixture_shop"
    params.write_text((fixture / "fixture.yaml").read_text().replace("data: .", f"data: {fixture}")
                      .replace("id: fixture_sim1", f"id: {cid}"))
    interactive = ROOT / "outputs" / "_interactive" / cid
    try:
        out = tmp_path / "03.ipynb"
        pm.execute_notebook(str(ROOT / "notebooks" / "03_response.ipynb"), str(out), kernel_name=KERNEL_NAME,
                            parameters={"params_path": str(params)}, cwd=str(ROOT / "notebooks"),
                            progress_bar=False)
        nb = json.loads(out.read_text())
        shown = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
        texts = ["".join(o.get("data", {}).get("text/markdown", "")) for o in shown]
        built = [t for t in texts if t.startswith("Built ")]
        assert len(built) == 1 and f"Built 01_clean, 02_segment for **{cid}**" in built[0]
        assert not [o for o in shown if o.get("name") == "stderr" or o["output_type"] == "error"]
        assert {"campaign", "segments", "response"} <= set(iorw.read_summary(interactive))
        assert not (ROOT / "outputs" / cid).exists()
    finally:
        shutil.rmtree(interactive, ignore_errors=True)
