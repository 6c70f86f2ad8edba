"""Check that two cleaned-data cache folders hold the same content, so that a faster cleaning step can be shown to
change no output.

    PYTHONPATH=lib .venv/bin/python benchmarks/compare_clean_caches.py CACHE_A CACHE_B

CACHE_A and CACHE_B are ``clean-<key>`` folders (or folders holding exactly one), for example one built by an older
checkout and one by this one from the same params (``campaignlab`` caches under ``$CAMPAIGNLAB_CACHE``). They are
equal when they have the same files, every Parquet table has the same schema and the same rows (as a multiset:
both are sorted by all their columns, nulls last, then compared with ``pyarrow.Table.equals``), and every other
file (``quality.csv``, ``source.json``) is byte-identical. Whether each table's row order is also the same is
printed for information. The exit code is 0 when equal, 1 otherwise.

``--by-hash`` compares each table's rows without holding them in memory (for tables of 100M rows): the row count
and the sum and the exclusive-or of DuckDB's 64-bit hash of every row: a fingerprint of the rows as a multiset
(under DuckDB's equality, so 0.0 and -0.0 are not told apart) that different tables share only by a collision.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq


def _folder(path: str) -> Path:
    folder = Path(path)
    if (folder / "_SUCCESS").is_file():
        return folder
    found = sorted(p.parent for p in folder.glob("clean-*/_SUCCESS"))
    if len(found) != 1:
        raise SystemExit(f"{folder}: expected one clean-<key> folder with _SUCCESS, found {len(found)}")
    return found[0]


def _sorted_rows(con: duckdb.DuckDBPyConnection, path: Path):
    """All rows of a Parquet file ordered by every column (the engine sorts; files can be larger than memory)."""
    names = pq.read_schema(path).names
    order = ", ".join(f'"{n}" ASC NULLS LAST' for n in names)
    return con.sql(f"SELECT * FROM read_parquet('{path}') ORDER BY {order}").to_arrow_table()


def _fingerprint(con: duckdb.DuckDBPyConnection, path: Path) -> tuple:
    names = ", ".join(f'"{n}"' for n in pq.read_schema(path).names)
    return con.sql(f"SELECT count(*), sum(h::HUGEINT), bit_xor(h) FROM (SELECT hash(struct_pack({names})) AS h "
                   f"FROM read_parquet('{path}'))").fetchall()[0]


def compare(a: Path, b: Path, by_hash: bool = False) -> bool:
    files_a = sorted(p.name for p in a.iterdir())
    files_b = sorted(p.name for p in b.iterdir())
    if files_a != files_b:
        print(f"different files:\n  {files_a}\n  {files_b}")
        return False
    con = duckdb.connect(config={"memory_limit": "4GB", "preserve_insertion_order": True})
    equal = True
    for name in files_a:
        pa_, pb_ = a / name, b / name
        if name.endswith(".parquet"):
            schema_a, schema_b = pq.read_schema(pa_), pq.read_schema(pb_)
            if not schema_a.remove_metadata().equals(schema_b.remove_metadata()):
                print(f"{name}: schemas differ\n{schema_a}\n{schema_b}")
                equal = False
                continue
            if by_hash:
                fa, fb = _fingerprint(con, pa_), _fingerprint(con, pb_)
                print(f"{name}: {fa[0]:,} rows, {'equal' if fa == fb else 'DIFFERENT'} (by hash)")
                equal &= fa == fb
                continue
            rows_a, rows_b = _sorted_rows(con, pa_), _sorted_rows(con, pb_)
            same = rows_a.equals(rows_b)
            same_order = same and pq.read_table(pa_).equals(pq.read_table(pb_))
            print(f"{name}: {rows_a.num_rows:,} rows, {'equal' if same else 'DIFFERENT'}"
                  f"{' (same order)' if same_order else ' (other order)' if same else ''}")
            equal &= same
        else:
            same = pa_.read_bytes() == pb_.read_bytes()
            print(f"{name}: {'byte-identical' if same else 'DIFFERENT'}")
            equal &= same
    return equal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache_a")
    parser.add_argument("cache_b")
    parser.add_argument("--by-hash", action="store_true", help="compare row multisets by a hash fingerprint")
    args = parser.parse_args()
    a, b = _folder(args.cache_a), _folder(args.cache_b)
    equal = compare(a, b, args.by_hash)
    print(f"{a} and {b}: {'EQUAL' if equal else 'DIFFERENT'}")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
