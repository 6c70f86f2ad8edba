"""Run the notebook suite for campaigns with papermill, atomically, one run folder per campaign.

A run executes every notebook into a staging folder (``outputs/_staging/``). Only when all notebooks succeeded and
``summary.json`` passes its schema does the staging folder replace ``outputs/<campaign_id>/``; the report it replaces
moves to ``outputs/_history/<campaign_id>/<run stamp>/`` (the last few are kept). A failed run moves to
``outputs/_failed/<campaign_id>-<run stamp>/`` and leaves the previous report untouched.

Faults lose nothing (docs/run-folder.md, "Faults"):

- One run per campaign at a time: a second run of a campaign whose lock (``outputs/_locks/<id>.lock``) a live
  process holds is refused at once, naming that process; a killed run's lock is taken over with a note.
- A run killed with ``kill -9`` at any point leaves a report at ``outputs/<id>/`` once the next run of the campaign
  starts (see :func:`publish` for the one window and how it is closed), and the next run removes staging folders
  whose owner process is gone.
- A read-only, full or forbidden outputs folder stops the run with a message naming the folder and what to do.

Inputs no report can be made of (docs/bad-input.md) are refused by :func:`check_data` before any kernel starts:
the run exits non-zero with a message naming the file, column or key, and nothing is staged or published.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from campaignlab import __version__, iorw, locks, workers
from campaignlab.data.checks import check_campaign_inputs
from campaignlab.data.datamodel import DataValidationError
from campaignlab.formatting import WRITE_FAULTS, describe_write_fault
from campaignlab.params import find_project_root, load_params, params_to_dict
from campaignlab.run import pages
from campaignlab.run.kernels import (  # noqa: F401 (names of the runner's API)
    KERNEL_ARGS,
    KERNEL_NAME,
    KERNEL_THREAD_ENV,
    ReadyKernel,
    kernel_environment,
)

KEEP_HISTORY = 5
PORTFOLIO_NOTEBOOK = "06_portfolio.ipynb"
#: A staging folder older than this is removed by the next run even if its owner pid is alive (a reused pid).
STALE_STAGING_SECONDS = 24 * 3600
def say(message: str) -> None:
    """A progress line on the terminal, at once (also when the output goes to a pipe or a log file)."""
    print(message, flush=True)


def execute(notebook: Path, target: Path, parameters: dict[str, str], *, root: Path,
            kernel: ReadyKernel | None = None) -> None:
    """Run one notebook with papermill as every run does: the project's kernel, started from the project folder in
    :func:`kernel_environment`, its log lines silenced (:data:`KERNEL_ARGS`), no progress bar or cell output on the
    terminal; in ``kernel`` when one was started ahead for it (:class:`ReadyKernel`; the caller closes it). Raises
    what papermill raises."""
    import papermill as pm

    ahead = {"km": kernel.manager} if kernel is not None else {}
    with kernel_environment():
        pm.execute_notebook(str(notebook), str(target), parameters=parameters, kernel_name=KERNEL_NAME,
                            cwd=str(root), progress_bar=False, log_output=False, extra_arguments=list(KERNEL_ARGS),
                            **ahead)


class RunFailed(RuntimeError):
    """A notebook failed; the message names the notebook, the cell and where the failed notebook is kept."""


@dataclass
class RunResult:
    campaign_id: str
    report_dir: Path
    seconds: float
    notebooks: list[dict[str, Any]] = field(default_factory=list)


def notebook_paths(notebooks_dir: Path, only: Sequence[str] | None = None) -> list[Path]:
    """The suite's notebooks in order (``NN_name.ipynb``), optionally only those named."""
    paths = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if only:
        wanted = set(only)
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            raise ValueError(f"Unknown notebook(s) {', '.join(sorted(unknown))}; available: "
                             f"{', '.join(p.stem for p in paths)}")
        paths = [p for p in paths if p.stem in wanted]
    return [p for p in paths if p.name != PORTFOLIO_NOTEBOOK]


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")


def export_html(notebook: Path, target: Path, *, hide_code: bool = False, title: str | None = None) -> Path:
    """Export an executed notebook to a self-contained HTML page (:func:`campaignlab.run.pages.write_page`)."""
    return pages.write_page(notebook, target, hide_code=hide_code, title=title)


