"""What each promise of the cleaning step costs at the least: each one as a bare hand-written DuckDB query on a data
folder of the canonical shape (``campaignlab synth``), next to the hand-written query of the per-customer aggregates
that ``benchmarks/scale.py`` uses as its reference.

    PYTHONPATH=lib .venv/bin/python benchmarks/cleaning_floors.py DATA_FOLDER [--memory-limit 25%]

The queries, each in a fresh process with a fresh DuckDB connection (the operating system's file cache stays warm
between them, as it does between the steps of a run):

- ``scan``: read the four columns the aggregates need once (count and sum): the floor of any pass over the lines;
- ``reference``: the per-customer aggregates (``scale.REFERENCE_SQL``): no rule, no copy check, nothing stored;
- ``labels``: every line's first broken rule (missing id, unknown customer, return, empty line) counted by rule:
  the row rules without the exact-copy rule;
- ``copies``: the exact-copy rule alone (a 64-bit hash of every column, grouped, the groups with more than one row
  counted), as ``data.cleaning.repeated_hashes`` does it;
- ``write``: every line written once to Parquet: the cost of storing the clean lines (or the labelled ones) at all.

The last lines add the floors up: a cleaning step that labels every row, removes exact copies and stores the lines
cannot cost less than ``labels + copies + write``, and the feature table not less than the ``reference``; the sum is
set against twice the reference (issue 12's target for the data work). A floor is a lower bound, not a forecast: the
run's own steps also validate, fingerprint and count, and read the tables other than transactions.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import REFERENCE_SQL  # noqa: E402  (the same reference query as the scale benchmark)

QUERIES = ("scan", "reference", "labels", "copies", "write")


def _sql(name: str, data: Path, out: Path, columns: list[str]) -> str:
    tx, customers = f"'{data}/transactions.parquet'", f"'{data}/customers.parquet'"
    if name == "scan":
        return f"select count(*), sum(amount), max(ts), min(customer_id), min(order_id) from {tx}"
    if name == "reference":
        return REFERENCE_SQL.format(d=data)
    if name == "labels":
        qty = "quantity" in columns
        ret = "amount < 0 or quantity < 0" if qty else "amount < 0"
        empty = "amount = 0 and (quantity = 0 or quantity is null)" if qty else "amount = 0"
        return (f"select rule, count(*) from (select case "
                "when customer_id is null or order_id is null or ts is null or amount is null then 'missing_id' "
                f"when customer_id not in (select customer_id from {customers}) then 'unknown_customer' "
                f"when {ret} then 'return' when {empty} then 'empty_line' end as rule from {tx}) group by rule")
    if name == "copies":
        every = ", ".join(f'"{c}"' for c in columns)
        return (f"select count(*) as hashes, coalesce(sum(n), 0) as rows from (select h, count(*) as n from "
                f"(select hash({every}) as h from {tx}) group by h having n > 1)")
    if name == "write":
        return f"copy (select * from {tx}) to '{out}/lines.parquet' (format parquet)"
    raise ValueError(name)


def run_one(name: str, data: Path, memory_limit: str) -> dict:
    """Run one query in this process; returns its wall seconds, CPU seconds and peak memory."""
    import duckdb

    with tempfile.TemporaryDirectory(dir=data.parent) as tmp:
        con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(Path(tmp) / "spill")})
        columns = [r[0] for r in con.sql(f"describe select * from '{data}/transactions.parquet'").fetchall()]
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        rel = con.sql(_sql(name, data, Path(tmp), columns))
        if name == "reference":  # fetched as Arrow, as the scale benchmark does: not as ten million Python tuples
            rows = [[rel.to_arrow_table().num_rows]]
        else:
            rows = rel.fetchall() if rel is not None else []
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
    return {"query": name, "seconds": wall, "cpu": r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime,
            "peak_mb": r1.ru_maxrss / 1024, "result": [[str(v) for v in r] for r in rows[:20]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a data folder written by campaignlab synth (Parquet tables)")
    parser.add_argument("--memory-limit", default="25%", help="DuckDB's memory_limit (the suite's default: 25%%)")
    parser.add_argument("--one", choices=QUERIES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data = args.data.resolve()
    if args.one:
        print(json.dumps(run_one(args.one, data, args.memory_limit)))
        return 0
    rows = {}
    for name in QUERIES:
        proc = subprocess.run([sys.executable, __file__, str(data), "--memory-limit", args.memory_limit, "--one",
                               name], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"query {name} failed:\n{proc.stderr}")
        rows[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = rows[name]
        print(f"{name:<10} {r['seconds']:8.1f} s wall {r['cpu']:8.1f} s CPU {r['peak_mb']:8.0f} MB peak", flush=True)
    ref = rows["reference"]["seconds"]
    cleaning = sum(rows[k]["seconds"] for k in ("labels", "copies", "write"))
    print(f"cleaning floor (labels + copies + write): {cleaning:.1f} s")
    print(f"data-work floor (cleaning floor + reference): {cleaning + ref:.1f} s, against 2x the reference: "
          f"{2 * ref:.1f} s")
    print(f"without storing the lines (labels + copies + reference): {cleaning - rows['write']['seconds'] + ref:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
