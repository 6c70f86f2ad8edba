"""The scale benchmark's own parts (benchmarks/scale.py): sizes, the disk check, phases, sampling, references.

The benchmark itself prints figures and is not run here; these tests check that what it measures is what it says.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaignlab.data.synth import SynthSpec
from campaignlab.synth_io import write_synth_dataset

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("scale", ROOT / "benchmarks" / "scale.py")
scale = importlib.util.module_from_spec(_spec)
sys.modules["scale"] = scale  # its dataclasses look their module up
_spec.loader.exec_module(scale)


@pytest.mark.parametrize("text, lines", [("1M", 1_000_000), ("100M", 100_000_000), ("500k", 500_000),
                                         ("2500000", 2_500_000), ("1.5M", 1_500_000)])
def test_sizes_read_as_lines(text, lines):
    assert scale.parse_size(text) == lines


def test_disk_check_refuses_a_size_larger_than_the_free_space(tmp_path):
    import shutil

    free = shutil.disk_usage(tmp_path).free
    too_big = free // scale.BYTES_PER_LINE + 1_000_000
    assert scale.check_disk([1_000], tmp_path) == []
    (message,) = scale.check_disk([1_000, too_big], tmp_path / "not" / "yet")
    assert "GB are free" in message and "--workdir" in message


def test_phases_follow_the_runner_progress_lines():
    lines = [(1.0, "data abc cleaned (0.5 s): /c"), (1.5, "campaign 1/1: p.yaml"), (2.0, "[x] 01_clean ..."),
             (5.0, "[x] 01_clean done in 2.9 s"), (5.0, "[x] 02_segment ..."), (9.0, "[x] 02_segment done in 4 s"),
             (9.5, "[x] report: /r")]
    got = scale.phases(lines, 0.0, 12.0)
    assert got == [("start + validate + clean", 0.0, 2.0), ("01_clean", 2.0, 5.0), ("02_segment", 5.0, 9.0),
                   ("publish + portfolio", 9.0, 12.0)]


def test_the_sampler_counts_a_child_process_cpu_and_memory():
    # a parent that starts a child burning CPU and holding ~200 MB; both belong to the sampled tree
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; b = bytearray(200_000_000); t = time.process_time()\\n"
            "while time.process_time() - t < 1.0: pass\\ntime.sleep(0.5)'])")
    proc = subprocess.Popen([sys.executable, "-c", code])
    with scale.Sampler(proc.pid) as sampler:
        proc.wait()
        time.sleep(0.1)
        sampler.now()
    cpu, peak = sampler.window(sampler.samples[0][0], sampler.samples[-1][0])
    assert cpu >= 0.8 and peak >= 200_000_000


def test_proc_fallback_agrees_with_psutil():
    pytest.importorskip("psutil")
    tree = scale._ProcTree(os.getpid())
    cpu_ps, rss_ps = tree._psutil_sample()
    cpu_proc, rss_proc = tree._proc_sample()
    assert cpu_proc == pytest.approx(cpu_ps, abs=0.2) and rss_proc == pytest.approx(rss_ps, rel=0.1)


def test_duckdb_and_pandas_references_compute_the_same_aggregates(tmp_path):
    write_synth_dataset(SynthSpec(customers=2_000, lines=20_000, seed=5, block_customers=700), tmp_path)
    a = scale.duckdb_aggregates(tmp_path).to_pandas().set_index("customer_id").sort_index()
    b = scale.pandas_aggregates(tmp_path).set_index("customer_id").sort_index()
    assert list(a.columns) == list(b.columns) and a.index.equals(b.index) and len(a) == 2_000
    assert (a["arm"].fillna("") == b["arm"].fillna("")).all()
    assert a["window_orders"].sum() > 0 and a["frequency"].sum() > a["pre_orders"].sum() > 0
    for column in a.columns.drop("arm"):
        x, y = a[column].astype(float), b[column].astype(float)
        assert x.isna().equals(y.isna()), column
        np.testing.assert_allclose(x.fillna(0), y.fillna(0), rtol=1e-9, atol=1e-6, err_msg=column)
    assert isinstance(b, pd.DataFrame)


def test_the_cleaning_floors_count_what_the_cleaning_step_removes(tmp_path):
    # The bare queries of benchmarks/cleaning_floors.py must do the work they stand for: on lines with planted
    # copies, a return, an empty line, an unknown customer and a missing id, they count what the cleaning rules do.
    import ibis
    import pyarrow as pa
    import pyarrow.parquet as pq

    from campaignlab.data.cleaning import compute_clean_tables

    spec = importlib.util.spec_from_file_location("cleaning_floors", ROOT / "benchmarks" / "cleaning_floors.py")
    floors = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(floors)
    data = tmp_path / "data"
    write_synth_dataset(SynthSpec(customers=500, lines=5_000, seed=3, block_customers=200), data)
    tx = pq.read_table(data / "transactions.parquet").to_pandas()
    bad = tx.iloc[[0, 1, 2, 3, 4]].copy()
    bad.iloc[1, bad.columns.get_loc("amount")] = -bad.iloc[1]["amount"]
    bad.iloc[2, bad.columns.get_loc("amount")] = 0
    if "quantity" in bad:
        bad.iloc[2, bad.columns.get_loc("quantity")] = 0
    bad.iloc[3, bad.columns.get_loc("customer_id")] = "nobody"
    bad.iloc[4, bad.columns.get_loc("order_id")] = None
    dirty = pd.concat([tx, tx.iloc[[10, 10, 11]], bad.iloc[1:]], ignore_index=True)
    schema = pq.read_schema(data / "transactions.parquet")
    pq.write_table(pa.Table.from_pandas(dirty, schema=schema, preserve_index=False), data / "transactions.parquet")

    con = ibis.duckdb.connect()
    tables = {t: con.read_parquet(data / f"{t}.parquet") for t in ("customers", "transactions", "campaigns",
                                                                     "assignments")}
    rejected = compute_clean_tables(tables).rejected["transactions"].to_pandas()["rule"].value_counts().to_dict()
    labels = {r[0]: int(r[1]) for r in floors.run_one("labels", data, "25%")["result"] if r[0] != "None"}
    assert labels == {k: v for k, v in rejected.items() if k != "duplicate"}
    assert labels == {"return": 1, "empty_line": 1, "unknown_customer": 1, "missing_id": 1}
    hashes, rows = (int(v) for v in floors.run_one("copies", data, "25%")["result"][0])
    assert rows - hashes == rejected["duplicate"], (rows, hashes, rejected)
    assert rejected["duplicate"] >= 2
