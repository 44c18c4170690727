"""The certificate of a plan: bounds that bracket the optimum whatever the solver returned."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rada.bootstrap import read_economy
from rada.planning.certificate import (
    Candidate,
    Certificate,
    certify,
    plan_side,
    price_violation,
)
from rada.planning.economy import Economy
from rada.planning.formats.cockshott import read_cockshott
from rada.planning.formats.rada_toml import loads
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan
from rada.planning.plan import Plan
from rada.planning.structure import compile_economy
from rada.planning.tolerances import EXACT_GAP

TOYS = Path(__file__).resolve().parents[4] / "shared" / "data" / "cockshott-toy"
UK = TOYS.parent / "io" / "uk-2010" / "iot.csv"
#: The published optima are rounded to 8 decimals.
ROUNDING = 5e-9


def candidate_of(plan: Plan, **changes: object) -> Candidate:
    """What the solver returned for ``plan`` (its prices as certified), with ``changes``."""
    fields = {
        "fulfilment": plan.fulfilment,
        "activity": plan.activity,
        "stocks": plan.stocks,
        "investment": plan.investment,
        "product_prices": plan.product_prices,
        "resource_prices": plan.resource_prices,
        "stock_prices": plan.stock_prices,
        "capacity_prices": plan.capacity_prices,
        "objective": plan.objective,
    }
    fields.update(changes)
    return Candidate(**fields)  # type: ignore[arg-type]


def recertify(plan: Plan, **changes: object) -> Certificate:
    e = plan.economy
    return certify(
        plan.structure,
        candidate_of(plan, **changes),
        labour=e.resource_index[e.labour],
    )


def shaker(seed: int, noise: float) -> Callable[[np.ndarray], np.ndarray]:
    """Multiplies each value by its own draw from ``1 +- noise``."""
    rng = np.random.default_rng(seed)

    def shaken(values: np.ndarray) -> np.ndarray:
        return np.asarray(values * rng.uniform(1 - noise, 1 + noise, size=values.shape))

    return shaken


def assert_brackets(certificate: Certificate, optimum: float, *, slack: float = 1e-12) -> None:
    assert certificate.lower_bound <= optimum + slack * max(1.0, abs(optimum))
    assert certificate.upper_bound >= optimum - slack * max(1.0, abs(optimum))


@pytest.mark.parametrize(("variant", "optimum"), [("v2019", 8.79729913), ("v-doc", 7.33645309)])
def test_the_toys_known_optima_are_certified_to_1e_9(variant: str, optimum: float) -> None:
    plan = solve_plan(read_cockshott(TOYS / variant))
    c = plan.certificate
    assert_brackets(c, optimum, slack=ROUNDING / optimum)
    assert c.lower_bound == pytest.approx(optimum, abs=ROUNDING)
    assert c.upper_bound == pytest.approx(optimum, abs=ROUNDING)
    assert c.gap <= EXACT_GAP
    assert c.max_violation == 0.0
    assert c.accepted, c.problems()
    assert not c.looser


def test_kantorovichs_problem_is_certified_and_says_its_bound_may_be_looser(
    kantorovich: Economy,
) -> None:
    plan = solve_plan(kantorovich)
    c = plan.certificate
    assert c.lower_bound <= plan.objective <= c.upper_bound
    assert c.lower_bound == pytest.approx(70.4933, abs=5e-5)
    assert c.gap <= EXACT_GAP
    # Three machine groups can each make every part: a choice of techniques.
    assert c.looser
    assert "alternative techniques" in c.notes[0]


@pytest.mark.parametrize(("products", "years"), [(30, 4), (300, 3)])
def test_generated_economies_are_certified_to_1e_9(products: int, years: int) -> None:
    plan = solve_plan(generate_economy(products=products, years=years, seed=2))
    c = plan.certificate
    assert c.lower_bound <= plan.objective * (1 + 1e-12) <= c.upper_bound * (1 + 2e-12)
    assert c.gap <= EXACT_GAP
    assert c.max_violation == 0.0
    assert c.accepted, c.problems()


@pytest.mark.parametrize("solver", ["primal", "first-order"])
def test_where_nothing_can_be_made_the_idle_plan_is_certified_optimal(solver: str) -> None:
    """Every technique's capacity 0 (every workplace says it can make nothing): the best plan
    fulfils nothing, and the certificate proves it, 0 .. 0. Until 2026-12-06 the repair made
    "a hair more than needed" of 1e-12 in absolute terms, which took capacity there was none
    of: no feasible plan (a lower bound of -inf), and first-order raised "found no feasible
    plan"."""
    economy = generate_economy(products=20, years=3, seed=4)
    idle = replace(economy, techniques=tuple(replace(t, capacity=0.0) for t in economy.techniques))
    plan = solve_plan(idle, solver=solver)
    c = plan.certificate
    assert plan.status == "optimal"
    assert (c.lower_bound, c.upper_bound, c.gap) == (0.0, 0.0, 0.0)
    assert c.max_violation == 0.0
    # The certified prices are dual-feasible, whatever the solver's were (HiGHS's duals of
    # this degenerate optimum are off by 0.12, and the certificate says so).
    assert price_violation(compile_economy(idle), c.prices) == 0.0


