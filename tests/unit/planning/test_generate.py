"""Generated economies: large ones find their base year without factorising ``I - A``."""

from __future__ import annotations

import gc
import hashlib
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


def test_the_collector_is_paused_while_generating_and_left_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    build = generate._generate

    def watching(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return build(*args)

    monkeypatch.setattr(generate, "_generate", watching)
    assert gc.isenabled()
    generate_economy(products=30, years=2, seed=1)
    assert gc.isenabled()
    gc.disable()
    try:
        generate_economy(products=30, years=2, seed=1)
        assert not gc.isenabled()
    finally:
        gc.enable()

    def failing(*args: Any) -> Any:
        seen.append(gc.isenabled())
        raise RuntimeError("stopped")

    monkeypatch.setattr(generate, "_generate", failing)
    with pytest.raises(RuntimeError, match="stopped"):
        generate_economy(products=30, years=2, seed=1)
    assert gc.isenabled()
    assert seen == [False, False, False]


def test_each_seed_gives_the_economy_it_always_gave() -> None:
    # The figures in the docs and the benchmarks are of these economies: a faster generator
    # must draw the same stream. A digest of every figure, exactly, as first generated.
    economy = generate_economy(products=1000, years=5, seed=1, alternatives=0.3)
    text = repr(
        (
            [
                (
                    t.id,
                    sorted(t.outputs.items()),
                    sorted(t.inputs.items()),
                    sorted(t.resources.items()),
                    [(c.good, c.per_unit, c.depreciation, c.initial) for c in t.capital],
                )
                for t in economy.techniques
            ],
            sorted(economy.targets.items()),
            sorted(economy.supply.items()),
        )
    )
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert digest == "67930b598a6dd8f8a2c7ed2909894c5f24f803e5ee81951e81d73bf0002766b0"