def _pe_message(exc: Exception) -> tuple[str, str]:
    cell = getattr(exc, "exec_count", None)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    return (f"cell [{cell}]" if cell is not None else "a cell"), f"{ename}: {evalue}"


def run_campaign(
    params_path: str | Path,
    *,
    root: Path | None = None,
    outputs_dir: Path | None = None,
    notebooks: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    cache_dir: Path | None = None,
    checked: bool = False,
) -> RunResult:
    """Execute the notebook suite for one campaign and publish its report atomically.

    Parameters
    ----------
    params_path
        The campaign's YAML file; validated before any kernel starts.
    root
        Project folder (holds ``notebooks/`` and ``params/``); found from the working directory by default.
    outputs_dir
        Where reports go; ``<root>/outputs`` by default.
    notebooks
        Run only these notebooks (stems such as ``01_clean``); all by default.
    checked
        The data was already checked and cleaned by :func:`check_data` (``run_many`` does it for every campaign
        before any kernel starts), so it is not read again here.

    Raises
    ------
    RunFailed
        A notebook raised, another run of the campaign is in progress, or the outputs folder is read-only, full or
        forbidden; the previous report is left as it was.
    """
    say = progress or (lambda _msg: None)
    root = Path(root) if root else find_project_root()
    outputs_dir = Path(outputs_dir) if outputs_dir else root / "outputs"
    params_path = Path(params_path).resolve()
    params = load_params(params_path)
    if cache_dir:
        os.environ["CAMPAIGNLAB_CACHE"] = str(cache_dir)
    lock = None
    try:
        try:
            if not checked:
                check_data(params, params_path)
        except DataValidationError as exc:
            raise RunFailed(f"{params.id}: refused before any notebook ran.\n{exc}\n"
                            f"{_kept(outputs_dir, params.id)}") from None
        lock = _start_run(outputs_dir, params.id, say)
        return _run_locked(params_path, params, root, outputs_dir, notebooks, say)
    except OSError as exc:
        fault = _write_fault(exc, outputs_dir, params.id)
        if fault is None:
            raise
        raise fault from None
    finally:
        if lock is not None:
            iorw.release_run_lock(lock)


def _write_fault(exc: OSError, outputs_dir: Path, cid: str) -> RunFailed | None:
    """RunFailed naming the folder and what to do for a read-only, full or forbidden disk; None for other errors."""
    message = describe_write_fault(exc, outputs_dir)
    if message is None:
        return None
    return RunFailed(f"{cid}: {message}\n{_kept(outputs_dir, cid)}")


def _kept(outputs_dir: Path, cid: str) -> str:
    report = outputs_dir / cid
    return f"The previous report in {report} is unchanged." if report.is_dir() else f"No report of {cid} was published."


def check_data(params: Any, params_path: str | Path) -> iorw.CleanData:
    """Clean the campaign's data (or reuse the cache) and refuse a campaign no report can be made of.

    Raises
    ------
    DataValidationError
        The data does not fit the model, or the campaign is missing, has no transactions, lies wholly outside the
        data, its ``control_arm`` is not one of its arms or an arm is not in its ``planned_split``; the message says
        which file, column or key, and what to do.
    """
    clean = iorw.prepare_clean_data(params)
    check_campaign_inputs(iorw.read_clean_tables(clean.path), campaign=params.campaign,
                          control_arm=params.control_arm, params_path=str(params_path), source=params.data,
                          span=iorw.clean_span(clean.path), planned_split=params.response.planned_split)
    return clean


def _start_run(outputs_dir: Path, cid: str, say: Callable[[str], None]) -> iorw.RunLock:
    """Take the campaign's lock, then repair what a killed run left: a half-done publish, stale staging folders.

    A second run of the same campaign is refused rather than made to wait: it would redo the same work and then
    replace the report the first one just published, and a refusal names the running process at once, where a
    wait on a stuck run would look like a hang.
    """
    try:
        lock = iorw.acquire_run_lock(outputs_dir, cid)
    except iorw.RunLocked as exc:
        raise RunFailed(f"{exc}; this run is refused so that the two do not replace each other's report. "
                        f"Run it again when that one has finished.") from None
    try:
        if lock.previous.get("pid"):
            say(f"[{cid}] took over the lock of run pid {lock.previous['pid']} (since "
                f"{lock.previous.get('started', '?')}), which ended without releasing it")
        note = recover_publish(outputs_dir, cid)
        if note:
            say(f"[{cid}] {note}")
        removed = remove_stale_staging(outputs_dir)
        if removed:
            say(f"[{cid}] removed {len(removed)} stale staging folder(s) of killed runs: "
                f"{', '.join(p.name for p in removed)}")
    except BaseException:
        iorw.release_run_lock(lock)
        raise
    return lock