@pytest.mark.parametrize("share", [1e-3, 1e-6])
def test_an_exact_plan_of_any_scale_is_certified_to_1e_9(share: float) -> None:
    """Labour a thousandth or a millionth of what the targets ask for: the summed fulfilment
    is that small, and an exact solve is still certified to 1e-9 (with the absolute hair, at
    a millionth 1.4e-7)."""
    economy = generate_economy(products=5, years=2, seed=1)
    scarce = replace(
        economy, supply={r: tuple(v * share for v in vs) for r, vs in economy.supply.items()}
    )
    plan = solve_plan(scarce, solver="primal")
    c = plan.certificate
    assert plan.objective < 10 * share
    assert c.lower_bound <= plan.objective * (1 + 1e-12) <= c.upper_bound * (1 + 2e-12)
    assert c.gap <= EXACT_GAP
    assert c.accepted, c.problems()


@pytest.mark.parametrize("share", [1e3, 1e12])
def test_labour_in_abundance_costs_the_bound_nothing(share: float) -> None:
    """Labour a thousand or a million million times what the generated economy's capacities
    let it use: the plan is the same, and so is its certificate. Until 2026-12-06 the repair
    topped up the price of labour by what rounding asked (1e-11 of the targets' worth), and
    that hair times all the labour there is widened the gap to 1.5e-8 and 0.94; now each
    year's prices are scaled up instead where that is cheaper, and labour's price stays 0."""
    economy = generate_economy(products=20, years=3, seed=1)
    plenty = replace(
        economy, supply={r: tuple(v * share for v in vs) for r, vs in economy.supply.items()}
    )
    base, plan = solve_plan(economy, solver="primal"), solve_plan(plenty, solver="primal")
    c = plan.certificate
    assert plan.objective == pytest.approx(base.objective, rel=1e-12)
    assert c.lower_bound <= plan.objective * (1 + 1e-12) <= c.upper_bound * (1 + 2e-12)
    assert c.gap <= EXACT_GAP
    assert c.accepted, c.problems()
    assert np.all(c.prices.resource == 0.0)
    assert price_violation(compile_economy(plenty), c.prices) == 0.0


def test_a_capacity_set_far_beyond_need_costs_the_bound_nothing() -> None:
    """Every capacity a million million, as a council may write for "as much as needed":
    the exact plan is certified exact. Until 2026-12-06 the rents of rounding (5e-13) that
    the repair charges were taken on those capacities, and the gap was 0.19."""
    economy = generate_economy(products=30, years=3, seed=5)
    vast = replace(economy, techniques=tuple(replace(t, capacity=1e12) for t in economy.techniques))
    plan = solve_plan(vast, solver="primal")
    c = plan.certificate
    assert plan.objective == pytest.approx(solve_plan(economy, solver="primal").objective)
    assert c.gap <= EXACT_GAP
    assert c.accepted, c.problems()
    assert price_violation(compile_economy(vast), c.prices) == 0.0


@pytest.mark.slow
def test_a_generated_economy_of_1000_products_is_certified_to_1e_9() -> None:
    plan = solve_plan(generate_economy(products=1000, years=2, seed=1), solver="primal")
    c = plan.certificate
    assert c.lower_bound <= plan.objective * (1 + 1e-12) <= c.upper_bound * (1 + 2e-12)
    assert c.gap <= EXACT_GAP
    assert c.accepted, c.problems()


