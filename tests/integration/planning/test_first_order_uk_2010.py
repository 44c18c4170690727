"""First-order runs bracket the optimum of the shipped UK 2010 table (issue 17 §1)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rada.planning.economy import CapitalStock, Economy
from rada.planning.formats.iot import iot_economy, read_iot
from rada.planning.optimal import solve_plan


@pytest.fixture(scope="module")
def uk_plan_economy(shared_data: Path) -> Economy:
    """The table over five years, targets growing 4 % and labour 1 % a year, each industry
    holding its two largest inputs as stocks, so that growth needs investment."""
    folder = shared_data / "io" / "uk-2010"
    table = read_iot(folder / "iot.csv", labels=folder / "products.csv")
    economy = iot_economy(table, years=5, target_growth=0.04, supply_growth=0.01)
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


@pytest.mark.parametrize("solver", ["first-order", "pdhg"])
def test_first_order_bounds_bracket_the_exact_optimum_of_the_uk_2010_table(
    uk_plan_economy: Economy, solver: str
) -> None:
    exact = solve_plan(uk_plan_economy, solver="primal")
    assert exact.certificate.gap <= 1e-9
    plan = solve_plan(uk_plan_economy, solver=solver, gap=1e-6, time_limit=300)
    c = plan.certificate
    scale = 1e-9 * exact.objective
    assert c.lower_bound <= exact.objective + scale
    assert exact.objective <= c.upper_bound + scale
    assert c.gap <= 1e-6
    assert c.max_violation <= 1e-9
    assert plan.investment.sum() > 0
