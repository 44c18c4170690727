"""A certificate of how close a plan is to the best one, from any solver's output.

A solver's plan and prices are claims. The certificate checks them against the economy alone
and turns them into two bounds on the best summed fulfilment that hold whatever the solver
did:

* **the lower bound**: a plan that meets every constraint. It keeps the solver's fulfilment
  and investments, recomputes the activities that deliver them exactly (a Leontief solve per
  year over the techniques the solver runs) and the stocks the investments build, then lowers
  each year's fulfilment until every row holds. Its summed fulfilment is reached by a plan
  anyone can check.
* **the upper bound**: prices that are feasible for the dual of the plan's linear programme
  (see :mod:`rada.planning.feasibility`). The solver's prices of labour, resources, stocks and
  capacities are clipped to their signs; product prices are recomputed from the Leontief price
  system (each running technique's outputs are worth what it uses plus the rents of the
  labour, stocks and capacity it takes); until each year's targets are worth one unit of
  fulfilment and every investment pays for the stock it builds, the price of labour is topped
  up, or the year's prices are all scaled up where that looks far cheaper;
  the prices of stocks carried from year to year are chained back from the last year. No plan
  can do better than what these prices say the economy's supplies, capacities and initial
  stocks are worth.

The relative gap between the two says how far from the best the plan can be; an exact solver
gives about 1e-12. The code shares nothing with the solvers beyond the economy's arrays
(:class:`~rada.planning.structure.Structure`), so an error in formulating or reading back the
linear programme shows up here, as a gap or a violation.

Where a product can be made by several techniques, or a technique makes several products, the
price system is built from the techniques the solver runs, and a technique left out that
would make a profit is made to pay through the rent of its capacity or stock or the price of
what it uses: the bound is still valid but may be looser, and the certificate says so
(``looser``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from rada.planning.errors import PlanningError
from rada.planning.feasibility import (
    Candidate,
    CertifiedPlan,
    Prices,
    accumulation,
    dual_objective,
    minimal_carry,
    plan_violation,
    price_violation,
)
from rada.planning.repair import YearSystem, choose_techniques, repair_plan, repair_prices
from rada.planning.structure import Structure
from rada.planning.tolerances import CLAIM_RTOL

__all__ = [
    "Candidate",
    "Certificate",
    "CertifiedPlan",
    "PlanSide",
    "Prices",
    "certify",
    "dual_objective",
    "for_people",
    "plan_side",
    "plan_violation",
    "price_violation",
    "tighter",
]


@dataclass(frozen=True)
class Certificate:
    """Bounds on the best summed fulfilment, and how far the solver's own output is off.

    ``lower_bound`` is the summed fulfilment of ``plan``, which meets every constraint;
    ``upper_bound`` is the worth of the economy at ``prices``, which are dual-feasible, so no
    plan can reach more. ``gap`` is their difference relative to the upper bound;
    ``max_violation`` the largest relative violation of any constraint by ``plan`` (zero up to
    rounding). ``plan_violation`` and ``price_violation`` are the same measures for what the
    solver itself returned, before any repair, and ``claimed`` its objective.
    """

    lower_bound: float
    upper_bound: float
    gap: float
    max_violation: float
    claimed: float
    plan_violation: float
    price_violation: float
    looser: bool
    plan: CertifiedPlan
    prices: Prices
    notes: tuple[str, ...] = field(default=())

    def problems(self, *, rtol: float = CLAIM_RTOL) -> list[str]:
        """Why the solver's output is not what it claims, in words; empty when it is.

        The plan must meet every constraint and the prices must be dual-feasible, both within
        ``rtol``, and the claimed objective must lie between the bounds.
        """
        found = []
        if not self.plan_violation <= rtol:
            found.append(f"the plan breaks a constraint by {self.plan_violation:.3g} (relative)")
        if not self.price_violation <= rtol:
            found.append(
                f"the prices are not dual-feasible: off by {self.price_violation:.3g} (relative)"
            )
        scale = max(1.0, abs(self.upper_bound)) if np.isfinite(self.upper_bound) else 1.0
        if self.claimed > self.upper_bound + rtol * scale:
            found.append(
                f"the claimed objective {self.claimed:.10g} exceeds what any plan can reach "
                f"({self.upper_bound:.10g})"
            )
        if self.claimed < self.lower_bound - rtol * scale:
            found.append(
                f"the claimed objective {self.claimed:.10g} is below what the plan reaches "
                f"({self.lower_bound:.10g})"
            )
        return found

    @property
    def accepted(self) -> bool:
        """Whether the solver's output is what it claims (see :meth:`problems`)."""
        return not self.problems()

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form: the bounds, the gap, the largest violation and the caveat."""
        return {
            "lower_bound": self.lower_bound,
            "upper_bound": self.upper_bound,
            "gap": self.gap,
            "max_violation": self.max_violation,
            "looser": self.looser,
            "accepted": self.accepted,
            "notes": list(self.notes),
        }


#: A certified price at most this share of the year's largest product price is shown to people
#: as 0: the repairs set prices a hair off (about 1e-12 relative) and top them up by about
#: 1e-11 so that rounding never breaks dual feasibility, so a resource that is not scarce
#: keeps a price of about 1e-15, which is zero but for that margin.
ZERO_BUT_FOR_MARGIN = 1e-9


def for_people(price: float, scale: float) -> float:
    """A certified price as people should read it: 0 where it is zero but for the rounding
    margin (:data:`ZERO_BUT_FOR_MARGIN` of ``scale``, the year's largest product price), else
    the price itself. Machine-readable output keeps the exact value.

    >>> for_people(2.9e-15, 0.25), for_people(1.247e-06, 1.15e-06), for_people(-0.0, 0.0)
    (0.0, 1.247e-06, 0.0)
    """
    return 0.0 if abs(price) <= ZERO_BUT_FOR_MARGIN * scale else price


def _relative_gap(lower: float, upper: float) -> float:
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return float("inf")
    scale = max(abs(lower), abs(upper))
    return 0.0 if scale == 0.0 else max(0.0, upper - lower) / scale


def _raw_prices(s: Structure, candidate: Candidate) -> Prices:
    """The solver's prices as they are; stock-carrying prices, which a plan does not keep,
    are the least its stock prices allow (any larger ones would only break more)."""
    return Prices(
        product=candidate.product_prices,
        resource=candidate.resource_prices,
        stock=candidate.stock_prices,
        capacity=candidate.capacity_prices,
        carry=minimal_carry(s, np.maximum(candidate.stock_prices, 0.0)),
    )


@dataclass(frozen=True)
class PlanSide:
    """What a certificate reads from a candidate's plan alone (its fulfilment, activities,
    stocks and investments): the repaired plan and its bound, the yearly systems of the
    techniques it runs, which the prices' repair reads too, and how far the plan itself is off.

    Prices may be certified again against the same plan (:func:`certify` with ``plan_side``)
    without repeating its repair, which is most of a certificate's time: at 100,000 products x
    5 years the closed-form plan's certificate took 7.6 s, its plan's repair 4.4 s and its
    systems 0.7 s. pdhg's polish (:mod:`rada.planning.first_order`) certifies several prices
    with one plan.
    """

    candidate: Candidate
    systems: list[YearSystem] | None
    plan: CertifiedPlan | None
    lower_bound: float
    max_violation: float
    plan_violation: float
    looser: bool
    notes: tuple[str, ...]

    def holds(self, candidate: Candidate) -> bool:
        """Whether ``candidate`` has this side's plan."""
        mine = self.candidate
        return candidate is mine or all(
            np.array_equal(getattr(candidate, name), getattr(mine, name))
            for name in ("fulfilment", "activity", "stocks", "investment")
        )