def test_the_shown_shadow_prices_are_the_certified_dual_feasible_ones() -> None:
    plan = solve_plan(read_cockshott(TOYS / "v2019"))
    prices = plan.certificate.prices
    assert plan.product_prices is prices.product
    assert plan.resource_prices is prices.resource
    assert price_violation(plan.structure, prices) == 0.0
    assert (plan.product_prices >= 0).all()


def test_a_plan_that_claims_more_than_the_economy_allows_is_rejected() -> None:
    plan = solve_plan(read_cockshott(TOYS / "v2019"))
    doctored = plan.fulfilment.copy()
    doctored[1] *= 1.01
    c = recertify(plan, fulfilment=doctored, objective=float(doctored.sum()))
    assert not c.accepted
    problems = " | ".join(c.problems())
    assert "breaks a constraint" in problems
    assert "exceeds what any plan can reach" in problems
    # The bounds still hold: the repaired plan gives up the extra fulfilment.
    assert_brackets(c, plan.objective, slack=1e-9)
    assert c.max_violation == 0.0


def test_a_year_the_solver_under_fulfils_is_raised_to_what_its_rows_allow() -> None:
    plan = solve_plan(generate_economy(products=30, years=3, seed=4))
    doctored = plan.fulfilment.copy()
    doctored[1] *= 0.99
    c = recertify(plan, fulfilment=doctored, objective=float(doctored.sum()))
    # The optimum's activities and investments leave room for the optimum's fulfilment: the
    # repaired plan takes it (until 2026-12-06 it kept the claim, 0.99 of the year's).
    assert c.lower_bound == pytest.approx(plan.objective, rel=1e-9)
    assert_brackets(c, plan.objective)
    assert c.max_violation == 0.0
    assert "is below what the plan reaches" in " | ".join(c.problems())


def test_a_year_the_solver_left_idle_is_planned_at_what_its_rows_allow() -> None:
    plan = solve_plan(generate_economy(products=30, years=3, seed=4))
    doctored = plan.fulfilment.copy()
    doctored[2] = 0.0
    c = recertify(plan, fulfilment=doctored, objective=float(doctored.sum()))
    # The solver's activities stand for the year's techniques; the year is planned afresh
    # from them, and nothing is broken, not even by an ulp.
    assert c.lower_bound == pytest.approx(plan.objective, rel=1e-9)
    assert c.max_violation == 0.0
    assert_brackets(c, plan.objective)


@pytest.mark.parametrize("solver", ["primal", "auto"])
@pytest.mark.parametrize(("years", "supply_growth"), [(10, -0.5), (4, -0.97)])
def test_a_product_given_more_than_is_asked_is_made_by_nothing_and_priced_at_nothing(
    solver: str, years: int, supply_growth: float
) -> None:
    """UK 2010 over ten years with the labour supply halving each year: from year 6 the
    table's negative commitments of two products (more given to the economy than it asks)
    cover what the others need of them, the optimum makes none, and they are free. The exact
    system solve asked for negative activities there (no plan at all: a lower bound of -inf)
    and the price system priced them at cost (1.7e-4 above the optimum); ``auto``'s closed
    form, not proved optimal, ran hipdlp, which never finished. Over four years with labour
    falling 97 % a year, the products that what is wanted leaves short must be made too."""
    economy = read_economy(
        UK, None, None, years=years, target_growth=0.025, supply_growth=supply_growth
    )
    plan = solve_plan(economy, solver=solver)
    c = plan.certificate
    s = plan.structure
    assert (s.committed < 0).any()
    assert c.max_violation == 0.0
    assert c.gap <= EXACT_GAP
    simplex = plan if solver == "primal" else solve_plan(economy, solver="primal")
    assert_brackets(c, simplex.objective, slack=1e-9)
    # The products whose makers stand idle in the last year: each is one the economy is
    # given (a negative commitment), and the certified prices hold it free.
    running = (plan.activity[-1] > 0).astype(float)
    idle = np.flatnonzero(s.out @ running == 0)
    assert idle.size
    assert (s.committed[-1][idle] < 0).all()
    assert (c.prices.product[-1][idle] == 0.0).all()


