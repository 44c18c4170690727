"""The UK 2010 input-output table: published inverse, labour values and a balanced plan."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rada.planning.formats.iot import IOTable, iot_economy, read_iot
from rada.planning.leontief import (
    gross_output,
    iter_leontief_rows,
    labour_values,
    leontief_inverse,
)
from rada.planning.optimal import solve_plan


@pytest.fixture(scope="module")
def uk(shared_data: Path) -> IOTable:
    folder = shared_data / "io" / "uk-2010"
    return read_iot(folder / "iot.csv", labels=folder / "products.csv")


def _published(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    return [r[0] for r in rows[1:]], np.array([[float(v) for v in r[1:]] for r in rows[1:]])


def test_the_table_is_read_with_its_published_totals(uk: IOTable) -> None:
    assert len(uk.codes) == 127
    assert uk.codes[0] == "01"
    assert uk.codes[3] == "05"
    assert uk.output.sum() == pytest.approx(2_711_180, abs=1e-6)
    assert uk.labour.sum() == pytest.approx(801_796, abs=1e-6)
    assert uk.flows.sum() == pytest.approx(1_027_811, abs=1e-6)
    assert uk.final_demand.sum() == pytest.approx(1_683_369, abs=1e-6)
    assert uk.coefficients[0, 0] == pytest.approx(0.0983145911411633, rel=1e-15)


def test_leontief_inverse_equals_the_published_one(uk: IOTable, shared_data: Path) -> None:
    codes, published = _published(shared_data / "io" / "uk-2010" / "leontief_published.csv")
    assert codes == list(uk.codes)
    inverse = leontief_inverse(uk.coefficients)
    assert np.max(np.abs(inverse - published)) < 1e-9
    assert inverse.sum() == pytest.approx(208.61936049555698, abs=1e-9)


def test_streamed_rows_of_the_inverse_equal_the_whole(uk: IOTable) -> None:
    whole = leontief_inverse(uk.coefficients)
    for first, rows in iter_leontief_rows(uk.coefficients, block=50):
        # Equal to the last few bits: with more than one BLAS thread, SuperLU's solve of 50
        # right-hand sides splits the work differently from one of 256, and the sums round
        # differently (measured: up to 8e-16 relative on two threads, 0 on one).
        np.testing.assert_allclose(rows, whole[first : first + rows.shape[0]], rtol=4e-15, atol=0)


def test_labour_values_by_successive_approximation_equal_the_direct_solve(uk: IOTable) -> None:
    direct = labour_values(uk.coefficients, uk.labour_coefficients, method="direct")
    iterated = labour_values(uk.coefficients, uk.labour_coefficients, method="iterative")
    assert iterated.iterations == 32  # as the data README reports for a 1e-12 stop
    assert np.max(np.abs(direct.value - iterated.value)) < 1e-11
    assert direct.value[0] == pytest.approx(0.3681697205393202, rel=1e-13)
    assert direct.value.sum() == pytest.approx(62.36648989914862, rel=1e-13)
    # All labour is embodied in final demand.
    assert direct.value @ uk.final_demand == pytest.approx(801_796, rel=1e-12)


def test_gross_output_for_final_demand_reproduces_the_output_row(uk: IOTable) -> None:
    for method in ("direct", "iterative"):
        x = gross_output(uk.coefficients, uk.final_demand, method=method).value
        assert np.max(np.abs(x - uk.output) / uk.output) < 1e-9


def test_plan_for_the_tables_own_net_output_fulfils_exactly_and_prices_are_labour_values(
    uk: IOTable,
) -> None:
    economy = iot_economy(uk)
    x0 = uk.output
    d = x0 - uk.flows @ np.ones(len(x0))  # (I - A) x0, with A x0 = row sums of the flows
    economy = replace(
        economy,
        targets={c: (float(v),) for c, v in zip(uk.codes, d, strict=True) if v > 0},
        committed={c: (float(v),) for c, v in zip(uk.codes, d, strict=True) if v < 0},
        supply={"labour": (float(uk.labour_coefficients @ x0),)},
    )
    plan = solve_plan(economy)
    assert plan.fulfilment[0] == pytest.approx(1.0, abs=1e-9)
    values = labour_values(uk.coefficients, uk.labour_coefficients).value
    # Shadow prices are per unit of product (GBP million), like labour values: pi = w v.
    ratio = plan.product_prices[0] / values
    assert np.max(ratio) - np.min(ratio) < 1e-9 * np.mean(ratio)
    assert np.mean(ratio) == pytest.approx(plan.resource_prices[0, 0], rel=1e-9)


def test_the_five_year_plan_of_the_table_is_certified_to_1e_9(uk: IOTable) -> None:
    economy = iot_economy(uk, years=5, target_growth=0.025, supply_growth=0.01)
    plan = solve_plan(economy)
    c = plan.certificate
    assert c.lower_bound <= plan.objective * (1 + 1e-12) <= c.upper_bound * (1 + 2e-12)
    assert c.gap <= 1e-9
    assert c.max_violation == 0.0
    assert c.accepted, c.problems()


def test_a_plan_limited_by_labour_alone_is_the_certified_closed_form(uk: IOTable) -> None:
    # No stocks and no capacities: each year's best plan is its targets scaled to the labour
    # supply, and auto returns it without solving a linear programme, certified optimal.
    economy = iot_economy(uk, years=5, target_growth=0.025, supply_growth=0.01)
    said: list[str] = []
    plan = solve_plan(economy, progress=said.append)
    assert plan.iterations == 0
    assert any("plan with no investment is optimal" in line for line in said)
    assert plan.status == "optimal"
    assert plan.certificate.gap <= 1e-9
    exact = solve_plan(economy, solver="primal")
    assert exact.iterations > 0
    assert plan.objective == pytest.approx(exact.objective, rel=1e-9)
    np.testing.assert_allclose(plan.fulfilment, exact.fulfilment, rtol=1e-9)
    np.testing.assert_allclose(plan.activity, exact.activity, rtol=1e-8, atol=1e-9)


def test_the_tables_labels_carry_no_control_characters() -> None:
    """The ONS file has U+001A where an en dash was ("Education \\x1aNon-market"); a label
    goes into proposal texts, which refuse control characters, so it is read as the dash."""
    from rada.bootstrap import demo_economy

    economy = demo_economy()
    labels = [economy.label(p.id) for p in economy.products]
    assert all(c >= " " for label in labels for c in label)
    assert "Education – Non-market" in labels
