"""The environment the runner gives notebook kernels: one numeric-library thread, unless the user chose."""

from __future__ import annotations

import os

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

