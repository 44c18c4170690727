"""National symmetric input-output tables in the wide layout statistical offices publish.

A product x product block of flows (row: the product used; column: the product made), then
primary-input rows (compensation of employees, taxes, operating surplus, total output...) and
final-demand columns (households, government, capital formation, exports...). The labour row
is named by the user. Columns whose heading starts with "Total" are totals, not final demand.

In the economy built from a table, each product has one technique whose unit of activity is
the product's output in the table's year: its inputs are the column of flows and its labour
the compensation of employees, exactly as published (no division), so writing the economy
back gives the same table.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from rada.planning.economy import LABOUR, Economy, Product, Resource, Technique
from rada.planning.errors import InputError, NotSquareSystem
from rada.planning.formats._csv import Table, fmt, number, read_table
from rada.planning.horizon import horizon_problem
from rada.planning.leontief import check_productive
from rada.planning.structure import FloatArray

DEFAULT_LABOUR_ROW = "Compensation of employees"
DEFAULT_OUTPUT_ROW = "Total output"
FINAL_DEMAND_COLUMN = "Final demand"

#: Row headings that name value added (or output less intermediate inputs, which is value
#: added and net taxes) rather than labour. A table without labour data (WIOD's 2013 release
#: as shipped by the R package ``wiod``) may stand such a row in for labour.
_VALUE_ADDED = re.compile(r"value[ -]added|output less intermediate|\bGVA\b", re.IGNORECASE)


def primary_input_note(row: str) -> str | None:
    """What to say beside labour values or a labour supply when the table's "labour" row
    ``row`` (its heading, the table's own metadata) is value added; ``None`` when it is not.

    >>> primary_input_note("Compensation of employees") is None
    True
    >>> print(primary_input_note("Output less intermediate inputs"))
    value added ('Output less intermediate inputs') stands in for labour, which the table \
does not have: 'labour values' are value added per unit (all 1 when it is output less \
intermediate inputs) and 'labour' is value added in the table's money unit
    """
    if not _VALUE_ADDED.search(row):
        return None
    return (
        f"value added ({row!r}) stands in for labour, which the table does not have: "
        "'labour values' are value added per unit (all 1 when it is output less intermediate "
        "inputs) and 'labour' is value added in the table's money unit"
    )


@dataclass(frozen=True)
class IOTable:
    """The parts of a national table that planning needs (values in the table's unit)."""

    file: str
    codes: tuple[str, ...]
    flows: FloatArray
    output: FloatArray
    labour: FloatArray
    labour_row: str
    final_demand: FloatArray
    final_demand_columns: tuple[str, ...]
    labels: dict[str, str]

    @property
    def coefficients(self) -> sp.csc_array:
        """Technical coefficients ``A[i, j] = flows[i, j] / output[j]``."""
        return sp.csc_array(self.flows / self.output[np.newaxis, :])

    @property
    def primary_input_note(self) -> str | None:
        """Said wherever this table's labour values are shown (see :func:`primary_input_note`)."""
        return primary_input_note(self.labour_row)

    @property
    def labour_coefficients(self) -> FloatArray:
        """Labour per unit of output, ``l[j] = labour[j] / output[j]``."""
        return self.labour / self.output


def _product_block(table: Table, *, stop_rows: set[str]) -> int:
    """The size of the product block, checking that rows and columns name the same products.

    The product rows are those before the first total row (a label starting with "Total") or
    the labour or output row; the columns must carry the same codes in the same order.
    """
    header = table.header[1:]
    size = next(
        (
            i
            for i, row in enumerate(table.rows)
            if row.label.lower().startswith("total") or row.label in stop_rows
        ),
        len(table.rows),
    )
    if size == 0:
        raise InputError("there are no product rows before the totals", file=table.file)
    for i in range(size):
        row = table.rows[i]
        column = header[i] if i < len(header) else None
        if row.label != column:
            raise InputError(
                f"headings do not match: row {row.label!r} is where column {column!r} is",
                file=table.file,
                line=row.line,
                column=column,
                hint="rows and columns of the product block must list the same products "
                "in the same order",
            )
    codes = header[:size]
    if len(set(codes)) != size:
        raise InputError("a product code appears twice in the headings", file=table.file, line=1)
    return size


def _numbers(
    cells: list[str], *, file: str, lines: list[int], columns: list[str], sign: bool
) -> FloatArray:
    """The cells as numbers, blank as 0; ``sign``: refuse a negative one.

    The common case at once (a real table's 2 million cells in a fraction of a second);
    otherwise cell by cell, naming the first one at fault by line and column.
    """
    try:
        fast = np.array([cell or "0" for cell in cells], dtype=float)
    except ValueError:
        fast = None
    if fast is not None and np.isfinite(fast).all() and not (sign and (fast < 0).any()):
        return fast
    result = np.empty(len(cells))
    for j, cell in enumerate(cells):
        result[j] = number(cell, file=file, line=lines[j], column=columns[j], blank=0.0)
        if sign and result[j] < 0:
            raise InputError(
                f"{cell!r} is negative; flows and labour costs must be >= 0",
                file=file,
                line=lines[j],
                column=columns[j],
            )
    return result


def _labour_row_hint(table: Table) -> str:
    """What to say when the labour row asked for is missing: the rows below the products that
    could hold labour (not a product, not a total), and the value-added row by name where the
    table has one and no labour data (WIOD)."""
    products = set(table.header[1:])
    candidates = [
        row.label
        for row in table.rows
        if row.label not in products and not row.label.lower().startswith("total")
    ]
    value_added = [label for label in candidates if _VALUE_ADDED.search(label)]
    shown = ", ".join(repr(label) for label in candidates[:12]) or "none"
    if value_added:
        return (
            f"name the row with --labour-row; the rows that are not products are: {shown}. "
            f"A table without labour data can plan with value added instead "
            f"(--labour-row {value_added[0]!r}), and Rada then says so beside every "
            "'labour value'"
        )
    return f"name the row with --labour-row; the rows that are not products are: {shown}"


def read_iot(
    path: Path,
    *,
    labour_row: str = DEFAULT_LABOUR_ROW,
    output_row: str = DEFAULT_OUTPUT_ROW,
    final_demand_columns: list[str] | None = None,
    labels: Path | None = None,
) -> IOTable:
    """Read a national symmetric input-output table.

    Blank cells count as zero. Raises ``InputError`` naming file, line and column for a cell
    that is not a number, a negative flow or labour cost, headings that do not match, a
    missing labour or output row, or an economy that is not productive.
    """
    table = read_table(path)
    if not any(row.label == labour_row for row in table.rows):
        raise InputError(
            f"there is no labour row {labour_row!r}",
            file=table.file,
            hint=_labour_row_hint(table),
        )
    n = _product_block(table, stop_rows={labour_row, output_row})
    codes = table.header[1 : n + 1]
    heads = table.header[1:]
    rows = {row.label: row for row in table.rows}

    def values(row_label: str) -> FloatArray:
        row = rows[row_label]
        return _numbers(
            row.cells[:n], file=table.file, lines=[row.line] * n, columns=heads[:n], sign=True
        )

    flows = np.vstack([values(code) for code in codes])
    labour = values(labour_row)
    fd_names = final_demand_columns
    if fd_names is None:
        fd_names = [h for h in heads[n:] if not h.lower().startswith("total")]
    else:
        for name in fd_names:
            if name not in heads[n:]:
                raise InputError(f"there is no final-demand column {name!r}", file=table.file)
    fd = np.zeros(n)
    for name in fd_names:
        j = heads.index(name)
        column = _numbers(
            [rows[code].cells[j] for code in codes],
            file=table.file,
            lines=[rows[code].line for code in codes],
            columns=[name] * n,
            sign=False,
        )
        with np.errstate(over="ignore"):
            fd += column
    if output_row in rows:
        output = values(output_row)
    else:
        with np.errstate(over="ignore"):
            output = flows.sum(axis=1) + fd
    for j, code in enumerate(codes):
        if not output[j] > 0 or not np.isfinite(output[j]):
            # Without an output row, a product's output is the sum of its own row.
            summed = output_row not in rows
            raise InputError(
                f"product {code!r} has no positive, finite total output ({float(output[j])!r}"
                f"{', the sum of its row' if summed else ''})",
                file=table.file,
                line=rows[code].line if summed else rows[output_row].line,
                column=None if summed else code,
                hint="drop products the table does not produce, or fix the output row",
            )
    names = read_labels(labels) if labels else {}
    result = IOTable(
        file=table.file,
        codes=tuple(codes),
        flows=flows,
        output=output,
        labour=labour,
        labour_row=labour_row,
        final_demand=fd,
        final_demand_columns=tuple(fd_names),
        labels=names,
    )
    with np.errstate(over="ignore"):
        coefficients = result.coefficients
    if not np.isfinite(coefficients.data).all():
        j = int(np.flatnonzero(~np.isfinite(coefficients.toarray()).all(axis=0))[0])
        raise InputError(
            f"the flows into {codes[j]!r} per unit of its output are beyond a float's range",
            file=table.file,
            line=rows[output_row].line if output_row in rows else None,
            column=codes[j],
            hint="check the units of this column and of the output row",
        )
    check_productive(coefficients, file=table.file)
    return result


def read_labels(path: Path) -> dict[str, str]:
    """``code,label`` pairs (a header row first), such as the ONS ``products.csv``."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except csv.Error as exc:
        raise InputError(f"not a CSV file: {exc}", file=str(path)) from None
    names: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2:
            raise InputError("expected code,label", file=str(path), line=line)
        names[row[0].strip()] = _clean_label(row[1])
    return names


#: Control characters a label may carry from a conversion (the ONS table's U+001A stands where
#: an en dash was: "Education \x1aNon-market").
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _clean_label(label: str) -> str:
    """A label for people: a substitute character (U+001A) read as the dash it replaced, any
    other control character as a space, spaces collapsed.

    >>> _clean_label("Education \x1aNon-market")
    'Education – Non-market'
    """
    label = label.replace("\x1a", " – ")
    return " ".join(_CONTROL.sub(" ", label).split())


def iot_economy(
    table: IOTable,
    *,
    years: int = 1,
    target_growth: float = 0.0,
    supply_growth: float = 0.0,
) -> Economy:
    """The economy of a national table: one technique per product, activity 1 = the table's
    year; final demand as year-one targets (negative entries, such as running down
    inventories, become committed deliveries), the table's labour as year-one supply.
    Later years grow by the given yearly rates, within :data:`~rada.planning.horizon.MOST_CHANGE`
    over the horizon (an ``InputError`` naming the table beyond).
    """
    problem = horizon_problem(years, target_growth, supply_growth)
    if problem is not None:
        raise InputError(problem, file=table.file, hint="plan fewer years, or grow more slowly")
    codes = table.codes
    techniques = tuple(
        Technique(
            id=code,
            outputs={code: float(table.output[j])},
            inputs={codes[i]: float(table.flows[i, j]) for i in np.flatnonzero(table.flows[:, j])},
            resources={LABOUR: float(table.labour[j])} if table.labour[j] else {},
            workplace=table.labels.get(code, ""),
        )
        for j, code in enumerate(codes)
    )
    grow_t = [(1.0 + target_growth) ** y for y in range(years)]
    grow_s = [(1.0 + supply_growth) ** y for y in range(years)]
    fd = table.final_demand
    return Economy(
        products=tuple(Product(id=c, name=table.labels.get(c, "")) for c in codes),
        resources=(Resource(id=LABOUR, name=table.labour_row),),
        techniques=techniques,
        years=years,
        targets={
            c: tuple(float(fd[i]) * g for g in grow_t) for i, c in enumerate(codes) if fd[i] > 0
        },
        committed={
            c: tuple(float(fd[i]) * g for g in grow_t) for i, c in enumerate(codes) if fd[i] < 0
        },
        supply={LABOUR: tuple(float(table.labour.sum()) * g for g in grow_s)},
    )


def economy_note(economy: Economy) -> str | None:
    """Said wherever an economy's labour figures are shown when its "labour" is value added
    (judged by the labour resource's name, which a table's reader takes from its row; see
    :func:`primary_input_note`)."""
    labour = economy.resources[economy.resource_index[economy.labour]]
    return primary_input_note(labour.name)


def write_iot(economy: Economy, path: Path) -> list[Path]:
    """Write a one-year, single-technique-per-product economy as a wide table (and, when
    products have names, a ``code,label`` file beside it named ``<stem>.labels.csv``)."""
    if economy.years != 1:
        raise InputError(
            f"an input-output table holds one year; this economy has {economy.years}",
            hint="use Rada's own format (--format rada)",
        )
    if [r.id for r in economy.resources] != [economy.labour]:
        raise InputError("an input-output table holds labour and no other resource")
    maker: dict[str, Technique] = {}
    for tech in economy.techniques:
        if len(tech.outputs) != 1 or tech.capital or tech.capacity is not None:
            raise NotSquareSystem(
                f"technique {tech.id!r} has joint outputs, capital or a capacity, "
                "which an input-output table cannot hold"
            )
        (code,) = tech.outputs
        if code in maker:
            raise NotSquareSystem(f"product {code!r} has several techniques")
        maker[code] = tech
    codes = [p.id for p in economy.products]
    if len(maker) != len(codes):
        raise NotSquareSystem("some product has no technique")
    for code in codes:
        if economy.targets.get(code, (0.0,))[0] and economy.committed.get(code, (0.0,))[0]:
            raise InputError(f"product {code!r} has both a target and a committed delivery")
    labour_name = economy.resources[0].name or DEFAULT_LABOUR_ROW
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["code", *codes, FINAL_DEMAND_COLUMN])
        for code in codes:
            fd = economy.targets.get(code, (0.0,))[0] + economy.committed.get(code, (0.0,))[0]
            out.writerow([code, *(fmt(maker[j].inputs.get(code, 0.0)) for j in codes), fmt(fd)])
        out.writerow(
            [labour_name, *(fmt(maker[j].resources.get(economy.labour, 0.0)) for j in codes), ""]
        )
        out.writerow([DEFAULT_OUTPUT_ROW, *(fmt(maker[j].outputs[j]) for j in codes), ""])
    written = [path]
    if any(p.name for p in economy.products):
        labels = path.with_name(path.stem + ".labels.csv")
        with labels.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(["code", "label"])
            out.writerows([p.id, p.name] for p in economy.products)
        written.append(labels)
    return written
