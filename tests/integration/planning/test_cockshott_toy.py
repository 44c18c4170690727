"""Cockshott's toy economy: our optimal plan equals the known LP optima of his 5-year plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from rada.planning.formats.cockshott import read_cockshott
from rada.planning.optimal import SOLVERS, solve_plan

# From ../shared/data/cockshott-toy/README.md (three independent implementations agree).
KNOWN = {
    "v2019": (8.79729913, [0.5, 2.06187, 2.03932, 1.98685, 2.20926]),
    "v-doc": (7.33645309, [0.159221, 1.75043, 1.75259, 1.71516, 1.95906]),
}


@pytest.mark.parametrize("variant", sorted(KNOWN))
def test_objective_and_yearly_fulfilment_match_the_known_optimum(
    shared_data: Path, variant: str
) -> None:
    plan = solve_plan(read_cockshott(shared_data / "cockshott-toy" / variant))
    objective, yearly = KNOWN[variant]
    assert plan.objective == pytest.approx(objective, abs=5e-9)
    assert list(plan.fulfilment) == pytest.approx(yearly, abs=5e-6)


@pytest.mark.parametrize("solver", ["primal", "dual", "ipm", "choose"])
def test_every_exact_solver_reaches_the_same_optimum(shared_data: Path, solver: str) -> None:
    assert solver in SOLVERS
    plan = solve_plan(read_cockshott(shared_data / "cockshott-toy" / "v2019"), solver=solver)
    assert plan.objective == pytest.approx(8.79729913, abs=5e-9)


def test_iron_output_matches_the_printout_in_cockshotts_documentation(shared_data: Path) -> None:
    economy = read_cockshott(shared_data / "cockshott-toy" / "v-doc")
    plan = solve_plan(economy)
    iron = economy.product_index["iron"]
    # "outputOfiron1 = 9.02671" and "outputOfiron5 = 0.197885" in plancode/documentation.odt
    assert plan.gross_output[0, iron] == pytest.approx(9.02671, abs=5e-6)
    assert plan.gross_output[4, iron] == pytest.approx(0.197885, abs=5e-7)


def test_labour_is_never_used_beyond_its_supply(shared_data: Path) -> None:
    plan = solve_plan(read_cockshott(shared_data / "cockshott-toy" / "v2019"))
    assert all(plan.labour_used <= plan.labour_supply + 1e-9)
    # Labour binds from year 2 on: the plan uses all of it.
    assert list(plan.labour_used[1:]) == pytest.approx(list(plan.labour_supply[1:]))
