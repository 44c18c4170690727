"""Wiring: builds what the entry points need from settings and the packaged data."""

from __future__ import annotations

from importlib.resources import as_file, files
from typing import TYPE_CHECKING

from rada.planning.economy import Economy

if TYPE_CHECKING:
    from rada.config import Settings
    from rada.store.database import Database


def open_database(settings: Settings) -> Database:
    """Rada's database as the settings name it, migrated to the newest schema.

    For a SQLite file the directory is created first (private to its owner); the file itself
    is made private by :func:`rada.store.engine.record_engine`.
    """
    from sqlalchemy.engine import make_url

    from rada.store.database import Database

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        from pathlib import Path

        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    database = Database(settings.database_url)
    database.upgrade()
    return database


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
