"""What a campaign switch in JupyterLab costs, and how big a bare ``result`` prints.

Builds the upstream of 03_response for a fresh copy of the fixture campaign (a new id, so its interactive folder
is empty), as ``session.open_run`` does on a switch; then asks again (up to date: only the staleness check); then
prints the size of each step result's text and HTML (the test requires the text under 2,000 characters).

    .venv/bin/python benchmarks/bench_interactive.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "fixture_shop"


def main() -> int:
    from campaignlab.run import session
    from campaignlab.steps import response, retention, segment

    cid = f"bench_{uuid.uuid4().hex[:6]}"
    tmp = Path(tempfile.mkdtemp())
    params = tmp / f"{cid}.yaml"
    params.write_text((FIXTURE / "fixture.yaml").read_text().replace("data: .", f"data: {FIXTURE}")
                      .replace("id: fixture_sim1", f"id: {cid}"))
    folder = ROOT / "outputs" / "_interactive" / cid
    cmd = [sys.executable, "-m", "campaignlab.run.cli", "interactive", str(params), "--upto", "03_response"]
    try:
        for label in ("empty folder (01, 02 built)", "up to date (nothing built)"):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            print(f"campaignlab interactive --upto 03_response, {label}: {time.perf_counter() - t0:.1f} s")
        run = session.open_run(str(params), str(folder))
        seg = segment.analyse(run)
        resp = response.analyse(run, response.build_customer_table(run), response.read_segments(run))
        response.write(run, resp)
        ret = retention.analyse(run)
        for r in (seg, resp, ret):
            print(f"{type(r).__name__}: repr {len(repr(r)):,} characters, HTML {len(r._repr_html_()):,}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
