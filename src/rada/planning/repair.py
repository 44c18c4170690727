"""Repairs that turn any solver's plan into a feasible one and its prices into dual-feasible
ones, reading nothing but the economy's arrays (see :mod:`rada.planning.certificate`).

Each year the techniques the solver runs give a square system, one technique per product:
activities are recomputed from it (the Leontief quantity system) and product prices too (the
Leontief price system). Small systems are factorised; large ones are solved by Jacobi
iteration, which converges because a productive economy's inputs per unit are worth less than
its output (the method of labour values, see :mod:`rada.planning.leontief`), and costs a few
dozen sparse products where a factorisation of a random sparse ``I - A`` fills in.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from rada.planning.errors import PlanningError
from rada.planning.extrapolation import Extrapolation
from rada.planning.feasibility import (
    ROUND_UP,
    Candidate,
    CertifiedPlan,
    Prices,
    accumulation,
    carried_stocks,
    per_technique,
    worth_of_targets,
)
from rada.planning.jacobi import JacobiSteps
from rada.planning.structure import FloatArray, IntArray, Structure
from rada.planning.tolerances import CERTIFICATE_MARGIN

#: Up to this many products a year's system is factorised; beyond, it is iterated.
FACTORISE_UP_TO = 300
#: Jacobi iteration gives up (and factorises) after this many steps.
MAX_ITERATIONS = 3000
#: A year's system keeps this many of its last answers (:meth:`YearSystem.solve`).
KEPT_SOLUTIONS = 8
_EPS = float(np.finfo(np.float64).eps)
#: The price repair leaves its usual way for another only where the other's estimated cost
#: to the bound is at most this share of it: a year's prices are scaled up rather than a
#: resource's topped up (:func:`_scale_up`), and a profit is charged to a stock rather than
#: a capacity (:func:`_make_unprofitable`). The estimates leave out the rents charged after
#: and the prices carried into earlier years: at hipdlp's 1e-3 point (1,000 x 5, seed 1)
#: scaling looked 0.6 to 0.9 times as dear as topping up labour each year and made the
#: upper bound 3.1e-3 above the optimum, not 1.9e-3. Where a resource or a capacity is far
#: beyond what the plan can use, the usual way costs thousands of times more.
CLEARLY_CHEAPER = 0.1


def choose_techniques(
    s: Structure, activity: FloatArray, *, surplus: FloatArray | None = None
) -> IntArray:
    """For each product, the technique that stands for it in the year's square system.

    The running technique that makes most of it, if one is free; a product made only by a
    technique already standing for another (joint production) gets none (-1) and keeps the
    solver's price. A product nobody makes this year gets the technique with the largest
    output of it, if there is one. Where ``surplus`` (each product's surplus in the solver's
    plan, relative to what is made of it) is given, products choose in its order, the
    tightest first: a technique of joint production stands for the product whose balance
    binds, the others being made beside it. (In product order, the village with a year's bread
    target cut to 1 had farming stand for grain, which was in surplus, and not for the straw
    that bound: the plan's straw then fell short, and an exact plan of 7.41 certified 3.98.)
    """
    out = sp.csr_array(s.out)
    rows = np.repeat(np.arange(s.n_products), np.diff(out.indptr))
    made = out.data * np.maximum(activity[out.indices], 0.0)
    order = np.lexsort((-out.data, -made, rows))
    chosen = np.full(s.n_products, -1, dtype=np.int64)
    if order.size == 0:
        return chosen
    first = order[np.r_[True, rows[order][1:] != rows[order][:-1]]]
    if not (np.diff(sp.csc_array(s.out).indptr) > 1).any():
        chosen[rows[first]] = out.indices[first]
        return chosen
    taken: set[int] = set()
    starts = np.flatnonzero(np.r_[True, rows[order][1:] != rows[order][:-1]])
    groups = np.split(order, starts[1:])
    if surplus is not None:
        tight = surplus[rows[first]]
        groups = [
            groups[k] for k in np.argsort(np.where(np.isnan(tight), np.inf, tight), kind="stable")
        ]
    for entries in groups:
        running = entries[made[entries] > 0]
        for entry in running if running.size else entries:
            t = int(out.indices[entry])
            if t not in taken:
                chosen[rows[entries[0]]] = t
                taken.add(t)
                break
    return chosen


class YearSystem:
    """One year's square system: the products that have a technique standing for them."""

    def __init__(self, s: Structure, chosen: IntArray) -> None:
        self.s = s
        self.chosen = chosen
        self._reduced: OrderedDict[bytes, YearSystem] = OrderedDict()
        self.made = np.flatnonzero(chosen >= 0)
        self.unmade = np.flatnonzero(chosen < 0)
        self.techs = chosen[self.made]
        net = s.net
        matrix = sp.csc_array(net[:, self.techs][self.made, :])
        self.matrix = matrix
        self.diagonal = matrix.diagonal()
        self._factor: spla.SuperLU | None = None
        self._steps: JacobiSteps | None = None
        self._steps_t: JacobiSteps | None = None
        self._kept: OrderedDict[bytes, FloatArray] = OrderedDict()
        if self.made.size <= FACTORISE_UP_TO or not (self.diagonal > 0).all():
            self._factorise()
        else:
            off = sp.diags_array(self.diagonal, format="csr") - sp.csr_array(matrix)
            self._steps = JacobiSteps(sp.csr_array(off), self.diagonal)
            self._steps_t = JacobiSteps(sp.csr_array(off.T), self.diagonal)

    def without(self, products: IntArray) -> YearSystem:
        """This system with ``products`` made by no technique (their balances then hold by
        what the others make of them, or not at all); the last :data:`KEPT_SOLUTIONS` kept, as
        a repair asks again. Raises ``PlanningError`` where the rest do not determine their
        quantities (a part of a system with joint production may be singular)."""
        key = np.sort(products).tobytes()
        if key not in self._reduced:
            chosen = self.chosen.copy()
            chosen[products] = -1
            self._reduced[key] = YearSystem(self.s, chosen)
            if len(self._reduced) > KEPT_SOLUTIONS:
                self._reduced.popitem(last=False)
        self._reduced.move_to_end(key)
        return self._reduced[key]

    def _factorise(self) -> None:
        try:
            self._factor = spla.splu(sp.csc_array(self.matrix))
        except RuntimeError as error:
            raise PlanningError(
                f"the techniques the plan runs do not determine its quantities ({error})"
            ) from error

    def _iterate(self, rhs: FloatArray, steps: JacobiSteps) -> FloatArray | None:
        """Jacobi iteration from ``rhs / diagonal``, extrapolated along its slowest mode
        (:class:`~rada.planning.extrapolation.Extrapolation`), until a step changes no entry by
        more than 4 ulp of the largest; None where it does not settle (a NaN never does)."""
        columns = np.ascontiguousarray(rhs.reshape(rhs.shape[0], -1), dtype=np.float64)
        value = columns / self.diagonal[:, None]
        extrapolate = Extrapolation()
        for _ in range(MAX_ITERATIONS):
            following, change, size = steps.step(columns, value)
            if change <= 4 * _EPS * size:
                return following.reshape(rhs.shape)
            value = extrapolate(value, following)
        return None

    def solve(self, rhs: FloatArray, *, transposed: bool = False) -> FloatArray:
        """``M z = rhs``, or ``M^T z = rhs`` when ``transposed`` (columns of rhs at once).

        The last :data:`KEPT_SOLUTIONS` answers are kept by a digest of their right-hand
        side, and the same question asked again gets a copy of the same answer: a repair
        asks it again wherever a year's plan is solved with the same inputs but other stocks
        (at 10,000 x 5 the closed form's certificate asked 4 of its 23 twice)."""
        if self.made.size == 0:
            return np.zeros_like(rhs)
        digest = hashlib.blake2b(repr((rhs.shape, rhs.dtype.str, transposed)).encode())
        digest.update(np.ascontiguousarray(rhs).tobytes())
        key = digest.digest()
        if key not in self._kept:
            self._kept[key] = self._solve(rhs, transposed=transposed)
            if len(self._kept) > KEPT_SOLUTIONS:
                self._kept.popitem(last=False)
        self._kept.move_to_end(key)
        return self._kept[key].copy()

    def _solve(self, rhs: FloatArray, *, transposed: bool) -> FloatArray:
        if self._factor is None:
            steps = self._steps_t if transposed else self._steps
            assert steps is not None
            value = self._iterate(rhs, steps)
            if value is not None:
                return value
            self._factorise()
        assert self._factor is not None
        # SuperLU solves with the transpose of its factors; scipy-stubs omit ``trans``.
        solved = self._factor.solve(rhs, trans="T" if transposed else "N")  # type: ignore[call-overload]
        return np.asarray(solved, dtype=np.float64)


def _own_limit(s: Structure, activity: FloatArray, stocks: FloatArray) -> FloatArray:
    """Activities cut to what each technique's own capacity and stocks allow."""
    limit = s.capacity.copy()
    if s.n_pairs:
        # Rounded down, so that per_unit * activity never passes the stock by an ulp.
        np.minimum.at(limit, s.pair_tech, stocks / s.per_unit * (1.0 - 4 * _EPS))
    return np.clip(activity, 0.0, limit)


def _year_plan(
    s: Structure,
    system: YearSystem,
    y: int,
    *,
    fulfilment: float,
    activity: FloatArray,
    taken: FloatArray,
    stocks: FloatArray,
    beyond: bool = False,
) -> tuple[float, FloatArray] | None:
    """The year's fulfilment, as high as the solver's but no higher than every row allows, and
    the activities that deliver it; None when no fulfilment can be delivered. Where
    ``beyond``, as high as every row allows, above the solver's too.

    Techniques outside the year's system keep the solver's activity per unit of fulfilment
    (they scale with it); those in the system deliver the rest, solved exactly: each product
    made exactly as much as it needs. Where a product needs less than nothing (a negative
    final demand or commitment, as input-output tables have), that exact solve can ask for a
    negative activity; then the products the economy is given enough of are made by nothing
    (the balances are inequalities: what is left over is free), the others solved exactly, and
    the higher fulfilment of the two is kept.
    """
    net = s.net
    outside = _own_limit(s, activity, stocks)
    outside[system.techs] = 0.0
    if fulfilment > 0:
        outside /= fulfilment
    else:
        outside[:] = 0.0
    need = s.committed[y] + taken
    # Produce a hair more than needed, so that rounding never leaves a balance short: relative
    # to each row's flows, committed deliveries and target times the fulfilment, so that a
    # plan of any scale keeps it. (Until 2026-12-06 the hair had an absolute 1e-12 too: where
    # every capacity was 0, the idle plan, optimal, was no plan to the certificate, as making
    # that hair took capacity there was none of; and at a millionth of the labour an exact
    # plan certified 1.4e-7, where it now certifies 1.8e-11.)
    wanted = max(fulfilment, 0.0) * np.abs(s.targets[y])
    margin = CERTIFICATE_MARGIN * (wanted + np.abs(need) + s.gross @ np.maximum(activity, 0))
    columns = np.column_stack([s.targets[y] - net @ outside, need + margin])
    rows = _YearRows(s, y, need=need, stocks=stocks)
    found, signed = rows.plan(system, columns, outside.copy(), fulfilment=fulfilment, beyond=beyond)
    if not signed:
        return found
    reduced = _wanted_first(system, columns, at=max(fulfilment, 0.0))
    if reduced is None:
        return found
    other, _ = rows.plan(reduced, columns, outside, fulfilment=fulfilment, beyond=beyond)
    if other is not None and (found is None or other[0] > found[0]):
        return other
    return found


def _wanted_first(system: YearSystem, columns: FloatArray, *, at: float) -> YearSystem | None:
    """The year's system with only the products it must make at fulfilment ``at``
    (``columns``: what each needs per unit of fulfilment, and fixed), by Chandrasekaran's way
    for a Leontief system with free disposal: the products wanted are made, then each that
    what they make leaves short, until none is short; the rest are made by nothing, the
    economy being given enough of them. None where that is the whole system, or a part of it
    does not determine its quantities (with joint production a part may be singular).

    (Dropping instead whatever a solve of every product made negative left products short
    that were wanted: UK 2010 over four years with the labour supply falling 97 % a year, in
    its last year.)
    """
    made = system.made
    demand = at * columns[made, 0] + columns[made, 1]
    inside = demand > 0
    try:
        while True:  # each pass adds a product, or ends
            reduced = system.without(made[~inside]) if not inside.all() else system
            solved = reduced.solve(columns[reduced.made])
            activity = np.zeros(made.size)
            activity[inside] = at * solved[:, 0] + solved[:, 1]
            short = ~inside & (system.matrix @ activity < demand)
            if not short.any():
                return None if reduced is system else reduced
            inside |= short
    except PlanningError:
        return None


@dataclass(frozen=True)
class _YearRows:
    """A year's rows, each as ``slope * fulfilment + level <= limit`` for activities
    ``fulfilment * rate + level``: the balances, the resources, the stocks, the capacities and
    the activities' signs."""

    s: Structure
    y: int
    need: FloatArray
    stocks: FloatArray

    def plan(
        self,
        system: YearSystem,
        columns: FloatArray,
        rate: FloatArray,
        *,
        fulfilment: float,
        beyond: bool,
    ) -> tuple[tuple[float, FloatArray] | None, bool]:
        """The fulfilment and activities of :func:`_year_plan` with ``system`` solved for
        what each product needs (``columns``: per unit of fulfilment, and fixed), ``rate``
        holding the activities outside it per unit of fulfilment; and whether an activity's
        sign is what held the fulfilment down (the row that sets the top of its interval, with
        the fulfilment asked for at or above it) or left no fulfilment at all."""
        s, y, need, stocks = self.s, self.y, self.need, self.stocks
        net = s.net
        solved = system.solve(columns[system.made])
        base = np.zeros(s.n_techniques)
        rate[system.techs], base[system.techs] = solved[:, 0], solved[:, 1]
        finite = np.isfinite(s.capacity)
        slope = np.concatenate(
            [
                s.targets[y] - net @ rate,
                s.res @ rate,
                s.per_unit * rate[s.pair_tech],
                rate[finite],
                -rate,
            ]
        )
        level = np.concatenate(
            [-(net @ base), s.res @ base, s.per_unit * base[s.pair_tech], base[finite], -base]
        )
        limit = np.concatenate(
            [-need, s.supply[y], stocks, s.capacity[finite], np.zeros(s.n_techniques)]
        )
        signs = len(slope) - s.n_techniques  # where the activities' signs begin
        room = limit - level
        rising, falling = slope > 0, slope < 0
        flat = ~(rising | falling)
        if (room[flat] < 0).any():
            return None, bool((room[signs:][flat[signs:]] < 0).any())
        up = room[rising] / slope[rising]
        down = room[falling] / slope[falling]
        highest = float(up.min(initial=np.inf))
        lowest = float(down.max(initial=0.0))
        # Which ends of the interval a sign sets: the rows that set them are among the last.
        sign_tops = bool(up.size) and np.flatnonzero(rising)[up.argmin()] >= signs
        sign_floors = bool(down.size) and np.flatnonzero(falling)[down.argmax()] >= signs
        # A first-order point under-fulfils some years that its investments leave room in:
        # at 10,000 x 5 (seed 1) pdhg's plan after 90 s summed to 4.3279571, 4.8e-5 below the
        # optimum, and the years it left room in raised the repaired plan from 4.3279513 to
        # 4.3280260. Each year's rows are its own (the investments, and so the stocks, are
        # fixed here), so a year raised beyond the solver's fulfilment takes nothing from
        # another.
        if beyond and np.isfinite(highest):
            fulfilment = max(fulfilment, highest)
        # Strictly inside the interval, so that rounding cannot push a binding row over.
        best = min(fulfilment, highest) * (1.0 - CERTIFICATE_MARGIN)
        if not best >= lowest * (1.0 + CERTIFICATE_MARGIN):
            return None, bool(sign_floors or sign_tops)
        return (best, best * rate + base), bool(sign_tops and fulfilment >= highest)


def _overdraft(
    s: Structure,
    systems: list[YearSystem],
    candidate: Candidate,
    investment: FloatArray,
    y: int,
) -> FloatArray | None:
    """How far year ``y``'s activities at the solver's fulfilment (bounded by labour, supplies
    and capacities only) overdraw each stock, given these investments."""
    found = _year_plan(
        s,
        systems[y],
        y,
        fulfilment=float(max(candidate.fulfilment[y], 0.0)),
        activity=candidate.activity[y],
        taken=accumulation(s, investment, s.years)[y],
        stocks=np.full(s.n_pairs, np.inf),
    )
    if found is None:
        return None
    short = s.per_unit * found[1][s.pair_tech] - carried_stocks(s, investment)[y]
    return np.asarray(np.maximum(short, 0.0), dtype=np.float64)


def repair_plan(
    s: Structure, systems: list[YearSystem], candidate: Candidate, notes: list[str]
) -> CertifiedPlan | None:
    """A plan that meets every constraint: the solver's investments with the activities and
    stocks recomputed, each year's fulfilment as high as every row allows (lowered where the
    solver's breaks one, raised where its investments leave room), or, if no fulfilment
    holds, the same with no investment at all. None when neither works.

    A first-order solver's plan overdraws some stocks by a little. Lowering the year's
    fulfilment until the stock holds can cost far more than the overdraft (when the technique
    makes a small share of the targets), while investing the overdraft the year before costs
    about what the goods are worth there. So, from the last year back, the overdraft of each
    year is invested the year before wherever that fulfils more in all (it raises the stocks
    of later years too and never lowers one).
    """
    T = s.years
    wanted = np.maximum(candidate.fulfilment, 0.0)
    given = np.maximum(candidate.investment, 0.0)
    solved: _Solved = {}
    best = _carried_out(s, systems, candidate, wanted, given, solved)
    if best is not None and s.n_pairs and T > 1:
        for y in range(T - 1, 0, -1):
            short = _overdraft(s, systems, candidate, best.investment, y)
            if short is None or not short.any():
                continue
            trial = best.investment.copy()
            trial[y - 1] += short * (1.0 + 1e-9)
            plan = _carried_out(s, systems, candidate, wanted, trial, solved)
            if plan is not None and plan.fulfilment.sum() > best.fulfilment.sum():
                best = plan
    if best is not None or not given.any():
        return best
    plan = _carried_out(s, systems, candidate, wanted, np.zeros_like(given), solved)
    if plan is not None:
        notes.append(
            "the solver's investments could not be carried out; the lower bound is "
            "that of the plan without investment"
        )
    return plan


#: Years already planned within one repair, by year and a digest of what the year's plan
#: depends on besides the candidate (its wanted fulfilment, the goods investment takes, the
#: stocks): a trial investment in year y - 1 changes nothing before it, and those years'
#: solves are the bulk of a certificate (at 100,000 x 5 the closed form's repair planned a
#: year 19 times, 6 of them repeats).
_Solved = dict[tuple[int, bytes], "tuple[float, FloatArray] | None"]


def _carried_out(
    s: Structure,
    systems: list[YearSystem],
    candidate: Candidate,
    wanted: FloatArray,
    investment: FloatArray,
    solved: _Solved | None = None,
) -> CertifiedPlan | None:
    """The plan with these investments, each year's fulfilment as high as every row allows
    (:func:`_year_plan` beyond the solver's); None when some year cannot be delivered. ``solved``
    keeps each year's plan for the same inputs, within one candidate's repair."""
    solved = {} if solved is None else solved
    T = s.years
    stocks = carried_stocks(s, investment)
    taken = accumulation(s, investment, T)
    fulfilment, activity = np.zeros(T), np.zeros((T, s.n_techniques))
    for y in range(T):
        digest = hashlib.blake2b(np.float64(wanted[y]).tobytes())
        digest.update(np.ascontiguousarray(taken[y], dtype=np.float64).tobytes())
        digest.update(np.ascontiguousarray(stocks[y], dtype=np.float64).tobytes())
        key = (y, digest.digest())
        if key not in solved:
            solved[key] = _year_plan(
                s,
                systems[y],
                y,
                fulfilment=float(wanted[y]),
                activity=candidate.activity[y],
                taken=taken[y],
                stocks=stocks[y],
                beyond=True,
            )
        found = solved[key]
        if found is None:
            return None
        fulfilment[y], activity[y] = found
    return CertifiedPlan(fulfilment, activity, stocks, investment)


def _topped_up(
    s: Structure,
    system: YearSystem,
    values: FloatArray,
    prices: FloatArray,
    *,
    y: int,
    following: FloatArray,
    resource: FloatArray,
    labour: int,
    outside: float,
) -> FloatArray | None:
    """``prices`` with the price of a resource (``resource``, raised in place) topped up until
    the year's targets are worth at least one and every investment in a good whose maker has
    no stock or capacity to charge (see :func:`_pay_investments`) pays; None when no resource
    can do it. Labour is tried first, then the resources whose top-up costs the least."""
    targets = s.targets[y, system.made]
    at, owed, short = _unpaid(s, system, following)
    raises = values.T @ targets
    order = [labour] + [
        int(r) for r in np.argsort(s.supply[y] / np.maximum(raises, 1e-300)) if r != labour
    ]

    def top_up(prices: FloatArray) -> tuple[int, float] | None:
        """Which resource's price to raise, and by how much."""
        worth = worth_of_targets(prices, targets) + outside
        for r in order:
            if raises[r] <= 0:
                continue
            need = max(0.0, (1.0 + 1e-11 - worth) / raises[r])
            if short.any():
                per = values[at[short], r]
                gap = owed[short] - prices[at[short]]
                if ((gap > 0) & (per <= 0)).any():
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    need = max(need, float(np.where(gap > 0, gap / per, 0.0).max(initial=0.0)))
            return r, need * (1.0 + 1e-12)
        return None

    for _ in range(4):
        raised = top_up(prices)
        if raised is None:
            return None
        r, amount = raised
        if amount == 0.0:
            break
        resource[r] += amount
        prices = prices + amount * values[:, r]
    return prices


def _scale_up(
    s: Structure,
    system: YearSystem,
    prices: FloatArray,
    *,
    y: int,
    following: FloatArray,
    outside: float,
) -> float | None:
    """The least factor, at least one, by which all of year ``y``'s prices can be multiplied
    so that its targets are worth one and every investment in a good whose maker has nothing
    to charge pays (as :func:`_topped_up` asks); None when none can.

    Every dual constraint but the targets' worth is homogeneous, and the prices of later
    years, which the investments must pay, stay as they are: multiplied by a factor of at
    least one, dual-feasible prices stay so. Where a resource is abundant its solver's price
    is nought, and the top-up that rounding asks for, a hair of 1e-11 in the worth of the
    targets, would cost the hair times all of it there is: with labour a thousand times what
    the plan can use, an exact plan's gap was 1.5e-8, and 0.94 at a million million times."""
    targets = s.targets[y, system.made]
    worth = worth_of_targets(prices, targets) + outside
    if not worth > 0.0:
        return None
    factor = max(1.0, (1.0 + 1e-11) / worth)
    at, owed, short = _unpaid(s, system, following)
    if short.any():
        price = prices[at[short]]
        gap = owed[short] - price * factor
        if ((gap > 0) & (price <= 0)).any():
            return None
        if (gap > 0).any():
            most = float((owed[short][gap > 0] / price[gap > 0]).max())
            factor = max(factor, most * float(ROUND_UP))
    return factor


def _year_worth(
    s: Structure,
    system: YearSystem,
    y: int,
    prices: FloatArray,
    resource: FloatArray,
    stock: FloatArray,
    capacity: FloatArray,
    fixed: FloatArray,
) -> float:
    """About what year ``y``'s prices add to the bound (see
    :func:`~rada.planning.feasibility.dual_objective`), the solver's capacity prices standing
    for the rents yet to be charged: what multiplying them all by a factor adds to the bound,
    per unit of the factor above one."""
    finite = np.isfinite(s.capacity)
    product = fixed.copy()
    product[system.made] = np.maximum(prices, 0.0)
    worth = float(resource @ s.supply[y]) - float(product @ s.committed[y])
    worth += float(capacity[finite] @ s.capacity[finite])
    if s.n_pairs:
        worth += float(stock @ (s.initial * (1.0 - s.depreciation) ** y))
    return max(worth, 0.0)


def _owed(s: Structure, system: YearSystem, following: FloatArray) -> tuple[IntArray, FloatArray]:
    """For each stock pair, its good's place in the system (-1: outside) and the least price
    the good must have for investing in the stock not to pay."""
    position = np.full(s.n_products, -1)
    position[system.made] = np.arange(system.made.size)
    at = position[s.pair_good] if s.n_pairs else np.zeros(0, dtype=np.int64)
    return at, following * (1.0 + CERTIFICATE_MARGIN)


def _chargeable(s: Structure) -> NDArray[np.bool_]:
    """Techniques that can be charged a rent: those with a stock or a finite capacity."""
    held = np.bincount(s.pair_tech, minlength=s.n_techniques) > 0
    return np.asarray(held | np.isfinite(s.capacity), dtype=np.bool_)


def _unpaid(
    s: Structure, system: YearSystem, following: FloatArray
) -> tuple[IntArray, FloatArray, NDArray[np.bool_]]:
    """:func:`_owed`, and which stock pairs' goods are made in the system by a technique that
    has no stock or capacity to charge a rent to and must be priced up to what they owe."""
    at, owed = _owed(s, system, following)
    short = (at >= 0) & (owed > 0)
    short[short] = ~_chargeable(s)[system.techs][at[short]]
    return at, owed, short


def _pay_investments(
    s: Structure, system: YearSystem, prices: FloatArray, following: FloatArray
) -> FloatArray:
    """Raise the price of each good below what a stock of it will be worth next year to that
    worth. Its maker then makes a profit, which :func:`_make_unprofitable` charges as a rent
    on its stock or capacity: the bound grows by the (small) shortfall, where topping up the
    price of labour to cover it would cost the shortfall times all the labour there is."""
    at, owed = _owed(s, system, following)
    inside = at >= 0
    raised = prices.copy()
    np.maximum.at(raised, at[inside], owed[inside])
    return raised


def _year_prices(
    s: Structure,
    system: YearSystem,
    candidate: Candidate,
    y: int,
    *,
    resource: FloatArray,
    stock: FloatArray,
    following: FloatArray,
    labour: int,
    activity: FloatArray,
) -> FloatArray | None:
    """Product prices of year ``y`` from the price system; raises ``resource`` in place (the
    top-up). None when no top-up makes the targets worth one. ``activity``: the year's
    activities in the repaired plan (the candidate's where there is none).

    A product the economy is given more of than it asks (a negative commitment, as
    input-output tables have) that the solver prices at nothing, or that ``activity`` makes
    none of, is left out of the price system and priced at nothing (at least what a stock of
    it will be worth, for a capital good): priced by the system, it would cost what it takes
    to make, where a plan that has enough of it makes none (the UK 2010 table over 10 years
    with a shrinking labour supply: an exact plan certified 1.7e-4, not 2e-11). The repaired
    plan makes none of what its year's system left out (see :func:`_year_plan`), so the
    prices are those of its techniques. Where the rest of the system does not determine its
    quantities, the whole system prices them.
    """
    fixed = np.maximum(candidate.product_prices[y], 0.0)
    idle = (fixed[system.made] <= 0) | (activity[system.techs] <= 0)
    free = system.made[(s.committed[y, system.made] < 0) & idle]
    if free.size:
        try:
            system = system.without(free)
        except PlanningError:
            pass
        else:
            fixed[free] = 0.0
    if s.n_pairs and y + 1 < s.years:
        # A product outside the system is priced at least at what a stock of it will be worth.
        unmade = system.chosen[s.pair_good] < 0
        np.maximum.at(fixed, s.pair_good[unmade], following[unmade] * (1 + CERTIFICATE_MARGIN))
    fixed[system.made] = 0.0
    capacity = np.maximum(candidate.capacity_prices[y], 0.0) * np.isfinite(s.capacity)
    net = s.net
    techs = system.techs
    cost = (s.res.T @ resource + per_technique(s, stock) + capacity - net.T @ fixed)[techs]
    resources = s.res[:, techs].T.toarray()
    solved = system.solve(np.column_stack([cost, resources]), transposed=True)
    prices, values = solved[:, 0], solved[:, 1:]
    # Set prices a hair below cost, so that rounding never shows a running technique a profit.
    size = abs(system.matrix).T @ np.abs(prices) + np.abs(cost) + resources @ resource
    prices = prices - system.solve(CERTIFICATE_MARGIN * size, transposed=True)
    outside = worth_of_targets(fixed, s.targets[y])
    topped = resource.copy()
    lifted = _topped_up(
        s,
        system,
        values,
        prices,
        y=y,
        following=following,
        resource=topped,
        labour=labour,
        outside=outside,
    )
    factor = _scale_up(s, system, prices, y=y, following=following, outside=outside)
    if factor is not None and (
        lifted is None
        or (factor - 1.0) * _year_worth(s, system, y, prices, resource, stock, capacity, fixed)
        <= CLEARLY_CHEAPER * float((topped - resource) @ s.supply[y])
    ):
        resource *= factor
        stock *= factor
        fixed *= factor
        prices = prices * factor
    elif lifted is None:
        return None
    else:
        resource[:] = topped
        prices = lifted
    prices = _pay_investments(s, system, np.maximum(prices, 0.0), following)
    fixed[system.made] = prices
    return np.asarray(fixed, dtype=np.float64)


def _make_unprofitable(
    s: Structure, y: int, prices: FloatArray, resource: FloatArray, stock: FloatArray
) -> FloatArray:
    """Let every technique that would make a profit at ``prices`` pay for it: a finite
    capacity takes it as rent; else the stock it needs most, else the scarcest resource it
    uses, is priced up. Returns the capacity rents.

    A rent costs the bound the profit times what it is charged on: the capacity, or the
    activity that the initial stock (worn down to year ``y``) allows. Where the stock
    allows at most :data:`CLEARLY_CHEAPER` of the capacity, the stock is charged instead
    (the estimate leaves out what a stock's rent adds to the prices of the investments
    that build it, hence the margin): a capacity set a million million, for "as much as
    needed", took rents of rounding (5e-13) and an exact plan of 30 x 3 was certified only
    to 0.19 until 2026-12-06."""

    def profit() -> tuple[FloatArray, FloatArray]:
        gain = s.out.T @ prices
        paid = s.inp.T @ prices + s.res.T @ resource + per_technique(s, stock)
        return np.asarray(gain - paid), np.asarray(gain + paid)

    surplus, size = profit()
    on_capacity = np.isfinite(s.capacity)
    if s.n_pairs:
        allows = np.full(s.n_techniques, np.inf)
        holding = s.rent_pair >= 0
        k = s.rent_pair[holding]
        with np.errstate(divide="ignore", invalid="ignore"):
            allows[holding] = s.initial[k] * (1.0 - s.depreciation[k]) ** y / s.per_unit[k]
        on_capacity &= ~(allows <= CLEARLY_CHEAPER * s.capacity)
    gaining = np.flatnonzero((surplus > 0) & ~on_capacity)
    amount = surplus[gaining] * ROUND_UP + 4 * _EPS * size[gaining]
    pair = s.rent_pair[gaining]
    held = pair >= 0
    # A pair is one technique's: no stock is charged twice.
    stock[pair[held]] += amount[held] / s.per_unit[pair[held]]
    _charge_scarcest(s, y, gaining[~held], amount[~held], resource)
    surplus, size = profit()
    return np.where(on_capacity & (surplus > 0), surplus * ROUND_UP + 4 * _EPS * size, 0.0)


def _charge_scarcest(
    s: Structure, y: int, techs: IntArray, amounts: FloatArray, resource: FloatArray
) -> None:
    """Raise, in place, the price of the scarcest resource each of ``techs`` uses (the least
    supply in year ``y`` per unit of its activity, the first of equals) by what makes it pay
    ``amounts``, technique by technique in their order; a technique using none pays nothing.
    At 100,000 x 5, looking each technique up in turn took 25 s of a pdhg point's 33-s
    certificate."""
    res = s.res_columns
    starts = res.indptr[techs]
    counts = res.indptr[techs + 1] - starts
    owner = np.repeat(np.arange(techs.size), counts)
    at = np.arange(owner.size) + np.repeat(starts - (np.cumsum(counts) - counts), counts)
    used = res.data[at] > 0
    owner, value, row = owner[used], res.data[at[used]], res.indices[at[used]]
    ratio = s.supply[y, row] / value
    # np.argmin's choice within each technique: the first NaN, else the first least.
    order = np.lexsort((row, np.where(np.isnan(ratio), -np.inf, ratio), owner))
    pick = order[np.unique(owner[order], return_index=True)[1]]
    chosen = row[pick]
    touched = np.unique(chosen)
    resource[touched] = np.maximum(resource[touched], 0.0)
    # In the techniques' order, as one at a time would add them.
    np.add.at(resource, chosen, amounts[owner[pick]] / value[pick])


def repair_prices(
    s: Structure,
    systems: list[YearSystem],
    candidate: Candidate,
    labour: int,
    notes: list[str],
    plan: CertifiedPlan | None = None,
) -> Prices:
    """Dual-feasible prices from the solver's, year by year from the last (see
    :mod:`rada.planning.certificate`); ``plan``: the repaired plan, whose techniques price
    the products its economy is given more of than it asks (:func:`_year_prices`)."""
    T, K = s.years, s.n_pairs
    product = np.zeros((T, s.n_products))
    resource = np.maximum(candidate.resource_prices, 0.0)
    stock = np.maximum(candidate.stock_prices, 0.0)
    capacity = np.zeros((T, s.n_techniques))
    carry = np.zeros((T, K))
    following = np.zeros(K)
    for y in range(T - 1, -1, -1):
        prices = _year_prices(
            s,
            systems[y],
            candidate,
            y,
            resource=resource[y],
            stock=stock[y],
            following=following,
            labour=labour,
            activity=(plan if plan is not None else candidate).activity[y],
        )
        if prices is None:
            notes.append(f"in year {y + 1} no price of a resource makes the targets worth anything")
            prices = np.maximum(candidate.product_prices[y], 0.0)
        product[y] = prices
        capacity[y] = _make_unprofitable(s, y, prices, resource[y], stock[y])
        following = (stock[y] + (1.0 - s.depreciation) * following) * ROUND_UP
        carry[y] = following
    return Prices(product, resource, stock, capacity, carry)