def _run_locked(params_path: Path, params: Any, root: Path, outputs_dir: Path, notebooks: Sequence[str] | None,
                say: Callable[[str], None]) -> RunResult:
    cid = params.id
    stamp = _stamp()
    staging = outputs_dir / "_staging" / f"{cid}-{stamp}-pid{os.getpid()}"
    staging.mkdir(parents=True)
    metadata: dict[str, Any] = {
        "campaign_id": cid,
        "params_file": str(params_path),
        "params": params_to_dict(params),
        "package_version": __version__,
        "git_commit": git_commit(root),
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "notebooks": [],
    }
    started = time.perf_counter()
    try:
        # A notebook's page is written, and the next notebook's kernel started, while the notebook runs.
        with pages.PageWriter(export_html) as page_writer, contextlib.ExitStack() as kernels:
            paths, ready = notebook_paths(root / "notebooks", notebooks), []
            for i, nb in enumerate(paths):
                out_nb = staging / nb.name
                say(f"[{cid}] {nb.stem} ...")
                t0 = time.perf_counter()
                try:
                    while len(ready) < min(i + 2, len(paths)):  # this notebook's kernel and the next one's
                        ready.append(kernels.enter_context(ReadyKernel(root)))
                    with contextlib.closing(ready[i]):
                        execute(nb, out_nb, {"params_path": str(params_path), "run_dir": str(staging)}, root=root,
                                kernel=ready[i])
                except Exception as exc:
                    if isinstance(exc, OSError) and exc.errno in WRITE_FAULTS:
                        raise
                    page_writer.wait(raise_errors=False)  # no page is being written into the folder it moves
                    _notebook_failed(exc, nb, staging, outputs_dir, cid, stamp)
                seconds = time.perf_counter() - t0
                page_writer.submit(out_nb, out_nb.with_suffix(".html"), title=f"{cid} · {nb.stem.replace('_', ' ')}")
                if nb.stem == "05_review":
                    # The stakeholder version: code hidden, reads on its own.
                    page_writer.submit(out_nb, staging / iorw.RunFiles.REVIEW_HTML, hide_code=True,
                                       title=f"{cid} · campaign review")
                metadata["notebooks"].append({"notebook": nb.stem, "seconds": round(seconds, 2)})
                say(f"[{cid}] {nb.stem} done in {seconds:.1f} s")
        metadata["seconds"] = round(time.perf_counter() - started, 2)
        metadata["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        clean = iorw.read_json(staging / iorw.CLEAN_POINTER) if (staging / iorw.CLEAN_POINTER).exists() else {}
        metadata["data_fingerprint"] = clean.get("fingerprint")
        iorw.write_json(staging / iorw.RunFiles.RUN_META, metadata)
    except OSError as exc:
        if exc.errno in WRITE_FAULTS:
            # A full disk gets its space back at once; on a read-only one the next run's clean-up tries again.
            shutil.rmtree(staging, ignore_errors=True)
        raise
    _check_summary(staging, cid, outputs_dir, stamp)
    report_dir = publish(staging, outputs_dir, cid)
    say(f"[{cid}] report: {report_dir}")
    return RunResult(cid, report_dir, metadata["seconds"], metadata["notebooks"])


def run_interactive(params_path: str | Path, upto: str, *, root: Path | None = None,
                    say: Callable[[str], None] | None = None) -> list[str]:
    """Build the notebooks before ``upto`` in the campaign's interactive folder (``outputs/_interactive/<id>``).

    What a notebook opened in Lab needs to run with other parameters (``campaignlab interactive``): the notebooks
    whose products are missing there run in order, executed notebooks kept beside their files. The published
    report is not touched. Returns the notebooks built.

    Raises
    ------
    RunFailed
        A notebook raised: which one, at which cell, and its error.
    """
    from campaignlab.run import interactive

    say = say or (lambda _msg: None)
    root = Path(root) if root else find_project_root()
    params_path = Path(params_path).resolve()
    params = load_params(params_path)
    run_dir = iorw.ensure_dir(iorw.default_run_dir(params.id, root))
    interactive.prepare_folder(run_dir, interactive.params_stamp(params))
    todo = interactive.stale_upstream(run_dir, upto)
    for stem in todo:
        nb = root / "notebooks" / f"{stem}.ipynb"
        say(f"[{params.id}] {stem} ...")
        try:
            execute(nb, run_dir / nb.name, {"params_path": str(params_path), "run_dir": str(run_dir)}, root=root)
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno in WRITE_FAULTS:
                raise
            where, what = _pe_message(exc)
            raise RunFailed(f"{params.id}: notebook {stem} failed at {where}: {what}\n"
                            f"The failed notebook is {run_dir / nb.name}.") from None
    return todo


def _notebook_failed(exc: Exception, nb: Path, staging: Path, outputs_dir: Path, cid: str, stamp: str) -> None:
    failed = outputs_dir / "_failed" / f"{cid}-{stamp}"
    failed.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(staging), failed)
    where, what = _pe_message(exc)
    raise RunFailed(
        f"{cid}: notebook {nb.stem} failed at {where}: {what}\n"
        f"The failed notebook is kept at {failed / nb.name}. {_kept(outputs_dir, cid)}"
    ) from None


