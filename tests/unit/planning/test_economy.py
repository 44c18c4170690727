"""An ``Economy`` checks itself when it is built: every bad figure is named, where it is."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from rada.planning.economy import LABOUR, CapitalStock, Economy, Product, Resource, Technique
from rada.planning.errors import InputError


def _economy(
    *,
    inputs: dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
    stock: dict[str, Any] | None = None,
    targets: tuple[Any, ...] = (1.0, 2.0),
    committed: tuple[Any, ...] = (0.0, 0.0),
    supply: tuple[Any, ...] = (10.0, 10.0),
) -> Economy:
    """Coal and steel over two years, with one figure replaced where a test says so."""
    capital = CapitalStock(
        **{"good": "steel", "per_unit": 0.5, "depreciation": 0.1, "initial": 1.0, **(stock or {})}
    )
    return Economy(
        products=(Product(id="coal"), Product(id="steel")),
        resources=(Resource(id=LABOUR),),
        techniques=(
            Technique(
                id="mine",
                outputs={"coal": 1.0},
                inputs={"steel": 0.1, **(inputs or {})},
                resources={LABOUR: 1, **(resources or {})},
                capital=(capital,),
            ),
            Technique(id="mill", outputs={"steel": 1.0}, inputs={"coal": 0.4}),
        ),
        years=2,
        targets={"coal": targets},
        committed={"steel": committed},
        supply={LABOUR: supply},
    )


def test_sound_figures_of_every_plain_kind_are_taken() -> None:
    economy = _economy(
        inputs={"coal": np.float64(0.2)},  # a float of NumPy's is a float
        resources={LABOUR: 3},
        committed=(-1.0, 0),
    )
    mine = economy.techniques[0]
    assert mine.inputs == {"steel": 0.1, "coal": 0.2}
    assert mine.resources == {LABOUR: 3}
    assert economy.committed == {"steel": (-1.0, 0.0)}


def test_zero_coefficients_are_dropped_and_the_tables_are_copied() -> None:
    given = {"steel": 0.1, "coal": 0.0}
    mine = Technique(id="mine", outputs={"coal": 1.0}, inputs=given)
    assert mine.inputs == {"steel": 0.1}
    given["steel"] = 5.0
    assert mine.inputs == {"steel": 0.1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"inputs": {"coal": -0.5}}, "technique 'mine', inputs, 'coal': -0.5 is negative"),
        ({"inputs": {"coal": math.nan}}, "technique 'mine', inputs, 'coal': nan is not a finite"),
        ({"inputs": {"coal": math.inf}}, "technique 'mine', inputs, 'coal': inf is not a finite"),
        ({"inputs": {"coal": True}}, "technique 'mine', inputs, 'coal': True is not a number"),
        ({"inputs": {"coal": "1"}}, "technique 'mine', inputs, 'coal': '1' is not a number"),
        ({"inputs": {"cole": 0.5}}, "technique 'mine', inputs: unknown product 'cole'"),
        ({"resources": {"land": 1.0}}, "technique 'mine', resources: unknown resource 'land'"),
        ({"resources": {LABOUR: -1}}, "technique 'mine', resources, 'labour': -1 is negative"),
        ({"stock": {"per_unit": math.nan}}, "capital 'steel', per_unit: nan is not a finite"),
        ({"stock": {"initial": -2.0}}, "capital 'steel', initial: -2.0 is negative"),
        ({"stock": {"depreciation": 1.5}}, "capital 'steel': depreciation 1.5 is more than"),
        ({"stock": {"good": "iron"}}, "technique 'mine', capital: unknown product 'iron'"),
        ({"targets": (1.0, math.nan)}, "target for 'coal', year 2: nan is not a finite"),
        ({"targets": (1.0,)}, "target for 'coal' has 1 years, the horizon is 2"),
        ({"supply": (-3.0, 1.0)}, "supply for 'labour', year 1: -3.0 is negative"),
        ({"committed": (0.0, math.inf)}, "committed for 'steel', year 2: inf is not a finite"),
    ],
)
def test_a_bad_figure_is_refused_and_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        _economy(**change)
