"""What-if variants of an economy, as data, and the pure functions that build them.

A :class:`Variant` is a name and a list of changes: scale some targets by a factor, change a
technique's capacity, add a technique copied from another with some coefficients changed.
:func:`apply_variant` builds the changed :class:`~rada.planning.economy.Economy`; the
original is never touched, and the result is checked like any economy. Solving a batch of
variants (on Dask) lives outside the planning library, in :mod:`rada.compute.scenarios`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from rada.planning.economy import Economy, Technique
from rada.planning.errors import InputError


@dataclass(frozen=True)
class ScaleTargets:
    """Multiply targets (and committed deliveries) by ``factor``.

    ``products`` and ``years`` (counted from 1) narrow it down; empty means all.
    """

    factor: float
    products: tuple[str, ...] = ()
    years: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChangeCapacity:
    """Set a technique's capacity in every year (``None``: no capacity limit)."""

    technique: str
    capacity: float | None


@dataclass(frozen=True)
class AddTechnique:
    """A new technique ``id``, a copy of ``copy_of`` with some coefficients replaced.

    A coefficient given here replaces the copied one (0 removes it); ``capacity`` replaces the
    copied capacity when ``set_capacity`` is true. The copy needs the same capital stocks as
    its model but has none in place: a new technique runs only on what is invested in it.
    """

    id: str
    copy_of: str
    outputs: Mapping[str, float] = field(default_factory=dict)
    inputs: Mapping[str, float] = field(default_factory=dict)
    resources: Mapping[str, float] = field(default_factory=dict)
    capacity: float | None = None
    set_capacity: bool = False


Change = ScaleTargets | ChangeCapacity | AddTechnique


@dataclass(frozen=True)
class Variant:
    """A named what-if: the changes, applied in order, to a base economy."""

    name: str
    changes: tuple[Change, ...] = ()


def apply_variant(economy: Economy, variant: Variant) -> Economy:
    """The economy with ``variant``'s changes applied in order.

    Raises ``InputError`` naming the variant and the change when a change names a product,
    year or technique the economy does not have, or makes the economy invalid.

    >>> from rada.planning.generate import generate_economy
    >>> base = generate_economy(products=5, years=2, seed=1)
    >>> more = apply_variant(base, Variant("more", (ScaleTargets(2.0),)))
    >>> p = next(iter(base.targets))
    >>> more.targets[p][0] == 2 * base.targets[p][0]
    True
    """
    result = economy
    for number, change in enumerate(variant.changes, start=1):
        where = f"variant {variant.name!r}, change {number}"
        try:
            result = _apply(result, change, where=where)
        except InputError as exc:
            if exc.reason.startswith(where):
                raise
            raise InputError(f"{where}: {exc.reason}", hint=exc.hint) from None
    return result


def apply_variants(economy: Economy, variants: tuple[Variant, ...]) -> list[Economy]:
    """Each variant applied alone to ``economy``."""
    return [apply_variant(economy, v) for v in variants]


def _apply(economy: Economy, change: Change, *, where: str) -> Economy:
    if isinstance(change, ScaleTargets):
        return _scale_targets(economy, change, where=where)
    if isinstance(change, ChangeCapacity):
        return _change_capacity(economy, change, where=where)
    return _add_technique(economy, change, where=where)


def _scale_targets(economy: Economy, change: ScaleTargets, *, where: str) -> Economy:
    if not (change.factor >= 0 and change.factor != float("inf")):
        raise InputError(f"{where}: the factor {change.factor!r} must be a finite number >= 0")
    for p in change.products:
        if p not in economy.product_index:
            raise InputError(f"{where}: there is no product {p!r}")
    for y in change.years:
        if not 1 <= y <= economy.years:
            raise InputError(f"{where}: there is no year {y}; the horizon is {economy.years}")
    products = set(change.products) or set(economy.product_index)
    years = {y - 1 for y in change.years} or set(range(economy.years))

    def scaled(table: Mapping[str, tuple[float, ...]]) -> dict[str, tuple[float, ...]]:
        return {
            p: tuple(
                v * change.factor if p in products and y in years else v
                for y, v in enumerate(values)
            )
            for p, values in table.items()
        }

    return replace(economy, targets=scaled(economy.targets), committed=scaled(economy.committed))


def _change_capacity(economy: Economy, change: ChangeCapacity, *, where: str) -> Economy:
    index = economy.technique_index.get(change.technique)
    if index is None:
        raise InputError(f"{where}: there is no technique {change.technique!r}")
    techniques = list(economy.techniques)
    techniques[index] = replace(techniques[index], capacity=change.capacity)
    return replace(economy, techniques=tuple(techniques))


def _add_technique(economy: Economy, change: AddTechnique, *, where: str) -> Economy:
    index = economy.technique_index.get(change.copy_of)
    if index is None:
        raise InputError(f"{where}: there is no technique {change.copy_of!r} to copy")
    if change.id in economy.technique_index:
        raise InputError(f"{where}: there is already a technique {change.id!r}")
    model = economy.techniques[index]
    for table, known, what in (
        (change.outputs, economy.product_index, "product"),
        (change.inputs, economy.product_index, "product"),
        (change.resources, economy.resource_index, "resource"),
    ):
        for key in table:
            if key not in known:
                raise InputError(f"{where}: there is no {what} {key!r}")
    added = Technique(
        id=change.id,
        outputs={**model.outputs, **change.outputs},
        inputs={**model.inputs, **change.inputs},
        resources={**model.resources, **change.resources},
        capital=tuple(replace(c, initial=0.0) for c in model.capital),
        capacity=change.capacity if change.set_capacity else model.capacity,
        workplace=model.workplace,
    )
    return replace(economy, techniques=(*economy.techniques, added))
