"""Paul Cockshott's four CSV tables (``flows``, ``cap``, ``dep``, ``labtarg``) of ``5yearplan``.

Each industry becomes one technique whose unit of activity is its *current output*, so the
flows, labour and capital stocks are taken exactly as written (no division), and writing the
economy back gives the same numbers. Capital stocks in ``cap.csv`` are both what an industry
needs per unit of activity and what it has in the first year, as in Cockshott's programs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from rada.planning.economy import LABOUR, CapitalStock, Economy, Product, Resource, Technique
from rada.planning.errors import InputError
from rada.planning.formats._csv import Table, fmt, number, read_table
from rada.planning.leontief import check_productive

FILES = ("flows.csv", "cap.csv", "dep.csv", "labtarg.csv")


def _goods(table: Table, expected: list[str] | None) -> list[str]:
    if not table.header or table.header[0].lower() != "headings":
        raise InputError(
            f"the first cell must be 'headings', not {table.header[0] if table.header else ''!r}",
            file=table.file,
            line=1,
        )
    goods = table.header[1:]
    if expected is not None:
        for position, (have, want) in enumerate(zip(goods, expected, strict=False), start=2):
            if have != want:
                raise InputError(
                    f"heading {have!r} does not match {want!r} of flows.csv",
                    file=table.file,
                    line=1,
                    column=f"#{position}",
                )
        if len(goods) < len(expected):
            raise InputError(
                f"{len(goods)} headings; flows.csv has {len(expected)} goods",
                file=table.file,
                line=1,
            )
    return goods


def _square(table: Table, goods: list[str]) -> dict[str, list[float]]:
    """Rows of a goods x goods table keyed by good, checked against the headings."""
    rows: dict[str, list[float]] = {}
    for row in table.rows:
        if row.label in rows:
            raise InputError(f"row {row.label!r} appears twice", file=table.file, line=row.line)
        values = [
            number(cell, file=table.file, line=row.line, column=good)
            for cell, good in zip(row.cells, goods, strict=True)
        ]
        rows[row.label] = values
    for good in goods:
        if good not in rows:
            raise InputError(f"there is no row for {good!r}", file=table.file)
    return rows


def _negative(table: Table, rows: dict[str, list[float]], goods: list[str]) -> None:
    for row in table.rows:
        for value, good in zip(rows[row.label], goods, strict=True):
            if value < 0:
                raise InputError(
                    f"{value!r} is negative; coefficients must be >= 0",
                    file=table.file,
                    line=row.line,
                    column=good,
                )


def _finite_coefficients(coefficients: np.ndarray, table: Table, goods: list[str]) -> None:
    """A flow divided by a tiny output can pass float's range; name the cell where it does."""
    bad = np.argwhere(~np.isfinite(coefficients))
    if len(bad):
        i, j = (int(k) for k in bad[0])
        row = table.row(goods[i])
        raise InputError(
            f"the flow of {goods[i]!r} per unit of {goods[j]!r}'s output is beyond a float's range",
            file=table.file,
            line=row.line if row else None,
            column=goods[j],
            hint="check the units of this flow and of the output row",
        )


def _check_flow_rows(flows_t: Table, flows: dict[str, list[float]], goods: list[str]) -> None:
    """The flows table has its 'labour' and 'output' rows, no others, and positive outputs."""
    for required in ("labour", "output"):
        if required not in flows:
            raise InputError(
                f"there is no {required!r} row",
                file=flows_t.file,
                hint="flows.csv has one row per good, then a 'labour' and an 'output' row",
            )
    extra = set(flows) - set(goods) - {"labour", "output"}
    if extra:
        row = next(r for r in flows_t.rows if r.label in extra)
        raise InputError(f"unknown row {row.label!r}", file=flows_t.file, line=row.line)
    for good, out in zip(goods, flows["output"], strict=True):
        if not out > 0:
            output_row = flows_t.row("output")
            raise InputError(
                f"the output of {good!r} is {out!r}; every industry needs a positive output",
                file=flows_t.file,
                line=output_row.line if output_row else None,
                column=good,
            )


def _check_depreciation(dep_t: Table, dep: dict[str, list[float]], goods: list[str]) -> None:
    """Every depreciation rate is a yearly fraction of the stock, at most 1."""
    for i in goods:
        for j, good in enumerate(goods):
            if dep[i][j] > 1:
                dep_row = dep_t.row(i)
                raise InputError(
                    f"depreciation {dep[i][j]!r} is more than the whole stock "
                    "(it is a yearly fraction, 0..1)",
                    file=dep_t.file,
                    line=dep_row.line if dep_row else None,
                    column=good,
                )


def _read_targets(
    targ_t: Table, goods: list[str]
) -> tuple[int, dict[str, list[float]], list[float]]:
    """Read the targets table: the number of years, each good's targets, the labour supply."""
    targ_goods = _goods(targ_t, goods)
    if targ_goods[len(goods) :] != ["labour"]:
        raise InputError(
            "after the goods the last heading must be 'labour'", file=targ_t.file, line=1
        )
    years = len(targ_t.rows)
    if years == 0:
        raise InputError("no plan years", file=targ_t.file)
    targets: dict[str, list[float]] = {good: [] for good in goods}
    labour_supply: list[float] = []
    for year, row in enumerate(targ_t.rows, start=1):
        if row.label != f"year{year}":
            raise InputError(
                f"row {row.label!r} should be 'year{year}'", file=targ_t.file, line=row.line
            )
        values = [
            number(cell, file=targ_t.file, line=row.line, column=head)
            for cell, head in zip(row.cells, targ_goods, strict=True)
        ]
        for value, head in zip(values, targ_goods, strict=True):
            if value < 0:
                raise InputError(
                    f"{value!r} is negative", file=targ_t.file, line=row.line, column=head
                )
        for good, value in zip(goods, values, strict=False):
            targets[good].append(value)
        labour_supply.append(values[-1])
    return years, targets, labour_supply