def plan_side(s: Structure, candidate: Candidate) -> PlanSide:
    """The plan's side of ``candidate``'s certificate (see :class:`PlanSide`)."""
    notes: list[str] = []
    looser = _has_choice(s)
    if looser:
        notes.append(
            "the economy has alternative techniques or joint production: the bounds are "
            "valid but may be looser than for an economy with one technique per product"
        )
    systems: list[YearSystem] | None
    try:
        systems = _year_systems(s, candidate)
    except PlanningError as error:
        notes.append(str(error))
        systems, plan = None, None
    else:
        plan = repair_plan(s, systems, candidate, notes)
    if plan is None:
        max_violation = float("inf")
    else:
        max_violation = plan_violation(
            s,
            fulfilment=plan.fulfilment,
            activity=plan.activity,
            stocks=plan.stocks,
            investment=plan.investment,
        )
    return PlanSide(
        candidate=candidate,
        systems=systems,
        plan=plan,
        lower_bound=float(plan.fulfilment.sum()) if plan is not None else float("-inf"),
        max_violation=max_violation,
        plan_violation=plan_violation(
            s,
            fulfilment=candidate.fulfilment,
            activity=candidate.activity,
            stocks=candidate.stocks,
            investment=candidate.investment,
        ),
        looser=looser,
        notes=tuple(notes),
    )


