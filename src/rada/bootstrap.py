"""Wiring: builds what the entry points need from settings and the packaged data."""

from __future__ import annotations

from importlib.resources import as_file, files

from rada.planning.economy import Economy


def demo_economy(
    *, years: int = 5, target_growth: float = 0.025, supply_growth: float = 0.01
) -> Economy:
    """The UK 2010 economy shipped with Rada, planned over ``years`` years.

    Targets are the table's final demand, growing by ``target_growth`` a year; labour supply
    is the table's compensation of employees, growing by ``supply_growth``.
    """
    from dataclasses import replace

    from rada.planning.formats.iot import iot_economy, read_iot

    data = files("rada") / "data" / "uk-2010"
    with as_file(data / "iot.csv") as table_path, as_file(data / "products.csv") as labels:
        table = read_iot(table_path, labels=labels)
    economy = iot_economy(
        table, years=years, target_growth=target_growth, supply_growth=supply_growth
    )
    return replace(
        economy,
        name="UK 2010 (ONS input-output tables, 127 products)",
        description=(
            f"A {years}-year plan: consumption targets grow {target_growth:.1%} a year, "
            f"labour {supply_growth:.1%} a year; one workplace per product at 2010 techniques."
        ),
    )
