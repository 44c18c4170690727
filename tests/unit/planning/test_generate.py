"""Generated economies: large ones find their base year without factorising ``I - A``."""

from __future__ import annotations

from typing import Any

import pytest

from rada.planning import generate
from rada.planning.generate import generate_economy


def test_past_the_threshold_the_base_year_is_found_by_successive_approximation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A sparse LU of a random I - A fills in (118 s at 10,000 products); iterating takes 2 s.
    methods: list[str] = []
    solve = generate.gross_output

    def recording(a: Any, demand: Any, **options: Any) -> Any:
        methods.append(options["method"])
        return solve(a, demand, **options)

    monkeypatch.setattr(generate, "gross_output", recording)
    small = generate_economy(products=60, years=2, seed=3)
    monkeypatch.setattr(generate, "ITERATE_ABOVE", 50)
    large = generate_economy(products=60, years=2, seed=3)
    assert methods == ["direct", "iterative"]
    # The same economy either way, to the iteration's tolerance.
    for a, b in zip(small.techniques, large.techniques, strict=True):
        assert a.outputs == pytest.approx(b.outputs, rel=1e-9)
        assert a.inputs == pytest.approx(b.inputs, rel=1e-9)
