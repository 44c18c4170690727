"""The exact finish: from a first-order point, the guessed basis and a few simplex pivots reach
the optimal vertex, which the certificate proves to about 1e-11; from a poor point it may
stop short, and its certificate still brackets the optimum."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rada.planning import vertex as vertex_module
from rada.planning.certificate import certify
from rada.planning.economy import Economy
from rada.planning.first_order import (
    candidate_of,
    closed_form,
    point_of,
    solve_pdhg,
    tolerances,
)
from rada.planning.formats.cockshott import read_cockshott
from rada.planning.generate import generate_economy
from rada.planning.highs import run_highs
from rada.planning.optimal import solve_plan
from rada.planning.programme import LinearProgramme, build_programme
from rada.planning.structure import Structure, compile_economy
from rada.planning.vertex import VERTEX_TOLERANCE, find_vertex, find_vertex_within, guess_basis

TOY = Path(__file__).parents[4] / "shared/data/cockshott-toy/v2019"


def _programme(economy: Economy) -> tuple[Structure, LinearProgramme, int]:
    s = compile_economy(economy)
    return s, build_programme(s), economy.resource_index[economy.labour]


def _exact(lp: LinearProgramme) -> float:
    solved = run_highs(lp, maximise=True, solver="primal", threads=0)
    assert solved.status == "Optimal"
    return solved.objective


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


@pytest.mark.parametrize(
    ("products", "years", "seed", "alternatives", "tolerance"),
    [
        (60, 3, 1, 0.0, 1e-6),
        (150, 5, 2, 0.0, VERTEX_TOLERANCE),
        (300, 5, 1, 0.0, VERTEX_TOLERANCE),
        (80, 4, 3, 0.3, VERTEX_TOLERANCE),
        (40, 1, 4, 0.5, 1e-8),
    ],
)
def test_a_first_order_point_is_finished_at_the_exact_optimum(
    products: int, years: int, seed: int, alternatives: float, tolerance: float
) -> None:
    economy = generate_economy(products=products, years=years, seed=seed, alternatives=alternatives)
    s, lp, labour = _programme(economy)
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=tolerance)
    vertex = find_vertex(lp, rough.col_value, -rough.row_dual)
    assert vertex is not None
    assert vertex.optimal
    exact = _exact(lp)
    assert _near(float(lp.cost @ vertex.x), exact)
    c = certify(s, candidate_of(s, lp, vertex.x, vertex.y), labour=labour)
    assert c.gap <= 1e-9
    assert c.lower_bound <= exact * (1 + 1e-9)
    assert exact <= c.upper_bound * (1 + 1e-9)
    before = certify(s, candidate_of(s, lp, rough.col_value, -rough.row_dual), labour=labour)
    if years > 1:
        # The first-order point itself certifies far worse: the finish is what makes it exact.
        assert before.gap > 100 * c.gap
    else:
        # One year has no investment to get wrong: the repair raises the year to what its
        # rows allow, the optimum where the point runs the optimum's techniques.
        assert _near(before.lower_bound, exact)


def test_the_cockshott_toy_with_its_capacities_is_finished_exactly() -> None:
    economy = read_cockshott(TOY)
    _s, lp, _labour = _programme(economy)
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=1e-6)
    vertex = find_vertex(lp, rough.col_value, -rough.row_dual)
    assert vertex is not None
    assert vertex.optimal
    assert round(float(lp.cost @ vertex.x), 8) == 8.79729913


def test_from_the_closed_form_plan_the_certificate_still_brackets_the_optimum() -> None:
    """A point far from the optimum (the plan with no investment, priced by labour values)
    suggests a basis many pivots away; whatever simplex reaches is only a candidate."""
    economy = generate_economy(products=120, years=4, seed=5)
    s, lp, labour = _programme(economy)
    start = closed_form(s, labour=labour)
    assert start is not None
    x, y = point_of(lp, start)
    vertex = find_vertex(lp, x, y)
    exact = _exact(lp)
    assert vertex is not None
    c = certify(s, candidate_of(s, lp, vertex.x, vertex.y), labour=labour)
    assert c.lower_bound <= exact * (1 + 1e-9)
    assert exact <= c.upper_bound * (1 + 1e-9)
    if vertex.optimal:
        assert _near(float(lp.cost @ vertex.x), exact)


def test_doctored_prices_cannot_make_the_certificate_claim_more() -> None:
    economy = generate_economy(products=100, years=3, seed=6)
    s, lp, labour = _programme(economy)
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=1e-7)
    noise = np.random.default_rng(0).uniform(0.5, 1.5, size=rough.row_dual.shape)
    vertex = find_vertex(lp, rough.col_value, -rough.row_dual * noise)
    exact = _exact(lp)
    assert vertex is not None
    c = certify(s, candidate_of(s, lp, vertex.x, vertex.y), labour=labour)
    assert c.lower_bound <= exact * (1 + 1e-9)
    assert exact <= c.upper_bound * (1 + 1e-9)


def test_the_guessed_basis_has_one_column_per_row_even_with_parallel_rows() -> None:
    """Year 1's stock rows of a generated technique are all 'activity at most the base level':
    at most one of them can leave the basis, which the matching sees."""
    economy = generate_economy(products=50, years=2, seed=7)
    _s, lp, _labour = _programme(economy)
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=1e-7)
    basis = guess_basis(lp, rough.col_value, -rough.row_dual)
    m, n = lp.matrix.shape
    assert len(basis) == m
    assert len(set(basis.tolist())) == m
    assert basis.min() >= 0
    assert basis.max() < n + m


def test_the_first_order_solver_finishes_exactly_where_the_basis_can_be_factorised() -> None:
    economy = generate_economy(products=300, years=5, seed=2)
    said: list[str] = []
    plan = solve_plan(economy, solver="first-order", gap=1e-9, progress=said.append)
    exact = solve_plan(economy, solver="primal").objective
    assert plan.status == "optimal"
    assert plan.certificate.gap <= 1e-9
    assert _near(plan.objective, exact)
    assert any(line.startswith("vertex after") for line in said)
    # One first-order run, to the vertex tolerance, then the finish: not the 1e-10 run.
    assert [line for line in said if line.startswith("HiGHS hipdlp")] == [
        f"HiGHS hipdlp to tolerance {VERTEX_TOLERANCE:g}"
    ]


def test_under_a_limit_a_large_finish_runs_in_a_child_and_finds_the_same_vertex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, lp, _ = _programme(generate_economy(products=60, years=3, seed=1))
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=1e-6)
    here = find_vertex(lp, rough.col_value, -rough.row_dual)
    assert here is not None
    assert here.optimal
    # Every programme counts as large, and this process's finish fails: only a child's can
    # answer (a fresh interpreter imports the module anew).
    monkeypatch.setattr(vertex_module, "WITHIN_ABOVE", 0)

    def fails(*args: object, **kwargs: object) -> None:
        raise AssertionError("the finish ran in this process")

    monkeypatch.setattr(vertex_module, "find_vertex", fails)
    there = find_vertex_within(lp, rough.col_value, -rough.row_dual, seconds=120)
    assert there is not None
    assert there.optimal
    np.testing.assert_allclose(there.x, here.x, rtol=0, atol=1e-9)
    assert _near(float(lp.cost @ there.x), float(lp.cost @ here.x))


def test_a_finish_past_its_limit_is_stopped_though_its_factorisation_ignores_the_clock() -> None:
    # At 1,000 products x 5 years the guessed basis alone takes seconds to factorise.
    _, lp, _ = _programme(generate_economy(products=1000, years=5, seed=1))
    assert lp.matrix.shape[1] > vertex_module.WITHIN_ABOVE
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=1e-3)
    started = time.perf_counter()
    assert find_vertex_within(lp, rough.col_value, -rough.row_dual, seconds=0.5) is None
    # The limit and the grace period (2 s), not the 7 to 9 s of the factorisation.
    assert time.perf_counter() - started < 6.0


def test_rada_s_pdhg_finishes_exactly_too() -> None:
    economy = generate_economy(products=300, years=5, seed=1)
    s, lp, labour = _programme(economy)
    said: list[str] = []
    run = solve_pdhg(s, lp, labour=labour, gap=1e-9, progress=said.append)
    assert run.stopped == "gap"
    assert run.certificate.gap <= 1e-9
    assert _near(run.certificate.lower_bound, _exact(lp))
    assert any(line.startswith("vertex after") for line in said)


def test_the_ladder_runs_to_the_vertex_tolerance_first_where_it_can_finish() -> None:
    assert tolerances(1e-9, early=False, vertex=True) == [1e-7, 1e-10]
    assert tolerances(1e-6, early=False, vertex=True) == [1e-7, 1e-9, 1e-10]
    assert tolerances(1e-6, vertex=True) == [1e-2, 1e-3, 1e-6, 1e-7, 1e-9, 1e-10]
    assert tolerances(1e-4, early=False, vertex=True) == [1e-7, 1e-8, 1e-9, 1e-10]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    products=st.integers(3, 40),
    years=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    alternatives=st.sampled_from([0.0, 0.5]),
)
def test_any_vertex_found_is_certified_and_an_optimal_one_is_the_optimum(
    products: int, years: int, seed: int, alternatives: float
) -> None:
    economy = generate_economy(products=products, years=years, seed=seed, alternatives=alternatives)
    s, lp, labour = _programme(economy)
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=VERTEX_TOLERANCE)
    vertex = find_vertex(lp, rough.col_value, -rough.row_dual)
    exact = _exact(lp)
    if vertex is None:
        return
    c = certify(s, candidate_of(s, lp, vertex.x, vertex.y), labour=labour)
    assert c.lower_bound <= exact * (1 + 1e-9)
    assert exact <= c.upper_bound * (1 + 1e-9)
    if vertex.optimal:
        assert _near(float(lp.cost @ vertex.x), exact)
        assert c.gap <= 1e-9