def _check_summary(staging: Path, cid: str, outputs_dir: Path, stamp: str) -> None:
    from campaignlab.run.summary import SummaryInvalid, validate_summary

    try:
        validate_summary(iorw.read_summary(staging))
    except SummaryInvalid as exc:
        failed = outputs_dir / "_failed" / f"{cid}-{stamp}"
        failed.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), failed)
        raise RunFailed(f"{cid}: summary.json does not match lib/campaignlab/run/summary.schema.json: {exc}\n"
                        f"The run is kept at {failed}. {_kept(outputs_dir, cid)}") from None


def _move(src: Path, dst: Path) -> None:
    """Rename within the outputs folder (atomic on one file system); tests replace it to simulate a kill."""
    os.replace(src, dst)


def _previous_dir(outputs_dir: Path, cid: str) -> Path:
    # A dot name beside the report: on the same file system (renames stay atomic) and skipped by the index.
    return outputs_dir / f".{cid}.previous"


def publish(staging: Path, outputs_dir: Path, cid: str) -> Path:
    """Replace ``outputs/<cid>`` by the staging folder; the old report moves to the campaign's history.

    The window: between step 1 (the old report moves aside) and step 2 (staging moves into place) there is no
    ``outputs/<cid>``, and no pair of renames avoids that. A ``kill -9`` there used to leave the campaign without a
    report (the old one already in ``_history``). Now the old report waits in the sibling
    ``outputs/.<cid>.previous`` until step 2 is done, and :func:`recover_publish`, which every run of the campaign
    calls under its lock before anything else, moves it back when ``outputs/<cid>`` is missing. A sibling rather
    than the newest ``_history`` copy: it exists only inside this window, so it names exactly the report a publish
    was replacing, where restoring from history could bring back a report someone deleted on purpose.
    """
    recover_publish(outputs_dir, cid)
    report_dir = outputs_dir / cid
    previous = _previous_dir(outputs_dir, cid)
    if report_dir.exists():
        _move(report_dir, previous)  # step 1: the window opens
    try:
        _move(staging, report_dir)  # step 2: the window closes
    except BaseException:
        if previous.exists() and not report_dir.exists():
            _move(previous, report_dir)
        raise
    if previous.exists():
        try:
            _to_history(previous, outputs_dir, cid)  # step 3
        except OSError:
            pass  # the new report is published; the next run's recover_publish files the old one
    return report_dir


