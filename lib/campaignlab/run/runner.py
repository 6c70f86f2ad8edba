"""Run the notebook suite for campaigns with papermill, atomically, one run folder per campaign.

A run executes every notebook into a staging folder (``outputs/_staging/``). Only when all notebooks succeeded and
``summary.json`` passes its schema does the staging folder replace ``outputs/<campaign_id>/``; the report it replaces
moves to ``outputs/_history/<campaign_id>/<run stamp>/`` (the last few are kept). A failed run moves to
``outputs/_failed/<campaign_id>-<run stamp>/`` and leaves the previous report untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from campaignlab import __version__, iorw
from campaignlab.params import find_project_root, load_params, params_to_dict

KEEP_HISTORY = 5
KERNEL_NAME = "campaignlab"


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
    return [p for p in paths if p.stem != "06_portfolio"]


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")


def export_html(notebook: Path, target: Path, *, hide_code: bool = False) -> Path:
    """Export an executed notebook to a self-contained HTML file (images embedded, no external scripts)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True, exclude_input=hide_code,
                            exclude_input_prompt=hide_code, exclude_output_prompt=hide_code)
    # The lab template loads MathJax and require.js from a CDN unless told otherwise; reports are opened offline.
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    exporter.widget_renderer_url = ""
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    body = _strip_remote_scripts(body)
    target.write_text(body, encoding="utf-8")
    return target


def _strip_remote_scripts(html: str) -> str:
    """Remove every script block: reports are static (tables and embedded images), and the lab template's scripts
    (MathJax, a Mermaid loader importing from a CDN) would reach the internet from a mailed report."""
    import re

    return re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.DOTALL | re.IGNORECASE)


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

    Raises
    ------
    RunFailed
        A notebook raised; the previous report is left as it was.
    """
    import papermill as pm

    say = progress or (lambda _msg: None)
    root = Path(root) if root else find_project_root()
    outputs_dir = Path(outputs_dir) if outputs_dir else root / "outputs"
    params_path = Path(params_path).resolve()
    params = load_params(params_path)
    cid = params.id
    stamp = _stamp()
    staging = outputs_dir / "_staging" / f"{cid}-{stamp}"
    staging.mkdir(parents=True)
    if cache_dir:
        os.environ["CAMPAIGNLAB_CACHE"] = str(cache_dir)
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
    for nb in notebook_paths(root / "notebooks", notebooks):
        out_nb = staging / nb.name
        say(f"[{cid}] {nb.stem} ...")
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(
                str(nb), str(out_nb),
                parameters={"params_path": str(params_path), "run_dir": str(staging)},
                kernel_name=KERNEL_NAME, cwd=str(root), progress_bar=False, log_output=False,
            )
        except Exception as exc:
            failed = outputs_dir / "_failed" / f"{cid}-{stamp}"
            failed.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging), failed)
            where, what = _pe_message(exc)
            raise RunFailed(
                f"{cid}: notebook {nb.stem} failed at {where}: {what}\n"
                f"The failed notebook is kept at {failed / nb.name}; the previous report in "
                f"{outputs_dir / cid} is unchanged."
            ) from None
        seconds = time.perf_counter() - t0
        export_html(out_nb, out_nb.with_suffix(".html"))
        if nb.stem == "05_review":
            # The stakeholder version: code hidden, reads on its own.
            export_html(out_nb, staging / iorw.RunFiles.REVIEW_HTML, hide_code=True)
        metadata["notebooks"].append({"notebook": nb.stem, "seconds": round(seconds, 2)})
        say(f"[{cid}] {nb.stem} done in {seconds:.1f} s")
    metadata["seconds"] = round(time.perf_counter() - started, 2)
    metadata["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    clean = iorw.read_json(staging / iorw.CLEAN_POINTER) if (staging / iorw.CLEAN_POINTER).exists() else {}
    metadata["data_fingerprint"] = clean.get("fingerprint")
    iorw.write_json(staging / iorw.RunFiles.RUN_META, metadata)
    _check_summary(staging, cid, outputs_dir, stamp)
    report_dir = publish(staging, outputs_dir, cid)
    say(f"[{cid}] report: {report_dir}")
    return RunResult(cid, report_dir, metadata["seconds"], metadata["notebooks"])


def _check_summary(staging: Path, cid: str, outputs_dir: Path, stamp: str) -> None:
    from campaignlab.run.summary import SummaryInvalid, validate_summary

    try:
        validate_summary(iorw.read_summary(staging))
    except SummaryInvalid as exc:
        failed = outputs_dir / "_failed" / f"{cid}-{stamp}"
        failed.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), failed)
        raise RunFailed(f"{cid}: summary.json does not match lib/campaignlab/run/summary.schema.json: {exc}\n"
                        f"The run is kept at {failed}; the previous report is unchanged.") from None


def publish(staging: Path, outputs_dir: Path, cid: str) -> Path:
    """Replace ``outputs/<cid>`` by the staging folder; the old report moves to the campaign's history."""
    report_dir = outputs_dir / cid
    if report_dir.exists():
        history = outputs_dir / "_history" / cid
        history.mkdir(parents=True, exist_ok=True)
        old = iorw.read_json(report_dir / iorw.RunFiles.RUN_META).get("started", "") if (report_dir / iorw.RunFiles.RUN_META).exists() else ""
        name = old.replace(":", "").replace("-", "") or _stamp()
        dest = history / name
        if dest.exists():
            dest = history / f"{name}-{_stamp()}"
        os.replace(report_dir, dest)
        for stale in sorted(history.iterdir())[:-KEEP_HISTORY]:
            shutil.rmtree(stale, ignore_errors=True)
    os.replace(staging, report_dir)
    return report_dir


