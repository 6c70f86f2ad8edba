"""The environment the runner gives notebook kernels: one numeric-library thread, unless the user chose."""

from __future__ import annotations

import os
from pathlib import Path

from campaignlab.run import runner


def test_kernels_get_one_thread_and_the_runner_keeps_its_environment(monkeypatch):
    for name in runner.KERNEL_THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's choice wins
    with runner.kernel_environment():
        seen = {name: os.environ.get(name) for name in runner.KERNEL_THREAD_ENV}
    assert seen == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "3", "MKL_NUM_THREADS": "1"}
    assert "OPENBLAS_NUM_THREADS" not in os.environ and "MKL_NUM_THREADS" not in os.environ
    assert os.environ["OMP_NUM_THREADS"] == "3"



def test_every_notebook_the_runner_starts_gets_the_kernel_settings(monkeypatch, tmp_path):
    # runs, the portfolio and Lab's interactive builds all go through runner.execute: one thread, silenced logs
    import papermill

    calls = []

    def fake(notebook, target, **kwargs):
        calls.append({"threads": os.environ.get("OPENBLAS_NUM_THREADS"), **kwargs})

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setattr(papermill, "execute_notebook", fake)
    runner.execute(tmp_path / "a.ipynb", tmp_path / "b.ipynb", {"run_dir": "x"}, root=tmp_path)
    assert calls == [{"threads": "1", "parameters": {"run_dir": "x"}, "kernel_name": runner.KERNEL_NAME,
                      "cwd": str(tmp_path), "progress_bar": False, "log_output": False,
                      "extra_arguments": list(runner.KERNEL_ARGS)}]
    source = Path(runner.__file__).read_text(encoding="utf-8")
    assert source.count("pm.execute_notebook(") == 1  # no other path starts a kernel its own way


def test_campaigns_run_together_share_the_cores_among_their_statistics(monkeypatch):
    from campaignlab import workers

    monkeypatch.delenv(workers.ENV, raising=False)
    monkeypatch.setattr(workers, "usable_cores", lambda: 4)
    with runner._cores_shared_by(2):
        assert os.environ[workers.ENV] == "2"
    assert workers.ENV not in os.environ
    with runner._cores_shared_by(8):
        assert os.environ[workers.ENV] == "1"
    monkeypatch.setenv(workers.ENV, "3")  # the user's choice wins
    with runner._cores_shared_by(2):
        assert os.environ[workers.ENV] == "3"


def test_the_portfolio_kernel_starts_while_the_last_campaign_runs(monkeypatch):
    """Three campaigns in turn: the portfolio's kernel is started before the third runs, not before the second,
    handed to the portfolio, and stopped afterwards."""
    from types import SimpleNamespace

    events = []

    class FakeKernel:
        def __init__(self, root):
            events.append("kernel started")
            self.closed = False

        def __enter__(self):
            return self

        def __exit__(self, *_):
            self.closed = True
            events.append("kernel stopped")

    def fake_run(params_path, **_):
        events.append(f"run {params_path}")
        return runner.RunResult(str(params_path), Path(params_path), 1.0)

    def fake_portfolio(root, outputs_dir, progress, kernel=None):
        events.append(("portfolio", isinstance(kernel, FakeKernel) and not kernel.closed))

    monkeypatch.setattr(runner, "ReadyKernel", FakeKernel)
    monkeypatch.setattr(runner, "load_params", lambda p: SimpleNamespace(id=str(p)))
    monkeypatch.setattr(runner, "check_data", lambda p, path: SimpleNamespace(fingerprint="f" * 12, created=False,
                                                                            path=path))
    monkeypatch.setattr(runner, "run_campaign", fake_run)
    monkeypatch.setattr(runner, "build_portfolio", fake_portfolio)
    root = Path(__file__).resolve().parents[3]
    results, failures = runner.run_many(["a", "b", "c"], root=root, progress=lambda _m: None)
    assert len(results) == 3 and not failures
    assert events == ["run a", "run b", "kernel started", "run c", ("portfolio", True), "kernel stopped"]
