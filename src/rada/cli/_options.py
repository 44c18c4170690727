"""Options several commands share, and loading an economy with them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rada.planning.economy import Economy

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]

LabourRowOption = Annotated[
    str | None,
    typer.Option(
        "--labour-row",
        help="Input-output tables: the row holding labour (default: 'Compensation of employees').",
    ),
]


def load(
    path: Path, fmt: str | None, labour_row: str | None, say: Callable[[str], None]
) -> Economy:
    """Read an economy in the named (or detected) format."""
    from rada.planning.errors import InputError
    from rada.planning.formats import FORMATS, load_economy

    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    say(f"reading {path}")
    return load_economy(path, format=fmt, labour_row=labour_row)