def _year_systems(s: Structure, candidate: Candidate) -> list[YearSystem]:
    """Each year's system of the techniques the candidate runs; years that run the same
    techniques share one (a system is built from the economy and the choice alone), as every
    year does in an economy of one technique per product: at 100,000 products a system took
    0.2 s to build."""
    made: dict[bytes, YearSystem] = {}
    systems = []
    # Where a technique makes several products, it stands for the one whose balance binds
    # (see choose_techniques): each product's surplus in the candidate's plan, relative to
    # what is made of it.
    joint = bool((np.diff(sp.csc_array(s.out).indptr) > 1).any())
    if joint:
        activity = np.maximum(candidate.activity, 0.0)
        wanted = (
            np.maximum(candidate.fulfilment, 0.0)[:, None] * s.targets
            + s.committed
            + accumulation(s, np.maximum(candidate.investment, 0.0), s.years)
        )
        over = (s.net @ activity.T).T - wanted
        with np.errstate(over="ignore"):  # nothing made and something over: +-inf, in order
            surplus = over / np.maximum((s.out @ activity.T).T, np.finfo(np.float64).tiny)
    for y in range(s.years):
        chosen = choose_techniques(s, candidate.activity[y], surplus=surplus[y] if joint else None)
        key = chosen.tobytes()
        if key not in made:
            made[key] = YearSystem(s, chosen)
        systems.append(made[key])
    return systems


