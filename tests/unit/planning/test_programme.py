"""The stock-eliminated programme has the same optimum as the one with stock variables."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from rada.planning.economy import CapitalStock, Economy
from rada.planning.formats.iot import iot_economy, read_iot
from rada.planning.generate import generate_economy
from rada.planning.highs import run_highs
from rada.planning.optimal import solve_plan
from rada.planning.programme import LinearProgramme, build_programme, stocks_of
from rada.planning.structure import Structure, compile_economy
from rada.planning.tolerances import CLAIM_RTOL, EXACT_GAP


def _blocks(s: Structure) -> tuple[Any, ...]:
    """The blocks both reference formulations share: the years' identity, the net outputs,
    investment taken from the balance, stock use per unit, the targets and the year before."""
    P, N, K, T = s.n_products, s.n_techniques, s.n_pairs, s.years
    eye_t = sp.eye_array(T, format="csr")
    net = sp.csr_array(s.out - s.inp)
    pair = np.arange(K)
    take = sp.csr_array((-np.ones(K), (s.pair_good, pair)), shape=(P, K))
    use = sp.csr_array((s.per_unit, (pair, s.pair_tech)), shape=(K, N))
    target = sp.csr_array(
        (-s.targets.ravel(), (np.arange(P * T), np.repeat(np.arange(T), P))), shape=(P * T, T)
    )
    return eye_t, net, take, use, target, sp.eye_array(T, T - 1, format="csr")


def stocked_programme(s: Structure) -> LinearProgramme:
    """The reference formulation: stocks as variables, carried by a row per pair and year."""
    P, N, R, K, T = s.n_products, s.n_techniques, s.n_resources, s.n_pairs, s.years
    eye_t, net, take, use, target, before = _blocks(s)
    after = sp.eye_array(T - 1, T, k=1, format="csr")
    now = sp.eye_array(T - 1, T, format="csr")
    keep = sp.diags_array(1.0 - s.depreciation)
    eye_k = sp.eye_array(K, format="csr")
    blocks: list[list[Any]] = [
        [sp.kron(eye_t, net), None, sp.kron(before, take), target],
        [sp.kron(eye_t, s.res), None, None, None],
        [sp.kron(eye_t, use), -sp.kron(eye_t, eye_k), None, None],
        [
            None,
            sp.kron(after, eye_k) - sp.kron(now, keep),
            -sp.kron(sp.eye_array(T - 1), eye_k),
            None,
        ],
    ]
    matrix = sp.csc_array(sp.block_array(blocks, format="csc"))
    n_cols = N * T + K * T + K * (T - 1) + T
    cost = np.zeros(n_cols)
    cost[-T:] = 1.0
    col_upper = np.full(n_cols, np.inf)
    col_upper[: N * T] = np.tile(s.capacity, T)
    col_upper[N * T : N * T + K] = s.initial
    inf = np.inf
    row_lower = np.concatenate([s.committed.ravel(), np.full(R * T + K * T + K * (T - 1), -inf)])
    row_upper = np.concatenate(
        [np.full(P * T, inf), s.supply.ravel(), np.zeros(K * T + K * (T - 1))]
    )
    lay = build_programme(s).layout  # only carried along; the reference is read by position
    return LinearProgramme(lay, matrix, cost, np.zeros(n_cols), col_upper, row_lower, row_upper)


def block_matrix(s: Structure) -> sp.csc_array:
    """The eliminated programme's matrix as SciPy block matrices of Kronecker products, as
    ``build_programme`` made it before it wrote the columns out itself."""
    K, T = s.n_pairs, s.years
    eye_t, net, take, use, target, before = _blocks(s)
    keep = 1.0 - s.depreciation
    standing: list[list[Any]] = [
        [sp.diags_array(-(keep ** (y - 1 - j))) if j < y and K else None for j in range(T - 1)]
        for y in range(T)
    ]
    if T > 1 and K:
        standing[0][0] = sp.csr_array((K, K))
        built = sp.block_array(standing, format="csr")
    else:
        built = sp.csr_array((K * T, K * (T - 1)))
    blocks: list[list[Any]] = [
        [sp.kron(eye_t, net), sp.kron(before, take), target],
        [sp.kron(eye_t, s.res), None, None],
        [sp.kron(eye_t, use), built, None],
    ]
    matrix = sp.csc_array(sp.block_array(blocks, format="csc"))
    matrix.eliminate_zeros()
    return matrix


def _worn_out(economy: Economy) -> Economy:
    """Capital that lasts one year (depreciation 1) and a product with no target."""
    with_capital = _with_capital(economy)
    techniques = tuple(
        replace(tech, capital=tuple(replace(c, depreciation=1.0) for c in tech.capital))
        for tech in with_capital.techniques
    )
    targets = dict(with_capital.targets)
    targets.pop(next(iter(targets)))
    return replace(with_capital, techniques=techniques, targets=targets)


@pytest.mark.parametrize(
    "make",
    [
        lambda: generate_economy(products=40, years=1, seed=1),
        lambda: generate_economy(products=60, years=3, seed=2),
        lambda: generate_economy(products=80, years=5, seed=3, alternatives=0.3),
        lambda: generate_economy(products=300, years=4, seed=4, alternatives=0.2),
        lambda: _with_capital(generate_economy(products=30, years=1, seed=5)),
        lambda: _worn_out(generate_economy(products=30, years=3, seed=6)),
    ],
)
def test_the_columns_written_out_are_the_block_matrices_to_the_bit(make: Any) -> None:
    s = compile_economy(make())
    got, want = build_programme(s).matrix, block_matrix(s)
    assert got.shape == want.shape
    assert got.indptr.dtype == want.indptr.dtype
    assert got.indices.dtype == want.indices.dtype
    assert got.indptr.tobytes() == want.indptr.tobytes()
    assert got.indices.tobytes() == want.indices.tobytes()
    assert got.data.tobytes() == want.data.tobytes()


def test_the_columns_written_out_match_the_blocks_for_kantorovich_and_the_uk_table(
    kantorovich: Economy, shared_data: Path
) -> None:
    folder = shared_data / "io" / "uk-2010"
    table = read_iot(folder / "iot.csv", labels=folder / "products.csv")
    uk = _with_capital(iot_economy(table, years=5, target_growth=0.04, supply_growth=0.01))
    for economy in (kantorovich, uk):
        s = compile_economy(economy)
        got, want = build_programme(s).matrix, block_matrix(s)
        assert got.indptr.tobytes() == want.indptr.tobytes()
        assert got.indices.tobytes() == want.indices.tobytes()
        assert got.data.tobytes() == want.data.tobytes()


def _both_optima(economy: Economy) -> tuple[float, float]:
    s = compile_economy(economy)
    eliminated = run_highs(build_programme(s), maximise=True, solver="primal", threads=0)
    stocked = run_highs(stocked_programme(s), maximise=True, solver="primal", threads=0)
    assert eliminated.status == stocked.status == "Optimal"
    return eliminated.objective, stocked.objective


def _with_capital(economy: Economy) -> Economy:
    """Each technique also holds its two largest inputs as stocks, sized for year one, so
    that growth needs investment."""
    techniques = []
    for tech in economy.techniques:
        largest = sorted(tech.inputs.items(), key=lambda item: -item[1])[:2]
        capital = tuple(
            CapitalStock(good=good, per_unit=2.0 * v, depreciation=0.05, initial=2.0 * v)
            for good, v in largest
            if v > 0
        )
        techniques.append(replace(tech, capital=capital))
    return replace(economy, techniques=tuple(techniques))


@pytest.mark.parametrize(
    ("products", "years", "seed", "alternatives"),
    [(40, 1, 1, 0.0), (60, 3, 2, 0.0), (80, 5, 3, 0.3), (150, 4, 4, 0.2)],
)
def test_eliminating_the_stocks_keeps_the_optimum_of_generated_economies(
    products: int, years: int, seed: int, alternatives: float
) -> None:
    economy = generate_economy(products=products, years=years, seed=seed, alternatives=alternatives)
    eliminated, stocked = _both_optima(economy)
    assert eliminated == pytest.approx(stocked, rel=CLAIM_RTOL)


def test_eliminating_the_stocks_keeps_the_optimum_of_the_uk_2010_table(
    shared_data: Path,
) -> None:
    folder = shared_data / "io" / "uk-2010"
    table = read_iot(folder / "iot.csv", labels=folder / "products.csv")
    economy = _with_capital(iot_economy(table, years=5, target_growth=0.04, supply_growth=0.01))
    eliminated, stocked = _both_optima(economy)
    assert eliminated == pytest.approx(stocked, rel=CLAIM_RTOL)
    plan = solve_plan(economy)
    assert plan.certificate.gap <= EXACT_GAP
    assert plan.investment.sum() > 0  # growth is built, not only carried


def test_the_plan_reads_its_stocks_back_from_the_investments() -> None:
    economy = generate_economy(products=60, years=4, seed=5)
    plan = solve_plan(economy)
    s = plan.structure
    assert np.allclose(plan.stocks, stocks_of(s, plan.investment), rtol=0, atol=0)
    assert np.array_equal(plan.stocks[0], s.initial)
    keep = 1.0 - s.depreciation
    assert np.allclose(plan.stocks[1:], keep * plan.stocks[:-1] + plan.investment)
    assert plan.certificate.gap <= EXACT_GAP


def test_the_eliminated_programme_is_smaller() -> None:
    s = compile_economy(generate_economy(products=200, years=5, seed=1))
    eliminated, stocked = build_programme(s), stocked_programme(s)
    assert eliminated.matrix.shape[0] < stocked.matrix.shape[0]
    assert eliminated.matrix.shape[1] < stocked.matrix.shape[1]
    assert eliminated.matrix.nnz < stocked.matrix.nnz


def test_the_structure_makes_its_net_and_gross_flows_once() -> None:
    s = compile_economy(generate_economy(products=50, years=2, seed=9))
    assert (s.net != sp.csc_array(s.out - s.inp)).nnz == 0
    assert (s.gross != sp.csc_array(s.out + s.inp)).nnz == 0
    assert s.net is s.net
    assert s.gross is s.gross
    # A structure made from another with other flows makes its own.
    doubled = replace(s, out=sp.csc_array(2 * s.out))
    assert (doubled.net != sp.csc_array(2 * s.out - s.inp)).nnz == 0
