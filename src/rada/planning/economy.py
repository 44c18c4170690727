"""The economy a plan is made for: products, resources, techniques, stocks, targets.

Everything here is plain data, checked when it is built: an ``Economy`` that exists is valid.
Quantities are floats; a technique's coefficients are per unit of its *activity*, whatever unit
the technique chooses (one tonne of output, or "last year's level of this workplace").
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeGuard

from rada.planning.errors import InputError

LABOUR = "labour"


@dataclass(frozen=True)
class Product:
    """A good or service that techniques make and use."""

    id: str
    name: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Resource:
    """A non-produced resource with a yearly supply: labour, land, a CO2 budget."""

    id: str
    name: str = ""
    unit: str = ""


@dataclass(frozen=True)
class CapitalStock:
    """A stock of ``good`` that a technique must have in place to run.

    ``per_unit`` is the stock needed per unit of activity, ``depreciation`` the fraction of
    the stock that wears out each year, and ``initial`` the stock in place in the first year.
    """

    good: str
    per_unit: float
    depreciation: float = 0.0
    initial: float = 0.0


@dataclass(frozen=True)
class Technique:
    """A workplace's way of producing, per unit of activity.

    Joint production is allowed (several ``outputs``). ``capacity`` caps the activity in every
    year; ``None`` means only stocks and resources limit it.
    """

    id: str
    outputs: Mapping[str, float]
    inputs: Mapping[str, float] = field(default_factory=dict)
    resources: Mapping[str, float] = field(default_factory=dict)
    capital: tuple[CapitalStock, ...] = ()
    capacity: float | None = None
    workplace: str = ""

    def __post_init__(self) -> None:
        # Zero coefficients say nothing: drop them so equal techniques compare equal.
        for name in ("outputs", "inputs", "resources"):
            table = getattr(self, name)
            if isinstance(table, Mapping):
                cleaned = (
                    dict(table)
                    if all((type(v) is float or type(v) is int) and v != 0 for v in table.values())
                    else {k: v for k, v in table.items() if not (_is_number(v) and v == 0)}
                )
                object.__setattr__(self, name, cleaned)
        # The order of a technique's stocks means nothing: keep them sorted by good.
        stocks = tuple(self.capital)
        if all(isinstance(c, CapitalStock) and isinstance(c.good, str) for c in stocks):
            stocks = tuple(sorted(stocks, key=lambda c: c.good))
        object.__setattr__(self, "capital", stocks)


@dataclass(frozen=True)
class Economy:
    """An economy over a horizon of ``years``, with what the plan must aim for.

    ``targets[p][y]`` is the final-consumption target of product ``p`` in year ``y``
    (the plan ray: fulfilment scales it). ``committed[p][y]`` is a delivery that must be met
    whatever the fulfilment (negative: the product may be drawn from outside or stocks).
    ``supply[r][y]`` is the amount of resource ``r`` available in year ``y``.
    """

    products: tuple[Product, ...]
    resources: tuple[Resource, ...]
    techniques: tuple[Technique, ...]
    years: int
    targets: Mapping[str, tuple[float, ...]]
    supply: Mapping[str, tuple[float, ...]]
    committed: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    name: str = ""
    description: str = ""
    labour: str = LABOUR

    def __post_init__(self) -> None:
        for name in ("products", "resources", "techniques"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        validate(self)
        # Rows that are zero in every year say nothing: drop them so equal plans compare equal.
        for name in ("targets", "committed"):
            table = getattr(self, name)
            object.__setattr__(
                self,
                name,
                {k: tuple(float(v) for v in vs) for k, vs in table.items() if any(vs)},
            )
        object.__setattr__(
            self, "supply", {k: tuple(float(v) for v in vs) for k, vs in self.supply.items()}
        )

    @cached_property
    def product_index(self) -> dict[str, int]:
        """Position of each product id."""
        return {p.id: i for i, p in enumerate(self.products)}

    @cached_property
    def resource_index(self) -> dict[str, int]:
        """Position of each resource id."""
        return {r.id: i for i, r in enumerate(self.resources)}

    @cached_property
    def technique_index(self) -> dict[str, int]:
        """Position of each technique id."""
        return {t.id: i for i, t in enumerate(self.techniques)}

    def product(self, product_id: str) -> Product:
        """The product with this id."""
        return self.products[self.product_index[product_id]]

    def label(self, product_id: str) -> str:
        """A product's name for people, falling back to its id."""
        product = self.products[self.product_index[product_id]]
        return product.name or product.id


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a large economy is made, and left as
    it was after, also on an error. None of its millions of techniques, stocks and
    dictionaries refers to another in a circle, yet the collector passed over them again and
    again as they were made: 13 of 36.5 s when generating 300,000 products."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _all_sound(values: Iterable[object]) -> bool:
    """Whether every value is a plain finite float or int >= 0: the common case, checked
    without building a message per value (at 1,000,000 products the per-value checks and
    their messages were most of an economy's construction). Anything else (a subclass, a
    negative or non-finite value) goes through :func:`_check_number`, which names it."""
    return all((type(v) is float or type(v) is int) and 0 <= v < math.inf for v in values)


