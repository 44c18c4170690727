"""The surrogate of the yearly balances: a relaxation, so its optimum and the prices it gives
bound the optimum from above; tight at the optimal prices; sharper than the repair alone at a
rough point; and it answers nothing, rather than something wrong, where it has no optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rada.planning.certificate import certify
from rada.planning.first_order import candidate_of, solve_highs_first_order
from rada.planning.generate import generate_economy
from rada.planning.highs import run_highs
from rada.planning.programme import LinearProgramme, build_programme
from rada.planning.structure import Structure, compile_economy
from rada.planning.surrogate import Surrogate

#: The exact optimum is known to HiGHS's tolerances only.
ROUNDING = 1e-9


def _programme(
    products: int, years: int, seed: int, alternatives: float = 0.0
) -> tuple[Structure, LinearProgramme, float]:
    s = compile_economy(
        generate_economy(products=products, years=years, seed=seed, alternatives=alternatives)
    )
    lp = build_programme(s)
    exact = run_highs(lp, maximise=True, solver="primal", threads=0)
    assert exact.status == "Optimal"
    return s, lp, exact.objective


def _prices(lp: LinearProgramme, y: np.ndarray) -> np.ndarray:
    lay = lp.layout
    return np.asarray(y[: lay.P * lay.T].reshape(lay.T, lay.P))


@pytest.mark.parametrize(
    ("products", "years", "seed", "alternatives"), [(40, 3, 1, 0.0), (50, 4, 2, 0.3)]
)
def test_at_the_optimal_prices_the_surrogate_is_tight(
    products: int, years: int, seed: int, alternatives: float
) -> None:
    s, lp, optimum = _programme(products, years, seed, alternatives)
    exact = run_highs(lp, maximise=True, solver="primal", threads=0)
    found = Surrogate(lp).duals(_prices(lp, -exact.row_dual))
    assert found is not None
    assert found.objective == pytest.approx(optimum, rel=ROUNDING)
    certificate = certify(s, candidate_of(s, lp, exact.col_value, found.y), labour=0)
    assert certificate.upper_bound == pytest.approx(optimum, rel=1e-8)
    assert certificate.upper_bound >= optimum * (1 - ROUNDING)


@pytest.fixture(scope="module")
def small() -> tuple[Structure, LinearProgramme, float]:
    return _programme(25, 3, 5)


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_any_non_negative_prices_give_an_upper_bound_that_the_certificate_confirms(
    small: tuple[Structure, LinearProgramme, float], seed: int
) -> None:
    s, lp, optimum = small
    rng = np.random.default_rng(seed)
    lay = lp.layout
    # Some products priced at zero: their balances drop out of the sum.
    prices = rng.uniform(0.0, 1.0, size=(lay.T, lay.P)) * (rng.random((lay.T, lay.P)) < 0.8)
    found = Surrogate(lp).duals(prices)
    if found is None:  # only where a year's targets are worth nothing: no bound, no wrong one
        assert ((prices * s.targets).sum(axis=1) == 0).any()
        return
    assert found.objective >= optimum * (1 - ROUNDING)
    x = np.zeros(lay.n_cols)
    certificate = certify(s, candidate_of(s, lp, x, found.y), labour=0)
    # The surrogate's duals are the full programme's prices, worth its optimum.
    assert certificate.upper_bound == pytest.approx(found.objective, rel=1e-7)
    assert certificate.upper_bound >= optimum * (1 - ROUNDING)


def test_from_a_rough_point_it_proves_a_far_lower_upper_bound_than_the_repair() -> None:
    s, lp, optimum = _programme(200, 5, 2)
    rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=1e-3)
    point = candidate_of(s, lp, rough.col_value, -rough.row_dual)
    repaired = certify(s, point, labour=0)
    surrogate = Surrogate(lp)
    prices, bounds = point.product_prices, []
    for _ in range(2):  # from the point's prices, then from those the certificate rebuilt
        found = surrogate.duals(prices)
        assert found is not None
        sharpened = certify(s, candidate_of(s, lp, rough.col_value, found.y), labour=0)
        assert sharpened.upper_bound >= optimum * (1 - ROUNDING)
        bounds.append(sharpened.upper_bound)
        prices = sharpened.prices.product
    assert bounds[0] < repaired.upper_bound
    assert bounds[1] < bounds[0]
    # Measured: the repair alone 3.5e-3 above the optimum, the two rounds 1.8e-3 and 8.7e-5.
    assert bounds[1] - optimum < 0.1 * (repaired.upper_bound - optimum)


def test_a_second_solve_starts_from_the_first_ones_basis() -> None:
    _, lp, _ = _programme(60, 3, 4)
    exact = run_highs(lp, maximise=True, solver="primal", threads=0)
    surrogate = Surrogate(lp)
    prices = _prices(lp, -exact.row_dual)
    first = surrogate.duals(prices)
    again = surrogate.duals(prices)
    assert first is not None
    assert again is not None
    assert first.iterations > 0
    assert again.iterations == 0
    assert again.objective == pytest.approx(first.objective, rel=1e-12)


def test_prices_that_make_a_years_targets_worthless_or_are_not_numbers_give_nothing() -> None:
    _, lp, _ = _programme(30, 3, 6)
    lay = lp.layout
    surrogate = Surrogate(lp)
    prices = np.ones((lay.T, lay.P))
    prices[1] = 0.0  # year 2's fulfilment is bounded by nothing in the surrogate
    assert surrogate.duals(prices) is None
    assert surrogate.duals(np.full((lay.T, lay.P), np.nan)) is None
    assert surrogate.duals(np.full((lay.T, lay.P), -1.0)) is None  # as if all zero
    assert surrogate.duals(np.full((lay.T, lay.P), 1e300)) is None  # sums past a float
    assert surrogate.duals(np.ones((lay.T + 1, lay.P))) is None
    assert surrogate.duals(np.ones((lay.T, lay.P))) is not None


def test_the_ladder_sharpens_a_coarse_point_and_says_so() -> None:
    s, lp, optimum = _programme(150, 4, 7)
    said: list[str] = []
    run = solve_highs_first_order(
        s, lp, labour=0, gap=1e-3, time_limit=120, threads=0, progress=said.append
    )
    assert any("surrogate" in line for line in said)
    # The sharpened 1e-3 point proves the gap: no finer run was needed.
    assert not any("tolerance 1e-07" in line or "tolerance 1e-06" in line for line in said)
    c = run.certificate
    assert c.lower_bound <= optimum * (1 + ROUNDING)
    assert optimum <= c.upper_bound * (1 + ROUNDING)
    assert c.gap <= 1e-3


def test_a_solve_stopped_by_its_time_limit_gives_nothing_and_the_next_one_goes_on() -> None:
    _, lp, optimum = _programme(300, 5, 1)
    exact = run_highs(lp, maximise=True, solver="primal", threads=0)
    surrogate = Surrogate(lp)
    prices = _prices(lp, -exact.row_dual)
    assert surrogate.duals(prices, seconds=0.01) is None
    found = surrogate.duals(prices)
    assert found is not None
    assert found.objective == pytest.approx(optimum, rel=ROUNDING)


def test_without_a_time_limit_a_coarse_gap_ends_after_the_sharpened_coarse_run() -> None:
    s, lp, optimum = _programme(200, 5, 2)
    said: list[str] = []
    run = solve_highs_first_order(s, lp, labour=0, gap=1e-3, threads=0, progress=said.append)
    assert run.stopped == "gap"
    assert any("tolerance 0.001" in line for line in said)
    assert any("surrogate" in line for line in said)
    assert not any("tolerance 1e-06" in line for line in said)
    assert run.certificate.lower_bound <= optimum * (1 + ROUNDING)
    assert optimum <= run.certificate.upper_bound * (1 + ROUNDING)
