"""Which constraints bind, and which targets an explanation covers, do not depend on the
units a table is written in: in WIOD's millions of dollars labour's shadow price is 1.4e-8 per
unit, below a fixed threshold on prices, and the plan pages said that no product held
anything back although labour was used to the full."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rada.planning.explain import explain_plan
from rada.planning.formats.iot import iot_economy, read_iot
from rada.planning.optimal import solve_plan

UK = Path(__file__).resolve().parents[4] / "shared" / "data" / "io" / "uk-2010" / "iot.csv"


def _explained(unit: float) -> tuple[list[tuple[str, int, str]], list[tuple[str, int]]]:
    table = read_iot(UK)
    scaled = replace(
        table,
        flows=table.flows * unit,
        output=table.output * unit,
        labour=table.labour * unit,
        final_demand=table.final_demand * unit,
    )
    plan = solve_plan(iot_economy(scaled, years=2, target_growth=0.025, supply_growth=0.01))
    explanation = explain_plan(plan)
    binding = [(c.kind, c.year, c.name) for c in explanation.binding]
    products = sorted((x.product, x.year) for x in explanation.products)
    return binding, products


@pytest.mark.parametrize("unit", [1e3, 1e6, 1e-3])
def test_what_binds_is_the_same_in_any_unit(unit: float) -> None:
    """The shipped table is in millions of pounds: in thousands, in pounds and in billions
    the same constraints bind and the same targets are explained."""
    binding, products = _explained(1.0)
    assert binding == [("resource", 1, "labour"), ("resource", 2, "labour")]
    assert len(products) > 100  # every targeted product with a price
    assert _explained(unit) == (binding, products)
