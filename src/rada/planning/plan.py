"""A computed plan: what every workplace does each year, what it delivers, and the shadow
prices that say what each constraint costs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rada.planning.certificate import Certificate
from rada.planning.economy import Economy
from rada.planning.structure import FloatArray, Structure


@dataclass(frozen=True)
class Plan:
    """The optimal plan of an economy.

    Arrays are indexed ``[year, item]`` in the economy's order. Shadow prices are in units of
    the objective (summed fulfilment) per unit of the constraint's right-hand side, and are
    never negative: ``product_prices[y, p]`` is what one more unit of ``p`` available in year
    ``y`` would add to the objective; ``resource_prices`` likewise for one more unit of supply,
    ``stock_prices`` for one more unit of a technique's capital stock, ``capacity_prices`` for
    one more unit of a technique's capacity. They are the certified prices
    (``certificate.prices``): dual-feasible, so they prove ``certificate.upper_bound``.
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
    #: How close to the best this plan is, checked independently of the solver.
    certificate: Certificate

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