def read_cockshott(folder: Path) -> Economy:
    """Read the four tables in ``folder`` into an ``Economy``.

    Raises ``InputError`` naming the file, line and column of the first fault.
    """
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(f"missing {', '.join(missing)}", file=str(folder))
    flows_t, cap_t, dep_t, targ_t = (read_table(folder / name) for name in FILES)
    goods = _goods(flows_t, None)
    if len(set(goods)) != len(goods):
        raise InputError("a good is named twice in the headings", file=flows_t.file, line=1)
    for table in (cap_t, dep_t):
        _goods(table, goods)
    flows = _square(flows_t, goods)
    _check_flow_rows(flows_t, flows, goods)
    _negative(flows_t, flows, goods)
    with np.errstate(over="ignore"):
        coefficients = np.array([flows[i] for i in goods]) / np.array(flows["output"])
    _finite_coefficients(coefficients, flows_t, goods)
    check_productive(sp.csc_array(coefficients), file=flows_t.file)
    cap, dep = _square(cap_t, goods), _square(dep_t, goods)
    for table, rows in ((cap_t, cap), (dep_t, dep)):
        _negative(table, rows, goods)
    _check_depreciation(dep_t, dep, goods)
    years, targets, labour_supply = _read_targets(targ_t, goods)
    techniques = []
    for j, good in enumerate(goods):
        capital = tuple(
            CapitalStock(good=i, per_unit=cap[i][j], depreciation=dep[i][j], initial=cap[i][j])
            for i in goods
            if cap[i][j]
        )
        techniques.append(
            Technique(
                id=good,
                outputs={good: flows["output"][j]},
                inputs={i: flows[i][j] for i in goods if flows[i][j]},
                resources={LABOUR: flows["labour"][j]} if flows["labour"][j] else {},
                capital=capital,
            )
        )
    return Economy(
        products=tuple(Product(id=good) for good in goods),
        resources=(Resource(id=LABOUR),),
        techniques=tuple(techniques),
        years=years,
        targets={good: tuple(values) for good, values in targets.items()},
        supply={LABOUR: tuple(labour_supply)},
    )


def _cockshott_shape(economy: Economy) -> dict[str, Technique]:
    """Each good's one technique, or an error saying why the format cannot hold the economy."""
    why = None
    if [r.id for r in economy.resources] != [economy.labour]:
        why = "it has resources other than labour"
    elif any(any(v) for v in economy.committed.values()):
        why = "it has committed deliveries"
    by_good: dict[str, Technique] = {}
    for tech in economy.techniques:
        if why:
            break
        if len(tech.outputs) != 1 or tech.capacity is not None:
            why = f"technique {tech.id!r} has joint outputs or a capacity"
        elif any(s.per_unit != s.initial for s in tech.capital):
            why = f"technique {tech.id!r} has initial stocks that differ from its needs"
        else:
            (good,) = tech.outputs
            if good in by_good:
                why = f"product {good!r} has several techniques"
            by_good[good] = tech
    if not why and len(by_good) != len(economy.products):
        why = "some product has no technique"
    if why:
        raise InputError(
            f"Cockshott's format cannot hold this economy: {why}",
            hint="use Rada's own format (--format rada)",
        )
    return by_good


def write_cockshott(economy: Economy, folder: Path) -> list[Path]:
    """Write ``flows``, ``cap``, ``dep`` and ``labtarg`` CSVs into ``folder``."""
    by_good = _cockshott_shape(economy)
    goods = [p.id for p in economy.products]
    head = "headings," + ",".join(goods)
    flows, cap, dep = [head], [head], [head]
    for i in goods:
        stocks = [{s.good: s for s in by_good[j].capital}.get(i) for j in goods]
        flows.append(i + "," + ",".join(fmt(by_good[j].inputs.get(i, 0.0)) for j in goods))
        cap.append(i + "," + ",".join(fmt(s.per_unit if s else 0.0) for s in stocks))
        dep.append(i + "," + ",".join(fmt(s.depreciation if s else 0.0) for s in stocks))
    labour = economy.labour
    flows.append("labour," + ",".join(fmt(by_good[j].resources.get(labour, 0.0)) for j in goods))
    flows.append("output," + ",".join(fmt(by_good[j].outputs[j]) for j in goods))
    targ = [head + ",labour"]
    for y in range(economy.years):
        values = [economy.targets.get(g, (0.0,) * economy.years)[y] for g in goods]
        values.append(economy.supply[labour][y])
        targ.append(f"year{y + 1}," + ",".join(fmt(v) for v in values))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, lines in zip(FILES, (flows, cap, dep, targ), strict=True):
        path = folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written
