"""The optimal plan as a linear programme: where each variable and constraint sits.

Kantorovich's plan in Cockshott's form (see :mod:`rada.planning.optimal`) written as
``max c x`` subject to ``row_lower <= A x <= row_upper`` and ``col_lower <= x <= col_upper``.
Only non-zero (technique, capital good) pairs get variables, so the programme is as sparse as
the economy; the variables and rows are laid out year by year, see :class:`Layout`.

Stocks are eliminated: each year's stock is the initial stock and the earlier investments,
less depreciation, so only investments are variables. At 10,000 products x 5 years this
shrinks the programme from 590,005 x 590,005 (2.61 million non-zeros) to 350,005 rows x
290,005 columns (2.19 million); the optimum is the same, and the first-order solver's
iterations are cheaper.

This module is the formulation only: any solver that takes a sparse programme can solve it,
and whatever reads a solver's vectors back reads them through the same :class:`Layout`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from rada.planning.structure import FloatArray, Structure


@dataclass(frozen=True)
class Layout:
    """Where each block of variables and constraints sits in the linear programme.

    Stocks are not variables: the stock of pair k in year y is what is left of the initial
    stock and of every earlier investment after depreciation (:func:`stocks_of`). A larger
    stock never hurts, so the stock a plan can count on is exactly that, and the constraint
    ``per_unit * activity <= stock`` reads
    ``per_unit * x[y] - sum_{j<y} keep^(y-1-j) invest[j] <= keep^y initial``.
    """

    P: int
    N: int
    R: int
    K: int
    T: int

    # columns
    @property
    def x(self) -> int:
        """Activity of technique t in year y: ``x + y * N + t``."""
        return 0

    @property
    def invest(self) -> int:
        """Investment in pair k during year y < T: ``invest + y * K + k``."""
        return self.N * self.T

    @property
    def fulfil(self) -> int:
        """Fulfilment of year y: ``fulfil + y``."""
        return self.invest + self.K * (self.T - 1)

    @property
    def n_cols(self) -> int:
        """Number of variables."""
        return self.fulfil + self.T

    # rows
    @property
    def balance(self) -> int:
        """Balance of product p in year y: ``balance + y * P + p``."""
        return 0

    @property
    def resource(self) -> int:
        """Supply of resource r in year y: ``resource + y * R + r``."""
        return self.P * self.T

    @property
    def stock_use(self) -> int:
        """Stock of pair k limits activity in year y: ``stock_use + y * K + k``."""
        return self.resource + self.R * self.T

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return self.stock_use + self.K * self.T


@dataclass(frozen=True)
class LinearProgramme:
    """``max c x`` subject to ``row_lower <= A x <= row_upper``, ``col_lower <= x <= col_upper``."""

    layout: Layout
    matrix: sp.csc_array
    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray


def stocks_of(s: Structure, investment: FloatArray) -> FloatArray:
    """The stocks, ``[year, pair]``, that the initial stocks and ``investment`` give."""
    T, K = s.years, s.n_pairs
    keep = 1.0 - s.depreciation
    stocks = np.empty((T, K))
    if T:
        stocks[0] = s.initial
    for y in range(1, T):
        stocks[y] = keep * stocks[y - 1] + investment[y - 1]
    return stocks


def build_programme(s: Structure) -> LinearProgramme:
    """Formulate the plan of a compiled economy as a sparse linear programme.

    >>> from rada.planning.generate import generate_economy
    >>> from rada.planning.structure import compile_economy
    >>> lp = build_programme(compile_economy(generate_economy(products=50, years=3, seed=1)))
    >>> lp.matrix.shape == (lp.layout.n_rows, lp.layout.n_cols)
    True
    """
    P, N, R, K, T = s.n_products, s.n_techniques, s.n_resources, s.n_pairs, s.years
    lay = Layout(P=P, N=N, R=R, K=K, T=T)
    matrix = _matrix(s, lay)
    keep = 1.0 - s.depreciation
    inf = np.inf
    cost = np.zeros(lay.n_cols)
    cost[lay.fulfil :] = 1.0
    col_lower = np.zeros(lay.n_cols)
    col_upper = np.full(lay.n_cols, inf)
    col_upper[: N * T] = np.tile(s.capacity, T)
    row_lower = np.concatenate([s.committed.ravel(), np.full(R * T, -inf), np.full(K * T, -inf)])
    row_upper = np.concatenate(
        [
            np.full(P * T, inf),
            s.supply.ravel(),
            (keep[None, :] ** np.arange(T)[:, None] * s.initial[None, :]).ravel(),
        ]
    )
    return LinearProgramme(lay, matrix, cost, col_lower, col_upper, row_lower, row_upper)


def _matrix(s: Structure, lay: Layout) -> sp.csc_array:
    """The constraint matrix, column by column, each column's rows in increasing order.

    An activity's column in year y holds the technique's net outputs (that year's balance
    rows), its resources (that year's supply rows) and its stocks per unit (that year's
    stock rows): one year's column of the three stacked, its rows shifted to year y. An
    investment in pair k during year j takes the good from year j's balance (-1) and stands,
    depreciated, in the stock rows of every later year (``-keep^(y - 1 - j)``). Fulfilment
    in year y takes that year's targets from its balance. Explicit zeros are dropped.

    Built so, not as SciPy block matrices of Kronecker products: the arrays are the same to
    the bit (the block matrices' columns come out in the same order; tested), and at 100,000
    products x 5 years a process's first programme takes 1.7 s (0.22 s once the process has
    the memory) where the blocks took 3.7 to 4.0 s and about three times the matrix's
    memory.
    """
    P, N, R, K, T = lay.P, lay.N, lay.R, lay.K, lay.T
    pair = np.arange(K)
    use = sp.csc_array((s.per_unit, (pair, s.pair_tech)), shape=(K, N))
    year = sp.csc_array(sp.vstack([s.net, sp.csc_array(s.res), use], format="csc"))
    year.sort_indices()
    local = year.indices.astype(np.int64)
    resource, stock = local >= P, local >= P + R
    rows: list[Any] = []
    values: list[Any] = []
    for y in range(T):
        shift = np.where(
            stock,
            lay.stock_use + y * K - (P + R),
            np.where(resource, lay.resource + y * R - P, y * P),
        )
        rows.append(local + shift)
        values.append(year.data)
    counts: list[Any] = [np.tile(np.diff(year.indptr), T)]
    keep = 1.0 - s.depreciation
    if K:
        for j in range(T - 1):
            column_rows = [lay.balance + j * P + s.pair_good]
            column_values = [-np.ones(K)]
            for y in range(j + 1, T):
                column_rows.append(lay.stock_use + y * K + pair)
                column_values.append(-(keep ** (y - 1 - j)))
            rows.append(np.stack(column_rows, axis=1).ravel())
            values.append(np.stack(column_values, axis=1).ravel())
            counts.append(np.full(K, T - j))
    for y in range(T):
        rows.append(lay.balance + y * P + np.arange(P))
        values.append(-s.targets[y])
        counts.append(np.full(1, P))
    indptr = np.zeros(lay.n_cols + 1, dtype=np.int64)
    np.cumsum(np.concatenate(counts), out=indptr[1:])
    matrix = sp.csc_array(
        (np.concatenate(values), np.concatenate(rows), indptr), shape=(lay.n_rows, lay.n_cols)
    )
    matrix.eliminate_zeros()
    return matrix