@pytest.mark.parametrize("solver", ["primal", "pdhg"])
def test_joint_production_stands_for_the_product_whose_balance_binds(solver: str) -> None:
    """The village with year 1's bread target cut from 40 to 1: farming (grain with straw)
    runs to make the straw its target needs, and grain is left over. Farming stood for grain,
    in product order; the straw it then made fell short, and the exact plan of 7.4127
    certified 3.976 (pdhg's plan: 3.98)."""
    text = (Path(__file__).resolve().parents[3] / "docs/examples/village.toml").read_text()
    economy = loads(text.replace("bread = [40.0,", "bread = [1.0,"))
    plan = solve_plan(economy, solver=solver)
    exact = plan if solver == "primal" else solve_plan(economy, solver="primal")
    c = plan.certificate
    assert c.looser
    assert c.max_violation == 0.0
    assert c.gap <= (EXACT_GAP if solver == "primal" else 1e-6)  # pdhg's default gap
    assert_brackets(c, exact.objective, slack=1e-9)
    assert exact.objective == pytest.approx(7.412698412698413, rel=1e-12)


def test_activities_that_do_not_deliver_the_targets_are_rejected() -> None:
    plan = solve_plan(read_cockshott(TOYS / "v-doc"))
    c = recertify(plan, activity=plan.activity * 0.9)
    assert c.plan_violation > 1e-3
    assert not c.accepted
    # The activities are recomputed, not believed: the lower bound is still the optimum.
    assert c.lower_bound == pytest.approx(plan.objective, rel=1e-9)


def test_prices_that_undervalue_labour_are_rejected_and_repaired() -> None:
    plan = solve_plan(read_cockshott(TOYS / "v2019"))
    cheap = plan.resource_prices * 0.5
    c = recertify(plan, resource_prices=cheap)
    assert c.price_violation > 1e-3
    assert any("not dual-feasible" in p for p in c.problems())
    assert_brackets(c, plan.objective)
    assert price_violation(plan.structure, c.prices) == 0.0


def test_prices_that_undervalue_the_targets_are_rejected() -> None:
    plan = solve_plan(generate_economy(products=30, years=3, seed=4))
    c = recertify(plan, product_prices=plan.product_prices * 0.8)
    assert c.price_violation > 0.1
    assert not c.accepted
    assert_brackets(c, plan.objective)


def test_stock_prices_set_to_zero_are_rejected_and_the_bound_stays_valid() -> None:
    plan = solve_plan(generate_economy(products=30, years=3, seed=4))
    assert plan.stock_prices.max() > 0
    c = recertify(plan, stock_prices=np.zeros_like(plan.stock_prices))
    assert not c.accepted
    assert_brackets(c, plan.objective)


def test_nothing_at_all_still_gives_valid_bounds() -> None:
    plan = solve_plan(generate_economy(products=30, years=3, seed=5))
    zero = {
        name: np.zeros_like(getattr(plan, name))
        for name in (
            "fulfilment",
            "activity",
            "stocks",
            "investment",
            "product_prices",
            "resource_prices",
            "stock_prices",
            "capacity_prices",
        )
    }
    c = recertify(plan, objective=0.0, **zero)
    assert_brackets(c, plan.objective)
    assert c.lower_bound == 0.0
    assert np.isfinite(c.upper_bound)
    assert not c.accepted


def test_the_certificate_in_json_has_the_stable_keys() -> None:
    plan = solve_plan(read_cockshott(TOYS / "v2019"))
    data = plan.certificate.to_dict()
    assert {"lower_bound", "upper_bound", "gap", "max_violation"} <= set(data)
    assert data["accepted"] is True
    assert data["looser"] is False


def test_a_capacity_rent_enters_the_bound() -> None:
    economy = read_cockshott(TOYS / "v2019")
    capped = replace(
        economy,
        techniques=tuple(
            replace(t, capacity=0.2) if t.id == "coal" else t for t in economy.techniques
        ),
    )
    plan = solve_plan(capped)
    c = plan.certificate
    assert c.prices.capacity.max() > 0
    assert c.gap <= EXACT_GAP
    assert c.lower_bound <= plan.objective <= c.upper_bound * (1 + 1e-12)


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def economies(draw: st.DrawFn) -> Economy:
    return generate_economy(
        products=draw(st.integers(2, 25)),
        years=draw(st.integers(1, 4)),
        seed=draw(st.integers(0, 10_000)),
        alternatives=draw(st.sampled_from([0.0, 0.3, 1.0])),
    )


