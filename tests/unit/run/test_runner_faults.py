"""Faults of campaignlab.run.runner: kill -9 while publishing, stale staging, two runs at once, read-only or full disks.

Notebooks are not executed here (papermill is replaced by a copy that writes a marker ``summary.json``), so these
run in seconds; tests/test_runner.py runs the real suite.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaignlab import iorw, locks
from campaignlab.run import runner
from campaignlab.run.cli import main

ROOT = Path(__file__).resolve().parents[3]
LIB = ROOT / "lib"
CID = "fixture_sim1"


@pytest.fixture(autouse=True)
def in_project(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.fixture
def fake_papermill(monkeypatch):
    """Notebook "execution" copies the template and marks the run folder's summary with its own path."""
    import papermill

    def execute(src, out, parameters, **_kw):
        Path(out).write_bytes(Path(src).read_bytes())
        Path(parameters["run_dir"], "summary.json").write_text(json.dumps({"which": parameters["run_dir"]}))

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    monkeypatch.setattr(runner, "export_html", lambda nb, target, **_kw: target.write_text("<html></html>"))
    monkeypatch.setattr(runner, "_check_summary", lambda *a: None)


def _run(fixture_folder, outputs, notes=None):
    return runner.run_campaign(fixture_folder / "fixture.yaml", root=ROOT, outputs_dir=outputs,
                               notebooks=["01_clean"], progress=(notes.append if notes is not None else None))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _python(code: str, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(LIB)}
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=ROOT, text=True, **kw)


# ------------------------------------------------------------------------------------------- kill -9 in publish
KILLED_PUBLISH = """
import json, os, sys
from pathlib import Path
from campaignlab.run import runner

outputs, cid, kill_at = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
staging = outputs / "_staging" / f"{cid}-20240102T000000000000-pid{os.getpid()}"
staging.mkdir(parents=True)
(staging / "summary.json").write_text(json.dumps({"which": "new"}))
(staging / "run.json").write_text(json.dumps({"started": "2024-01-02T00:00:00"}))
real_move, calls = runner._move, []

def move(src, dst):
    calls.append(dst)
    if len(calls) == kill_at:
        os._exit(9)  # as abrupt as kill -9: no finally, no except, no atexit
    real_move(src, dst)

runner._move = move
runner.publish(staging, outputs, cid)
"""


@pytest.mark.parametrize("kill_at, expected", [(1, "old"), (2, "old"), (3, "new"), (None, "new")],
                         ids=["before-moving-old-aside", "in-the-window", "before-filing-history", "no-kill"])
def test_a_kill_at_each_publish_step_leaves_a_report_once_the_next_run_starts(tmp_path, kill_at, expected):
    outputs = tmp_path / "outputs"
    old = outputs / CID
    old.mkdir(parents=True)
    (old / "summary.json").write_text(json.dumps({"which": "old"}))
    (old / "run.json").write_text(json.dumps({"started": "2024-01-01T00:00:00"}))
    proc = _python(KILLED_PUBLISH, str(outputs), CID, str(kill_at or 0))
    assert proc.wait(timeout=120) == (9 if kill_at else 0)
    if kill_at == 2:
        assert not (outputs / CID).exists()  # the window this test is about: no report until the next run starts

    notes: list[str] = []
    lock = runner._start_run(outputs, CID, notes.append)
    iorw.release_run_lock(lock)

    assert json.loads((outputs / CID / "summary.json").read_text())["which"] == expected
    assert not (outputs / f".{CID}.previous").exists()
    assert not any((outputs / "_staging").iterdir()), "the killed run's staging folder is left behind"
    history = sorted((outputs / "_history" / CID).iterdir()) if (outputs / "_history" / CID).exists() else []
    if expected == "new":
        assert [json.loads((h / "summary.json").read_text())["which"] for h in history] == ["old"]
    else:
        assert history == []
    if kill_at == 2:
        assert any("restored the report" in n for n in notes), notes
    if kill_at == 3:
        assert any("moved the report a killed run had replaced" in n for n in notes), notes


