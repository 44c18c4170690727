"""``rada io``: Leontief inverse, labour values and balances of a national input-output table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from rada.cli._options import JsonOption, LabourRowOption

if TYPE_CHECKING:
    from rada.planning.formats.iot import IOTable

app = typer.Typer(
    help="Leontief inverse, labour values and balances of national input-output tables.",
    no_args_is_help=True,
)

Table = Annotated[Path, typer.Argument(help="A symmetric input-output table (wide CSV).")]
Method = Annotated[
    str, typer.Option(help="auto, direct (sparse LU) or iterative (successive approximation).")
]
METHODS: tuple[Literal["auto", "direct", "iterative"], ...] = ("auto", "direct", "iterative")


def _method(name: str) -> Literal["auto", "direct", "iterative"]:
    from rada.planning.errors import InputError

    for known in METHODS:
        if name == known:
            return known
    raise InputError(f"unknown method {name!r}; use {', '.join(METHODS)}")


def _read(table: Path, labour_row: str | None) -> IOTable:
    from rada.planning.errors import InputError
    from rada.planning.formats.iot import DEFAULT_LABOUR_ROW, read_iot

    if not table.is_file():
        raise InputError("no such file", file=str(table))
    return read_iot(table, labour_row=labour_row or DEFAULT_LABOUR_ROW)


def _refuse_overflow(iot: IOTable, what: str, *results: object) -> None:
    """Raise ``InputError`` naming the table unless every number in ``results`` is finite."""
    import numpy as np

    from rada.planning.errors import InputError

    if not all(np.isfinite(np.asarray(result, dtype=np.float64)).all() for result in results):
        raise InputError(
            f"{what} overflow: a result is too large for a floating-point number",
            file=iot.file,
            hint="express the table's figures in a larger unit (millions rather than units)",
        )


def _csv_cell(text: str) -> str:
    """One cell as the csv module writes it in a row of several (quoted where it must be)."""
    import csv
    import io

    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([text, ""])
    return line.getvalue()[: -len(",\n")]


@app.command()
def inverse(
    table: Table,
    out: Annotated[Path, typer.Option("--out", help="Where to write the inverse (CSV).")],
    labour_row: LabourRowOption = None,
    json: JsonOption = False,
) -> None:
    """Write the Leontief inverse (I - A)^-1 of a table as CSV, one block of rows at a time."""
    import csv

    from rada.cli._output import message, print_json, progress
    from rada.planning.leontief import iter_leontief_rows

    with progress("inverting") as say:
        iot = _read(table, labour_row)
        say("factorising I - A")
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["code", *iot.codes])
            # Each row's code as the csv module would write it (quoted where it must be);
            # the numbers never need quoting, so they are joined directly, which skips the
            # writer's check of 2 million cells for WIOD (a median of 4.3 s to 3.7 s in all).
            heads = [_csv_cell(code) for code in iot.codes]
            for first, rows in iter_leontief_rows(iot.coefficients):
                say(f"rows {first + 1}-{first + rows.shape[0]} of {len(iot.codes)}")
                # repr of a Python float is fmt's shortest round-trip text, without a call
                # per cell.
                for offset, row in enumerate(rows.tolist()):
                    handle.write(f"{heads[first + offset]},{','.join(map(repr, row))}\n")
    if json:
        print_json({"products": len(iot.codes), "out": str(out)})
    else:
        message(f"wrote the {len(iot.codes)} x {len(iot.codes)} Leontief inverse to {out}")


@app.command()
def values(
    table: Table,
    labour_row: LabourRowOption = None,
    method: Method = "auto",
    out: Annotated[Path | None, typer.Option(help="Also write code,value CSV here.")] = None,
    json: JsonOption = False,
) -> None:
    """Labour values v = l (I - A)^-1: labour used directly and indirectly per unit of output."""
    import numpy as np
    from rich.markup import escape
    from rich.table import Table as RichTable

    from rada.cli._output import print_json, progress, stdout
    from rada.planning.formats._csv import fmt
    from rada.planning.leontief import labour_values

    with progress("computing labour values") as say:
        iot = _read(table, labour_row)
        say("solving")
        solution = labour_values(iot.coefficients, iot.labour_coefficients, method=_method(method))
    v = solution.value
    with np.errstate(over="ignore"):
        embodied = float(v @ iot.final_demand)
    _refuse_overflow(iot, "the labour values or the labour in final demand", v, embodied)
    if out is not None:
        # Codes quoted as the csv module quotes them (a code may hold a comma); the numbers
        # never need it.
        out.write_text(
            "code,value\n"
            + "".join(f"{_csv_cell(c)},{fmt(x)}\n" for c, x in zip(iot.codes, v, strict=True)),
            encoding="utf-8",
        )
    if json:
        print_json(
            {
                "method": solution.method,
                "iterations": solution.iterations,
                "residual": solution.residual,
                "values": dict(zip(iot.codes, (float(x) for x in v), strict=True)),
                "labour_in_final_demand": embodied,
                "labour_row": iot.labour_row,
                "primary_input_note": iot.primary_input_note,
            }
        )
        return
    shown = RichTable(title=f"Labour values ({solution.method}, residual {solution.residual:.2g})")
    shown.add_column("code")
    shown.add_column("product")
    shown.add_column("direct labour", justify="right")
    shown.add_column("labour value", justify="right")
    for j, code in enumerate(iot.codes):
        shown.add_row(
            escape(code),
            escape(iot.labels.get(code, "")),
            f"{iot.labour_coefficients[j]:.6g}",
            f"{v[j]:.6g}",
        )
    stdout.print(shown)
    stdout.print(f"labour embodied in final demand: {embodied:,.6g}")
    if iot.primary_input_note:
        stdout.print(f"Note: {iot.primary_input_note}.", markup=False)


@app.command()
def balance(
    table: Table,
    labour_row: LabourRowOption = None,
    method: Method = "auto",
    json: JsonOption = False,
) -> None:
    """Gross output x = (I - A)^-1 d for the table's own final demand, against its output row."""
    import numpy as np

    from rada.cli._output import print_json, progress, stdout
    from rada.planning.leontief import gross_output

    with progress("balancing") as say:
        iot = _read(table, labour_row)
        say("solving")
        solution = gross_output(iot.coefficients, iot.final_demand, method=_method(method))
    with np.errstate(over="ignore"):
        total = float(solution.value.sum())
    _refuse_overflow(iot, "the gross outputs or their total", solution.value, total)
    gap = float(np.max(np.abs(solution.value - iot.output)))
    if json:
        print_json(
            {
                "method": solution.method,
                "residual": solution.residual,
                "gross_output": dict(zip(iot.codes, map(float, solution.value), strict=True)),
                "max_difference_from_table": gap,
            }
        )
        return
    stdout.print(
        f"gross output for the table's final demand ({solution.method}): total "
        f"{total:,.6g}; largest difference from the table's output row "
        f"{gap:.3g}; residual {solution.residual:.2g}"
    )
