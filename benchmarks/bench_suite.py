"""Time the notebook suite for one campaign against the same notebooks cut down to their imports.

The target (issue: backbone): with warm caches, one campaign's full suite takes at most 2x as long as the
import-only notebooks (kernel start and imports are the unavoidable cost). Prints per-notebook seconds, the
ratio, and peak memory (this process, and the largest notebook kernel).

    .venv/bin/python benchmarks/bench_suite.py [params file] [--cold]

--cold first empties the data cache and the pytensor compile cache into fresh temporary folders, which is what a
new machine's first run costs; it is reported separately and not held to the target.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("params", nargs="?", default=str(ROOT / "params" / "cj_campaign_18.yaml"))
    parser.add_argument("--cold", action="store_true", help="empty caches first (a new machine's first run)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="campaignlab-bench-"))
    if args.cold:
        os.environ["CAMPAIGNLAB_CACHE"] = str(tmp / "cache")
        os.environ["PYTENSOR_FLAGS"] = f"base_compiledir={tmp / 'pytensor'}"
    else:
        os.environ.setdefault("PYTENSOR_FLAGS", f"base_compiledir={ROOT / '.cache' / 'pytensor'}")
    sys.path.insert(0, str(ROOT / "lib"))
    t0 = time.perf_counter()
    import papermill as pm

    from campaignlab.run import runner

    print(f"import papermill + campaignlab: {time.perf_counter() - t0:.1f} s")
    outputs = tmp / "outputs"
    if not args.cold:
        # warm-up: fills the data cache and the compile cache if this machine has never run the suite
        runner.run_campaign(args.params, root=ROOT, outputs_dir=outputs)
    full = runner.run_campaign(args.params, root=ROOT, outputs_dir=outputs)
    full_times = {n["notebook"]: n["seconds"] for n in full.notebooks}
    imp_times = {}
    for nb in runner.notebook_paths(ROOT / "notebooks"):
        stripped = import_only(nb, tmp / f"imports_{nb.name}")
        t = time.perf_counter()
        pm.execute_notebook(str(stripped), str(tmp / f"out_{nb.name}"), kernel_name=runner.KERNEL_NAME,
                            parameters={"params_path": str(args.params), "run_dir": str(tmp / "imports_run")},
                            cwd=str(ROOT), progress_bar=False)
        imp_times[nb.stem] = time.perf_counter() - t
    label = "COLD (first run, empty caches)" if args.cold else "warm caches"
    print(f"\n{Path(args.params).name}, {label}")
    print(f"{'notebook':<14}{'full s':>9}{'imports s':>11}{'ratio':>8}")
    for name in full_times:
        print(f"{name:<14}{full_times[name]:>9.1f}{imp_times[name]:>11.1f}{full_times[name] / imp_times[name]:>8.2f}")
    tf, ti = sum(full_times.values()), sum(imp_times.values())
    print(f"{'total':<14}{tf:>9.1f}{ti:>11.1f}{tf / ti:>8.2f}   (target: ratio <= 2.0 with warm caches)")
    print(f"peak memory: runner process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"largest notebook kernel {peak_child_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
