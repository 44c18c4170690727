"""Wiring: builds what the entry points need from settings and the packaged data."""

from __future__ import annotations

from dataclasses import replace
from importlib.resources import as_file, files
from typing import TYPE_CHECKING

from rada.planning.economy import Economy
from rada.planning.horizon import SUPPLY_GROWTH, TARGET_GROWTH

if TYPE_CHECKING:
    from pathlib import Path

    from rada.config import Settings
    from rada.services.ports import PlanSolver
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


def plan_solver(settings: Settings) -> PlanSolver:
    """What solves a planning cycle's plans: the Dask cluster at ``RADA_DASK_SCHEDULER`` when
    one is set (each round's plans as one batch there), otherwise this process, one plan
    after another. No local cluster is started for a round: that costs seconds, more than
    a round's plans of the shipped economy take here."""
    if not settings.dask_scheduler:
        from rada.services.planning_cycle import solve_each

        return solve_each
    from functools import partial

    from rada.compute.scenarios import solve_plans

    return partial(solve_plans, scheduler=settings.dask_scheduler)


#: The name of the shipped UK 2010 economy (what a planning cycle of it records).
DEMO_NAME = "UK 2010 (ONS input-output tables, 127 products)"
#: The unit of the shipped table's products and labour: its values are in millions of pounds.
DEMO_UNIT = "GBP million"


def demo_economy(
    *,
    years: int = 5,
    target_growth: float = TARGET_GROWTH,
    supply_growth: float = SUPPLY_GROWTH,
) -> Economy:
    """The UK 2010 economy shipped with Rada, planned over ``years`` years.

    Targets are the table's final demand, growing by ``target_growth`` a year; labour supply
    is the table's compensation of employees, growing by ``supply_growth``. Products and
    labour are measured in :data:`DEMO_UNIT`.
    """

    from rada.planning.formats.iot import iot_economy, read_iot

    data = files("rada") / "data" / "uk-2010"
    with as_file(data / "iot.csv") as table_path, as_file(data / "products.csv") as labels:
        table = read_iot(table_path, labels=labels)
    economy = iot_economy(
        table, years=years, target_growth=target_growth, supply_growth=supply_growth
    )
    return replace(
        economy,
        products=tuple(replace(p, unit=DEMO_UNIT) for p in economy.products),
        resources=tuple(replace(r, unit=DEMO_UNIT) for r in economy.resources),
        name=DEMO_NAME,
        description=(
            f"A {years}-year plan: consumption targets grow {target_growth:.1%} a year, "
            f"labour {supply_growth:.1%} a year; one workplace per product at 2010 techniques."
        ),
    )


def configured_economy(settings: Settings) -> Economy:
    """The economy the settings name (``RADA_ECONOMY`` and its ``RADA_ECONOMY_*`` companions,
    which ``rada serve --economy`` sets), read as ``rada plan solve`` reads it; the shipped UK
    2010 one (:func:`demo_economy`) when they name none. Raises the reader's
    :class:`~rada.planning.errors.InputError`, naming the file and line, for bad input."""
    if settings.economy is None:
        return demo_economy()
    economy = read_economy(
        settings.economy,
        settings.economy_format,
        settings.economy_labour_row,
        years=settings.economy_years,
        target_growth=settings.economy_target_growth,
        supply_growth=settings.economy_supply_growth,
    )
    if economy.name:
        return economy
    # A table has no name of its own: the pages name it by its folder and file.
    path = settings.economy.resolve()
    name = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    return replace(economy, name=name)


def read_economy(
    path: Path,
    fmt: str | None,
    labour_row: str | None,
    *,
    years: int | None = None,
    target_growth: float = TARGET_GROWTH,
    supply_growth: float = SUPPLY_GROWTH,
) -> Economy:
    """Read an economy in the named (or detected) format; an input-output table over
    ``years`` years (not given: its one year), targets and labour growing by the shares."""
    from rada.planning.errors import InputError
    from rada.planning.formats import FORMATS, detect_format, load_economy

    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    if labour_row is not None or years is not None:
        table = (fmt or detect_format(path)) == "iot"
        if labour_row is not None and not table:
            # Said, not ignored: the economy names its own labour.
            raise InputError(
                "--labour-row (RADA_ECONOMY_LABOUR_ROW) applies to input-output tables",
                file=str(path),
                hint="this economy names its own labour resource; leave --labour-row out",
            )
        if years is not None and not table:
            raise InputError(
                "--years (RADA_ECONOMY_YEARS) applies to input-output tables, which hold one year",
                file=str(path),
                hint="this economy has its own horizon; leave --years out",
            )
    if years is None:
        return load_economy(path, format=fmt, labour_row=labour_row)
    return load_economy(
        path,
        format=fmt,
        labour_row=labour_row,
        years=years,
        target_growth=target_growth,
        supply_growth=supply_growth,
    )


def demo_labels(language: str) -> dict[str, str]:
    """The shipped economy's names of its products (by code) and of labour (``labour``) in
    ``language``, from ``data/uk-2010/labels.<language>.csv``; empty when there is no such
    file (English: the table's own labels are English)."""
    from rada.planning.formats.iot import read_labels

    source = files("rada") / "data" / "uk-2010" / f"labels.{language}.csv"
    if not source.is_file():
        return {}
    with as_file(source) as path:
        return read_labels(path)
