"""What-if variants: built by pure functions, read from TOML with errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from rada.planning.economy import Economy
from rada.planning.errors import InputError
from rada.planning.formats.variants_toml import read_variants
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan
from rada.planning.variants import (
    AddTechnique,
    ChangeCapacity,
    ScaleTargets,
    Variant,
    apply_variant,
)


@pytest.fixture
def base() -> Economy:
    return generate_economy(products=8, years=3, seed=4)


def test_scaling_chosen_targets_leaves_the_others_and_the_base_alone(base: Economy) -> None:
    p, q = list(base.targets)[:2]
    variant = Variant("more p in year 2", (ScaleTargets(1.5, products=(p,), years=(2,)),))
    changed = apply_variant(base, variant)
    assert changed.targets[p] == (base.targets[p][0], base.targets[p][1] * 1.5, base.targets[p][2])
    assert changed.targets[q] == base.targets[q]
    assert base.targets[p][1] != changed.targets[p][1]  # the base economy is untouched


def test_doubling_every_target_halves_the_fulfilment(kantorovich: Economy) -> None:
    before = solve_plan(kantorovich).objective
    after = solve_plan(apply_variant(kantorovich, Variant("x2", (ScaleTargets(2.0),)))).objective
    assert after == pytest.approx(before / 2, rel=1e-9)


def test_a_changed_capacity_binds(base: Economy) -> None:
    t = base.techniques[0].id
    changed = apply_variant(base, Variant("cap", (ChangeCapacity(t, 0.0),)))
    assert changed.techniques[0].capacity == 0.0
    assert solve_plan(changed).activity[:, 0].max() == pytest.approx(0.0, abs=1e-9)


def test_an_added_technique_copies_its_model_with_changed_coefficients(base: Economy) -> None:
    model = base.techniques[0]
    some_input = next(iter(model.inputs))
    changed = apply_variant(
        base,
        Variant("lean", (AddTechnique("lean", copy_of=model.id, inputs={some_input: 0.0}),)),
    )
    added = changed.techniques[-1]
    assert added.id == "lean"
    assert added.outputs == model.outputs
    assert some_input not in added.inputs
    assert all(c.initial == 0.0 for c in added.capital)
    # A cheaper way to make the same thing can only help the plan.
    assert solve_plan(changed).objective >= solve_plan(base).objective - 1e-9


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (ScaleTargets(2.0, products=("nothing",)), "no product 'nothing'"),
        (ScaleTargets(2.0, years=(9,)), "no year 9"),
        (ChangeCapacity("nowhere", 1.0), "no technique 'nowhere'"),
        (AddTechnique("new", copy_of="nowhere"), "no technique 'nowhere' to copy"),
    ],
)
def test_a_change_naming_what_is_not_there_names_the_variant(
    base: Economy, change: ScaleTargets | ChangeCapacity | AddTechnique, fragment: str
) -> None:
    with pytest.raises(InputError, match="variant 'bad', change 1") as caught:
        apply_variant(base, Variant("bad", (change,)))
    assert fragment in str(caught.value)


GOOD = """
[[variant]]
name = "more"
scale_targets = [{ factor = 1.1, products = ["p1"], years = [2] }]

[[variant]]
name = "capped"
capacity = [{ technique = "t1", capacity = 2.5 }, { technique = "t2", capacity = "none" }]

[[variant]]
name = "copy"
add_technique = { id = "t1b", copy_of = "t1", inputs = { p2 = 0.1 }, capacity = 3 }
"""


def test_a_variants_file_reads_into_changes(tmp_path: Path) -> None:
    path = tmp_path / "variants.toml"
    path.write_text(GOOD, encoding="utf-8")
    more, capped, copy = read_variants(path)
    assert more == Variant("more", (ScaleTargets(1.1, products=("p1",), years=(2,)),))
    assert capped.changes == (ChangeCapacity("t1", 2.5), ChangeCapacity("t2", None))
    assert copy.changes == (
        AddTechnique("t1b", copy_of="t1", inputs={"p2": 0.1}, capacity=3.0, set_capacity=True),
    )


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            '[[variant]]\nname = "a"\n\n[[variant]]\nname = "b"\n'
            "scale_targets = [{ factor = -1 }]\n",
            6,
            "variant 2 ('b'), field 'scale_targets.factor'",
        ),
        (
            '[[variant]]\nname = "a"\ncapacity = [{ capacity = 1 }]\n',
            3,
            "field 'capacity.technique': is missing",
        ),
        ('[[variant]]\nname = "a"\nspeed = 3\n', 3, "field 'speed': unknown field"),
        ('[[variant]]\nname = "a"\n[[variant]]\nname = "a"\n', 4, "used twice"),
        (  # shown as the base, where the economy as it is was never solved, until 2026-12-06
            '[[variant]]\nname = "base"\nscale_targets = [{ factor = 2 }]\n',
            2,
            "variant 1 ('base'), field 'name': 'base' is the economy as it is",
        ),
        (  # an unexpected OverflowError until 2026-12-06
            '[[variant]]\nname = "a"\nscale_targets = [{ factor = 1' + "0" * 400 + " }]\n",
            3,
            "field 'scale_targets.factor': is a whole number too large for a float",
        ),
    ],
)
def test_a_bad_variants_file_names_file_line_variant_and_field(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_variants(path)
    assert caught.value.file == str(path)
    assert caught.value.line == line
    assert fragment in str(caught.value)


def test_a_variants_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[variant]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid TOML.*line 1"):
        read_variants(path)


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("[[variant]]\nname = " + "[" * 100_000, "^.*bad.toml: arrays or tables are nested too"),
        ("[[variant]]\nscale = " + "9" * 5000, "^.*bad.toml, line 2: a number has more than 4,300"),
    ],
)
def test_a_hostile_variants_file_is_refused_by_name(tmp_path: Path, text: str, fault: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=fault):
        read_variants(path)