def _check_number(value: object, where: str, *, allow_negative: bool = False) -> None:
    if not _is_number(value):
        raise InputError(f"{where}: {value!r} is not a number")
    if not math.isfinite(value):
        raise InputError(f"{where}: {value!r} is not a finite number")
    if not allow_negative and value < 0:
        raise InputError(f"{where}: {value!r} is negative; coefficients and amounts are >= 0")


def _check_unique(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if not isinstance(item, str) or not item.strip():
            raise InputError(f"{what} id {item!r} must be a non-empty string")
        if item in seen:
            raise InputError(f"{what} id {item!r} appears twice")
        seen.add(item)


def _check_yearly(
    table: Mapping[str, tuple[float, ...]],
    known: Mapping[str, int],
    *,
    what: str,
    years: int,
    allow_negative: bool = False,
) -> None:
    for key, values in table.items():
        if key not in known:
            raise InputError(f"{what} for unknown {key!r}")
        if len(values) != years:
            raise InputError(f"{what} for {key!r} has {len(values)} years, the horizon is {years}")
        if not allow_negative and _all_sound(values):
            continue
        for year, value in enumerate(values, start=1):
            _check_number(value, f"{what} for {key!r}, year {year}", allow_negative=allow_negative)


def _check_technique(
    tech: Technique, products: Mapping[str, int], resources: Mapping[str, int]
) -> None:
    """Check one technique: its outputs, inputs, resources, capital stocks and capacity."""
    where = f"technique {tech.id!r}"
    if not tech.outputs:
        raise InputError(f"{where} has no outputs")
    for kind, table, known in (
        ("outputs", tech.outputs, products),
        ("inputs", tech.inputs, products),
        ("resources", tech.resources, resources),
    ):
        if table.keys() <= known.keys() and _all_sound(table.values()):
            continue
        for key, value in table.items():
            if key not in known:
                what = "resource" if kind == "resources" else "product"
                raise InputError(f"{where}, {kind}: unknown {what} {key!r}")
            _check_number(value, f"{where}, {kind}, {key!r}")
    _check_capital(where, tech.capital, products)
    if tech.capacity is not None:
        _check_number(tech.capacity, f"{where}, capacity")


def _check_capital(
    where: str, capital: Sequence[CapitalStock], products: Mapping[str, int]
) -> None:
    """Check a technique's capital stocks: known goods, each once, with sound figures."""
    goods: set[str] = set()
    for stock in capital:
        if stock.good not in products:
            raise InputError(f"{where}, capital: unknown product {stock.good!r}")
        if stock.good in goods:
            raise InputError(f"{where}, capital: {stock.good!r} listed twice")
        goods.add(stock.good)
        figures = (stock.per_unit, stock.depreciation, stock.initial)
        if not _all_sound(figures):
            for name, value in zip(("per_unit", "depreciation", "initial"), figures, strict=True):
                _check_number(value, f"{where}, capital {stock.good!r}, {name}")
        if stock.depreciation > 1:
            raise InputError(
                f"{where}, capital {stock.good!r}: depreciation {stock.depreciation!r} "
                "is more than the whole stock (it is a yearly fraction, 0..1)"
            )


def validate(economy: Economy) -> None:
    """Check an economy's consistency; raise ``InputError`` naming the first fault."""
    if not isinstance(economy.years, int) or economy.years < 1:
        raise InputError(f"the horizon must be a whole number of years >= 1, not {economy.years!r}")
    _check_unique((p.id for p in economy.products), "product")
    _check_unique((r.id for r in economy.resources), "resource")
    _check_unique((t.id for t in economy.techniques), "technique")
    products = economy.product_index
    resources = economy.resource_index
    clash = set(products) & set(resources)
    if clash:
        raise InputError(f"{sorted(clash)[0]!r} is both a product and a resource")
    if economy.labour not in resources:
        raise InputError(
            f"there is no labour resource {economy.labour!r}",
            hint="every economy needs its labour resource and a labour supply per year",
        )
    for tech in economy.techniques:
        _check_technique(tech, products, resources)
    _check_yearly(economy.targets, products, what="target", years=economy.years)
    _check_yearly(
        economy.committed, products, what="committed", years=economy.years, allow_negative=True
    )
    _check_yearly(economy.supply, resources, what="supply", years=economy.years)
    for resource in economy.resources:
        if resource.id not in economy.supply:
            raise InputError(f"resource {resource.id!r} has no supply")
    for year in range(economy.years):
        if not any(values[year] > 0 for values in economy.targets.values()):
            raise InputError(
                f"year {year + 1} has no positive target, so its fulfilment is undefined",
                hint="give at least one product a final-consumption target in every year",
            )


def fingerprint(economy: Economy) -> str:
    """A SHA-256 over every figure and name of ``economy``, in its order: what a record names
    an economy by beside its name, so that whoever checks a plan knows they hold the same one
    (0.07 s for the UK table over five years, 1.7 s for WIOD 2011).

    >>> from rada.planning.generate import generate_economy
    >>> one, other = (generate_economy(products=5, years=2, seed=s) for s in (1, 2))
    >>> fingerprint(one) == fingerprint(generate_economy(products=5, years=2, seed=1))
    True
    >>> fingerprint(one) == fingerprint(other)
    False
    """
    data = json.dumps(dataclasses.asdict(economy), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()
