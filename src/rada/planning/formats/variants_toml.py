"""A file of what-if variants, in TOML, for ``rada plan scenarios``.

.. code-block:: toml

    [[variant]]
    name = "a tenth more bread in years 2 and 3"
    scale_targets = [{ factor = 1.1, products = ["bread"], years = [2, 3] }]

    [[variant]]
    name = "the mill doubled"
    capacity = [{ technique = "mill", capacity = 20.0 }]   # capacity = "none": no limit

    [[variant]]
    name = "a leaner oven"
    add_technique = [{ id = "oven-2", copy_of = "oven", inputs = { coal = 0.5 } }]

A variant may hold several changes of each kind; they are applied in the order of the kinds
above. Errors name the file, the line of the variant (or of the field) and the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rada.planning.errors import InputError
from rada.planning.formats._toml import parse
from rada.planning.variants import AddTechnique, Change, ChangeCapacity, ScaleTargets, Variant

_KINDS = ("scale_targets", "capacity", "add_technique")
_VARIANT = re.compile(r"^\s*\[\[\s*variant\s*\]\]", re.MULTILINE)


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.file = str(path)
        self.lines = text.splitlines()
        self.starts = [text.count("\n", 0, m.start()) + 1 for m in _VARIANT.finditer(text)]

    def line(self, index: int, key: str | None = None) -> int | None:
        """The line of variant ``index``'s header, or of ``key`` within it."""
        if index >= len(self.starts):
            return None
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines) + 1
        # "capacity.technique": the line of "technique = ...", else of "capacity = ...".
        for part in reversed(key.split(".") if key else []):
            pattern = re.compile(rf"(^|[\s{{,]){re.escape(part)}\s*=")
            for number in range(start, end):
                if pattern.search(self.lines[number - 1].split("#", 1)[0]):
                    return number
        return start

    def error(self, index: int, name: str, key: str, message: str) -> InputError:
        return InputError(
            f"variant {index + 1} ({name!r}), field {key!r}: {message}",
            file=self.file,
            line=self.line(index, key),
        )


#: The name of the economy as it is, which a batch compares every variant with: a variant of
#: that name may not change anything.
BASE = "base"


def read_variants(path: Path) -> tuple[Variant, ...]:
    """Read a variants file; raise ``InputError`` naming file, line, variant and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    data = parse(text, file=str(path))
    reader = _Reader(path, text)
    extra = sorted(set(data) - {"variant"})
    if extra:
        raise InputError(
            f"unknown top-level key {extra[0]!r}", file=str(path), hint="use [[variant]] tables"
        )
    raw = data.get("variant")
    if not isinstance(raw, list) or not raw:
        raise InputError("no [[variant]] tables", file=str(path))
    variants = tuple(_variant(reader, i, table) for i, table in enumerate(raw))
    seen: set[str] = set()
    for i, v in enumerate(variants):
        if v.name in seen:
            raise reader.error(i, v.name, "name", "the same name is used twice")
        seen.add(v.name)
    return variants


def _variant(reader: _Reader, index: int, table: dict[str, Any]) -> Variant:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(
            f"variant {index + 1}: 'name' must be a non-empty string",
            file=reader.file,
            line=reader.line(index, "name"),
        )
    unknown = sorted(set(table) - {"name", *_KINDS})
    if unknown:
        raise reader.error(index, name, unknown[0], f"unknown field; use {', '.join(_KINDS)}")
    changes: list[Change] = []
    for kind in _KINDS:
        entries = table.get(kind, [])
        if isinstance(entries, dict):
            entries = [entries]
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise reader.error(index, name, kind, "must be a table or a list of tables")
        for entry in entries:
            changes.append(_change(reader, index, name, kind, entry))
    if name == BASE and changes:
        # A batch compares every variant with the base: a changed economy under its name
        # was shown as the base, and the economy as it is was never solved.
        raise reader.error(
            index, name, "name", f"{BASE!r} is the economy as it is; name this variant otherwise"
        )
    return Variant(name=name, changes=tuple(changes))


@dataclass(frozen=True)
class _Entry:
    """One change's table in a variant, with the checks that read its fields."""

    reader: _Reader
    index: int
    name: str
    kind: str
    entry: dict[str, Any]

    def fail(self, key: str, message: str) -> InputError:
        return self.reader.error(
            self.index, self.name, f"{self.kind}.{key}" if key else self.kind, message
        )

    def need(self, key: str) -> Any:
        if key not in self.entry:
            raise self.fail(key, "is missing")
        return self.entry[key]

    def number(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"{value!r} is not a number")
        try:
            number = float(value)
        except OverflowError:  # a whole number of more than 308 digits
            raise self.fail(key, "is a whole number too large for a float") from None
        if not math.isfinite(number) or number < 0:
            raise self.fail(key, f"{value!r} must be a finite number >= 0")
        return number

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, f"{value!r} is not a non-empty string")
        return value

    def coefficients(self, key: str) -> dict[str, float]:
        table = self.entry.get(key, {})
        if not isinstance(table, dict):
            raise self.fail(key, "must be a table of coefficients")
        return {self.text(key, k): self.number(f"{key}.{k}", v) for k, v in table.items()}

    def capacity(self, value: Any) -> float | None:
        if value == "none":
            return None
        return self.number("capacity", value)


def _change(reader: _Reader, index: int, name: str, kind: str, entry: dict[str, Any]) -> Change:
    e = _Entry(reader, index, name, kind, entry)
    allowed = {
        "scale_targets": {"factor", "products", "years"},
        "capacity": {"technique", "capacity"},
        "add_technique": {"id", "copy_of", "outputs", "inputs", "resources", "capacity"},
    }[kind]
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise e.fail(unknown[0], f"unknown field; use {', '.join(sorted(allowed))}")
    if kind == "scale_targets":
        return _scale_targets(e)
    if kind == "capacity":
        return ChangeCapacity(
            technique=e.text("technique", e.need("technique")),
            capacity=e.capacity(e.need("capacity")),
        )
    return AddTechnique(
        id=e.text("id", e.need("id")),
        copy_of=e.text("copy_of", e.need("copy_of")),
        outputs=e.coefficients("outputs"),
        inputs=e.coefficients("inputs"),
        resources=e.coefficients("resources"),
        capacity=e.capacity(entry["capacity"]) if "capacity" in entry else None,
        set_capacity="capacity" in entry,
    )


def _scale_targets(e: _Entry) -> ScaleTargets:
    """Read a ``scale_targets`` change: the factor, and the products and years it scales."""
    products = e.entry.get("products", [])
    years = e.entry.get("years", [])
    if not isinstance(products, list):
        raise e.fail("products", "must be a list of product ids")
    if not isinstance(years, list) or not all(
        isinstance(y, int) and not isinstance(y, bool) and y >= 1 for y in years
    ):
        raise e.fail("years", "must be a list of years counted from 1")
    return ScaleTargets(
        factor=e.number("factor", e.need("factor")),
        products=tuple(e.text("products", p) for p in products),
        years=tuple(years),
    )