@PROPERTY
@given(economies())
def test_an_exact_solve_is_certified_with_a_feasible_plan_and_dual_feasible_prices(
    economy: Economy,
) -> None:
    plan = solve_plan(economy)
    c = plan.certificate
    assert c.lower_bound <= plan.objective * (1 + 1e-12)
    assert plan.objective <= c.upper_bound * (1 + 1e-12)
    assert c.gap <= EXACT_GAP
    assert c.max_violation == 0.0
    assert price_violation(compile_economy(economy), c.prices) == 0.0
    assert c.accepted, c.problems()
    assert c.looser == any(t.id.endswith("-alt") for t in economy.techniques)


@PROPERTY
@given(economies(), st.integers(0, 2**32 - 1), st.floats(0.01, 0.5))
def test_bounds_bracket_the_optimum_whatever_the_solver_returned(
    economy: Economy, seed: int, noise: float
) -> None:
    plan = solve_plan(economy)
    shaken = shaker(seed, noise)
    c = recertify(
        plan,
        fulfilment=shaken(plan.fulfilment),
        activity=shaken(plan.activity),
        investment=shaken(plan.investment),
        product_prices=shaken(plan.product_prices),
        resource_prices=shaken(plan.resource_prices),
        stock_prices=shaken(plan.stock_prices),
    )
    assert_brackets(c, plan.objective, slack=1e-12)
    assert c.max_violation == 0.0 or c.lower_bound == -np.inf
    assert price_violation(plan.structure, c.prices) == 0.0 or c.upper_bound == np.inf


@PROPERTY
@given(
    economies(),
    st.integers(0, 2**32 - 1),
    st.floats(0.0, 0.5),
    st.sampled_from([1e3, 1e9]),
)
def test_with_resources_in_abundance_bounds_still_bracket_the_optimum(
    economy: Economy, seed: int, noise: float, plenty: float
) -> None:
    """Supplies a thousand or a billion times as large, where each year's prices may be
    scaled up rather than a resource's topped up: exact and shaken points alike, the bounds
    bracket the optimum and the prices are dual-feasible, and an exact point is certified
    exact."""
    economy = replace(
        economy, supply={r: tuple(v * plenty for v in vs) for r, vs in economy.supply.items()}
    )
    plan = solve_plan(economy)
    shaken = shaker(seed, noise)
    c = recertify(
        plan,
        product_prices=shaken(plan.product_prices),
        resource_prices=shaken(plan.resource_prices),
        stock_prices=shaken(plan.stock_prices),
        capacity_prices=shaken(plan.capacity_prices),
    )
    assert_brackets(c, plan.objective, slack=1e-12)
    assert price_violation(plan.structure, c.prices) == 0.0 or c.upper_bound == np.inf
    if noise == 0.0:
        assert c.gap <= EXACT_GAP


def test_prices_certified_against_a_plan_side_made_already_are_certified_as_afresh() -> None:
    """A plan side made once (pdhg's polish certifies many prices with one plan) gives the
    certificate that certifying afresh gives, to the bit; a side of another plan is not used."""
    economy = generate_economy(products=40, years=3, seed=5)
    plan = solve_plan(economy)
    s, labour = plan.structure, economy.resource_index[economy.labour]
    rng = np.random.default_rng(5)

    def shaken(values: np.ndarray) -> np.ndarray:
        return np.asarray(values * rng.uniform(0.9, 1.1, size=values.shape))

    first = candidate_of(plan, product_prices=shaken(plan.product_prices))
    side = plan_side(s, first)
    same_plan = candidate_of(
        plan, product_prices=shaken(plan.product_prices), stock_prices=shaken(plan.stock_prices)
    )
    other_plan = candidate_of(plan, activity=shaken(plan.activity))
    assert side.holds(same_plan)
    assert not side.holds(other_plan)
    for candidate in (first, same_plan, other_plan):
        reused = certify(s, candidate, labour=labour, side=side)
        afresh = certify(s, candidate, labour=labour)
        assert reused.lower_bound == afresh.lower_bound
        assert reused.upper_bound == afresh.upper_bound
        assert reused.max_violation == afresh.max_violation
        assert reused.plan_violation == afresh.plan_violation
        assert reused.notes == afresh.notes
        assert np.array_equal(reused.plan.activity, afresh.plan.activity)
        assert np.array_equal(reused.prices.product, afresh.prices.product)
    # The other plan's certificate is its own, not the side's.
    assert certify(s, other_plan, labour=labour, side=side).lower_bound != side.lower_bound


