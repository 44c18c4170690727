"""A computed plan: what every workplace does each year, what it delivers, and the shadow
prices that say what each constraint costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rada.planning.economy import Economy
from rada.planning.structure import FloatArray, Structure

if TYPE_CHECKING:
    from rada.planning.optimal import Layout


@dataclass(frozen=True)
class Plan:
    """The optimal plan of an economy.

    Arrays are indexed ``[year, item]`` in the economy's order. Shadow prices are in units of
    the objective (summed fulfilment) per unit of the constraint's right-hand side, and are
    never negative: ``product_prices[y, p]`` is what one more unit of ``p`` available in year
    ``y`` would add to the objective; ``resource_prices`` likewise for one more unit of supply,
    ``stock_prices`` for one more unit of a technique's capital stock, ``capacity_prices`` for
    one more unit of a technique's capacity.
    """

    economy: Economy
    structure: Structure
    status: str
    objective: float
    fulfilment: FloatArray
    activity: FloatArray
    gross_output: FloatArray
    final_consumption: FloatArray
    accumulation: FloatArray
    stocks: FloatArray
    investment: FloatArray
    resource_used: FloatArray
    product_prices: FloatArray
    resource_prices: FloatArray
    stock_prices: FloatArray
    capacity_prices: FloatArray
    iterations: int
    seconds: float

    @property
    def years(self) -> int:
        """Length of the horizon."""
        return self.economy.years

    @property
    def labour_used(self) -> FloatArray:
        """Labour used in each year."""
        return self.resource_used[:, self.economy.resource_index[self.economy.labour]]

    @property
    def labour_supply(self) -> FloatArray:
        """Labour available in each year."""
        return np.asarray(self.economy.supply[self.economy.labour], dtype=np.float64)

    @classmethod
    def from_solution(
        cls,
        economy: Economy,
        s: Structure,
        lay: Layout,
        *,
        col_value: FloatArray,
        col_dual: FloatArray,
        row_value: FloatArray,
        row_dual: FloatArray,
        objective: float,
        iterations: int,
        seconds: float,
    ) -> Plan:
        """Unpack HiGHS's solution vectors (see :class:`rada.planning.optimal.Layout`)."""
        P, N, R, K, T = lay.P, lay.N, lay.R, lay.K, lay.T
        activity = col_value[: N * T].reshape(T, N)
        stocks = col_value[lay.stock : lay.stock + K * T].reshape(T, K)
        investment = col_value[lay.invest : lay.invest + K * (T - 1)].reshape(T - 1, K)
        accumulation = np.zeros((T, P))
        if K and T > 1:
            np.add.at(accumulation[:-1].T, s.pair_good, investment.T)
        gross = (s.out @ activity.T).T
        used = (s.inp @ activity.T).T
        # HiGHS reports, for a maximisation, duals as the change of the objective per unit of
        # the row's activity; a ">=" row that binds has a non-positive one. Flip so that every
        # price reads "what one more unit available would add".
        product_prices = np.maximum(-row_dual[: P * T].reshape(T, P), 0.0)
        resource_prices = np.maximum(row_dual[lay.resource : lay.stock_use].reshape(T, R), 0.0)
        stock_prices = np.maximum(row_dual[lay.stock_use : lay.carry].reshape(T, K), 0.0)
        capacity_prices = np.maximum(col_dual[: N * T].reshape(T, N), 0.0)
        capacity_prices[:, ~np.isfinite(s.capacity)] = 0.0
        return cls(
            economy=economy,
            structure=s,
            status="optimal",
            objective=objective,
            fulfilment=col_value[lay.fulfil : lay.fulfil + T].copy(),
            activity=activity,
            gross_output=gross,
            final_consumption=gross - used - accumulation,
            accumulation=accumulation,
            stocks=stocks,
            investment=investment,
            resource_used=(s.res @ activity.T).T,
            product_prices=product_prices,
            resource_prices=resource_prices,
            stock_prices=stock_prices,
            capacity_prices=capacity_prices,
            iterations=iterations,
            seconds=seconds,
        )
