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
from rada.planning.feasibility import price_violation
from rada.planning.formats.cockshott import read_cockshott
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan
from rada.planning.plan import Plan
from rada.planning.proof import (
    PROOF_FIELDS,
    PROOF_PLAN_RTOL,
    PROOF_PRICE_RTOL,
    Checked,
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
    assert checked.price_violation > PROOF_PRICE_RTOL
    assert checked.plan_violation <= PROOF_PLAN_RTOL


def test_resources_priced_below_what_the_plan_proves_break_a_dual_constraint() -> None:
    """The resources' prices alone lowered until they claim less than the plan reaches:
    every year's targets are still worth a unit, so only a technique's profit (what it makes
    against what it costs) can show it, and by weak duality it must."""
    toy = solve_plan(read_cockshott(TOY), solver="primal")  # labour binds here
    p = proof_of(toy).prices
    cut = check_proof(toy.structure, _doctored(toy, resource_prices=p.resource * 0.5))
    assert cut.upper_bound < cut.lower_bound
    assert not cut.holds
    assert cut.price_violation > PROOF_PRICE_RTOL


def test_one_product_priced_far_above_the_rest_breaks_a_dual_constraint(generated: Plan) -> None:
    """Every price 0 but one product's: the targets are worth a unit, and the bound is 0."""
    p = proof_of(generated).prices
    product = np.zeros_like(p.product)
    product[:, 0] = 1e50
    zero = {f"{n}_prices": getattr(p, n) * 0 for n in ("resource", "stock", "capacity", "carry")}
    checked = check_proof(generated.structure, _doctored(generated, product_prices=product, **zero))
    assert not checked.holds
    assert checked.price_violation > PROOF_PRICE_RTOL


@pytest.mark.parametrize("huge", [1e101, 1e304, np.inf, np.nan])
def test_a_number_past_the_range_of_a_proof_is_never_proof(generated: Plan, huge: float) -> None:
    """Sums of such numbers overflow, and infinity less infinity is not a number: 1e304 for
    one product's price once hid every violation and proved a gap of 0."""
    p = proof_of(generated).prices
    product = np.zeros_like(p.product)
    product[:, 0] = huge
    zero = {f"{n}_prices": getattr(p, n) * 0 for n in ("resource", "stock", "capacity", "carry")}
    checked = check_proof(generated.structure, _doctored(generated, product_prices=product, **zero))
    assert not checked.holds
    assert checked.price_violation == np.inf


def test_a_plan_that_reaches_more_than_its_prices_allow_proves_nothing() -> None:
    """Weak duality: a feasible plan never beats dual-feasible prices. Where it seems to,
    one of them is false, whatever the violations say."""
    assert not Checked(2.0, 1.0, 0.0, 0.0, 0.0).holds
    assert Checked(1.0, 2.0, 0.5, 0.0, 0.0).holds
    assert not Checked(1.0, np.nan, 0.0, 0.0, 0.0).holds


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
        ("fulfilment", lambda: _packed(b"\0" * 100_000_000), "does not hold 4 numbers"),
        ("fulfilment", _packed(np.array([np.nan, 1, 1, 1], "<f8").tobytes()), "not finite"),
        ("fulfilment", _packed(np.array([1e101, 1, 1, 1], "<f8").tobytes()), "past 1e\\+100"),
        ("activity", 5, "the proof's activity is not text"),
        ("product_prices", 7, "the proof.s product_prices is not text"),
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
        text[field] = value() if callable(value) else value  # the bomb is made when run
    with pytest.raises(PlanningError, match=says):
        decode_proof(generated.structure, text)


def test_a_proof_with_data_past_its_arrays_is_refused(generated: Plan) -> None:
    text = encode_proof(proof_of(generated))
    extra = base64.b64decode(text["fulfilment"]) + b"trailing"
    with pytest.raises(PlanningError, match="fulfilment does not hold"):
        decode_proof(generated.structure, {**text, "fulfilment": base64.b64encode(extra).decode()})


def test_prices_undercut_by_a_hair_on_rows_whose_terms_are_small_are_caught() -> None:
    """The UK table in millions of pounds prices a unit at about 1e-6, and a technique's
    profit row sums to about 0.07: held to an absolute tolerance of 1e-12, as the
    certificate's own checks are, labour could be priced 1e-11 lower unseen. The proof holds
    every row to its own terms."""
    from rada.bootstrap import demo_economy

    uk = solve_plan(demo_economy(years=2))
    p = proof_of(uk).prices
    cheaper = replace(p, resource=p.resource * (1 - 1e-11))
    assert price_violation(uk.structure, cheaper) <= PROOF_PRICE_RTOL  # the absolute floor
    checked = check_proof(uk.structure, replace(proof_of(uk), prices=cheaper))
    assert not checked.holds
    assert checked.price_violation > PROOF_PRICE_RTOL
