"""Seeded random economies for tests and benchmarks, in the spirit of Cockshott's generator.

Each product uses about ``log2(N) + 5`` inputs, some of which it also holds as capital stocks
that depreciate; every column of A sums to well under 1, so the economy is productive. The
unit of each technique's activity is its output in the base year, as in Cockshott's tables,
so a generated economy without alternative techniques can be written in his format too.
Targets grow 3 % a year from 90 % of the base year's final demand; labour grows 2 % a year.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from rada.planning.economy import (
    LABOUR,
    CapitalStock,
    Economy,
    Product,
    Resource,
    Technique,
    collector_paused,
)
from rada.planning.errors import PlanningError
from rada.planning.leontief import gross_output

#: Past this many products the base year is found by successive approximation: a sparse LU of
#: a random ``I - A`` fills in (118 s at 10,000 products), the iteration takes about 2 s.
ITERATE_ABOVE = 2000

TARGET_GROWTH = 0.03
LABOUR_GROWTH = 0.02


def generate_economy(*, products: int, years: int, seed: int, alternatives: float = 0.0) -> Economy:
    """A random productive economy of ``products`` goods over ``years`` years.

    Parameters
    ----------
    products, years : int
        Size and horizon.
    seed : int
        The same seed gives the same economy.
    alternatives : float
        Share of products that also get a second, more labour- and less capital-intensive
        technique with no stock in place at the start, so the plan must choose (and invest).

    >>> economy = generate_economy(products=50, years=3, seed=1)
    >>> len(economy.techniques), economy.years
    (50, 3)
    """
    if products < 1 or years < 1:
        raise PlanningError("an economy needs at least one product and one year")
    if not 0.0 <= alternatives <= 1.0:
        raise PlanningError("alternatives is a share between 0 and 1")
    with collector_paused():
        return _generate(products, years, seed, alternatives)


def _generate(n: int, years: int, seed: int, alternatives: float) -> Economy:
    rng = np.random.default_rng(seed)
    per_good = min(n, round(math.log2(n)) + 5) if n > 1 else 1
    ids = [f"P{j}" for j in range(n)]
    rows, cols, vals = [], [], []
    capital_of: list[list[tuple[int, float, float]]] = []
    for j in range(n):
        chosen = rng.choice(n, size=per_good, replace=False)
        weights = rng.uniform(0.05, 1.0, size=per_good)
        coefficients = weights / weights.sum() * rng.uniform(0.2, 0.6)
        rows += chosen.tolist()
        cols += [j] * per_good
        vals += coefficients.tolist()
        held = chosen[: max(1, per_good // 3)].tolist()
        # One draw per figure, per-unit and depreciation in turn: the same stream as a scalar
        # ``uniform`` each, drawn at once.
        drawn = rng.random(2 * len(held))
        per_unit = (0.5 + (2.0 - 0.5) * drawn[0::2]).tolist()
        depreciation = (0.04 + (0.10 - 0.04) * drawn[1::2]).tolist()
        capital_of.append(list(zip(held, per_unit, depreciation, strict=True)))
    a = sp.csc_array((np.asarray(vals), (np.asarray(rows), np.asarray(cols))), shape=(n, n))
    labour = rng.uniform(0.1, 1.0, size=n)
    demand = rng.uniform(1.0, 10.0, size=n)
    base = gross_output(a, demand, method="iterative" if n > ITERATE_ABOVE else "direct").value
    techniques = []
    starts, column_rows, column_vals = a.indptr.tolist(), a.indices.tolist(), a.data.tolist()
    levels, labour_per = base.tolist(), labour.tolist()
    for j in range(n):
        level, first, last = levels[j], starts[j], starts[j + 1]
        inputs = {
            ids[i]: v * level
            for i, v in zip(column_rows[first:last], column_vals[first:last], strict=True)
        }
        stocks = tuple(
            CapitalStock(good=ids[i], per_unit=b * level, depreciation=d, initial=b * level)
            for i, b, d in capital_of[j]
        )
        techniques.append(
            Technique(
                id=ids[j],
                outputs={ids[j]: level},
                inputs=inputs,
                resources={LABOUR: labour_per[j] * level},
                capital=stocks,
            )
        )
        if alternatives and rng.random() < alternatives:
            techniques.append(
                Technique(
                    id=f"{ids[j]}-alt",
                    outputs={ids[j]: level},
                    inputs=inputs,
                    resources={LABOUR: float(labour[j]) * level * 1.4},
                    capital=tuple(
                        CapitalStock(
                            good=s.good, per_unit=s.per_unit * 0.7, depreciation=s.depreciation
                        )
                        for s in stocks
                    ),
                )
            )
    supply0 = float(labour @ base)
    return Economy(
        name=f"generated-{n}x{years}-seed{seed}",
        description=f"Random productive economy: {n} products, {years} years, seed {seed}.",
        products=tuple(Product(id=i) for i in ids),
        resources=(Resource(id=LABOUR),),
        techniques=tuple(techniques),
        years=years,
        targets={
            ids[j]: tuple(0.9 * float(demand[j]) * (1 + TARGET_GROWTH) ** y for y in range(years))
            for j in range(n)
        },
        supply={LABOUR: tuple(supply0 * (1 + LABOUR_GROWTH) ** y for y in range(years))},
    )
