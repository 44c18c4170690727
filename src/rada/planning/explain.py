"""Why a plan is what it is, in words a council member understands.

For a product whose target binds in year ``y``, its shadow price (what one more unit would be
worth) is exactly the sum of the rents of the binding constraints along its supply chain: for
every technique that runs, the value of what it makes equals the value of what it uses plus
the shadow prices of the labour, capacity and capital stocks it takes. Solving that system
for the techniques that run in year ``y`` gives, for each product, how much of each binding
constraint one more unit needs, directly and through its inputs; multiplied by the
constraint's shadow price, that is the constraint's share of the product's price. The
constraints are ranked by that share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from rada.planning.errors import PlanningError
from rada.planning.plan import Plan
from rada.planning.structure import FloatArray
from rada.planning.tolerances import BINDING, DENSE_LIMIT

Kind = Literal["resource", "capacity", "stock"]


@dataclass(frozen=True)
class Constraint:
    """A constraint that binds in the plan, with its shadow price."""

    kind: Kind
    year: int
    name: str
    shadow_price: float
    used: float
    limit: float
    text: str


@dataclass(frozen=True)
class Cause:
    """One binding constraint's part in holding back a product."""

    constraint: Constraint
    requirement: float
    contribution: float
    share: float
    text: str


@dataclass(frozen=True)
class ProductExplanation:
    """Why a product's target binds in one year, and what holds it back."""

    product: str
    label: str
    year: int
    target: float
    delivered: float
    fulfilment: float
    shadow_price: float
    causes: list[Cause]
    unexplained: float
    text: str


@dataclass(frozen=True)
class Explanation:
    """Every binding constraint of a plan, and the binding targets explained."""

    binding: list[Constraint]
    products: list[ProductExplanation] = field(default_factory=list)


def _num(value: float) -> str:
    return f"{value:.4g}"


def _worth(price: FloatArray, limit: FloatArray) -> NDArray[np.bool_]:
    """Which constraints bind: those whose shadow price times their limit, their part of
    what no plan can exceed (in units of fulfilment, whatever the economy's units), is above
    :data:`BINDING`. A threshold on the price alone depended on the table's units: in WIOD's
    millions of dollars labour's price is 1.4e-8 per unit, and nothing was found to bind."""
    return np.asarray(price * np.abs(limit) > BINDING, dtype=np.bool_)


def binding_constraints(plan: Plan) -> list[Constraint]:
    """Every constraint with a positive shadow price, most valuable first."""
    e, s = plan.economy, plan.structure
    found: list[Constraint] = []
    for y in range(plan.years):
        scarce = _worth(plan.resource_prices[y], s.supply[y])
        for r, resource in enumerate(e.resources):
            price = float(plan.resource_prices[y, r])
            if scarce[r]:
                used, limit = float(plan.resource_used[y, r]), float(s.supply[y, r])
                found.append(
                    Constraint(
                        "resource",
                        y + 1,
                        resource.id,
                        price,
                        used,
                        limit,
                        f"{resource.name or resource.id} in year {y + 1} is used to the full "
                        f"({_num(used)} of {_num(limit)})",
                    )
                )
        capacity = np.where(np.isfinite(s.capacity), s.capacity, 0.0)
        for t in np.flatnonzero(_worth(plan.capacity_prices[y], capacity)):
            tech = e.techniques[t]
            found.append(
                Constraint(
                    "capacity",
                    y + 1,
                    tech.id,
                    float(plan.capacity_prices[y, t]),
                    float(plan.activity[y, t]),
                    float(s.capacity[t]),
                    f"{tech.workplace or tech.id} works at its full capacity "
                    f"({_num(float(s.capacity[t]))}) in year {y + 1}",
                )
            )
        for k in np.flatnonzero(_worth(plan.stock_prices[y], plan.stocks[y])):
            tech = e.techniques[s.pair_tech[k]]
            good = e.label(e.products[s.pair_good[k]].id)
            found.append(
                Constraint(
                    "stock",
                    y + 1,
                    f"{tech.id}/{e.products[s.pair_good[k]].id}",
                    float(plan.stock_prices[y, k]),
                    float(s.per_unit[k] * plan.activity[y, s.pair_tech[k]]),
                    float(plan.stocks[y, k]),
                    f"the stock of {good} held by {tech.workplace or tech.id} is used to the "
                    f"full in year {y + 1} ({_num(float(plan.stocks[y, k]))})",
                )
            )
    found.sort(key=lambda c: -c.shadow_price)
    return found


def _chosen_techniques(plan: Plan, y: int) -> dict[int, int]:
    """For each product made in year y, the running technique that makes most of it."""
    s = plan.structure
    activity = plan.activity[y]
    made = sp.csr_array(s.out @ sp.diags_array(activity))
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for p in range(s.n_products):
        start, end = made.indptr[p], made.indptr[p + 1]
        order = np.argsort(-made.data[start:end])
        for position in order:
            t = int(made.indices[start + position])
            if made.data[start + position] > BINDING and t not in taken:
                chosen[p] = t
                taken.add(t)
                break
    return chosen


def _solve_columns(matrix: sp.csc_array, columns: FloatArray) -> FloatArray:
    if matrix.shape[0] <= DENSE_LIMIT * 4:
        return np.asarray(spla.splu(matrix).solve(columns))
    result = np.empty_like(columns)
    for j in range(columns.shape[1]):
        solution, _ = spla.gmres(matrix, columns[:, j], rtol=1e-12, atol=0.0, maxiter=500)
        result[:, j] = solution
    return result