def recover_publish(outputs_dir: Path, cid: str) -> str | None:
    """Finish a publish a killed run left half done (see :func:`publish`); returns a note of what was repaired."""
    previous = _previous_dir(outputs_dir, cid)
    if not previous.exists():
        return None
    report_dir = outputs_dir / cid
    if not report_dir.exists():
        _move(previous, report_dir)
        return f"restored the report {report_dir} that a killed run had moved aside while publishing"
    dest = _to_history(previous, outputs_dir, cid)
    return f"moved the report a killed run had replaced to {dest}"


def _to_history(folder: Path, outputs_dir: Path, cid: str) -> Path:
    history = outputs_dir / "_history" / cid
    history.mkdir(parents=True, exist_ok=True)
    meta = folder / iorw.RunFiles.RUN_META
    old = iorw.read_json(meta).get("started", "") if meta.exists() else ""
    name = old.replace(":", "").replace("-", "") or _stamp()
    dest = history / name
    if dest.exists():
        dest = history / f"{name}-{_stamp()}"
    _move(folder, dest)
    for stale in sorted(history.iterdir())[:-KEEP_HISTORY]:
        shutil.rmtree(stale, ignore_errors=True)
    return dest


def remove_stale_staging(outputs_dir: Path, *, now: float | None = None) -> list[Path]:
    """Remove ``outputs/_staging/*`` folders of killed runs: the owner pid in the name is gone, or it is a day old.

    Pids are those of this machine: an outputs folder shared by several machines needs one runner at a time.
    """
    root = outputs_dir / "_staging"
    now = time.time() if now is None else now
    removed = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        found = re.search(r"-pid(\d+)$", folder.name)
        owner = int(found.group(1)) if found else None
        try:
            old = now - folder.stat().st_mtime > STALE_STAGING_SECONDS
        except FileNotFoundError:
            continue  # its owner just published or failed it
        if owner == os.getpid():
            continue
        if old or (owner is not None and not locks.pid_alive(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def build_portfolio(root: Path, outputs_dir: Path, progress: Callable[[str], None] = say,
                    kernel: ReadyKernel | None = None) -> Path:
    """Execute 06_portfolio over every published report (in ``kernel`` when one was started ahead for it; the caller
    closes it), then write ``outputs/index.html``."""

    from campaignlab.run.index import write_index
    from campaignlab.steps.portfolio import PORTFOLIO_DIR, PORTFOLIO_HTML

    nb = root / "notebooks" / PORTFOLIO_NOTEBOOK
    target = outputs_dir / PORTFOLIO_DIR
    if nb.exists():
        staging = outputs_dir / "_staging" / f"portfolio-{_stamp()}-pid{os.getpid()}"
        staging.mkdir(parents=True)
        out_nb = staging / nb.name
        try:
            execute(nb, out_nb, {"outputs_dir": str(outputs_dir)}, root=root, kernel=kernel)
        except Exception as exc:
            where, what = _pe_message(exc)
            failed = outputs_dir / "_failed" / f"portfolio-{_stamp()}"
            failed.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging), failed)
            raise RunFailed(f"portfolio: notebook 06_portfolio failed at {where}: {what}\n"
                            f"The failed notebook is kept at {failed / nb.name}.") from None
        export_html(out_nb, out_nb.with_suffix(".html"), title="Campaign portfolio (notebook)")
        export_html(out_nb, staging / PORTFOLIO_HTML, hide_code=True, title="Campaign portfolio")
        # The notebook's last cell writes portfolio.json into the published folder, which is about to be replaced.
        written = target / iorw.RunFiles.PORTFOLIO_JSON
        if written.is_file():
            os.replace(written, staging / written.name)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    index = write_index(outputs_dir)
    progress(f"portfolio: {target / PORTFOLIO_HTML}")
    progress(f"index: {index}")
    return index


