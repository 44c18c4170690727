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
    # must draw the same stream. A digest of every figure, to 12 digits (a solver's last bit
    # may differ between SciPy's releases; a different draw changes the first digits), as
    # first generated.
    economy = generate_economy(products=1000, years=5, seed=1, alternatives=0.3)

    def shown(table: Any) -> str:
        return ",".join(f"{key}={value:.12g}" for key, value in sorted(table.items()))

    lines = []
    for t in economy.techniques:
        capital = ",".join(
            f"{c.good}:{c.per_unit:.12g}:{c.depreciation:.12g}:{c.initial:.12g}" for c in t.capital
        )
        lines.append(f"{t.id};{shown(t.outputs)};{shown(t.inputs)};{shown(t.resources)};{capital}")
    for name, series in (*sorted(economy.targets.items()), *sorted(economy.supply.items())):
        lines.append(f"{name};" + ",".join(f"{value:.12g}" for value in series))
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert digest == "11648204ba1cb7f2621513d342e603ef7214365b6351a9a7c6577a3eb65c4bf1"
