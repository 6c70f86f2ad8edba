"""The notebook kernels a run starts: their name, arguments and environment, and kernels started ahead.

While one notebook runs in its kernel, the runner starts the next notebook's kernel (:class:`ReadyKernel`), so
that the next notebook does not wait for its kernel to start (about 0.7 s each). The kernel is fresh: the notebook
runs in it exactly as in a kernel papermill starts, numbered from 1.

Not done: also importing the next notebook's modules in that kernel ahead (another 1-3 s per notebook). Sent as a
silent request from a second client, it worked from the command line but the kernel stopped answering papermill's
client when the runner ran inside pytest (``tests/test_runner.py``), for a reason not found; a kernel that may hang
is worse than a slower one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

KERNEL_NAME = "campaignlab"
#: Arguments for every notebook kernel the runner starts. ipykernel 7 logs "Kernel is running over TCP without
#: encryption" (a warning, kernelapp.py) at start and "KeyboardInterrupt caught in kernel" (an error, kernelbase.py,
#: when the kernel manager interrupts it on shutdown) to the stderr it inherits: the runner's terminal. Neither says
#: anything about the notebook (the kernel listens on localhost only, and errors in cells reach the notebook and
#: the run's failure message through the kernel's messages, not its log), so the kernel app logs only critical
#: messages. This is the runner's choice: kernels started any other way (JupyterLab, papermill) keep their logs.
KERNEL_ARGS = ("--IPKernelApp.log_level=CRITICAL",)
#: Thread pools of the numeric libraries in every notebook kernel: one thread each. The models fitted per customer
#: table (IRLS logistic and least-squares fits of a few thousand rows, a few hundred times per campaign) are far too
#: small to gain from threads, and OpenBLAS's worker threads spin while they wait: with two kernels (``--jobs 2``) on
#: two cores, or any other load, a 2,469 x 25 least-squares solve took 0.88 s with two threads against 0.013 s with
#: one. The runner spreads campaigns over the cores instead, and every kernel computes with the same thread count
#: whatever ``--jobs`` is. DuckDB's own threads are not affected. A value the user set is kept.
KERNEL_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def kernel_environment() -> Iterator[None]:
    """The environment a notebook kernel starts with (it inherits this process's): :data:`KERNEL_THREAD_ENV` where
    the user set nothing; restored afterwards, so the runner's own process keeps its settings."""
    added = {name: value for name, value in KERNEL_THREAD_ENV.items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


class ReadyKernel:
    """A notebook's kernel, started ahead from ``root`` with the runner's arguments and environment.

    Pass :attr:`manager` to papermill (``km=``), then :meth:`close` it (or leave its ``with`` block): the runner owns
    the kernel, not papermill.
    """

    def __init__(self, root: Path) -> None:
        from jupyter_client.manager import KernelManager

        self.manager = KernelManager(kernel_name=KERNEL_NAME)
        with kernel_environment():
            self.manager.start_kernel(cwd=str(root), extra_arguments=list(KERNEL_ARGS))

    def close(self) -> None:
        """Stop the kernel; closing twice is harmless."""
        if self.manager.has_kernel:
            self.manager.shutdown_kernel()

    def __enter__(self) -> ReadyKernel:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
