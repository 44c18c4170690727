"""A strict CSV reader that remembers line numbers, for error messages that name them."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from rada.planning.errors import InputError


@dataclass(frozen=True)
class Row:
    """One data row: its label, its cells and the line it came from (1-based)."""

    line: int
    label: str
    cells: list[str]


@dataclass(frozen=True)
class Table:
    """A labelled table: a header row and data rows, blank lines skipped, cells trimmed."""

    file: str
    header: list[str]
    rows: list[Row]

    def row(self, label: str) -> Row | None:
        """The first row with this label, or None."""
        return next((row for row in self.rows if row.label == label), None)


def read_table(path: Path) -> Table:
    """Read a CSV file whose first column labels the rows and whose first row heads the columns."""
    name = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=name) from None
    except csv.Error as exc:
        raise InputError(f"not a CSV file: {exc}", file=name) from None
    numbered = [
        (number, [cell.strip() for cell in cells])
        for number, cells in enumerate(lines, start=1)
        if any(cell.strip() for cell in cells)
    ]
    if not numbered:
        raise InputError("the file is empty", file=name)
    _, header = numbered[0]
    while header and header[-1] == "":
        header.pop()
    rows = []
    for number, cells in numbered[1:]:
        while len(cells) > len(header) and cells[-1] == "":
            cells.pop()
        if len(cells) != len(header):
            raise InputError(
                f"the row has {len(cells)} cells but the header has {len(header)}",
                file=name,
                line=number,
            )
        rows.append(Row(line=number, label=cells[0], cells=cells[1:]))
    return Table(file=name, header=header, rows=rows)


def number(cell: str, *, file: str, line: int, column: str, blank: float | None = None) -> float:
    """Parse one numeric cell, naming file, line and column when it is not a finite number."""
    if cell == "" and blank is not None:
        return blank
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{cell!r} is not a number", file=file, line=line, column=column) from None
    if not math.isfinite(value):
        raise InputError(f"{cell!r} is not a finite number", file=file, line=line, column=column)
    return value


def fmt(value: float) -> str:
    """Shortest text that reads back as exactly the same float."""
    return repr(float(value))
