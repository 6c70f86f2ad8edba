"""Time the notebook suite for one campaign against the same notebooks cut down to their imports.

The target (issue: performance): campaign 18's suite within 4x the import-only notebooks (kernel start and imports
are the unavoidable cost), measured with the lifetime-value fit cache COLD, so the fit is paid in full. The pytensor
compile cache (the compiled C code of the model graph, not a fit) is warm unless --cold; the line says which. The
same suite with the fit cache warm is printed next to it. Also prints per-notebook seconds and peak memory (this
process, and the largest notebook kernel).

    .venv/bin/python benchmarks/bench_suite.py [params file] [--cold]

Without --cold, one untimed run first fills the cleaned-data cache and the pytensor compile cache (a new machine's
first fit compiles for about 30 s); the fit cache is then emptied. --cold empties the data cache and the pytensor
compile cache into fresh temporary folders too, which is what a new machine's first run costs; it is reported
separately and not held to the target. Every cache of the benchmark lives in a temporary folder: the project's
own outputs/_cache is neither read nor changed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def import_only(nb_path: Path, target: Path) -> Path:
    """A copy of a notebook with only its parameters cell and its import lines."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    keep, imports = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            keep.append(cell)
            continue
        imports += [line for line in cell.source.splitlines() if line.startswith(("from ", "import "))]
    keep.append(nbformat.v4.new_code_cell("\n".join(imports)))
    nb.cells = keep
    nbformat.write(nb, target)
    return target


def peak_child_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _suite(runner, params: str, outputs: Path) -> dict[str, float]:
    full = runner.run_campaign(params, root=ROOT, outputs_dir=outputs)
    return {n["notebook"]: n["seconds"] for n in full.notebooks}


def _print_table(title: str, full: dict[str, float], imports: dict[str, float], target: str) -> None:
    print(f"\n{title}")
    print(f"{'notebook':<14}{'full s':>9}{'imports s':>11}{'ratio':>8}")
    for name in full:
        print(f"{name:<14}{full[name]:>9.1f}{imports[name]:>11.1f}{full[name] / imports[name]:>8.2f}")
    tf, ti = sum(full.values()), sum(imports.values())
    print(f"{'total':<14}{tf:>9.1f}{ti:>11.1f}{tf / ti:>8.2f}   {target}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("params", nargs="?", default=str(ROOT / "params" / "cj_campaign_18.yaml"))
    parser.add_argument("--cold", action="store_true", help="empty every cache first (a new machine's first run)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="campaignlab-bench-"))
    cache = tmp / "cache"
    os.environ["CAMPAIGNLAB_CACHE"] = str(cache)
    if args.cold:
        os.environ["PYTENSOR_FLAGS"] = f"base_compiledir={tmp / 'pytensor'}"
    else:
        os.environ.setdefault("PYTENSOR_FLAGS", f"base_compiledir={ROOT / '.cache' / 'pytensor'}")
    sys.path.insert(0, str(ROOT / "lib"))
    t0 = time.perf_counter()
    import papermill as pm

    from campaignlab import cache as caches
    from campaignlab.run import runner

    print(f"import papermill + campaignlab: {time.perf_counter() - t0:.1f} s")
    outputs = tmp / "outputs"
    if not args.cold:
        # warm-up: fills the data cache and the pytensor compile cache if this machine has never run the suite
        t = time.perf_counter()
        runner.run_campaign(args.params, root=ROOT, outputs_dir=outputs)
        print(f"warm-up run (untimed in the table): {time.perf_counter() - t:.1f} s")
    shutil.rmtree(caches.clv_cache_dir(cache), ignore_errors=True)
    fit_cold = _suite(runner, args.params, outputs)
    fit_warm = _suite(runner, args.params, outputs)
    imp_times = {}
    for nb in runner.notebook_paths(ROOT / "notebooks"):
        stripped = import_only(nb, tmp / f"imports_{nb.name}")
        t = time.perf_counter()
        pm.execute_notebook(str(stripped), str(tmp / f"out_{nb.name}"), kernel_name=runner.KERNEL_NAME,
                            parameters={"params_path": str(args.params), "run_dir": str(tmp / "imports_run")},
                            cwd=str(ROOT), progress_bar=False, extra_arguments=list(runner.KERNEL_ARGS))
        imp_times[nb.stem] = time.perf_counter() - t
    compile_state = "cold (emptied)" if args.cold else "warm"
    data_state = "cold (emptied)" if args.cold else "warm"
    name = Path(args.params).name
    _print_table(f"{name}: lifetime-value fit cache COLD, pytensor compile cache {compile_state}, "
                 f"data cache {data_state}", fit_cold, imp_times,
                 "(target: ratio <= 4.0)" if not args.cold else "(a new machine's first run: no target)")
    _print_table(f"{name}: lifetime-value fit cache warm (the same run again)", fit_warm, imp_times, "")
    print(f"\npeak memory: runner process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"largest notebook kernel {peak_child_mb():.0f} MB")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
