"""pdhg's steps as a few fused passes over blocks of its vectors, on threads.

A step of PDHG is two sparse products with the programme's matrix and a dozen element-wise
operations on vectors as long as its rows and columns. Written with NumPy, each operation is
a pass of its own over memory: at 100,000 products x 5 years (26 million non-zeros, vectors of
3 and 4 million) a step took 149 ms, of which the two products took about 100. Here the
element-wise work of each half-step is one compiled loop (Numba) that reads each vector once,
and the matrix is cut into blocks of rows of about equal non-zeros, one per core: each thread
multiplies its block by SciPy (whose sparse products let go of the GIL) and runs the loop on
its part (compiled with ``nogil``), so the cores share the work without a second pool of
threads of their own. Measured on 2 cores of an AMD EPYC (2026-12-04, seed 1, a step of either
kernel): 71 ms at 100,000 x 5 against 149 ms; 5.1 ms at 10,000 x 5 against 8.4 ms (8.8 to 9.9
ms in one block: there the step is bound by the memory's speed, the matrix and its transpose
being 52 MB, and the second core brings its share of it); 0.38 ms at 1,000 x 5 against about
0.9 ms, in one block (0.55 ms in two: below :data:`THREADS_FROM` the threads cost more than
they give; at 2,000 x 5, 380,000 non-zeros, 0.87 ms in one block and 1.03 in two, at 3,000 x
5, 585,000, 1.9 and 1.5 ms).

The loops are the same arithmetic as the textbook's step, in one order: a block's sums (the
dot products that decide PDLP's step size) are added block by block, so two runs with the
same number of blocks give the same iterates to the bit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import numba
import numpy as np
import scipy.sparse as sp

from rada.planning.structure import FloatArray
from rada.planning.threads import row_blocks

_F = TypeVar("_F", bound=Callable[..., Any])

#: Below this many non-zeros the programme's vectors are swept in one block, on the calling
#: thread: handing a block to a thread costs about 50 us a pass, and a small programme's
#: vectors stay in the cache for one core.
THREADS_FROM = 500_000


def _compiled(function: _F) -> _F:
    """``function`` compiled by Numba, letting go of the GIL, cached on disk."""
    return cast(_F, numba.njit(nogil=True, cache=True)(function))


@_compiled
def _clip(v: float, lower: float, upper: float) -> float:
    """``v`` within ``[lower, upper]``, a NaN left a NaN."""
    if v < lower:
        return lower
    if v > upper:
        return upper
    return v


@_compiled
def _primal(
    x: FloatArray, aty: FloatArray, c: FloatArray, lower: FloatArray, upper: FloatArray,
    tau: float, out: FloatArray, a: int, b: int,
) -> float:  # fmt: skip
    """PDLP's primal step on columns ``a:b``: ``out = clip(x + tau (A^T y - c))``; returns
    ``|out - x|^2`` over them."""
    moved = 0.0
    for j in range(a, b):
        v = x[j] + tau * (aty[j] - c[j])
        if v < lower[j]:  # comparisons, not max and min: a NaN stays a NaN
            v = lower[j]
        if v > upper[j]:
            v = upper[j]
        out[j] = v
        d = v - x[j]
        moved += d * d
    return moved


@_compiled
def _dual(
    product: FloatArray, ax: FloatArray, y: FloatArray, row_lower: FloatArray,
    row_upper: FloatArray, sigma: float, ax_out: FloatArray, y_out: FloatArray, a: int,
) -> tuple[float, float, float]:  # fmt: skip
    """PDLP's dual step on rows ``a:a + len(product)``, ``product`` being ``A x_new`` there:
    ``v = y + sigma (A x - 2 A x_new)``, ``y_out = v - clip(v, -sigma upper, -sigma lower)``
    (the projection of Chambolle and Pock's step onto the rows' bounds). Returns the sums
    ``dy . A x_new``, ``dy . A x`` and ``|dy|^2`` over the rows."""
    across_new = across_old = moved = 0.0
    for k in range(product.size):
        i = a + k
        p = product[k]
        v = y[i] + sigma * (ax[i] - 2.0 * p)
        v -= _clip(v, -sigma * row_upper[i], -sigma * row_lower[i])
        ax_out[i] = p
        y_out[i] = v
        d = v - y[i]
        across_new += d * p
        across_old += d * ax[i]
        moved += d * d
    return across_new, across_old, moved


@_compiled
def _taken(
    product: FloatArray, aty: FloatArray, x: FloatArray, sum_x: FloatArray, y: FloatArray,
    sum_y: FloatArray, eta: float, a: int, row_a: int, row_b: int,
) -> None:  # fmt: skip
    """After a step is taken: ``A^T y`` on columns ``a:a + len(product)``, and the step added
    to the running sums, weighted by its size, on those columns and on rows ``row_a:row_b``."""
    for k in range(product.size):
        j = a + k
        aty[j] = product[k]
        sum_x[j] += eta * x[j]
    for i in range(row_a, row_b):
        sum_y[i] += eta * y[i]


@_compiled
def _halpern_primal(
    ux: FloatArray, uaty: FloatArray, xh: FloatArray, atyh: FloatArray, x0: FloatArray,
    aty0: FloatArray, g0: FloatArray, lower: FloatArray, upper: FloatArray, keep: float,
    tau: float, move: bool, a: int, b: int,
) -> None:  # fmt: skip
    """The Halpern kernel on columns ``a:b``: where ``move``, the reflected, anchored step of
    the offsets, ``u <- keep (2 (image - anchor) - u)``; then PDHG's primal image
    ``xh = clip(g0 + ux + tau uaty)``."""
    for j in range(a, b):
        if move:
            ux[j] = keep * (2.0 * (xh[j] - x0[j]) - ux[j])
            uaty[j] = keep * (2.0 * (atyh[j] - aty0[j]) - uaty[j])
        v = g0[j] + ux[j] + tau * uaty[j]
        if v < lower[j]:
            v = lower[j]
        if v > upper[j]:
            v = upper[j]
        xh[j] = v


@_compiled
def _halpern_dual(
    product: FloatArray, uax: FloatArray, uy: FloatArray, axh: FloatArray, yh: FloatArray,
    ax0: FloatArray, y0: FloatArray, h0: FloatArray, row_lower: FloatArray,
    row_upper: FloatArray, keep: float, sigma: float, move: bool, a: int,
) -> None:  # fmt: skip
    """The Halpern kernel on rows ``a:a + len(product)``, ``product`` being ``A xh`` there:
    the offsets' step as on the columns, then the dual image
    ``v = h0 + uy + sigma (uax - 2 A xh)``, ``yh = v - clip(v, -sigma upper, -sigma lower)``."""
    for k in range(product.size):
        i = a + k
        if move:
            uax[i] = keep * (2.0 * (axh[i] - ax0[i]) - uax[i])
            uy[i] = keep * (2.0 * (yh[i] - y0[i]) - uy[i])
        p = product[k]
        v = h0[i] + uy[i] + sigma * (uax[i] - 2.0 * p)
        v -= _clip(v, -sigma * row_upper[i], -sigma * row_lower[i])
        axh[i] = p
        yh[i] = v


@_compiled
def _place(product: FloatArray, out: FloatArray, a: int) -> None:
    """``out[a:a + len(product)] = product``."""
    for k in range(product.size):
        out[a + k] = product[k]


@_compiled
def _extremes(
    indptr: Any, indices: Any, data: FloatArray, rows: FloatArray, cols: FloatArray,
    total: bool, row_out: FloatArray, col_out: FloatArray,
) -> None:  # fmt: skip
    """Over the entries ``|a_ij| rows_i cols_j`` of a CSR matrix, each row's and each
    column's largest (0 where none), or their sums where ``total``."""
    col_out[:] = 0.0
    for i in range(len(indptr) - 1):
        acc = 0.0
        for nz in range(indptr[i], indptr[i + 1]):
            j = indices[nz]
            v = abs(data[nz]) * rows[i] * cols[j]
            if total:
                acc += v
                col_out[j] += v
            else:
                acc = max(acc, v)
                col_out[j] = max(col_out[j], v)
        row_out[i] = acc