def run_many(
    params_paths: Sequence[str | Path],
    *,
    jobs: int = 1,
    root: Path | None = None,
    outputs_dir: Path | None = None,
    notebooks: Sequence[str] | None = None,
    progress: Callable[[str], None] = say,
) -> tuple[list[RunResult], list[str]]:
    """Run several campaigns, ``jobs`` at a time; shared data cleaning happens once, before they start.

    Returns
    -------
    (results, failures)
        Successful runs, and one message per failed campaign.
    """
    root = Path(root) if root else find_project_root()
    all_params = [load_params(p) for p in params_paths]  # every file validated before any kernel starts
    results, failures, runnable = [], [], []
    for path, p in zip(params_paths, all_params):
        t0 = time.perf_counter()
        try:
            clean = check_data(p, path)  # shared data is cleaned once: later campaigns find it in the cache
        except DataValidationError as exc:
            failures.append(f"{p.id}: refused before any notebook ran.\n{exc}")
            progress(f"REFUSED {path}: {exc}")
            continue
        runnable.append(path)
        progress(f"data {clean.fingerprint[:12]} {'cleaned' if clean.created else 'cached'} "
                 f"({time.perf_counter() - t0:.1f} s): {clean.path}")
    args = [dict(params_path=str(path), root=root, outputs_dir=outputs_dir, notebooks=notebooks, checked=True)
            for path in runnable]
    # The portfolio's kernel starts while the last campaign runs: the portfolio does not wait for one at the end.
    with contextlib.ExitStack() as ahead:
        kernel: list[ReadyKernel] = []

        def running_left(n: int) -> None:
            if n <= 1 and not kernel and (root / "notebooks" / PORTFOLIO_NOTEBOOK).exists():
                kernel.append(ahead.enter_context(ReadyKernel(root)))

        parallel = jobs > 1 and len(args) > 1
        (functools.partial(_run_in_parallel, jobs=jobs) if parallel else _run_in_turn)(
            args, progress, results, failures, running_left)
        _finish_many(root, outputs_dir, progress, failures, ran=bool(results), kernel=kernel[0] if kernel else None)
    return results, failures


def _run_in_turn(args: list[dict[str, Any]], progress: Callable[[str], None], results: list[RunResult],
                 failures: list[str], running_left: Callable[[int], None]) -> None:
    """The campaigns one after another; ``running_left`` hears how many are left before each starts."""
    for i, a in enumerate(args, 1):
        progress(f"campaign {i}/{len(args)}: {a['params_path']}")
        running_left(len(args) - i + 1)
        try:
            results.append(run_campaign(**a, progress=progress))
        except RunFailed as exc:
            failures.append(str(exc))
            progress(f"FAILED {exc}")


def _run_in_parallel(args: list[dict[str, Any]], progress: Callable[[str], None], results: list[RunResult],
                     failures: list[str], running_left: Callable[[int], None], *, jobs: int) -> None:
    """The campaigns ``jobs`` at a time in spawned processes (fork does not copy the parent's DuckDB threads safely)."""
    total = len(args)
    with _cores_shared_by(jobs), ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_campaign, **a, progress=say): a["params_path"] for a in args}
        for i, fut in enumerate(as_completed(futures), 1):
            try:
                res = fut.result()
                results.append(res)
                progress(f"campaign {i}/{total} done: {res.campaign_id} ({res.seconds:.0f} s)")
            except RunFailed as exc:
                failures.append(str(exc))
                progress(f"campaign {i}/{total} FAILED: {exc}")
            running_left(total - i)


@contextlib.contextmanager
def _cores_shared_by(jobs: int) -> Iterator[None]:
    """Campaigns run ``jobs`` at a time share the cores: each kernel's statistics get the cores divided by ``jobs``
    threads (``CAMPAIGNLAB_WORKERS``, :mod:`campaignlab.workers`; the spawned runs and their kernels inherit it),
    unless the user set it. Restored afterwards."""
    if workers.ENV in os.environ:
        yield
        return
    os.environ[workers.ENV] = str(max(1, workers.usable_cores() // jobs))
    try:
        yield
    finally:
        os.environ.pop(workers.ENV, None)


def _finish_many(root: Path, outputs_dir: Path | None, progress: Callable[[str], None], failures: list[str],
                 ran: bool = True, kernel: ReadyKernel | None = None) -> None:
    if not ran:
        return  # nothing new was published (every campaign refused or failed): the portfolio and index stay as they are
    outputs_dir = Path(outputs_dir) if outputs_dir else root / "outputs"
    try:
        build_portfolio(root, outputs_dir, progress, kernel=kernel)
    except RunFailed as exc:
        failures.append(str(exc))
        progress(f"FAILED {exc}")
    except OSError as exc:
        message = describe_write_fault(exc, outputs_dir)
        if message is None:
            raise
        failures.append(f"portfolio: {message}")
        progress(f"FAILED portfolio: {message}")
