"""Whether a plan and a price system are feasible for the plan's linear programme.

The plan (maximise the summed yearly fulfilment) is the one :mod:`rada.planning.optimal`
solves; these checks read only the economy's arrays, never the solver's formulation, so that
a certificate (:mod:`rada.planning.certificate`) built on them is independent of the solver.

The dual used (for a maximisation, every price non-negative) prices each balance of a product
``pi``, each resource ``w``, each technique's stock ``sigma``, the stock carried into a year
``mu`` (``mu`` of the first year prices the initial stock) and each finite capacity
``kappa``. It is feasible when, in every year ``y``: the targets are worth at least one
(``pi . target >= 1``); no technique makes a profit (``pi . (out - in) <= w . res + sigma .
per_unit + kappa``); stock is worth carrying (``mu_y >= sigma_y + (1 - depreciation)
mu_(y+1)``); and no investment makes one (``pi_(y, good) >= mu_(y+1)``). What the economy is
then worth, ``sum w . supply - pi . committed + kappa . capacity`` plus ``mu_1 . initial``,
bounds every plan's summed fulfilment from above (weak duality).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rada.planning.structure import FloatArray, IntArray, Structure

#: Multiplying by this rounds a non-negative float up past any error of a few operations.
ROUND_UP = 1.0 + 8 * np.finfo(np.float64).eps


@dataclass(frozen=True)
class Candidate:
    """What a solver claims: a plan and its prices, arrays indexed ``[year, item]``.

    Prices follow :class:`~rada.planning.plan.Plan`: what one more unit of a product,
    resource, stock or capacity would add to the summed fulfilment.
    """

    fulfilment: FloatArray
    activity: FloatArray
    stocks: FloatArray
    investment: FloatArray
    product_prices: FloatArray
    resource_prices: FloatArray
    stock_prices: FloatArray
    capacity_prices: FloatArray
    objective: float


@dataclass(frozen=True)
class CertifiedPlan:
    """The repaired plan: it meets every constraint (up to ``max_violation``)."""

    fulfilment: FloatArray
    activity: FloatArray
    stocks: FloatArray
    investment: FloatArray


@dataclass(frozen=True)
class Prices:
    """A price system for the dual of the plan's linear programme.

    ``carry[y, k]`` prices the stock of pair ``k`` carried into year ``y``; ``carry[0]`` prices
    the initial stock. ``capacity`` is zero where a technique has no capacity.
    """

    product: FloatArray
    resource: FloatArray
    stock: FloatArray
    capacity: FloatArray
    carry: FloatArray


def worth_of_targets(prices: FloatArray, targets: FloatArray) -> float:
    """What one year's targets are worth at ``prices`` (one way of summing, used by every
    check and repair alike)."""
    return float(prices @ targets)


def excess(lhs: FloatArray, rhs: FloatArray, scale: FloatArray, *, floor: float = 1.0) -> float:
    """Largest ``(lhs - rhs) / max(floor, scale)`` where ``lhs > rhs``; zero when none;
    infinite where a term is not a number (NaN compares false with everything, so ``max``
    would otherwise pass over it). With the ``floor`` of 1 a row whose terms are below 1 is
    held to an absolute tolerance; a smaller floor holds every row to its own terms."""
    over = (lhs - rhs) / np.maximum(floor, scale)
    if not over.size:
        return 0.0
    worst = float(over.max())
    return float("inf") if np.isnan(worst) else max(0.0, worst)


def sum_onto(index: IntArray, values: FloatArray, size: int) -> FloatArray:
    """``out[..., i]`` = the sum of ``values[..., k]`` over the ``k`` with ``index[k] == i``.

    The same sums as ``np.add.at``, to the bit (each is added in the order of ``k``, from
    zero), by one ``np.bincount`` per leading row: several times faster at 100,000 products.
    """
    lead = values.shape[:-1]
    rows = values.reshape(math.prod(lead), values.shape[-1])
    out = np.empty((rows.shape[0], size))
    for r, row in enumerate(rows):
        out[r] = np.bincount(index, weights=row, minlength=size)
    return out.reshape((*lead, size))


def accumulation(s: Structure, investment: FloatArray, years: int) -> FloatArray:
    """Products taken out of each year's balance to be invested (``[year, product]``)."""
    taken = np.zeros((years, s.n_products))
    if s.n_pairs and years > 1:
        taken[:-1] = sum_onto(s.pair_good, investment[: years - 1], s.n_products)
    return taken


def carried_stocks(s: Structure, investment: FloatArray) -> FloatArray:
    """The most stock each pair can hold each year (``[year, pair]``): the initial stocks,
    less depreciation, plus what was invested the year before. A plan may hold less, never
    more."""
    stocks = np.zeros((s.years, s.n_pairs))
    if s.years:
        stocks[0] = s.initial
    for y in range(1, s.years):
        stocks[y] = (1.0 - s.depreciation) * stocks[y - 1] + investment[y - 1]
    return stocks


def per_technique(s: Structure, per_pair: FloatArray) -> FloatArray:
    """Sum ``per_pair[..., k] * per_unit[k]`` onto each pair's technique."""
    if not s.n_pairs:
        return np.zeros((*per_pair.shape[:-1], s.n_techniques))
    return sum_onto(s.pair_tech, per_pair * s.per_unit, s.n_techniques)


