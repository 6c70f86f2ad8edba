"""`make lab`: JupyterLab on the project root, started with the Makefile's flags, answers as the README says.

The server runs on a free port of 127.0.0.1 with a token, for a few seconds. It browses params/ and notebooks/, opens
notebooks/ by default, saves the templates without outputs (the pre-save hook) and has autosave off.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = Path(sys.executable).parent / "jupyter"
TOKEN = uuid.uuid4().hex


def lab_flags() -> list[str]:
    """The Makefile's LAB_FLAGS with $(CURDIR) as this checkout."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    flags = re.search(r"^LAB_FLAGS\s*:?=(.*)$", text, re.M).group(1)
    return flags.replace("$(CURDIR)", str(ROOT)).split()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, path: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict | str, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as r:
            raw = r.read().decode()
            status, headers = r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        raw, status, headers = e.read().decode(), e.code, dict(e.headers)
    try:
        return status, json.loads(raw), headers
    except ValueError:
        return status, raw, headers


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@contextlib.contextmanager
def running_lab(log: Path, *, env: dict | None = None, wait: float = 20, extra_flags: tuple[str, ...] = ()):
    """JupyterLab started as `make lab` starts it, on a free local port with a token; yields its base URL."""
    port = free_port()
    cmd = [str(JUPYTER), "lab", "--allow-root", "--no-browser", *lab_flags(), "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
           *extra_flags]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + wait
        while True:
            assert proc.poll() is None, f"jupyter lab exited ({proc.returncode}):\n{log.read_text()[-3000:]}"
            try:
                if call(base, "/api/status")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"jupyter lab did not answer in {wait:.0f} s:\n{log.read_text()[-3000:]}"
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not JUPYTER.exists() or subprocess.run([str(JUPYTER), "lab", "--version"], capture_output=True).returncode:
        pytest.skip(f"JupyterLab cannot start here: {JUPYTER} lab --version failed or is missing")
    log = tmp_path_factory.mktemp("lab") / "server.log"
    with running_lab(log, extra_flags=("--FileContentsManager.delete_to_trash=False",)) as base:
        yield base


def test_make_lab_passes_no_positional_folder():
    # A positional folder overrides --ServerApp.root_dir, which is how Lab ended up showing notebooks/ only.
    recipe = re.search(r"^lab:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert recipe.split()[-1] == "$(LAB_FLAGS)" and "root_dir" in " ".join(lab_flags())


def test_lab_browses_the_project_and_opens_notebooks(lab):
    status, listing, _ = call(lab, "/api/contents/params")
    assert status == 200, listing
    assert "defaults.yaml" in {item["name"] for item in listing["content"]}
    assert call(lab, "/api/contents/outputs")[0] == 200
    status, _, headers = call(lab, "/")
    assert status in (301, 302) and headers["Location"].split("?")[0].endswith("/lab/tree/notebooks")


def test_lab_has_autosave_off(lab):
    status, settings, _ = call(lab, "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    assert status == 200, settings
    assert settings["schema"]["properties"]["autosave"]["default"] is False


def notebook_with_output() -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "c1", "metadata": {"scrolled": True}, "source": "1 + 1", "execution_count": 1,
         "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                      "data": {"text/plain": "2"}}]}]}


@pytest.mark.parametrize(("folder", "kept"), [("notebooks", 0), ("outputs", 1)])
def test_saving_strips_outputs_from_templates_only(lab, folder, kept):
    name = f"{folder}/zz_lab_save_check_{uuid.uuid4().hex[:8]}.ipynb"
    try:
        status, reply, _ = call(lab, f"/api/contents/{name}", "PUT",
                                {"type": "notebook", "format": "json", "content": notebook_with_output()})
        assert status in (200, 201), reply
        cell = json.loads((ROOT / name).read_text())["cells"][0]
        assert len(cell["outputs"]) == kept
        assert (cell["execution_count"] is None) == (not kept) and cell["id"] == "c1"
    finally:
        (ROOT / name).unlink(missing_ok=True)
