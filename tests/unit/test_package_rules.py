"""Rules of the package's architecture that a reader relies on (the layers contract is in pyproject.toml).

- Only ``campaignlab.iorw`` (and its siblings ``synth_io``, which streams generated data, and ``locks``, the run lock files) and the runner write to disk, so every file the suite writes has one named place.
- Process state (environment variables, pandas display options) is set only at the command line's entry point, by
  the runner around the kernels it starts (``run/kernels.py``: set and restored), or at a notebook session's start,
  never by a library function.
- No module over 600 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lib" / "campaignlab"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
WRITERS = {"iorw.py", "clean_store.py", "synth_io.py", "locks.py", "run/runner.py"}
STATE_SETTERS = {"run/session.py", "run/cli.py", "run/runner.py", "run/kernels.py"}

#: Calls that write, move or delete files: methods of paths, frames, figures and writers, and module functions.
#: (``Path.rename``/``Path.replace`` are left out: the names are everyday pandas methods; ``os.replace`` is caught.)
WRITE_METHODS = {"to_csv", "to_parquet", "to_excel", "to_json", "write_text", "write_bytes", "savefig", "mkdir",
                 "unlink", "rmdir", "touch", "to_pickle", "to_feather"}
WRITE_FUNCTIONS = {("shutil", name) for name in ("move", "copy", "copy2", "copyfile", "copytree", "rmtree")} | {
    ("os", name) for name in ("replace", "rename", "remove", "unlink", "makedirs", "mkdir", "rmdir")}


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _writes(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"),
                                                                  None)
            if isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax+"):
                found.append(f"line {node.lineno}: open(..., {mode.value!r})")
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if (owner, func.attr) in WRITE_FUNCTIONS:
                found.append(f"line {node.lineno}: {owner}.{func.attr}")
            elif func.attr in WRITE_METHODS and owner != "iorw":
                found.append(f"line {node.lineno}: .{func.attr}(...)")
            elif func.attr == "ExcelWriter":
                found.append(f"line {node.lineno}: ExcelWriter")
    return found


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_only_the_io_module_and_the_runner_write_files(path):
    if _rel(path) in WRITERS:
        pytest.skip("the IO module and the runner are the places that write")
    strays = _writes(ast.parse(path.read_text()))
    assert not strays, f"{_rel(path)} writes to disk ({'; '.join(strays)}): add a function to campaignlab.iorw"


def test_the_scan_finds_writes():
    # The scan must see the writes the IO module does make, or it proves nothing about the other modules.
    kinds = " ".join(_writes(ast.parse((PACKAGE / "iorw.py").read_text())))
    for expected in ("os.replace", ".mkdir(", ".to_excel(", ".savefig("):
        assert expected in kinds


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_process_state_is_set_only_at_entry_points(path):
    if _rel(path) in STATE_SETTERS:
        pytest.skip("entry points set process state")
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                assert not (isinstance(t, ast.Subscript) and ast.unparse(t.value) == "os.environ"), (
                    f"{_rel(path)} line {node.lineno} sets an environment variable")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            call = ast.unparse(node.func)
            assert call not in {"pd.set_option", "os.environ.setdefault", "os.environ.update", "os.putenv"}, (
                f"{_rel(path)} line {node.lineno}: {call} changes process state; do it in run.session or the CLI")
    # Warning filters inside `with warnings.catch_warnings()` are scoped; at import time they are global.
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            assert not ast.unparse(node.value.func).startswith("warnings."), (
                f"{_rel(path)} line {node.lineno}: a warning filter at import time")


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_module_over_600_lines(path):
    n = len(path.read_text().splitlines())
    assert n <= 600, f"{_rel(path)} has {n} lines: split it by concern"


#: Functions allowed over 60 lines of code, and why.
LONG_FUNCTIONS = {
    ("data/simulate.py", "simulate_block"): "one generative story (customers, history, assignment, response, "
                                              "events) that reads best top to bottom; its parts share a dozen draws",
    ("stats/segmentation/snapshot.py", "compute_customer_snapshot"): "one Ibis aggregation whose columns are defined "
                                                                     "together so they agree on the window",
}


def _code_lines(node: ast.FunctionDef, lines: list[str]) -> int:
    body = node.body
    has_doc = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)
    start = body[0].end_lineno if has_doc else node.lineno
    return sum(1 for line in lines[start:node.end_lineno] if line.strip() and not line.strip().startswith("#"))


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_function_over_60_lines_of_code(path):
    src = path.read_text()
    lines = src.splitlines()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (_rel(path), node.name) not in LONG_FUNCTIONS:
            n = _code_lines(node, lines)
            assert n <= 60, f"{_rel(path)}: {node.name} has {n} lines of code; split it into named steps"
