"""The process's threads for work that SciPy's sparse products and compiled loops do without
the GIL: the certificate's row blocks (:mod:`rada.planning.repair`) and pdhg's sweeps
(:mod:`rada.planning.sweeps`)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

#: At most this many threads, whatever the cores.
THREADS_AT_MOST = 8
_pools: dict[int, ThreadPoolExecutor] = {}


def threads() -> int:
    """How many threads to use: the cores this process may run on, at most
    :data:`THREADS_AT_MOST`."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS and Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, THREADS_AT_MOST))


def pool() -> ThreadPoolExecutor:
    """This process's threads. A process forked from one that had a pool gets its own: the
    parent's threads do not exist in it."""
    pid = os.getpid()
    if pid not in _pools:
        _pools.clear()
        _pools[pid] = ThreadPoolExecutor(threads(), thread_name_prefix="rada-planning")
    return _pools[pid]
