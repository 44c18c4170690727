"""``rada economy``: generate, convert and describe economies."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rada.cli._options import MOST_PRODUCTS, EconomyFormatOption, JsonOption, LabourRowOption, load
from rada.planning.horizon import MOST_YEARS

if TYPE_CHECKING:
    from rada.planning.formats import Format

app = typer.Typer(help="Generate, convert and describe economies.", no_args_is_help=True)

#: The largest seed ``rada economy generate`` takes (the largest signed 64-bit integer).
MOST_SEED = 2**63 - 1


class GeneratedFormat(StrEnum):
    """The formats a generated economy can be written in.

    Not ``iot``: every generated technique holds capital stocks, which a one-year
    input-output table cannot hold.
    """

    rada = "rada"
    cockshott = "cockshott"


def _created_by(out: Path) -> Path | None:
    """The topmost folder that making ``out`` would create (``None`` when it exists)."""
    top = None
    for folder in (out, *out.parents):
        if folder.exists():
            break
        top = folder
    return top


@app.command()
def generate(
    products: Annotated[
        int, typer.Option(min=1, max=MOST_PRODUCTS, help="Number of products (at most 10 million).")
    ],
    years: Annotated[int, typer.Option(min=1, max=MOST_YEARS, help="Years in the plan.")],
    seed: Annotated[
        int,
        typer.Option(min=0, max=MOST_SEED, help="Random seed: the same seed, the same economy."),
    ],
    out: Annotated[Path, typer.Option(help="Folder to write into.")],
    fmt: Annotated[
        GeneratedFormat,
        typer.Option(
            "--format", help="rada or cockshott (not iot: generated techniques hold capital)."
        ),
    ] = GeneratedFormat.rada,
    alternatives: Annotated[
        float, typer.Option(help="Share of products with a second technique to choose from.")
    ] = 0.0,
    json: JsonOption = False,
) -> None:
    """Write a seeded random productive economy (for tests and benchmarks)."""
    import shutil

    from rada.cli._output import message, print_json, progress
    from rada.planning.formats import save_economy
    from rada.planning.generate import generate_economy

    chosen: Format = "cockshott" if fmt is GeneratedFormat.cockshott else "rada"
    with progress("generating") as say:
        economy = generate_economy(
            products=products, years=years, seed=seed, alternatives=alternatives
        )
        say(f"writing {chosen}")
        created = _created_by(out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            written = save_economy(economy, out, format=chosen)
        except BaseException:
            # A refused economy (Cockshott's format with alternatives) leaves no folder behind.
            if created is not None:
                shutil.rmtree(created, ignore_errors=True)
            raise
    if json:
        print_json({"files": [str(p) for p in written], "products": products, "years": years})
    else:
        message(f"wrote {', '.join(str(p) for p in written)}")


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="The economy to read.")],
    out: Annotated[Path, typer.Option(help="Where to write (a folder for cockshott).")],
    to: Annotated[str, typer.Option(help="Format to write: rada, cockshott or iot.")],
    source_format: Annotated[
        str | None, typer.Option("--from", help="Format to read (default: detect).")
    ] = None,
    labour_row: LabourRowOption = None,
    json: JsonOption = False,
) -> None:
    """Convert an economy between Rada's format, Cockshott's tables and input-output tables."""
    from rada.cli._output import message, print_json, progress
    from rada.planning.errors import InputError
    from rada.planning.formats import FORMATS, save_economy

    if to not in FORMATS:
        raise InputError(f"unknown format {to!r}; use one of {', '.join(FORMATS)}")
    with progress("converting") as say:
        economy = load(source, source_format, labour_row, say)
        written = save_economy(economy, out, format=to)
    if json:
        print_json({"files": [str(p) for p in written]})
    else:
        message(f"wrote {', '.join(str(p) for p in written)}")


@app.command()
def show(
    path: Annotated[Path, typer.Argument(help="Economy: .toml, Cockshott folder or table .csv.")],
    fmt: EconomyFormatOption = None,
    labour_row: LabourRowOption = None,
    json: JsonOption = False,
) -> None:
    """Describe an economy: its size, its techniques and whether it is productive."""
    from rada.cli._output import print_json, progress, stdout
    from rada.planning.errors import NotSquareSystem
    from rada.planning.leontief import spectral_radius
    from rada.planning.structure import compile_economy, square_system

    with progress("reading") as say:
        economy = load(path, fmt, labour_row, say)
        s = compile_economy(economy)
        try:
            a, _ = square_system(economy)
            radius: float | None = spectral_radius(a) if a.shape[0] <= 3000 else None
        except NotSquareSystem:
            radius = None
    facts = {
        "name": economy.name,
        "years": economy.years,
        "products": len(economy.products),
        "resources": [r.id for r in economy.resources],
        "techniques": len(economy.techniques),
        "input_coefficients": int(s.inp.nnz),
        "capital_pairs": s.n_pairs,
        "targeted_products": len(economy.targets),
        "spectral_radius": radius,
    }
    if json:
        print_json(facts)
        return
    for key, value in facts.items():
        stdout.print(f"{key.replace('_', ' '):>20}: {value}", markup=False)