def test_a_failed_move_into_place_puts_the_previous_report_back(tmp_path, monkeypatch):
    outputs = tmp_path / "outputs"
    (outputs / CID).mkdir(parents=True)
    (outputs / CID / "summary.json").write_text('{"which": "old"}')
    staging = outputs / "_staging" / "new"
    staging.mkdir(parents=True)
    real_move = runner._move

    def move(src, dst):
        if src == staging:
            raise OSError(errno.EROFS, "Read-only file system")
        real_move(src, dst)

    monkeypatch.setattr(runner, "_move", move)
    with pytest.raises(OSError):
        runner.publish(staging, outputs, CID)
    assert (outputs / CID / "summary.json").read_text() == '{"which": "old"}'
    assert not (outputs / f".{CID}.previous").exists()


def test_a_dead_kernel_fails_the_run_and_keeps_the_report(fixture_folder, tmp_path, fake_papermill, monkeypatch):
    import papermill
    from nbclient.exceptions import DeadKernelError

    outputs = tmp_path / "outputs"
    _run(fixture_folder, outputs)
    before = _files(outputs / CID)

    def killed(*_a, **_kw):
        raise DeadKernelError("Kernel died")

    monkeypatch.setattr(papermill, "execute_notebook", killed)
    with pytest.raises(runner.RunFailed, match="01_clean failed .*DeadKernelError"):
        _run(fixture_folder, outputs)
    assert _files(outputs / CID) == before


# ------------------------------------------------------------------------------------------- stale staging
def test_the_next_run_removes_staging_of_dead_or_day_old_runs_in_one_line(fixture_folder, tmp_path, fake_papermill):
    outputs = tmp_path / "outputs"
    root = outputs / "_staging"
    dead = root / f"{CID}-20240101T000000000000-pid{_dead_pid()}"
    live = root / f"other-20240101T000000000000-pid{os.getppid()}"
    day_old = root / "other-20230101T000000000000"  # no owner pid in its name (an older runner): by age only
    recent = root / "other-20240101T000000000001"
    for folder in (dead, live, day_old, recent):
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text("{}")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(day_old, (two_days_ago, two_days_ago))

    notes: list[str] = []
    _run(fixture_folder, outputs, notes)

    assert sorted(p.name for p in root.iterdir()) == sorted([live.name, recent.name])
    said = [n for n in notes if "stale staging" in n]
    assert len(said) == 1 and "\n" not in said[0] and dead.name in said[0] and day_old.name in said[0]


# ------------------------------------------------------------------------------------------- two runs at once
HOLD_LOCK = """
import sys, time
from campaignlab import iorw, locks
iorw.acquire_run_lock(sys.argv[1], sys.argv[2])
print("locked", flush=True)
time.sleep(120)
"""