@_compiled
def _entries(
    indptr: Any, indices: Any, data: FloatArray, rows: FloatArray, cols: FloatArray,
    out: FloatArray,
) -> None:  # fmt: skip
    """``out = a_ij rows_i cols_j`` over the entries of a CSR matrix."""
    for i in range(len(indptr) - 1):
        for nz in range(indptr[i], indptr[i + 1]):
            out[nz] = data[nz] * rows[i] * cols[indices[nz]]


def scaled_extremes(
    matrix: sp.csr_array, rows: FloatArray, cols: FloatArray, *, total: bool
) -> tuple[FloatArray, FloatArray]:
    """The largest entry of ``D_r |A| D_c`` in each row and in each column (0 where none), or
    the sums of each where ``total``: one pass over the matrix (the scalings of
    :class:`rada.planning.first_order._Scaled`)."""
    row_out, col_out = np.empty(matrix.shape[0]), np.empty(matrix.shape[1])
    _extremes(matrix.indptr, matrix.indices, matrix.data, rows, cols, total, row_out, col_out)
    return row_out, col_out


def scaled_entries(matrix: sp.csr_array, rows: FloatArray, cols: FloatArray) -> FloatArray:
    """The entries of ``D_r A D_c``, in ``matrix``'s order."""
    out = np.empty_like(matrix.data)
    _entries(matrix.indptr, matrix.indices, matrix.data, rows, cols, out)
    return out


