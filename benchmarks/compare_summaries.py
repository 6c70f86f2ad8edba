"""Compare the summary.json files of two output folders and print every key whose value differs.

    .venv/bin/python benchmarks/compare_summaries.py OLD_DIR NEW_DIR [--rel 0]

OLD_DIR and NEW_DIR are outputs folders (``outputs/``, one sub-folder per campaign holding ``summary.json``) or two
single run folders. Keys that record when or how long (``*timestamp*``, ``created``, ``started``, ``finished``,
``*_seconds``, ``duration``) are ignored. Floats are equal when identical, or, with ``--rel R``, within a relative
difference R (for example 1e-12 to see differences beyond float last digits only). Exit code 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

IGNORED = ("timestamp", "created", "started", "finished", "_seconds", "duration", "elapsed", "generated_at")


def _ignored(key: str) -> bool:
    return any(part in key.lower() for part in IGNORED)


def diff(old, new, path: str = "", rel: float = 0.0) -> list[str]:
    """Every differing leaf as ``path: old -> new``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            if _ignored(str(key)):
                continue
            sub = f"{path}.{key}" if path else str(key)
            if key not in old or key not in new:
                out.append(f"{sub}: {'(absent)' if key not in old else old[key]!r} -> "
                           f"{'(absent)' if key not in new else new[key]!r}")
            else:
                out += diff(old[key], new[key], sub, rel)
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{path}: list of {len(old)} -> list of {len(new)}"]
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in diff(a, b, f"{path}[{i}]", rel)]
    if isinstance(old, float) and isinstance(new, float) and not isinstance(old, bool):
        if old == new or (math.isnan(old) and math.isnan(new)):
            return []
        if rel and abs(old - new) <= rel * max(abs(old), abs(new)):
            return []
        return [f"{path}: {old!r} -> {new!r} (relative {abs(old - new) / max(abs(old), abs(new)):.2e})"]
    return [] if old == new else [f"{path}: {old!r} -> {new!r}"]


def _summaries(folder: Path) -> dict[str, Path]:
    if (folder / "summary.json").is_file():
        return {folder.name: folder / "summary.json"}
    return {p.parent.name: p for p in sorted(folder.glob("*/summary.json")) if not p.parent.name.startswith("_")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rel", type=float, default=0.0, help="relative tolerance for floats (default: exact)")
    args = parser.parse_args(argv)
    old, new = _summaries(args.old), _summaries(args.new)
    if len(old) == 1 and len(new) == 1:
        old, new = {"run": next(iter(old.values()))}, {"run": next(iter(new.values()))}
    differing = 0
    for name in sorted(set(old) | set(new)):
        if name not in old or name not in new:
            print(f"{name}: only in {'NEW' if name not in old else 'OLD'}")
            differing += 1
            continue
        lines = diff(json.loads(old[name].read_text()), json.loads(new[name].read_text()), rel=args.rel)
        print(f"{name}: {len(lines)} differing key(s)")
        for line in lines:
            print(f"  {line}")
        differing += bool(lines)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