def test_years_that_run_the_same_techniques_share_one_system(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rada.planning import certificate, repair

    economy = generate_economy(products=40, years=3, seed=2, alternatives=0.5)
    plan = solve_plan(economy)
    s, labour = plan.structure, economy.resource_index[economy.labour]
    # In the first year, run each product's other technique where it has one.
    activity = plan.activity.copy()
    index = economy.technique_index
    swapped = 0
    for j, technique in enumerate(economy.techniques):
        if technique.id.endswith("-alt"):
            main = index[technique.id.removesuffix("-alt")]
            activity[0, [j, main]] = activity[0, [main, j]]
            swapped += 1
    assert swapped
    candidate = candidate_of(plan, activity=activity)
    systems = certificate._year_systems(s, candidate)
    assert systems[1] is systems[2]
    assert systems[0] is not systems[1]
    shared = certify(s, candidate, labour=labour)

    def one_a_year(s: Any, candidate: Any) -> list[Any]:
        return [
            repair.YearSystem(s, repair.choose_techniques(s, candidate.activity[y]))
            for y in range(s.years)
        ]

    monkeypatch.setattr(certificate, "_year_systems", one_a_year)
    apart = certify(s, candidate, labour=labour)
    assert (shared.lower_bound, shared.upper_bound) == (apart.lower_bound, apart.upper_bound)
    assert shared.max_violation == apart.max_violation
    assert np.array_equal(shared.plan.activity, apart.plan.activity)
    assert np.array_equal(shared.prices.product, apart.prices.product)


def test_a_repair_plans_a_year_once_for_the_same_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each trial investment in year y - 1 re-plans every year; the years before it are
    # unchanged, and their plans are taken from the ones already made.
    from rada.planning import repair

    plan = solve_plan(generate_economy(products=60, years=4, seed=1), solver="primal")
    short = plan.investment.copy()
    short[1] *= 0.999
    short[2] *= 0.999
    keys: list[tuple[int, float, bytes, bytes]] = []
    real = repair._year_plan

    def counted(s: Any, system: Any, y: int, **kwargs: Any) -> Any:
        taken, stocks = kwargs["taken"], kwargs["stocks"]
        keys.append((y, float(kwargs["fulfilment"]), taken.tobytes(), stocks.tobytes()))
        return real(s, system, y, **kwargs)

    monkeypatch.setattr(repair, "_year_plan", counted)
    c = recertify(plan, investment=short)
    assert c.max_violation == 0.0
    assert_brackets(c, plan.objective)
    planned = [key for key in keys if np.isfinite(np.frombuffer(key[3])).all()]
    assert len(planned) == len(set(planned))  # overdrafts (no stock limit) aside
    assert len(planned) < 4 * 4  # the first plan and a trial for each of years 3, 2, 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_stock_overdrawn_by_a_little_is_invested_the_year_before(seed: int) -> None:
    # As a first-order solver's plan does: investments a hair short, so year 3 overdraws the
    # stocks they build. Lowering year 3's fulfilment until they hold costs several times the
    # shortfall; investing the overdraft in year 2 costs about what the goods are worth.
    from rada.planning.repair import YearSystem, _carried_out, choose_techniques

    plan = solve_plan(generate_economy(products=60, years=4, seed=seed), solver="primal")
    short = plan.investment.copy()
    short[1] *= 0.999
    c = recertify(plan, investment=short)
    assert c.max_violation == 0.0
    assert_brackets(c, plan.objective)
    s = plan.structure
    systems = [YearSystem(s, choose_techniques(s, plan.activity[y])) for y in range(s.years)]
    lowered = _carried_out(s, systems, candidate_of(plan, investment=short), plan.fulfilment, short)
    assert lowered is not None
    lost_by_lowering = plan.objective - float(lowered.fulfilment.sum())
    assert plan.objective - c.lower_bound < 0.6 * lost_by_lowering
    # The repaired plan invests more in year 2 than the doctored one, and no less anywhere.
    assert (c.plan.investment >= short).all()
    assert c.plan.investment[1].sum() > short[1].sum()


def test_the_best_plan_and_the_best_prices_of_two_runs_prove_more_together() -> None:
    from rada.planning.certificate import tighter
    from rada.planning.first_order import candidate_of, closed_form
    from rada.planning.highs import run_highs
    from rada.planning.programme import build_programme

    economy = generate_economy(products=200, years=4, seed=5)
    s = compile_economy(economy)
    lp = build_programme(s)
    start = closed_form(s, labour=0)
    assert start is not None
    closed = certify(s, start, labour=0)
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=1e-2)
    point = certify(s, candidate_of(s, lp, rough.col_value, -rough.row_dual), labour=0)
    both = tighter(closed, point)
    assert both.lower_bound == max(closed.lower_bound, point.lower_bound)
    assert both.upper_bound == min(closed.upper_bound, point.upper_bound)
    assert both.gap < min(closed.gap, point.gap)  # here the closed form has the better plan
    assert tighter(point, closed).gap == both.gap
    exact = solve_plan(economy, solver="primal").objective
    assert_brackets(both, exact)
    assert both.max_violation == 0.0
    # The prices shown are those that prove the upper bound.
    best_prices = closed if closed.upper_bound <= point.upper_bound else point
    assert both.prices is best_prices.prices


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_sums_onto_an_index_are_np_add_at_s_to_the_bit(
    size: int, count: int, rows: int, seed: int
) -> None:
    from rada.planning.feasibility import sum_onto

    rng = np.random.default_rng(seed)
    index = rng.integers(0, size, count)
    values = rng.standard_normal((rows, count)) * 10.0 ** rng.integers(-300, 300, (rows, count))
    expected = np.zeros((rows, size))
    np.add.at(expected.T, index, values.T)
    got = sum_onto(index, values, size)
    assert got.tobytes() == expected.tobytes()
    assert sum_onto(index, values[0], size).tobytes() == expected[0].tobytes()