class Sweeps:
    """The scaled matrix ``a`` and its transpose ``at`` in blocks of rows, one per thread,
    and the fused passes of pdhg's two kernels over them."""

    def __init__(
        self, a: sp.csr_array, at: sp.csr_array, pool: ThreadPoolExecutor | None, parts: int
    ) -> None:
        self.pool = pool if parts > 1 else None
        self.rows = row_blocks(a, parts)  # of A: rows of the programme
        self.cols = row_blocks(at, parts)  # of A^T: columns of the programme
        m = a.shape[0]
        # The rows whose running sums each column block also updates.
        self.sums = [(m * k // len(self.cols), m * (k + 1) // len(self.cols)) for k in
                     range(len(self.cols))]  # fmt: skip

    def _each(self, work: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        if self.pool is None:
            return [work(item) for item in items]
        return list(self.pool.map(work, items))

    # PDLP's kernel (see first_order._Iterates.steps)
    def primal(
        self, x: FloatArray, aty: FloatArray, c: FloatArray, lower: FloatArray,
        upper: FloatArray, tau: float, out: FloatArray,
    ) -> float:  # fmt: skip
        """``out = clip(x + tau (A^T y - c))``; returns ``|out - x|^2``."""
        return float(sum(self._each(
            lambda blk: _primal(x, aty, c, lower, upper, tau, out, blk[0], blk[1]), self.cols
        )))  # fmt: skip

    def dual(
        self, x_new: FloatArray, ax: FloatArray, y: FloatArray, row_lower: FloatArray,
        row_upper: FloatArray, sigma: float, ax_out: FloatArray, y_out: FloatArray,
    ) -> tuple[float, float, float]:  # fmt: skip
        """``ax_out = A x_new`` and the dual step into ``y_out``; returns ``dy . A x_new``,
        ``dy . A x`` and ``|dy|^2``."""
        parts = self._each(
            lambda blk: _dual(blk[2] @ x_new, ax, y, row_lower, row_upper, sigma, ax_out,
                              y_out, blk[0]),
            self.rows,
        )  # fmt: skip
        return (
            float(sum(part[0] for part in parts)),
            float(sum(part[1] for part in parts)),
            float(sum(part[2] for part in parts)),
        )

    def taken(
        self, x: FloatArray, y: FloatArray, aty_out: FloatArray, sum_x: FloatArray,
        sum_y: FloatArray, eta: float,
    ) -> None:  # fmt: skip
        """``aty_out = A^T y`` and ``eta (x, y)`` added to the sums."""
        self._each(
            lambda k: _taken(self.cols[k][2] @ y, aty_out, x, sum_x, y, sum_y, eta,
                             self.cols[k][0], *self.sums[k]),
            range(len(self.cols)),
        )  # fmt: skip

    # The Halpern kernel (see first_order._Halpern)
    def halpern_primal(
        self, offsets: list[FloatArray], image: tuple[FloatArray, ...],
        anchor: tuple[FloatArray, ...], g0: FloatArray, lower: FloatArray, upper: FloatArray,
        keep: float, tau: float, move: bool,
    ) -> None:  # fmt: skip
        """The offsets' step on the columns (where ``move``), then ``xh`` in place."""
        ux, _, _, uaty = offsets
        xh, _, _, atyh = image
        x0, _, _, aty0 = anchor
        self._each(
            lambda blk: _halpern_primal(ux, uaty, xh, atyh, x0, aty0, g0, lower, upper, keep,
                                        tau, move, blk[0], blk[1]),
            self.cols,
        )  # fmt: skip

    def halpern_dual(
        self, offsets: list[FloatArray], image: tuple[FloatArray, ...],
        anchor: tuple[FloatArray, ...], h0: FloatArray, row_lower: FloatArray,
        row_upper: FloatArray, keep: float, sigma: float, move: bool,
    ) -> None:  # fmt: skip
        """The offsets' step on the rows (where ``move``), then ``A xh`` and ``yh`` in place."""
        _, uax, uy, _ = offsets
        xh, axh, yh, _ = image
        _, ax0, y0, _ = anchor
        self._each(
            lambda blk: _halpern_dual(blk[2] @ xh, uax, uy, axh, yh, ax0, y0, h0, row_lower,
                                      row_upper, keep, sigma, move, blk[0]),
            self.rows,
        )  # fmt: skip

    def forward(self, x: FloatArray, out: FloatArray) -> None:
        """``out = A x``."""
        self._each(lambda blk: _place(blk[2] @ x, out, blk[0]), self.rows)

    def transpose(self, y: FloatArray, out: FloatArray) -> None:
        """``out = A^T y``."""
        self._each(lambda blk: _place(blk[2] @ y, out, blk[0]), self.cols)
