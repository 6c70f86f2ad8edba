"""Threads for the statistics' independent pieces: the cross-fitting folds of the uplift models, the segments of the
per-segment lift, the arm pairs and metrics of the holdout comparison.

A notebook kernel computes with one thread per numeric library (the runner sets ``OPENBLAS_NUM_THREADS=1`` and
``OMP_NUM_THREADS=1``: many small fits lose to spinning worker threads). On a large customer table the pieces above
are each big enough to keep a core busy, and most of their time is spent in code that releases the GIL (numpy,
scikit-learn's tree code, LAPACK), so running them on threads uses the cores a one-campaign run leaves idle.
Every piece computes exactly what it computes alone and the results come back in input order: the report is the
same for any number of workers.

How many: ``CAMPAIGNLAB_WORKERS`` when set (the runner sets it to the cores divided by ``--jobs``, so two kernels
on two cores use one each), else the cores this process may use, at most :data:`DEFAULT_MAX`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

ENV = "CAMPAIGNLAB_WORKERS"
#: Without ``CAMPAIGNLAB_WORKERS``, at most this many threads (each piece holds its own copy of a sample of rows).
DEFAULT_MAX = 4
#: Tables of fewer customers run their pieces on one thread: the pieces are small and mostly pandas, which holds
#: the GIL, so two threads contend more than they share (campaign 18, 2,469 customers: 03's analysis 1.44 s on one
#: thread, 1.8 s on two; at 1M customers 44.5 s on one, 30.5 s on two).
MIN_ROWS = 50_000
#: The arm pairs and segments of the holdout comparison go on threads from this many customers: below 10,000
#: customers per test their revenue is tested by permutation (numpy, which releases the GIL), and those tests are
#: most of the time (30,000 customers, three arms, no history: 03's analysis 39.6 s on one thread, 27.6 s on two;
#: 20,000 customers with a year of history: 3.3 / 3.2 s either way; the bundled campaigns, 2,500 customers, stay on
#: one). The uplift folds keep :data:`MIN_ROWS` (20,000-30,000 customers: no faster on two threads).
MIN_ROWS_TESTS = 10_000

T = TypeVar("T")
R = TypeVar("R")


def worker_count() -> int:
    """Threads the statistics may use (see the module's text); a bad ``CAMPAIGNLAB_WORKERS`` is an error naming it.

    Examples
    --------
    >>> os.environ[ENV] = "3"; worker_count()
    3
    >>> del os.environ[ENV]
    """
    text = os.environ.get(ENV, "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{ENV}={text!r}: set it to a whole number of threads, 1 or more (or unset it)")
        return int(text)
    return max(1, min(usable_cores(), DEFAULT_MAX))


def for_rows(rows: int, min_rows: int | None = None) -> int:
    """Threads for pieces of a table of ``rows`` customers: :func:`worker_count`, or 1 below ``min_rows`` (default
    :data:`MIN_ROWS`).

    Examples
    --------
    >>> for_rows(10)
    1
    """
    return worker_count() if rows >= (MIN_ROWS if min_rows is None else min_rows) else 1


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def map_ordered(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """``[fn(x) for x in items]``, on up to ``workers`` threads (default :func:`worker_count`), in input order.

    With more than one worker, the numeric libraries' own thread pools are held at one thread each for the call
    (threadpoolctl), so the pieces do not also compete with BLAS or OpenMP threads. An exception in a piece is
    raised here, as the loop would raise it.

    Examples
    --------
    >>> map_ordered(lambda x: x * x, range(5), workers=2)
    [0, 1, 4, 9, 16]
    """
    items = list(items)
    workers = worker_count() if workers is None else workers
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))
