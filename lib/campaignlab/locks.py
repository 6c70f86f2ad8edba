"""Run locks: one lock file per campaign under ``outputs/_locks/``, so two runs of a campaign never publish at once.

A lock is an ``flock`` on ``outputs/_locks/<campaign id>.lock`` whose content says who holds it (pid, start, host);
the kernel releases an ``flock`` when its process dies, so a killed run's lock is taken over by the next run, which
reads what the file said (``RunLock.previous``). Beside :mod:`campaignlab.iorw`, the other module that writes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The folder of the lock files, under the outputs folder (``iorw.LOCKS_DIR`` names the same).
LOCKS_DIR = "_locks"


class RunLocked(RuntimeError):
    """Another live process holds the campaign's run lock; ``holder`` is what its lock file says."""

    def __init__(self, campaign_id: str, holder: dict[str, Any]):
        self.campaign_id, self.holder = campaign_id, holder
        super().__init__(f"another run of {campaign_id} is in progress (pid {holder.get('pid', '?')} since "
                         f"{holder.get('started', '?')})")


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (someone else's live process counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class RunLock:
    """A held run lock; ``previous`` is what the file said when taken: a killed run's pid and start, or empty."""

    path: Path
    fd: int
    previous: dict[str, Any]


def lock_path(outputs_dir: str | Path, campaign_id: str) -> Path:
    """The one lock file of a campaign: ``<outputs>/_locks/<campaign_id>.lock``."""
    return Path(outputs_dir) / LOCKS_DIR / f"{campaign_id}.lock"


def _open_for_update(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _read_lock(fd: int) -> dict[str, Any]:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", errors="replace")
        return json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}


def acquire_run_lock(outputs_dir: str | Path, campaign_id: str) -> RunLock:
    """Take the campaign's run lock, or raise :class:`RunLocked` naming the live run that holds it.

    The lock is an ``flock`` on :func:`lock_path`, which the kernel drops when its holder exits, even by
    ``kill -9``: a dead run's lock never blocks, and a reused pid cannot fake a live one. The file's text (pid,
    start time, host) is only for messages; text left behind is a killed run's, returned as ``previous``.
    """
    import fcntl

    path = lock_path(outputs_dir, campaign_id)
    fd = _open_for_update(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(campaign_id, _read_lock(fd)) from None
        previous = _read_lock(fd)
        mine = {"pid": os.getpid(), "started": dt.datetime.now().isoformat(timespec="seconds"),
                "host": socket.gethostname()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(mine).encode("utf-8"), 0)
    except BaseException:
        os.close(fd)
        raise
    return RunLock(path, fd, previous)


def release_run_lock(lock: RunLock) -> None:
    """Empty the lock file (a clean finish leaves no note for the next run) and let go of it.

    The file itself stays: deleting a locked file lets two runs lock two different files of the same name.
    """
    try:
        os.ftruncate(lock.fd, 0)
    except OSError:
        pass  # a read-only or full disk: the next run reads a stale note, which is harmless
    finally:
        os.close(lock.fd)
