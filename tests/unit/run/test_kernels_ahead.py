"""Kernels started ahead: the notebook runs in the kernel started for it, numbered from 1, and the runner, not
papermill, stops it."""

from __future__ import annotations

import nbformat

from campaignlab.run import kernels, runner


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernels.KERNEL_NAME, "display_name": "campaignlab", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def test_notebook_runs_in_the_kernel_started_ahead(tmp_path):
    path = _notebook(tmp_path / "a.ipynb", ["import os", "print(os.getpid())"])
    kernel = kernels.ReadyKernel(tmp_path)
    try:
        runner.execute(path, tmp_path / "out.ipynb", {}, root=tmp_path, kernel=kernel)
        assert kernel.manager.is_alive()  # papermill did not stop a kernel it does not own
        pid = kernel.manager.provisioner.process.pid
    finally:
        kernel.close()
    assert not kernel.manager.has_kernel
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    codes = [c for c in out.cells if c.cell_type == "code"]
    assert [c.execution_count for c in codes] == list(range(1, len(codes) + 1))
    assert int(codes[-1].outputs[0]["text"]) == pid
    kernel.close()  # closing twice is harmless