def build_portfolio(root: Path, outputs_dir: Path, progress: Callable[[str], None] = print) -> Path:
    """Execute 06_portfolio over every published report, then write ``outputs/index.html``."""
    import papermill as pm

    from campaignlab.run.index import write_index
    from campaignlab.steps.portfolio import PORTFOLIO_DIR, PORTFOLIO_HTML

    nb = root / "notebooks" / "06_portfolio.ipynb"
    target = outputs_dir / PORTFOLIO_DIR
    if nb.exists():
        staging = outputs_dir / "_staging" / f"portfolio-{_stamp()}"
        staging.mkdir(parents=True)
        out_nb = staging / nb.name
        try:
            pm.execute_notebook(str(nb), str(out_nb), parameters={"outputs_dir": str(outputs_dir)},
                                kernel_name=KERNEL_NAME, cwd=str(root), progress_bar=False)
        except Exception as exc:
            where, what = _pe_message(exc)
            failed = outputs_dir / "_failed" / f"portfolio-{_stamp()}"
            failed.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging), failed)
            raise RunFailed(f"portfolio: notebook 06_portfolio failed at {where}: {what}\n"
                            f"The failed notebook is kept at {failed / nb.name}.") from None
        export_html(out_nb, out_nb.with_suffix(".html"))
        export_html(out_nb, staging / PORTFOLIO_HTML, hide_code=True)
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


def _run_one(args: dict[str, Any]) -> RunResult:
    return run_campaign(**args, progress=lambda m: print(m, flush=True))


def run_many(
    params_paths: Sequence[str | Path],
    *,
    jobs: int = 1,
    root: Path | None = None,
    outputs_dir: Path | None = None,
    notebooks: Sequence[str] | None = None,
    progress: Callable[[str], None] = print,
) -> tuple[list[RunResult], list[str]]:
    """Run several campaigns, ``jobs`` at a time; shared data cleaning happens once, before they start.

    Returns
    -------
    (results, failures)
        Successful runs, and one message per failed campaign.
    """
    root = Path(root) if root else find_project_root()
    all_params = [load_params(p) for p in params_paths]  # every file validated before any kernel starts
    done_clean = set()
    for p in all_params:
        key = (p.data, p.cleaning.model_dump_json())
        if key in done_clean:
            continue
        t0 = time.perf_counter()
        clean = iorw.prepare_clean_data(p)
        done_clean.add(key)
        progress(f"data {clean.fingerprint[:12]} {'cleaned' if clean.created else 'cached'} "
                 f"({time.perf_counter() - t0:.1f} s): {clean.path}")
    results, failures = [], []
    args = [dict(params_path=str(path), root=root, outputs_dir=outputs_dir, notebooks=notebooks)
            for path in params_paths]
    total = len(args)
    if jobs <= 1 or total == 1:
        for i, a in enumerate(args, 1):
            progress(f"campaign {i}/{total}: {a['params_path']}")
            try:
                results.append(run_campaign(**a, progress=progress))
            except RunFailed as exc:
                failures.append(str(exc))
                progress(f"FAILED {exc}")
        _finish_many(root, outputs_dir, progress, failures)
        return results, failures
    # Spawned workers (not forked): the parent holds DuckDB threads, which fork does not copy safely.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_run_one, a): a["params_path"] for a in args}
        for i, fut in enumerate(as_completed(futures), 1):
            try:
                res = fut.result()
                results.append(res)
                progress(f"campaign {i}/{total} done: {res.campaign_id} ({res.seconds:.0f} s)")
            except RunFailed as exc:
                failures.append(str(exc))
                progress(f"campaign {i}/{total} FAILED: {exc}")
    _finish_many(root, outputs_dir, progress, failures)
    return results, failures


def _finish_many(root: Path, outputs_dir: Path | None, progress: Callable[[str], None], failures: list[str]) -> None:
    try:
        build_portfolio(root, Path(outputs_dir) if outputs_dir else root / "outputs", progress)
    except RunFailed as exc:
        failures.append(str(exc))
        progress(f"FAILED {exc}")
