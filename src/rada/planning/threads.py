"""The process's threads for work that SciPy's sparse products and compiled loops do without
the GIL: the certificate's row blocks (:mod:`rada.planning.repair`) and pdhg's sweeps
(:mod:`rada.planning.sweeps`)."""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

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


def row_blocks(matrix: sp.csr_array, parts: int) -> list[tuple[int, int, sp.csr_array]]:
    """``matrix`` in at most ``parts`` blocks of rows of about equal non-zeros, each as
    ``(first row, end row, rows)``, keeping the matrix's index width (a sparse product reads
    every index, and 32-bit ones are read faster). The blocks' entries and indices are views
    of the matrix's, not copies: at 100,000 x 5 copying pdhg's two matrices took 2.5 s and
    600 MB."""
    edges = np.searchsorted(matrix.indptr, np.linspace(0, matrix.nnz, parts + 1))
    edges[0], edges[-1] = 0, matrix.shape[0]
    blocks = []
    for a, b in itertools.pairwise(int(edge) for edge in edges):
        if b > a:
            first, end = int(matrix.indptr[a]), int(matrix.indptr[b])
            # Set, not passed to the constructor, which copies them.
            rows = sp.csr_array((b - a, matrix.shape[1]), dtype=matrix.dtype)
            rows.data = matrix.data[first:end]
            rows.indices = matrix.indices[first:end]
            rows.indptr = (matrix.indptr[a : b + 1] - first).astype(matrix.indptr.dtype)
            blocks.append((a, b, rows))
    return blocks
