"""The project's promises about itself: dependency files agree, notebooks are clean and thin, goldens are current."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import nbformat
import papermill as pm
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.ipynb"))


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_declares_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"] + sum(project["optional-dependencies"].values(), [])}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    pip = {_name(d) for block in env["dependencies"] if isinstance(block, dict) for d in block["pip"]}
    assert declared == conda | pip


def test_every_direct_dependency_is_pinned_in_constraints():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {_name(line) for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    missing = {_name(r) for r in project["dependencies"] + sum(project["optional-dependencies"].values(), [])} - pinned
    assert not missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_template_is_saved_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), (
        "notebook saved with outputs: run `make setup` once (installs the nbstripout git filter) "
        f"or `.venv/bin/nbstripout --keep-id notebooks/{path.name}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_template_cells_are_thin(path):
    """Notebook cells call lib/: no definitions, no loops over data, no file IO, a few lines each."""
    nb = nbformat.read(path, as_version=4)
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        where = f"notebooks/{path.name} cell {i}"
        for line in c.source.splitlines():
            assert not line.startswith(("def ", "class ")), f"{where}: move {line!r} to lib/"
            assert not line.startswith(("for ", "while ")), f"{where}: loops over data belong in lib/: {line!r}"
            assert not re.search(r"\bpd\.read_|\.to_(csv|parquet|excel)\(|\bopen\(", line), (
                f"{where}: IO belongs in lib/: {line!r}"
            )
        assert len(c.source.splitlines()) <= 8, f"{where} is too long, move logic to lib/:\n{c.source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_parameters_contract(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "campaignlab"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"notebooks/{path.name} needs exactly one cell tagged `parameters`"
    params = pm.inspect_notebook(str(path))
    if path.stem == "06_portfolio":  # across campaigns: reads the outputs folder, not one campaign
        assert set(params) == {"outputs_dir"} and params["outputs_dir"]["default"] == '""'
        return
    assert set(params) == {"params_path", "run_dir"}
    assert params["params_path"]["default"] == '"params/cj_campaign_18.yaml"'
    assert params["run_dir"]["default"] == '""'


def test_outputs_are_stripped_from_templates_only():
    """.gitattributes sends notebooks/*.ipynb through the nbstripout filter, never the goldens (their outputs count)."""
    git_dir = shutil.which("git") and subprocess.run(["git", "rev-parse", "--git-dir"], cwd=ROOT, capture_output=True)
    if not git_dir or git_dir.returncode:
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "check-attr", "filter", "diff", "--", "notebooks/01_clean.ipynb",
                          "tests/golden/01_clean.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "notebooks/01_clean.ipynb: filter: nbstripout", "notebooks/01_clean.ipynb: diff: ipynb",
        "tests/golden/01_clean.ipynb: filter: unspecified", "tests/golden/01_clean.ipynb: diff: unspecified"]


def _cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The notebook's cells, without the cell papermill inserts when it executes a notebook."""
    return [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.stem)
def test_golden_notebook_runs_the_current_template(golden):
    """nbval re-executes tests/golden/: its cells must be the template's, or the regression test tests old code."""
    advice = "the template changed: run `make golden`, review the diff of tests/golden/, then `make test`"
    template = ROOT / "notebooks" / golden.name
    assert template.exists(), f"tests/golden/{golden.name} has no notebooks/{golden.name}: {advice}"
    expected = _cells(nbformat.read(template, as_version=4))
    actual = _cells(nbformat.read(golden, as_version=4))
    for i in range(max(len(expected), len(actual))):
        want = expected[i].source if i < len(expected) else "(no such cell)"
        got = actual[i].source if i < len(actual) else "(no such cell)"
        cell_id = expected[i].get("id", "") if i < len(expected) else ""
        assert got == want, (
            f"notebooks/{golden.name} cell {i}{f' (id {cell_id})' if cell_id else ''} differs from "
            f"tests/golden/{golden.name}: {advice}\ntemplate cell:\n{want}\ngolden cell:\n{got}"
        )


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
