"""Options several commands share, and loading an economy with them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rada.planning.horizon import (
    LEAST_GROWTH,
    MOST_GROWTH,
    MOST_YEARS,
    SUPPLY_GROWTH,
    TARGET_GROWTH,
)

if TYPE_CHECKING:
    from rada.planning.economy import Economy

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]

EconomyFormatOption = Annotated[
    str | None, typer.Option("--format", help="rada, cockshott or iot.")
]

LabourRowOption = Annotated[
    str | None,
    typer.Option(
        "--labour-row",
        help="Input-output tables: the row holding labour (default: 'Compensation of employees').",
    ),
]


#: The most products ``rada economy generate`` makes (the GPU benchmarks go to a million).
MOST_PRODUCTS = 10_000_000
YearsOption = Annotated[
    int | None,
    typer.Option(
        "--years",
        min=1,
        max=MOST_YEARS,
        help="Input-output tables: plan this many years from the table's one year (targets "
        "and labour grow by --target-growth and --supply-growth a year, each at most a "
        "million-fold over the years).",
    ),
]
TargetGrowthOption = Annotated[
    float,
    typer.Option(
        "--target-growth",
        min=LEAST_GROWTH,
        max=MOST_GROWTH,
        help="With --years: yearly growth of the consumption targets.",
    ),
]
SupplyGrowthOption = Annotated[
    float,
    typer.Option(
        "--supply-growth",
        min=LEAST_GROWTH,
        max=MOST_GROWTH,
        help="With --years: yearly growth of the labour supply.",
    ),
]


def load(
    path: Path,
    fmt: str | None,
    labour_row: str | None,
    say: Callable[[str], None],
    *,
    years: int | None = None,
    target_growth: float = TARGET_GROWTH,
    supply_growth: float = SUPPLY_GROWTH,
) -> Economy:
    """Read an economy in the named (or detected) format; a table over ``years`` years
    (:func:`rada.bootstrap.read_economy`), saying so."""
    from rada.bootstrap import read_economy

    say(f"reading {path}")
    return read_economy(
        path,
        fmt,
        labour_row,
        years=years,
        target_growth=target_growth,
        supply_growth=supply_growth,
    )


def primary_input_note(economy: Economy) -> str | None:
    """Said wherever an economy's labour figures are shown when its "labour" is value added
    (:func:`rada.planning.formats.iot.economy_note`)."""
    from rada.planning.formats.iot import economy_note

    return economy_note(economy)