def test_a_second_run_is_refused_while_a_live_process_holds_the_lock(fixture_folder, tmp_path, fake_papermill):
    outputs = tmp_path / "outputs"
    _run(fixture_folder, outputs)
    before = _files(outputs / CID)
    holder = _python(HOLD_LOCK, str(outputs), CID, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(runner.RunFailed) as refused:
            _run(fixture_folder, outputs)
        assert f"another run of {CID} is in progress (pid {holder.pid} since " in str(refused.value)
        assert _files(outputs / CID) == before
    finally:
        holder.kill()  # kill -9: the holder never releases its lock
        holder.wait()

    notes: list[str] = []
    _run(fixture_folder, outputs, notes)
    assert any(f"took over the lock of run pid {holder.pid}" in n for n in notes), notes
    assert iorw.lock_path(outputs, CID).read_text() == "", "a finished run leaves an empty lock file"


@pytest.mark.parametrize("pid", ["dead", "live"])
def test_a_lock_file_nobody_holds_is_taken_over_with_a_note(fixture_folder, tmp_path, fake_papermill, pid):
    # A live pid in the file is not enough to block: it may be a reused pid; only a held lock blocks.
    outputs = tmp_path / "outputs"
    named = _dead_pid() if pid == "dead" else os.getppid()
    lock = iorw.lock_path(outputs, CID)
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": named, "started": "2024-01-01T00:00:00", "host": "here"}))
    notes: list[str] = []
    _run(fixture_folder, outputs, notes)
    assert any(f"took over the lock of run pid {named} (since 2024-01-01T00:00:00)" in n for n in notes), notes
    assert (outputs / CID / "summary.json").is_file()


# ------------------------------------------------------------------------------------------- read-only, full
def test_a_read_only_outputs_folder_stops_the_run_with_a_clear_message(fixture_folder, tmp_path, fake_papermill,
                                                                        monkeypatch):
    outputs = tmp_path / "outputs"
    _run(fixture_folder, outputs)
    before = _files(outputs / CID)

    def read_only(path):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(locks, "_open_for_update", read_only)
    with pytest.raises(runner.RunFailed) as failed:
        _run(fixture_folder, outputs)
    message = str(failed.value)
    assert f"Cannot write to {outputs}: the file system is read-only. Make the folder writable" in message
    assert "--outputs <folder>" in message and f"The previous report in {outputs / CID} is unchanged." in message
    assert _files(outputs / CID) == before


def test_a_full_disk_after_the_notebooks_keeps_the_report_and_frees_the_staging(fixture_folder, tmp_path,
                                                                                 fake_papermill, monkeypatch):
    outputs = tmp_path / "outputs"
    _run(fixture_folder, outputs)
    before = _files(outputs / CID)
    real_write = iorw.write_json

    def full(path, obj):
        if Path(path).name == iorw.RunFiles.RUN_META:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(path, obj)

    monkeypatch.setattr(iorw, "write_json", full)
    with pytest.raises(runner.RunFailed, match=r"the disk is full\. Free space there") as failed:
        _run(fixture_folder, outputs)
    assert str(outputs) in str(failed.value)
    assert _files(outputs / CID) == before
    assert not any((outputs / "_staging").iterdir())


def test_a_read_only_folder_while_publishing_keeps_the_report(fixture_folder, tmp_path, fake_papermill, monkeypatch):
    outputs = tmp_path / "outputs"
    _run(fixture_folder, outputs)
    before = _files(outputs / CID)

    def read_only(src, dst):
        raise OSError(errno.EROFS, "Read-only file system", str(src))

    monkeypatch.setattr(runner, "_move", read_only)
    with pytest.raises(runner.RunFailed, match="the file system is read-only"):
        _run(fixture_folder, outputs)
    assert _files(outputs / CID) == before


@pytest.fixture
def no_cleaning(monkeypatch):
    clean = iorw.CleanData(Path("cache"), "0" * 64, "fixture", created=False)
    monkeypatch.setattr(iorw, "prepare_clean_data", lambda params: clean)
    monkeypatch.setattr(runner, "check_data", lambda params, path: clean)  # nothing cleaned: nothing to check


@pytest.mark.parametrize("code, said", [(errno.EROFS, "the file system is read-only"),
                                        (errno.ENOSPC, "the disk is full")])
def test_cli_run_on_an_unwritable_outputs_folder_exits_non_zero_without_a_traceback(
        fixture_folder, tmp_path, fake_papermill, no_cleaning, monkeypatch, capsys, code, said):
    outputs = tmp_path / "outputs"

    def fault(path):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(locks, "_open_for_update", fault)
    assert main(["run", str(fixture_folder / "fixture.yaml"), "--outputs", str(outputs),
                 "--notebooks", "01_clean"]) == 1
    err = capsys.readouterr().err
    assert f"Cannot write to {outputs}: {said}." in err and "--outputs <folder>" in err
    assert "Traceback" not in err


def test_cli_run_with_a_full_data_cache_exits_non_zero_without_a_traceback(fixture_folder, tmp_path, monkeypatch,
                                                                          capsys):
    cache = tmp_path / "cache"

    def full(params):
        raise OSError(errno.ENOSPC, "No space left on device", str(cache))

    monkeypatch.setattr(iorw, "prepare_clean_data", full)
    assert main(["run", str(fixture_folder / "fixture.yaml"), "--outputs", str(tmp_path / "outputs")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ERROR Cannot write to {cache}: the disk is full.") and "Traceback" not in err


def test_a_failed_first_run_does_not_speak_of_a_previous_report(tmp_path):
    outputs = tmp_path / "outputs"
    for previous in (False, True):
        staging = outputs / "_staging" / f"{CID}-{previous}"
        staging.mkdir(parents=True)
        if previous:
            (outputs / CID).mkdir()
        with pytest.raises(runner.RunFailed) as err:
            runner._notebook_failed(ValueError("boom"), Path("03_response.ipynb"), staging, outputs, CID, str(previous))
        said = str(err.value)
        assert ("previous report" in said) is previous and ("No report of" in said) is not previous
        assert (outputs / "_failed" / f"{CID}-{previous}").is_dir()
