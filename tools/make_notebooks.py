"""Write the notebook templates from the cell lists below (run: python tools/make_notebooks.py).

Notebook templates are generated so that every one has the same parameters cell, kernel and metadata; edit the
cells here, or edit the notebook in JupyterLab and keep this file in step (tests/test_notebooks.py checks both).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from notebook_cells import NOTEBOOKS  # noqa: E402

PARAMS_CELL = (
    "# The campaign's parameters file, and the run folder (empty: outputs/_interactive/ followed by the campaign id)\n"
    'params_path = "params/cj_campaign_18.yaml"\n'
    'run_dir = ""'
)


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "campaignlab", "display_name": "Python (campaignlab)", "language": "python"},
        "language_info": {"name": "python"},
    }
    out = []
    for kind, text, *tags in cells:
        text = text.strip("\n")
        if kind == "md":
            out.append(new_markdown_cell(text))
        elif kind == "params":
            out.append(new_code_cell(PARAMS_CELL, metadata={"tags": ["parameters"]}))
        else:
            out.append(new_code_cell(text, metadata={"tags": tags[0]} if tags else {}))
    for i, cell in enumerate(out):
        cell["id"] = f"cell-{i:02d}"
    nb.cells = out
    return nb


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        path = ROOT / "notebooks" / f"{name}.ipynb"
        nbformat.write(build(cells), path)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
