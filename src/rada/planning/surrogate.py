"""Sharper prices for a first-order point: each year's balances summed at its prices.

A first-order point's prices are close to the optimal ones but not dual-feasible, and the
certificate's repair (:mod:`rada.planning.repair`) pays for that: the prices it rebuilds from
the rents and the price of labour leave each year's targets worth a little less than one,
and topping labour up costs all the labour there is. At 1,000 products x 5 years hipdlp's
point of tolerance 1e-3 certifies an upper bound 1.9e-3 above the optimum this way.

This module asks a different question of the same prices ``p``. Summing each year's product
balances weighted by ``p[y]`` (all weights non-negative) gives one row per year that every
feasible plan also meets, so the programme with those ``T`` rows in place of the ``P x T``
balances (the *surrogate*) is a relaxation: its optimum is an upper bound. It keeps every
stock, resource and capacity constraint but no ``I - A`` block, so simplex solves it exactly
without the fill-in that stops it on the full programme. Its duals, the summed rows' prices
spread back over the products in proportion to ``p``, are a price system of the full
programme worth exactly the surrogate's optimum: the rents and the price of labour are
re-optimised for ``p``, and a year's prices are scaled as a whole where the repair would top
up labour. At 1,000 x 5 from hipdlp's 1e-3 point this bound is 4.7e-4 above the optimum; a
second round from the prices the certificate rebuilds from it, 1.0e-4, twenty times closer
than the repair alone. Further rounds change nothing, and the rounds after the first start
from the previous basis (40 simplex iterations against 4,800).

Nothing here is trusted: the caller certifies the prices (:func:`~rada.planning.certificate.
certify`), so a poor surrogate costs time and is kept only where it proves more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from rada.planning.highs import run_highs
from rada.planning.programme import LinearProgramme
from rada.planning.structure import FloatArray

__all__ = ["Surrogate", "SurrogateDuals"]


@dataclass(frozen=True)
class SurrogateDuals:
    """The full programme's row prices that a surrogate's solution stands for (signed as
    :func:`rada.planning.first_order.candidate_of` reads them), the surrogate's optimum, and
    the simplex iterations it took."""

    y: FloatArray
    objective: float
    iterations: int


class Surrogate:
    """The surrogate relaxations of one programme, solved one after another: each solve starts
    from the basis of the one before, which has the same shape."""

    def __init__(self, lp: LinearProgramme) -> None:
        self.lp = lp
        self._balances = lp.layout.P * lp.layout.T
        # The balances' rows and the rest, split at the first solve: a run may never solve
        # one (at 100,000 x 5 the split takes 3.6 s, and a surrogate there 440 s).
        self._rows: tuple[sp.csr_array, sp.csr_array] | None = None
        self._basis: Any = None

    def _split(self) -> tuple[sp.csr_array, sp.csr_array]:
        if self._rows is None:
            rows = sp.csr_array(self.lp.matrix)
            self._rows = (
                sp.csr_array(rows[: self._balances]),
                sp.csr_array(rows[self._balances :]),
            )
        return self._rows

    def duals(self, prices: FloatArray, *, seconds: float | None = None) -> SurrogateDuals | None:
        """Solve the surrogate whose year ``y`` sums the balances at ``prices[y]`` (one row of
        product prices a year; negative ones count as zero) within ``seconds``; None where
        it has no optimum in that time (a year whose targets are worth nothing at ``prices``
        leaves its fulfilment unbounded)."""
        lp, lay = self.lp, self.lp.layout
        weights = np.maximum(np.asarray(prices, dtype=np.float64), 0.0)
        if weights.shape != (lay.T, lay.P) or not np.all(np.isfinite(weights)):
            return None
        balance, rest = self._split()
        per_year = sp.block_diag([sp.csr_array(row[None, :]) for row in weights], format="csr")
        matrix = sp.csc_array(sp.vstack([per_year @ balance, rest]))
        committed = lp.row_lower[: self._balances]
        surrogate = LinearProgramme(
            lay,
            matrix,
            lp.cost,
            lp.col_lower,
            lp.col_upper,
            np.concatenate([per_year @ committed, lp.row_lower[self._balances :]]),
            np.concatenate([np.full(lay.T, np.inf), lp.row_upper[self._balances :]]),
        )
        solved = run_highs(
            surrogate,
            maximise=True,
            solver="primal",
            threads=0,  # HiGHS's own choice: its thread pool, once started, keeps its size
            time_limit=seconds,
            basis=self._basis,
            keep_basis=True,
        )
        if solved.basis is not None:
            self._basis = solved.basis  # a solve stopped by its time limit goes on from here
        if solved.status != "Optimal" or not solved.valid:
            return None
        # HiGHS's duals of a maximisation are the negatives of the minimisation's.
        summed = -solved.row_dual
        y = np.concatenate([(summed[: lay.T, None] * weights).ravel(), summed[lay.T :]])
        return SurrogateDuals(y, solved.objective, solved.iterations)
