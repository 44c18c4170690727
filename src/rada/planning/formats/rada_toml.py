"""Rada's own economy format: one TOML file a person can read and edit.

See ``docs/economy-format.md`` for the full description and an example. Numbers are written
with Python's shortest round-tripping representation, so reading a written file gives exactly
the same economy.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rada.planning.economy import (
    CapitalStock,
    Economy,
    Product,
    Resource,
    Technique,
    collector_paused,
)
from rada.planning.errors import InputError
from rada.planning.formats._toml import parse

FORMAT = "rada-economy/1"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
# The TOML parser gives no positions, so a bad value's line is found afterwards by looking for its
# literal outside strings and comments (only when there is an error to report).
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#.*')
_NUMBER = re.compile(
    r"(?<![\w.+-])[+-]?(?:inf|nan|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?[\d_]+)?)(?![\w.])"
)
_MISSING = object()


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value))
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string for everything json.dumps escapes.
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {value!r}")


def _inline(table: Mapping[str, object]) -> str:
    return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in table.items()) + " }"


def _array(values: Iterable[float]) -> str:
    return "[" + ", ".join(_value(v) for v in values) + "]"


def dumps(economy: Economy) -> str:
    """The TOML text of an economy."""
    out = [
        "# A Rada economy. Format described in docs/economy-format.md.",
        f"format = {_value(FORMAT)}",
        f"name = {_value(economy.name)}",
        f"description = {_value(economy.description)}",
        f"years = {economy.years}",
        f"labour = {_value(economy.labour)}",
    ]
    for section, items in (("products", economy.products), ("resources", economy.resources)):
        for item in items:
            out += ["", f"[[{section}]]", f"id = {_value(item.id)}"]
            out += [
                f"{k} = {_value(getattr(item, k))}" for k in ("name", "unit") if getattr(item, k)
            ]
    for tech in economy.techniques:
        out += ["", "[[techniques]]", f"id = {_value(tech.id)}"]
        if tech.workplace:
            out.append(f"workplace = {_value(tech.workplace)}")
        out.append(f"outputs = {_inline(tech.outputs)}")
        if tech.inputs:
            out.append(f"inputs = {_inline(tech.inputs)}")
        if tech.resources:
            out.append(f"resources = {_inline(tech.resources)}")
        if tech.capacity is not None:
            out.append(f"capacity = {_value(tech.capacity)}")
        if tech.capital:
            out.append("capital = [")
            out += [
                "  "
                + _inline(
                    {
                        "good": s.good,
                        "per_unit": s.per_unit,
                        "depreciation": s.depreciation,
                        "initial": s.initial,
                    }
                )
                + ","
                for s in tech.capital
            ]
            out.append("]")
    for section, table in (
        ("targets", economy.targets),
        ("committed", economy.committed),
        ("supply", economy.supply),
    ):
        out += ["", f"[{section}]"]
        out += [f"{_key(k)} = {_array(v)}" for k, v in table.items()]
    return "\n".join(out) + "\n"


def write_economy(economy: Economy, path: Path) -> None:
    """Write an economy as a TOML file."""
    path.write_text(dumps(economy), encoding="utf-8")


def _literal(token: str) -> float | int | None:
    digits = token.replace("_", "")
    try:
        return int(digits) if digits.lstrip("+-").isdigit() else float(digits)
    except ValueError:  # not a number after all, or an int of more than 4,300 digits
        return None


def _line_of(text: str, value: object, key: str | None) -> tuple[int, str] | None:
    """The line holding ``value`` as a TOML number, preferring one that also names ``key``,
    and the number as written there (``1e400`` for what tomli read as ``inf``)."""
    first = None
    for number, raw in enumerate(text.splitlines(), start=1):
        for token in _NUMBER.findall(_STRING_OR_COMMENT.sub(" ", raw)):
            found = _literal(token)
            if found is None or not (found == value or (found != found and value != value)):
                continue
            if key is None or key in raw:
                return number, token
            first = first or (number, token)
    return first


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} digits)"


class _Reader:
    """Pulls typed fields out of parsed TOML, naming the place of any fault."""

    def __init__(self, file: str, text: str = "") -> None:
        self.file = file
        self.source = text

    def fail(
        self, where: str, message: str, *, value: object = _MISSING, key: str | None = None
    ) -> InputError:
        """An error at ``where``; with ``value``, on the line that holds it."""
        found = None if value is _MISSING else _line_of(self.source, value, key)
        line, written = found or (None, "")
        message = message.replace("{written}", written if written else _show(value))
        return InputError(f"{where}: {message}", file=self.file, line=line)

    def number(
        self, value: object, where: str, *, key: str | None, allow_negative: bool = False
    ) -> float:
        """A finite float (not a bool, an int beyond float's range, NaN or infinity)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"{value!r} is not a number")
        try:
            result = float(value)
        except OverflowError:
            result = math.inf
        if not math.isfinite(result):
            raise self.fail(where, "{written} is not a finite number", value=value, key=key)
        if result < 0 and not allow_negative:
            raise self.fail(
                where,
                f"{value!r} is negative; coefficients and amounts are >= 0",
                value=value,
                key=key,
            )
        return result

    def table(self, parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{where}.{key}", "must be a table")
        return value

    def text(self, parent: Mapping[str, Any], key: str, where: str, *, required: bool) -> str:
        if key not in parent:
            if required:
                raise self.fail(where, f"{key!r} is missing")
            return ""
        value = parent[key]
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", f"{value!r} is not text")
        return value

    def numbers(self, table: Mapping[str, Any], where: str) -> dict[str, float]:
        return {key: self.number(value, f"{where}.{key}", key=key) for key, value in table.items()}

    def series(
        self, table: Mapping[str, Any], where: str, *, allow_negative: bool = False
    ) -> dict[str, tuple[float, ...]]:
        result = {}
        for key, values in table.items():
            if not isinstance(values, list):
                raise self.fail(f"{where}.{key}", "must be a list with one number per year")
            result[key] = tuple(
                self.number(v, f"{where}.{key}[{i}]", key=key, allow_negative=allow_negative)
                for i, v in enumerate(values)
            )
        return result

    def items(self, doc: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, f"must be an array of tables ([[{key}]])")
        return value


def _read_technique(r: _Reader, i: int, t: dict[str, Any]) -> Technique:
    """Read the ``i``-th ``[[techniques]]`` table."""
    tech_id = r.text(t, "id", f"techniques[{i}]", required=True)
    where = f"technique {tech_id!r}"
    extra = sorted(
        set(t) - {"id", "workplace", "outputs", "inputs", "resources", "capacity", "capital"}
    )
    if extra:
        raise r.fail(f"{where}.{extra[0]}", "unknown key")
    capacity = t.get("capacity")
    if capacity is not None:
        capacity = r.number(capacity, f"{where}.capacity", key="capacity")
    stocks = t.get("capital", [])
    if not isinstance(stocks, list):
        raise r.fail(f"{where}.capital", "must be a list of tables")
    capital = _read_capital(r, where, stocks)
    return Technique(
        id=tech_id,
        workplace=r.text(t, "workplace", where, required=False),
        outputs=r.numbers(r.table(t, "outputs", where), f"{where}.outputs"),
        inputs=r.numbers(r.table(t, "inputs", where), f"{where}.inputs"),
        resources=r.numbers(r.table(t, "resources", where), f"{where}.resources"),
        capacity=capacity,
        capital=capital,
    )


def _read_capital(r: _Reader, where: str, stocks: list[Any]) -> tuple[CapitalStock, ...]:
    """Read a technique's ``capital`` list of stocks."""
    capital = []
    for k, stock in enumerate(stocks):
        place = f"{where}.capital[{k}]"
        if not isinstance(stock, dict):
            raise r.fail(place, "must be a table")
        fields = r.numbers({k: v for k, v in stock.items() if k != "good"}, place)
        if set(fields) - {"per_unit", "depreciation", "initial"}:
            raise r.fail(place, f"unknown key {sorted(set(fields))[0]!r}")
        if "per_unit" not in fields:
            raise r.fail(place, "'per_unit' is missing")
        if fields.get("depreciation", 0.0) > 1:
            raise r.fail(
                f"{place}.depreciation",
                f"{fields['depreciation']!r} is more than the whole stock "
                "(it is a yearly fraction, 0..1)",
                value=stock["depreciation"],
                key="depreciation",
            )
        capital.append(CapitalStock(good=r.text(stock, "good", place, required=True), **fields))
    return tuple(capital)


def loads(text: str, *, file: str = "<economy>") -> Economy:
    """Parse the TOML text of an economy."""
    with collector_paused():
        return _loads(text, file)


def _loads(text: str, file: str) -> Economy:
    doc = parse(text, file=file)
    r = _Reader(file, text)
    if doc.get("format") != FORMAT:
        raise r.fail("format", f"expected {FORMAT!r}, found {doc.get('format')!r}")
    known = {
        "format", "name", "description", "years", "labour", "products", "resources",
        "techniques", "targets", "committed", "supply",
    }  # fmt: skip
    unknown = sorted(set(doc) - known)
    if unknown:
        raise r.fail(unknown[0], "unknown key")
    years = doc.get("years")
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise r.fail(
            "years", f"{_show(years)} is not a whole number >= 1", value=years, key="years"
        )
    products = tuple(
        Product(
            id=r.text(p, "id", f"products[{i}]", required=True),
            name=r.text(p, "name", f"products[{i}]", required=False),
            unit=r.text(p, "unit", f"products[{i}]", required=False),
        )
        for i, p in enumerate(r.items(doc, "products"))
    )
    resources = tuple(
        Resource(
            id=r.text(q, "id", f"resources[{i}]", required=True),
            name=r.text(q, "name", f"resources[{i}]", required=False),
            unit=r.text(q, "unit", f"resources[{i}]", required=False),
        )
        for i, q in enumerate(r.items(doc, "resources"))
    )
    techniques = [_read_technique(r, i, t) for i, t in enumerate(r.items(doc, "techniques"))]
    try:
        return Economy(
            name=r.text(doc, "name", "economy", required=False),
            description=r.text(doc, "description", "economy", required=False),
            years=years,
            labour=r.text(doc, "labour", "economy", required=False) or "labour",
            products=products,
            resources=resources,
            techniques=tuple(techniques),
            targets=r.series(r.table(doc, "targets", "economy"), "targets"),
            committed=r.series(
                r.table(doc, "committed", "economy"), "committed", allow_negative=True
            ),
            supply=r.series(r.table(doc, "supply", "economy"), "supply"),
        )
    except InputError as exc:
        if exc.file is None:
            raise InputError(exc.reason, file=file, hint=exc.hint) from None
        raise


def read_economy(path: Path) -> Economy:
    """Read an economy from a TOML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    return loads(text, file=str(path))
