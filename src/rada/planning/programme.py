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
    eye_t = sp.eye_array(T, format="csr")
    net = sp.csr_array(s.out - s.inp)
    pair = np.arange(K)
    # G[p, k] = -1 where pair k holds good p: investment is taken out of the balance.
    take = sp.csr_array((-np.ones(K), (s.pair_good, pair)), shape=(P, K))
    use = sp.csr_array((s.per_unit, (pair, s.pair_tech)), shape=(K, N))
    target = sp.csr_array(
        (-s.targets.ravel(), (np.arange(P * T), np.repeat(np.arange(T), P))), shape=(P * T, T)
    )
    before = sp.eye_array(T, T - 1, format="csr")  # invest in y taken from year y's balance
    keep = 1.0 - s.depreciation
    # Investment during year j < y still stands in year y, less y - 1 - j years' depreciation.
    standing: list[list[Any]] = [
        [sp.diags_array(-(keep ** (y - 1 - j))) if j < y and K else None for j in range(T - 1)]
        for y in range(T)
    ]
    if T > 1 and K:
        standing[0][0] = sp.csr_array((K, K))  # fixes the block sizes when year 1 has none
        built = sp.block_array(standing, format="csr")
    else:
        built = sp.csr_array((K * T, K * (T - 1)))
    blocks: list[list[Any]] = [
        [sp.kron(eye_t, net), sp.kron(before, take), target],
        [sp.kron(eye_t, s.res), None, None],
        [sp.kron(eye_t, use), built, None],
    ]
    matrix = sp.csc_array(sp.block_array(blocks, format="csc"))
    matrix.eliminate_zeros()
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