def explain_plan(
    plan: Plan,
    *,
    products: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    limit: int | None = None,
) -> Explanation:
    """Explain the binding targets of ``plan``.

    Parameters
    ----------
    products, years : optional
        Only these products (ids) and years (1-based); all by default.
    limit : int, optional
        At most this many product explanations, the most valuable first.

    Raises
    ------
    PlanningError
        A year outside the plan's, or a negative ``limit``.

    Returns
    -------
    Explanation
        All binding constraints, and for each binding target its causes ranked by their share
        of the product's shadow price. ``unexplained`` is what the decomposition could not
        attribute (zero up to rounding when every product is made by its own technique).
    """
    e, s = plan.economy, plan.structure
    binding = binding_constraints(plan)
    wanted_products = None if products is None else {e.product_index[p] for p in products}
    wanted_years = list(range(plan.years)) if years is None else [y - 1 for y in years]
    if limit is not None and limit < 0:
        raise PlanningError(f"the limit is a number of products, 0 or more (got {limit})")
    outside = [y + 1 for y in wanted_years if not 0 <= y < plan.years]
    if outside:
        raise PlanningError(f"the plan has no year {outside[0]}: its years are 1 to {plan.years}")
    explanations: list[ProductExplanation] = []
    for y in wanted_years:
        consumed = plan.final_consumption[y]
        needed = s.targets[y] * plan.fulfilment[y] + s.committed[y]
        # A price counts against the year's highest, not in the table's units.
        priced = plan.product_prices[y] > BINDING * float(plan.product_prices[y].max(initial=0.0))
        candidates = [
            p
            for p in range(s.n_products)
            if s.targets[y, p] > 0
            and priced[p]
            and consumed[p] - needed[p] <= BINDING * max(1.0, abs(needed[p]))
            and (wanted_products is None or p in wanted_products)
        ]
        if not candidates:
            continue
        chosen = _chosen_techniques(plan, y)
        made = sorted(chosen)
        position = {p: i for i, p in enumerate(made)}
        techs = np.array([chosen[p] for p in made], dtype=np.int64)
        net = sp.csc_array(s.out - s.inp)[:, techs]
        square = sp.csc_array(net[made, :])
        # Prices of products not made in year y enter as known costs of the techniques.
        others = np.setdiff1d(np.arange(s.n_products), made)
        leak = -(net[others, :].T @ plan.product_prices[y, others]) if others.size else 0.0
        explained = [p for p in candidates if p in position]
        units = np.zeros((len(made), len(explained)))
        for j, p in enumerate(explained):
            units[position[p], j] = 1.0
        z = _solve_columns(square, units) if explained else units
        stock_rows = np.flatnonzero(_worth(plan.stock_prices[y], plan.stocks[y]))
        tech_slot = {int(t): i for i, t in enumerate(techs)}
        per_unit = s.res[:, techs].toarray()
        this_year = [c for c in binding if c.year == y + 1]
        by_name = {(c.kind, c.name): c for c in this_year}
        for j, p in enumerate(explained):
            activity = z[:, j]
            causes: list[tuple[Constraint, float]] = []
            for c in this_year:
                if c.kind == "resource":
                    need = float(per_unit[e.resource_index[c.name]] @ activity)
                elif c.kind == "capacity":
                    slot = tech_slot.get(e.technique_index[c.name])
                    need = float(activity[slot]) if slot is not None else 0.0
                else:
                    continue
                if need > BINDING:
                    causes.append((c, need))
            for k in stock_rows:
                slot = tech_slot.get(int(s.pair_tech[k]))
                if slot is None or activity[slot] <= BINDING:
                    continue
                name = f"{e.techniques[s.pair_tech[k]].id}/{e.products[s.pair_good[k]].id}"
                causes.append((by_name["stock", name], float(s.per_unit[k] * activity[slot])))
            price = float(plan.product_prices[y, p])
            leaked = float(np.dot(leak, activity)) if others.size else 0.0
            ranked = sorted(
                (
                    Cause(
                        constraint=c,
                        requirement=need,
                        contribution=c.shadow_price * need,
                        share=c.shadow_price * need / price,
                        text=f"{c.text}; one more unit of {e.label(e.products[p].id)} needs "
                        f"{_num(need)} of it, directly and through its inputs "
                        f"({c.shadow_price * need / price:.0%} of its shadow price)",
                    )
                    for c, need in causes
                ),
                key=lambda cause: -cause.contribution,
            )
            unexplained = price - sum(c.contribution for c in ranked) - leaked
            explanations.append(_product_text(plan, p, y, ranked, price, unexplained, consumed[p]))
    explanations.sort(key=lambda x: -x.shadow_price)
    return Explanation(binding=binding, products=explanations[:limit] if limit else explanations)


def _product_text(
    plan: Plan,
    p: int,
    y: int,
    causes: list[Cause],
    price: float,
    unexplained: float,
    delivered: float,
) -> ProductExplanation:
    e, s = plan.economy, plan.structure
    product = e.products[p]
    label = e.label(product.id)
    target = float(s.targets[y, p])
    fulfilment = float(plan.fulfilment[y])
    lines = [
        f"{label}, year {y + 1}: {_num(delivered)} delivered against a target of "
        f"{_num(target)} ({fulfilment:.1%}, as for every good in year {y + 1}). "
        f"One more unit would be worth {_num(price)} in fulfilment."
    ]
    if causes:
        lines.append("It is held back by:")
        lines += [f"  {i}. {cause.text}" for i, cause in enumerate(causes, start=1)]
    else:
        lines.append(
            "No single constraint of this year holds it back: its price comes "
            "from stocks built in earlier years."
        )
    return ProductExplanation(
        product=product.id,
        label=label,
        year=y + 1,
        target=target,
        delivered=float(delivered),
        fulfilment=fulfilment,
        shadow_price=price,
        causes=causes,
        unexplained=float(unexplained),
        text="\n".join(lines),
    )