def _charged_one_by_one(
    s: Any, y: int, prices: np.ndarray, resource: np.ndarray, stock: np.ndarray
) -> np.ndarray:
    """The rents charged technique by technique, as the repair did until 2026-12-05."""
    from rada.planning.feasibility import per_technique
    from rada.planning.repair import _EPS, ROUND_UP

    def profit() -> tuple[np.ndarray, np.ndarray]:
        gain = s.out.T @ prices
        paid = s.inp.T @ prices + s.res.T @ resource + per_technique(s, stock)
        return np.asarray(gain - paid), np.asarray(gain + paid)

    surplus, size = profit()
    finite = np.isfinite(s.capacity)
    for t in np.flatnonzero((surplus > 0) & ~finite):
        pairs = np.flatnonzero(s.pair_tech == t)
        amount = surplus[t] * ROUND_UP + 4 * _EPS * size[t]
        if pairs.size:
            k = pairs[np.argmax(s.per_unit[pairs])]
            stock[k] += amount / s.per_unit[k]
            continue
        column = s.res[:, [t]].toarray()[:, 0]
        used = np.flatnonzero(column > 0)
        if used.size:
            r = used[np.argmin(s.supply[y, used] / column[used])]
            resource[r] = max(resource[r], 0.0) + amount / column[r]
    surplus, size = profit()
    return np.where(finite & (surplus > 0), surplus * ROUND_UP + 4 * _EPS * size, 0.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_profits_are_charged_as_rents_as_one_technique_at_a_time_would_to_the_bit(
    seed: int,
) -> None:
    from rada.planning.repair import _make_unprofitable

    rng = np.random.default_rng(seed)
    s = compile_economy(generate_economy(products=200, years=3, seed=seed))
    n_t, K = s.n_techniques, s.n_pairs
    # Half the techniques hold no stock; they use four resources, some an entry twice (summed),
    # in any order, some a column of zeros or none at all.
    kept = rng.random(K) < 0.5
    kept &= s.pair_tech % 2 == 0
    rows = rng.integers(0, 4, 3 * n_t)
    cols = rng.integers(0, n_t, 3 * n_t)
    values = rng.choice([0.5, 1.0, 2.0, -1.0], 3 * n_t)
    res = sp.csc_array(sp.coo_array((values, (rows, cols)), shape=(4, n_t)))
    res = sp.csc_array((res.data, res.indices, res.indptr), shape=res.shape)
    res.data[::7] = 0.0
    unsorted = sp.csc_array(
        (np.concatenate([res.data, [0.25]]), np.concatenate([res.indices, [0]]),
         np.concatenate([res.indptr[:1], res.indptr[1:] + (np.arange(n_t) >= 2)])),
        shape=res.shape,
    )  # fmt: skip
    # Resources 0 and 2 are equally scarce, and the supply of the last is not a number.
    supply = np.tile([3.0, 1.5, 3.0, np.nan], (s.years, 1))
    # Stocks needed in equal amounts: the first pair of the technique is charged.
    per_unit = np.ceil(s.per_unit[kept] * 2.0) / 2.0
    doctored = replace(
        s, res=unsorted, supply=supply, pair_tech=s.pair_tech[kept],
        pair_good=s.pair_good[kept], per_unit=per_unit,
        initial=s.initial[kept], depreciation=s.depreciation[kept],
    )  # fmt: skip
    assert not doctored.res.has_canonical_format
    for case in (s, doctored):
        for y in range(case.years):
            prices = rng.random(case.n_products) * 3.0
            resource = rng.random(case.n_resources) * rng.choice([-1.0, 0.0, 1.0], case.n_resources)
            stock = rng.random(case.n_pairs) * 0.1
            expected = [resource.copy(), stock.copy()]
            rents = _charged_one_by_one(case, y, prices, *expected)
            got = _make_unprofitable(case, y, prices, resource, stock)
            assert got.tobytes() == rents.tobytes()
            assert resource.tobytes() == expected[0].tobytes()
            assert stock.tobytes() == expected[1].tobytes()
    assert (doctored.rent_pair < 0).sum() >= n_t // 2


def test_row_blocks_on_threads_multiply_to_the_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    from rada.planning import leontief, repair, threads

    rng = np.random.default_rng(7)
    n = 3000
    matrix = sp.random_array((n, n), density=0.004, format="csr", rng=rng)
    pool = ThreadPoolExecutor(3)
    blocks = threads.RowBlocks(sp.csr_array(matrix), pool, 3)
    assert len(blocks.blocks) == 3
    for value in (rng.standard_normal(n), rng.standard_normal((n, 2))):
        assert (blocks @ value).tobytes() == (matrix @ value).tobytes()
    # A year's system solved on threads gives the same plan, to the bit, as in one; and so
    # does successive approximation, of quantities and of values.
    s = compile_economy(generate_economy(products=400, years=2, seed=3))
    chosen = repair.choose_techniques(s, np.ones(s.n_techniques))
    rhs = rng.uniform(0.5, 2.0, (s.n_products, 2))
    a = sp.csc_array(s.inp @ sp.diags_array(1.0 / s.out.sum(axis=0)))
    monkeypatch.setattr(repair, "FACTORISE_UP_TO", 10)
    alone = repair.YearSystem(s, chosen)
    quantities = leontief.gross_output(a, rhs, method="iterative").value
    values = leontief.labour_values(a, rhs[:, 0], method="iterative").value
    monkeypatch.setattr(threads, "SPLIT_ABOVE", 10)
    monkeypatch.setattr(threads, "threads", lambda: 2)
    threaded = repair.YearSystem(s, chosen)
    assert threaded._steps is not None
    assert len(threaded._steps.blocks) == 2
    for transposed in (False, True):
        expected = alone.solve(rhs[alone.made], transposed=transposed)
        got = threaded.solve(rhs[threaded.made], transposed=transposed)
        assert got.tobytes() == expected.tobytes()
    made: list[object] = []

    def split(matrix: sp.csr_array) -> object:
        made.append(threads.split(matrix))
        return made[-1]

    monkeypatch.setattr(leontief, "split", split)
    assert leontief.gross_output(a, rhs, method="iterative").value.tobytes() == quantities.tobytes()
    assert leontief.labour_values(a, rhs[:, 0], method="iterative").value.tobytes() == (
        values.tobytes()
    )
    assert len(made) == 2
    assert all(isinstance(m, threads.RowBlocks) for m in made)


def test_a_forked_process_gets_threads_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from rada.planning import threads

    first = threads.pool()
    assert threads.pool() is first
    monkeypatch.setattr(threads.os, "getpid", lambda: -1)  # as in a child after fork
    assert threads.pool() is not first
