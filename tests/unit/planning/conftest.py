"""Economies whose optimal plans are known, shared by the planning tests."""

from __future__ import annotations

import pytest

from rada.planning.economy import LABOUR, Economy, Product, Resource, Technique


@pytest.fixture
def kantorovich() -> Economy:
    """Three machine groups, each with one unit of time, make parts A, B and C; a complete
    set needs one of each part (Kantorovich, 1939, the machine-tool problem)."""
    rates = {"milling": (105, 56, 56), "turret": (107, 66, 83), "automatic": (64, 38, 53)}
    techniques = [
        Technique(id=f"{group}-{part}", outputs={part: float(rate)}, resources={group: 1.0})
        for group, group_rates in rates.items()
        for part, rate in zip("ABC", group_rates, strict=True)
    ]
    techniques.append(
        Technique(id="assembly", outputs={"set": 1.0}, inputs={"A": 1.0, "B": 1.0, "C": 1.0})
    )
    return Economy(
        products=tuple(Product(id=p) for p in ("A", "B", "C", "set")),
        resources=(Resource(id=LABOUR), *(Resource(id=g) for g in rates)),
        techniques=tuple(techniques),
        years=1,
        targets={"set": (1.0,)},
        supply={LABOUR: (0.0,), **dict.fromkeys(rates, (1.0,))},
    )
