"""Interactive sessions (JupyterLab): switch campaign in one step, and fail in a few lines instead of a traceback.

A notebook opened in Lab runs with an empty ``run_dir``: its run folder is ``outputs/_interactive/<campaign_id>/``.
When the analyst changes ``params_path`` and runs all, the notebook needs what the notebooks before it wrote for
that campaign. :func:`campaignlab.run.session.open_run` asks :func:`stale_upstream` which of them are missing or were
made with other parameters or other data, and builds them with ``campaignlab interactive`` (papermill, in a separate
process, into the interactive folder; the cleaned data comes from the cache when it is fresh). The published report
``outputs/<campaign_id>/`` is never read nor written here.

The folder remembers what it was built from in ``interactive.json`` (a stamp of the resolved parameters and the data
fingerprint); a different stamp means the folder's files belong to another version of the campaign, so its
``summary.json`` and ``clean.json`` are dropped (:func:`prepare_folder`) and every upstream notebook runs again.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from campaignlab import iorw
from campaignlab.params import CampaignParams, params_to_dict

#: The notebooks a session can depend on, in order, and the summary section that says each one finished.
PRODUCTS = {"01_clean": "campaign", "02_segment": "segments", "03_response": "response",
            "04_retention": "retention"}
STAMP_FILE = "interactive.json"
#: Lines of a failed build's error kept in the message.
ERROR_LINES = 6


class SessionError(RuntimeError):
    """A notebook's first cell cannot start: the message says what is missing and the command or cell that fixes it.

    In an interactive kernel IPython shows only the message (``_render_traceback_``), not a traceback: the
    traceback would point into the package, while the fix is in the notebook or one command. The runner never
    raises it (its errors keep their traceback for the failed notebook it keeps).
    """

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self.args[0] if self.args else ''}"]


def is_interactive_dir(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` is an interactive session's folder (``outputs/_interactive/<id>``).

    Examples
    --------
    >>> is_interactive_dir("outputs/_interactive/cj_campaign_18"), is_interactive_dir("outputs/cj_campaign_18")
    (True, False)
    """
    return Path(run_dir).parent.name == "_interactive"


def build_command(params_path: str | Path, notebook: str) -> str:
    """The command that builds the notebooks before ``notebook`` in the campaign's interactive folder.

    Examples
    --------
    >>> build_command("params/cj_campaign_27.yaml", "03_response")
    'campaignlab interactive params/cj_campaign_27.yaml --upto 03_response'
    """
    return f"campaignlab interactive {shlex.quote(str(params_path))} --upto {notebook}"


def upstream_of(notebook: str) -> list[str]:
    """The notebooks whose files ``notebook`` reads, in the order they run.

    Examples
    --------
    >>> upstream_of("03_response"), upstream_of("01_clean"), upstream_of("05_review")
    (['01_clean', '02_segment'], [], ['01_clean', '02_segment', '03_response', '04_retention'])
    """
    order = list(PRODUCTS)
    return order[:order.index(notebook)] if notebook in order else order


def params_stamp(params: CampaignParams) -> str:
    """A digest of the resolved parameters and the data's fingerprint: what an interactive folder was built from."""
    text = json.dumps(params_to_dict(params), sort_keys=True) + iorw.fingerprint_source(params.data)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare_folder(run_dir: Path, stamp: str) -> bool:
    """Make ``run_dir`` belong to ``stamp``: when it was built from other parameters or data, drop its summary and
    data pointer (so every notebook's product counts as missing) and record the new stamp. True if it was reset."""
    path = run_dir / STAMP_FILE
    if path.is_file() and iorw.read_json(path).get("stamp") == stamp:
        return False
    for name in (iorw.SUMMARY_FILE, iorw.CLEAN_POINTER):
        iorw.remove_file(run_dir / name)
    iorw.write_json(path, {"stamp": stamp})
    return True


def stale_upstream(run_dir: Path, notebook: str) -> list[str]:
    """The notebooks before ``notebook`` to build in ``run_dir``: from the first one whose product is missing on.

    A notebook's product is its section of ``summary.json`` (written by its last cell), and for 01_clean also the
    pointer to the cleaned data.
    """
    needed = upstream_of(notebook)
    summary = iorw.read_summary(run_dir)
    for i, nb in enumerate(needed):
        done = PRODUCTS[nb] in summary and (nb != "01_clean" or (run_dir / iorw.CLEAN_POINTER).is_file())
        if not done:
            return needed[i:]
    return []


def build_upstream(params_path: Path, run_dir: Path, notebook: str) -> str:
    """Build the missing notebooks before ``notebook`` in ``run_dir`` (another process); the one line that says so.

    Raises
    ------
    SessionError
        When a notebook fails: its error in a few lines, and how to run it again.
    """
    todo = stale_upstream(run_dir, notebook)
    if not todo:
        return ""
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "campaignlab.run.cli", "interactive", str(params_path), "--upto", notebook]
    # The child's output is captured: ipykernel would show the kernels' start-up logs as a stderr box.
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
        raise SessionError(
            f"Could not build {', '.join(todo)} for {run_dir.name} in {run_dir}:\n"
            + "\n".join(lines[-ERROR_LINES:])
            + f"\nFix the cause, then run this cell again (or `{build_command(params_path, notebook)}`)."
        )
    seconds = time.perf_counter() - started
    return (f"Built {', '.join(todo)} for **{run_dir.name}** in `{run_dir}` ({seconds:.0f} s; cleaned data "
            "from the cache when fresh); the published report was not touched.")


def clear_previous_run(namespace: dict[str, Any] | None = None) -> list[str]:
    """Drop the previous run's values from an IPython kernel's namespace, so none outlives a campaign switch.

    Keeps modules, functions, classes, plain scalars (the parameters cell) and IPython's own names; drops the rest
    (``run``, ``result``, tables, ``summary``, ...) and the output history (``Out``, ``_``). Returns the names dropped.
    Outside IPython, or with no namespace, nothing happens.
    """
    import inspect

    shell = None
    if namespace is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return []
        shell = get_ipython()
        if shell is None:
            return []
        namespace = shell.user_ns
    hidden = set(getattr(shell, "user_ns_hidden", {}) or {})
    keep = (str, int, float, bool, complex, bytes, type(None), Path)
    dropped = [name for name, value in list(namespace.items())
               if not name.startswith("_") and name not in hidden and name not in ("In", "Out", "exit", "quit")
               and not (inspect.ismodule(value) or inspect.isclass(value) or callable(value)
                        or isinstance(value, keep))]
    for name in dropped:
        del namespace[name]
    if shell is not None and getattr(shell, "displayhook", None) is not None:
        try:
            shell.displayhook.flush()  # Out[...] and _, __, ___ would keep the previous results alive
        except (ValueError, AttributeError):
            pass
    return dropped
