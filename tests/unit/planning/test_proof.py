"""A plan's proof (rada.planning.proof): checked without a solver, exact through its text form,
and refused when doctored or malformed."""

from __future__ import annotations

import base64
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rada.planning.economy import Economy
from rada.planning.errors import PlanningError
from rada.planning.formats.cockshott import read_cockshott
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan
from rada.planning.plan import Plan
from rada.planning.proof import (
    PROOF_FIELDS,
    Proof,
    check_proof,
    decode_proof,
    encode_proof,
    proof_of,
)

TOY = Path(__file__).parents[4] / "shared" / "data" / "cockshott-toy" / "v2019"


@pytest.fixture(scope="module")
def generated() -> Plan:
    """A plan with stocks and investment: 30 products over 4 years, by primal simplex."""
    return solve_plan(generate_economy(products=30, years=4, seed=2), solver="primal")


def test_an_exact_plans_proof_proves_its_certificates_bounds(generated: Plan) -> None:
    checked = check_proof(generated.structure, proof_of(generated))
    assert checked.holds
    assert checked.plan_violation <= 1e-12
    assert checked.price_violation == 0.0
    assert checked.upper_bound == generated.certificate.upper_bound
    assert checked.lower_bound == pytest.approx(generated.objective, rel=1e-12)
    assert checked.gap <= 1e-9
    assert generated.investment[:-1].any()  # the proof carries investment, not just activity


@pytest.mark.parametrize("economy", ["toy", "generated"])
def test_a_first_order_plans_proof_proves_its_gap(economy: str) -> None:
    chosen: Economy = (
        read_cockshott(TOY) if economy == "toy" else generate_economy(products=60, years=3, seed=1)
    )
    plan = solve_plan(chosen, solver="pdhg", gap=1e-4)
    checked = check_proof(plan.structure, proof_of(plan))
    assert checked.holds
    assert checked.gap == pytest.approx(plan.certificate.gap, rel=1e-9, abs=1e-15)
    assert checked.gap <= 1e-4


def test_the_text_form_gives_back_the_same_numbers_to_the_bit(generated: Plan) -> None:
    proof = proof_of(generated)
    text = encode_proof(proof)
    assert set(text) == {"encoding", *PROOF_FIELDS}
    back = decode_proof(generated.structure, text)
    assert np.array_equal(back.activity, proof.activity)
    assert np.array_equal(back.investment, proof.investment)
    assert np.array_equal(back.prices.carry, proof.prices.carry)
    assert check_proof(generated.structure, back) == check_proof(generated.structure, proof)


def _doctored(plan: Plan, **change: object) -> Proof:
    proof = proof_of(plan)
    prices = {k[:-7]: v for k, v in change.items() if k.endswith("_prices")}
    rest = {k: v for k, v in change.items() if not k.endswith("_prices")}
    return replace(proof, prices=replace(proof.prices, **prices), **rest)


def test_a_plan_claiming_more_fulfilment_breaks_a_constraint(generated: Plan) -> None:
    proof = proof_of(generated)
    checked = check_proof(
        generated.structure, _doctored(generated, fulfilment=proof.fulfilment * 1.01)
    )
    assert not checked.holds
    assert checked.plan_violation > 1e-4


def test_prices_scaled_down_to_prove_a_smaller_gap_break_a_dual_constraint(generated: Plan) -> None:
    p = proof_of(generated).prices
    cheaper = {
        f"{name}_prices": getattr(p, name) * 0.99
        for name in ("product", "resource", "stock", "capacity", "carry")
    }
    checked = check_proof(generated.structure, _doctored(generated, **cheaper))
    assert checked.upper_bound < generated.certificate.upper_bound
    assert not checked.holds
    assert checked.price_violation > 1e-4


def test_labour_priced_at_nothing_breaks_a_dual_constraint(generated: Plan) -> None:
    p = proof_of(generated).prices
    checked = check_proof(generated.structure, _doctored(generated, resource_prices=p.resource * 0))
    assert not checked.holds


def test_investment_that_was_never_made_cannot_hold_up_a_plan(generated: Plan) -> None:
    proof = proof_of(generated)
    checked = check_proof(
        generated.structure, _doctored(generated, investment=proof.investment * 0)
    )
    assert not checked.holds
    assert checked.plan_violation > 1e-6


def test_a_negative_activity_is_a_violation(generated: Plan) -> None:
    activity = proof_of(generated).activity.copy()
    activity[0, 0] = -1.0
    assert not check_proof(generated.structure, _doctored(generated, activity=activity)).holds


def _packed(values: bytes) -> str:
    return base64.b64encode(zlib.compress(values)).decode()


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("activity", None, "the proof has no activity"),
        ("activity", "not base64!", "is not base64 of zlib data"),
        ("activity", base64.b64encode(b"not zlib").decode(), "is not base64 of zlib data"),
        ("fulfilment", _packed(b"\0" * 8), "does not hold 4 numbers"),
        # A bomb: 100 MB of zeros in 100 kB is refused after reading one byte past the size.
        ("fulfilment", _packed(b"\0" * 100_000_000), "does not hold 4 numbers"),
        ("fulfilment", _packed(np.array([np.nan, 1, 1, 1], "<f8").tobytes()), "not finite"),
        ("product_prices", 7, "the proof has no product_prices"),
        ("encoding", "json", "the proof's encoding is not"),
    ],
)
def test_a_malformed_proof_is_refused_naming_the_field(
    generated: Plan, field: str, value: object, says: str
) -> None:
    text: dict[str, object] = dict(encode_proof(proof_of(generated)))
    if value is None:
        del text[field]
    else:
        text[field] = value
    with pytest.raises(PlanningError, match=says):
        decode_proof(generated.structure, text)


def test_a_proof_with_data_past_its_arrays_is_refused(generated: Plan) -> None:
    text = encode_proof(proof_of(generated))
    extra = base64.b64decode(text["fulfilment"]) + b"trailing"
    with pytest.raises(PlanningError, match="fulfilment does not hold"):
        decode_proof(generated.structure, {**text, "fulfilment": base64.b64encode(extra).decode()})
