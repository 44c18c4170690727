"""pdhg's compiled passes over the matrix's entries: the scalings' extremes and sums, the
scaled entries and the products in blocks, against NumPy on the dense matrix."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp

from rada.planning.sweeps import Sweeps, scaled_entries, scaled_extremes
from rada.planning.threads import row_blocks


def _matrix(seed: int) -> sp.csr_array:
    """A random sparse matrix with negative entries, an empty row and an empty column."""
    rng = np.random.default_rng(seed)
    dense = rng.standard_normal((40, 30)) * (rng.random((40, 30)) < 0.2)
    dense[7, :] = 0.0
    dense[:, 11] = 0.0
    return sp.csr_array(dense)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_scalings_extremes_and_sums_are_numpy_s_on_the_dense_matrix(seed: int) -> None:
    matrix = _matrix(seed)
    rng = np.random.default_rng(seed + 10)
    rows, cols = rng.uniform(0.5, 2.0, 40), rng.uniform(0.5, 2.0, 30)
    scaled = np.abs(matrix.toarray()) * rows[:, None] * cols[None, :]
    r, c = scaled_extremes(matrix, rows, cols, total=False)
    assert np.array_equal(r, scaled.max(axis=1))
    assert np.array_equal(c, scaled.max(axis=0))
    assert r[7] == 0.0
    assert c[11] == 0.0
    r, c = scaled_extremes(matrix, rows, cols, total=True)
    np.testing.assert_allclose(r, scaled.sum(axis=1), rtol=1e-14)
    np.testing.assert_allclose(c, scaled.sum(axis=0), rtol=1e-14)
    entries = sp.csr_array((scaled_entries(matrix, rows, cols), matrix.indices, matrix.indptr))
    np.testing.assert_array_equal(
        entries.toarray(), matrix.toarray() * rows[:, None] * cols[None, :]
    )


def test_the_products_in_blocks_on_threads_are_the_matrix_s_and_share_its_entries() -> None:
    matrix = _matrix(4)
    transposed = sp.csr_array(matrix.T)
    sweeps = Sweeps(matrix, transposed, ThreadPoolExecutor(3), 3)
    assert all(np.shares_memory(block.data, matrix.data) for _, _, block in sweeps.rows)
    x, y = np.random.default_rng(4).standard_normal(30), np.random.default_rng(5).random(40)
    ax, aty = np.empty(40), np.empty(30)
    sweeps.forward(x, ax)
    sweeps.transpose(y, aty)
    np.testing.assert_array_equal(ax, matrix @ x)
    np.testing.assert_array_equal(aty, transposed @ y)
    assert sum(block.nnz for _, _, block in row_blocks(matrix, 3)) == matrix.nnz
