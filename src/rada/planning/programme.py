"""The optimal plan as a linear programme: where each variable and constraint sits.

Kantorovich's plan in Cockshott's form (see :mod:`rada.planning.optimal`) written as
``max c x`` subject to ``row_lower <= A x <= row_upper`` and ``col_lower <= x <= col_upper``.
Only non-zero (technique, capital good) pairs get variables, so the programme is as sparse as
the economy; the variables and rows are laid out year by year, see :class:`Layout`.

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
    """Where each block of variables and constraints sits in the linear programme."""

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
    def stock(self) -> int:
        """Capital stock of pair k in year y: ``stock + y * K + k``."""
        return self.N * self.T

    @property
    def invest(self) -> int:
        """Investment in pair k during year y < T: ``invest + y * K + k``."""
        return self.stock + self.K * self.T

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
    def carry(self) -> int:
        """Stock of pair k carried into year y >= 1: ``carry + (y - 1) * K + k``."""
        return self.stock_use + self.K * self.T

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return self.carry + self.K * (self.T - 1)


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


def build_programme(s: Structure) -> LinearProgramme:
    """Formulate the plan of a compiled economy as a sparse linear programme."""
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
    # Investment during year y (y < T) feeds the stock of year y + 1.
    before = sp.eye_array(T, T - 1, format="csr")  # invest in y taken from year y's balance
    after = sp.eye_array(T - 1, T, k=1, format="csr")  # stock of year y + 1
    now = sp.eye_array(T - 1, T, format="csr")  # stock of year y
    keep = sp.diags_array(1.0 - s.depreciation) if K else sp.csr_array((0, 0))
    eye_k = sp.eye_array(K, format="csr")
    blocks: list[list[Any]] = [
        [sp.kron(eye_t, net), None, sp.kron(before, take), target],
        [sp.kron(eye_t, s.res), None, None, None],
        [sp.kron(eye_t, use), -sp.kron(eye_t, eye_k), None, None],
        [
            None,
            sp.kron(after, eye_k) - sp.kron(now, keep),
            -sp.kron(sp.eye_array(T - 1), eye_k),
            None,
        ],
    ]
    matrix = sp.csc_array(sp.block_array(blocks, format="csc"))
    inf = np.inf
    cost = np.zeros(lay.n_cols)
    cost[lay.fulfil :] = 1.0
    col_lower = np.zeros(lay.n_cols)
    col_upper = np.full(lay.n_cols, inf)
    col_upper[: N * T] = np.tile(s.capacity, T)
    col_upper[lay.stock : lay.stock + K] = s.initial
    row_lower = np.concatenate(
        [
            s.committed.ravel(),
            np.full(R * T, -inf),
            np.full(K * T, -inf),
            np.full(K * (T - 1), -inf),
        ]
    )
    row_upper = np.concatenate(
        [np.full(P * T, inf), s.supply.ravel(), np.zeros(K * T), np.zeros(K * (T - 1))]
    )
    return LinearProgramme(lay, matrix, cost, col_lower, col_upper, row_lower, row_upper)
