"""The process's threads for work that SciPy's sparse products and compiled loops do without
the GIL: sparse products in row blocks (the certificate's repairs, :mod:`rada.planning.repair`,
and successive approximation, :mod:`rada.planning.leontief`) and pdhg's sweeps
(:mod:`rada.planning.sweeps`)."""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

#: At most this many threads, whatever the cores.
THREADS_AT_MOST = 8
#: A square matrix of more rows than this is multiplied in row blocks, one per core up to
#: :data:`THREADS_AT_MOST`, on threads (SciPy's sparse products let go of the GIL). Each
#: row's sum is the same, so the products are the same to the bit. The closed form's
#: certificate on 2 cores of an Intel Xeon (medians of 3, bounds the same): 100,000 x 5 7.7 s
#: against 11.0 s in one thread; 50,000 x 5 3.5 against 3.7 s; 25,000 x 5 1.8 against 1.6 s
#: and 10,000 x 5 0.67 against 0.62 s, where the threads cost more than they give.
SPLIT_ABOVE = 50_000
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


class RowBlocks:
    """A CSR matrix multiplied in blocks of rows of about equal non-zeros, on threads."""

    def __init__(self, matrix: sp.csr_array, pool: ThreadPoolExecutor, parts: int) -> None:
        self.rows = int(matrix.shape[0])
        self.blocks = row_blocks(matrix, parts)
        self.pool = pool

    def __matmul__(self, value: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty((self.rows, *value.shape[1:]))

        def part(block: tuple[int, int, sp.csr_array]) -> None:
            a, b, rows = block
            out[a:b] = rows @ value

        for _ in self.pool.map(part, self.blocks):
            pass
        return out


def parts(rows: int) -> int:
    """How many blocks of rows a square matrix of ``rows`` rows is multiplied in: one per
    thread above :data:`SPLIT_ABOVE` rows, else one."""
    return threads() if rows > SPLIT_ABOVE else 1


def split(matrix: sp.csr_array) -> sp.csr_array | RowBlocks:
    """``matrix`` in row blocks on threads where it has more than :data:`SPLIT_ABOVE` rows
    and more than one core is there; else itself."""
    count = parts(matrix.shape[0])
    return RowBlocks(matrix, pool(), count) if count > 1 else matrix
