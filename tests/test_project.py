"""The project's promises about itself: dependency files agree, notebook templates are clean and thin."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import papermill as pm
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_declares_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    pip = {_name(d) for block in env["dependencies"] if isinstance(block, dict) for d in block["pip"]}
    assert declared == conda | pip


def test_every_direct_dependency_is_pinned_in_constraints():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {_name(line) for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    missing = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]} - pinned
    assert not missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_template_carries_no_outputs_and_no_definitions(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs (nbstripout)"
    for c in code:
        for line in c.source.splitlines():
            assert not line.startswith(("def ", "class ")), f"move {line!r} to lib/"
            assert not re.search(r"\bpd\.read_|\.to_(csv|parquet|excel)\(", line), f"IO belongs in lib/: {line!r}"
        assert len(c.source.splitlines()) <= 8, f"cell too long, move logic to lib/:\n{c.source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_parameters_contract(path):
    params = pm.inspect_notebook(str(path))
    if path.stem == "06_portfolio":  # across campaigns: reads the outputs folder, not one campaign
        assert set(params) == {"outputs_dir"} and params["outputs_dir"]["default"] == '""'
        return
    assert set(params) == {"params_path", "run_dir"}
    assert params["params_path"]["default"] == '"params/cj_campaign_18.yaml"'
    assert params["run_dir"]["default"] == '""'
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "campaignlab"


def test_templates_match_their_generator(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_notebooks
    finally:
        sys.path.pop(0)
    for name, cells in make_notebooks.NOTEBOOKS.items():
        expected = make_notebooks.build(cells)
        actual = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        assert [c.source for c in actual.cells] == [c.source for c in expected.cells], (
            f"notebooks/{name}.ipynb differs from tools/notebook_cells.py: run python tools/make_notebooks.py"
        )


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
