"""The optimal plan on small economies whose answers are known."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rada.planning.economy import LABOUR, CapitalStock, Economy, Product, Resource, Technique
from rada.planning.errors import PlanInfeasible, PlanningError, PlanUnbounded
from rada.planning.formats.cockshott import read_cockshott
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan

TOY = Path(__file__).resolve().parents[4] / "shared" / "data" / "cockshott-toy" / "v2019"


def test_kantorovich_machine_tool_problem_makes_70_4933_sets(kantorovich: Economy) -> None:
    plan = solve_plan(kantorovich)
    assert plan.objective == pytest.approx(70.4933, abs=5e-5)
    # Every machine group is fully used.
    assert list(plan.resource_used[0, 1:]) == pytest.approx([1.0, 1.0, 1.0])


def test_shadow_prices_equal_the_change_of_the_optimum(tmp_path: Path) -> None:
    economy = read_cockshott(TOY)
    plan = solve_plan(economy)
    step = 1e-5
    bread = economy.product_index["bread"]
    more_demand = replace(economy, committed={"bread": (0.0, step, 0.0, 0.0, 0.0)})
    assert (plan.objective - solve_plan(more_demand).objective) / step == pytest.approx(
        plan.product_prices[1, bread], rel=1e-4
    )
    supply = list(economy.supply[LABOUR])
    supply[2] += step
    more_labour = replace(economy, supply={LABOUR: tuple(supply)})
    assert (solve_plan(more_labour).objective - plan.objective) / step == pytest.approx(
        plan.resource_prices[2, 0], rel=1e-4
    )


def test_balances_and_stock_dynamics_hold_in_every_year() -> None:
    economy = read_cockshott(TOY)
    plan = solve_plan(economy)
    s = plan.structure
    for y in range(economy.years):
        net = s.out @ plan.activity[y] - s.inp @ plan.activity[y] - plan.accumulation[y]
        assert np.allclose(net, plan.final_consumption[y], atol=1e-9)
        assert np.all(plan.final_consumption[y] >= plan.fulfilment[y] * s.targets[y] - 1e-8)
        assert np.all(s.per_unit * plan.activity[y, s.pair_tech] <= plan.stocks[y] + 1e-8)
        if y:
            carried = (1 - s.depreciation) * plan.stocks[y - 1] + plan.investment[y - 1]
            assert np.all(plan.stocks[y] <= carried + 1e-8)
    assert np.all(plan.stocks[0] <= s.initial + 1e-9)


def test_a_capacity_limits_its_technique_and_gets_a_price() -> None:
    economy = read_cockshott(TOY)
    coal = economy.techniques[economy.technique_index["coal"]]
    capped = replace(
        economy,
        techniques=tuple(
            replace(t, capacity=0.2) if t.id == "coal" else t for t in economy.techniques
        ),
    )
    plan = solve_plan(capped)
    j = capped.technique_index["coal"]
    assert coal.capacity is None
    assert np.all(plan.activity[:, j] <= 0.2 + 1e-9)
    assert plan.capacity_prices[:, j].max() > 0
    assert plan.objective < solve_plan(economy).objective


def test_a_committed_delivery_that_labour_cannot_meet_names_the_conflict() -> None:
    economy = read_cockshott(TOY)
    impossible = replace(economy, committed={"bread": (100.0, 0.0, 0.0, 0.0, 0.0)})
    with pytest.raises(PlanInfeasible) as caught:
        solve_plan(impossible)
    conflicts = " | ".join(caught.value.conflicts)
    assert "committed delivery of 'bread' in year 1" in conflicts
    assert "falls short" in conflicts
    assert "conflict" in str(caught.value)


def test_a_target_that_nothing_limits_is_reported_as_unbounded() -> None:
    free = Economy(
        products=(Product(id="air"),),
        resources=(Resource(id=LABOUR),),
        techniques=(Technique(id="breathe", outputs={"air": 1.0}),),
        years=1,
        targets={"air": (1.0,)},
        supply={LABOUR: (1.0,)},
    )
    with pytest.raises(PlanUnbounded):
        solve_plan(free)


def test_joint_production_and_a_choice_of_techniques() -> None:
    # Coke ovens make coke and gas together; gas can also come from a cheaper-in-capital but
    # labour-hungry gasworks. With scarce labour, the plan uses the joint technique.
    economy = Economy(
        products=(Product(id="coke"), Product(id="gas")),
        resources=(Resource(id=LABOUR),),
        techniques=(
            Technique(id="ovens", outputs={"coke": 1.0, "gas": 0.5}, resources={LABOUR: 1.0}),
            Technique(id="gasworks", outputs={"gas": 1.0}, resources={LABOUR: 3.0}),
        ),
        years=1,
        targets={"coke": (1.0,), "gas": (0.5,)},
        supply={LABOUR: (10.0,)},
    )
    plan = solve_plan(economy)
    assert plan.fulfilment[0] == pytest.approx(10.0)
    assert plan.activity[0, 1] == pytest.approx(0.0, abs=1e-9)


def test_capital_built_in_one_year_raises_output_the_next() -> None:
    economy = Economy(
        products=(Product(id="machines"), Product(id="bread")),
        resources=(Resource(id=LABOUR),),
        techniques=(
            Technique(id="machine-works", outputs={"machines": 1.0}, resources={LABOUR: 1.0}),
            Technique(
                id="bakery",
                outputs={"bread": 1.0},
                resources={LABOUR: 0.1},
                capital=(CapitalStock(good="machines", per_unit=1.0, initial=1.0),),
            ),
        ),
        years=2,
        targets={"bread": (1.0, 1.0)},
        supply={LABOUR: (10.0, 10.0)},
    )
    plan = solve_plan(economy)
    assert plan.fulfilment[0] == pytest.approx(1.0)  # one machine: one unit of bread
    assert plan.investment[0, 0] > 0
    assert plan.fulfilment[1] > 1.0


def test_where_stocks_bind_auto_does_not_stop_at_the_closed_form() -> None:
    said: list[str] = []
    plan = solve_plan(read_cockshott(TOY), progress=said.append)
    assert any("plan with no investment is not optimal" in line for line in said)
    assert "solver: primal" in said
    assert plan.iterations > 0
    assert plan.objective == pytest.approx(8.79729913, abs=5e-9)


@pytest.mark.parametrize(
    ("gap", "time_limit"),
    [(0.0, None), (-1.0, None), (float("nan"), None), (1.0, None), (1e-6, 0.0),
     (1e-6, -5.0), (1e-6, float("nan")), (1e-6, float("inf"))],
)  # fmt: skip
def test_the_library_refuses_a_gap_or_time_limit_out_of_bounds(
    gap: float, time_limit: float | None
) -> None:
    with pytest.raises(PlanningError, match=r"the gap is relative|the time limit is a number"):
        solve_plan(generate_economy(products=5, years=1, seed=1), gap=gap, time_limit=time_limit)


def test_a_solve_that_names_its_threads_after_one_that_did_not_still_solves() -> None:
    """HiGHS's thread pool belongs to the process and keeps its first size: a later solve that
    asked for another size ended with status "Not Set" and no plan."""
    economy = generate_economy(products=20, years=2, seed=1)
    plans = [solve_plan(economy, solver="primal", threads=t) for t in (0, 1, 3, 0)]
    assert all(p.status == "optimal" for p in plans)
    assert [p.objective for p in plans] == pytest.approx([plans[0].objective] * 4, rel=1e-12)