def plan_violation(
    s: Structure,
    *,
    fulfilment: FloatArray,
    activity: FloatArray,
    stocks: FloatArray,
    investment: FloatArray,
) -> float:
    """The largest violation of any constraint by a plan, relative to the constraint's size.

    Every row and bound of the plan's linear programme is checked: balances, resources,
    stocks in use, stocks carried, initial stocks, capacities and signs.

    >>> import numpy as np
    >>> from rada.planning.economy import LABOUR, Economy, Product, Resource, Technique
    >>> from rada.planning.structure import compile_economy
    >>> bread = Economy(
    ...     products=(Product(id="bread"),), resources=(Resource(id=LABOUR),),
    ...     techniques=(Technique(id="bake", outputs={"bread": 1.0},
    ...                           resources={LABOUR: 1.0}),),
    ...     years=1, targets={"bread": (1.0,)}, supply={LABOUR: (2.0,)})
    >>> s = compile_economy(bread)
    >>> none = np.zeros((1, 0))
    >>> plan_violation(s, fulfilment=np.array([2.0]), activity=np.array([[2.0]]),
    ...                stocks=none, investment=none)
    0.0
    >>> plan_violation(s, fulfilment=np.array([3.0]), activity=np.array([[3.0]]),
    ...                stocks=none, investment=none)
    0.5
    """
    T = s.years
    worst = 0.0
    taken = accumulation(s, investment, T)
    for y in range(T):
        x = activity[y]
        made, used = s.out @ x, s.inp @ x
        need = fulfilment[y] * s.targets[y] + s.committed[y] + taken[y]
        worst = max(worst, excess(need, made - used, made + used + np.abs(need)))
        worst = max(worst, excess(s.res @ x, s.supply[y], s.supply[y]))
        held = s.per_unit * x[s.pair_tech]
        worst = max(worst, excess(held, stocks[y], stocks[y]))
        if y:
            carried = (1.0 - s.depreciation) * stocks[y - 1] + investment[y - 1]
            worst = max(worst, excess(stocks[y], carried, carried))
        finite = np.isfinite(s.capacity)
        worst = max(worst, excess(x[finite], s.capacity[finite], s.capacity[finite]))
    worst = max(worst, excess(stocks[0], s.initial, s.initial)) if T else worst
    for values in (fulfilment, activity, stocks, investment):
        worst = max(worst, excess(-values.ravel(), np.zeros(values.size), np.zeros(values.size)))
    return worst


def minimal_carry(s: Structure, stock_prices: FloatArray) -> FloatArray:
    """The least stock-carrying prices the stock prices allow, chained back from the last year
    and rounded up so that the chain holds in floating point too."""
    T, K = stock_prices.shape
    carry = np.zeros((T, K))
    following = np.zeros(K)
    for y in range(T - 1, -1, -1):
        following = (stock_prices[y] + (1.0 - s.depreciation) * following) * ROUND_UP
        carry[y] = following
    return carry


def price_violation(s: Structure, prices: Prices, *, floor: float = 1.0) -> float:
    """The largest violation of any dual constraint by ``prices``, relative to its terms (or
    to ``floor``, where they are smaller: see :func:`excess`).

    Checks signs, the worth of each year's targets, every technique's profit, the chain of
    stock prices and every investment (see the module's description), and that a technique
    without a capacity pays no rent for one.
    """
    T = s.years
    pi, w, sigma, kappa, mu = (
        prices.product,
        prices.resource,
        prices.stock,
        prices.capacity,
        prices.carry,
    )
    worst = 0.0
    for values in (pi, w, sigma, kappa, mu):
        worst = max(
            worst,
            excess(-values.ravel(), np.zeros(values.size), np.zeros(values.size), floor=floor),
        )
    rent = per_technique(s, sigma)
    for y in range(T):
        worth = worth_of_targets(pi[y], s.targets[y])
        worst = max(
            worst, excess(np.ones(1), np.array([worth]), np.array([1.0 + worth]), floor=floor)
        )
        gain = s.out.T @ pi[y]
        cost = s.inp.T @ pi[y] + s.res.T @ w[y] + rent[y] + kappa[y]
        worst = max(worst, excess(gain, cost, gain + cost, floor=floor))
        following = mu[y + 1] if y + 1 < T else np.zeros(s.n_pairs)
        kept = sigma[y] + (1.0 - s.depreciation) * following
        worst = max(worst, excess(kept, mu[y], kept + mu[y], floor=floor))
        if y + 1 < T:
            paid = pi[y, s.pair_good]
            worst = max(worst, excess(following, paid, following + paid, floor=floor))
        if floor < 1.0:  # a rent for no capacity, against the technique's terms
            none = ~np.isfinite(s.capacity)
            scale = (gain + cost)[none]
            worst = max(
                worst, excess(np.abs(kappa[y, none]), np.zeros(scale.size), scale, floor=floor)
            )
    if T:
        no_capacity = ~np.isfinite(s.capacity)
        worst = max(worst, float(np.abs(kappa[:, no_capacity]).max(initial=0.0)))
    return worst


def dual_objective(s: Structure, prices: Prices) -> float:
    """What the economy is worth at ``prices``: an upper bound on the summed fulfilment when
    they are dual-feasible (weak duality)."""
    finite = np.isfinite(s.capacity)
    total = float(np.einsum("yr,yr->", prices.resource, s.supply))
    total -= float(np.einsum("yp,yp->", prices.product, s.committed))
    total += float(prices.capacity[:, finite].sum(axis=0) @ s.capacity[finite])
    if s.years and s.n_pairs:
        total += float(prices.carry[0] @ s.initial)
    return total