def certify(
    s: Structure, candidate: Candidate, *, labour: int, side: PlanSide | None = None
) -> Certificate:
    """Certify a solver's output: a feasible plan, dual-feasible prices and the gap between.

    Parameters
    ----------
    s : Structure
        The economy's arrays (:func:`~rada.planning.structure.compile_economy`).
    candidate : Candidate
        The solver's plan and prices; any values (a rough or a doctored plan only gives
        looser bounds and shows in ``plan_violation`` and ``price_violation``).
    labour : int
        The position of labour among the resources: its price is the first one topped up,
        unless scaling the year's prices up looks ten times cheaper.
    side : PlanSide, optional
        The plan's side already made (:func:`plan_side`), of a candidate with this one's
        plan; where its plan is not this one's, it is made afresh.

    Returns
    -------
    Certificate
        ``lower_bound <= best summed fulfilment <= upper_bound``.

    >>> from pathlib import Path
    >>> from rada.planning.formats.cockshott import read_cockshott
    >>> from rada.planning.optimal import solve_plan
    >>> plan = solve_plan(read_cockshott(
    ...     Path(__file__).parents[4] / "shared/data/cockshott-toy/v2019"))
    >>> c = plan.certificate
    >>> f"{c.lower_bound:.8f} {c.upper_bound:.8f}", c.gap < 1e-9, c.accepted
    ('8.79729913 8.79729913', True, True)
    """
    if side is None or not side.holds(candidate):
        side = plan_side(s, candidate)
    notes = list(side.notes)
    if side.systems is None:
        prices = _raw_prices(s, candidate)
    else:
        prices = repair_prices(s, side.systems, candidate, labour, notes, side.plan)
    repaired_violation = price_violation(s, prices)
    upper = dual_objective(s, prices) if repaired_violation == 0.0 else float("inf")
    if repaired_violation:
        notes.append(
            f"the prices could not be made dual-feasible (off by {repaired_violation:.3g}), "
            "so no upper bound is given"
        )
    plan = side.plan
    if plan is None:
        notes.append("no feasible plan was found from the solver's fulfilment and investment")
        empty = np.zeros_like
        plan = CertifiedPlan(
            empty(candidate.fulfilment),
            empty(candidate.activity),
            empty(candidate.stocks),
            empty(candidate.investment),
        )
    return Certificate(
        lower_bound=side.lower_bound,
        upper_bound=upper,
        gap=_relative_gap(side.lower_bound, upper),
        max_violation=side.max_violation,
        claimed=float(candidate.objective),
        plan_violation=side.plan_violation,
        price_violation=price_violation(s, _raw_prices(s, candidate)),
        looser=side.looser,
        plan=plan,
        prices=prices,
        notes=tuple(notes),
    )


def tighter(first: Certificate, second: Certificate) -> Certificate:
    """The tightest certificate the two prove together: the better plan (the higher lower
    bound) with the better prices (the lower upper bound).

    A feasible plan bounds the optimum from below and dual-feasible prices bound it from
    above, whichever runs they come from. A first-order run's early, rough point may have the
    better prices while the closed-form plan or a later point has the better plan: at 100,000
    products x 5 years, the closed-form plan proved 4.3193 .. 5.4487 and hipdlp's 1e-3 point
    4.2073 .. 4.3863, together 4.3193 .. 4.3863 (a gap of 0.015 instead of 0.041). The
    solver's own output, which ``problems`` judges, is that of the plan's run, with the
    prices' run's own price violation; the notes of both are kept.

    >>> from dataclasses import replace
    >>> from pathlib import Path
    >>> from rada.planning.formats.cockshott import read_cockshott
    >>> from rada.planning.optimal import solve_plan
    >>> c = solve_plan(read_cockshott(
    ...     Path(__file__).parents[4] / "shared/data/cockshott-toy/v2019")).certificate
    >>> low, high = replace(c, lower_bound=8.0), replace(c, upper_bound=9.0)
    >>> both = tighter(low, high)
    >>> f"{both.lower_bound:.8f} {both.upper_bound:.8f}", both.gap < 1e-9
    ('8.79729913 8.79729913', True)
    """
    plan = first if first.lower_bound >= second.lower_bound else second
    prices = first if first.upper_bound <= second.upper_bound else second
    if plan is prices:
        return plan
    notes = tuple(dict.fromkeys((*plan.notes, *prices.notes)))
    return replace(
        plan,
        upper_bound=prices.upper_bound,
        gap=_relative_gap(plan.lower_bound, prices.upper_bound),
        price_violation=prices.price_violation,
        looser=plan.looser or prices.looser,
        prices=prices.prices,
        notes=notes,
    )


def _has_choice(s: Structure) -> bool:
    """Whether some product has several techniques or some technique several products."""
    makes = sp.csr_array(s.out)
    makers = np.diff(makes.indptr)
    products_made = np.diff(sp.csc_array(s.out).indptr)
    return bool((makers > 1).any() or (products_made > 1).any())
