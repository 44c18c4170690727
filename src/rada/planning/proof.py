"""A plan's proof: the plan and its certified prices, which anyone can check without a solver.

A record that keeps only a plan's figures has to be believed or solved again, and where a
solver's path depends on the clock (the first-order methods, past 1,000 techniques x years)
solving again finds another plan of the same quality, not the same plan. The proof is what
the claim rests on: the plan's fulfilment, activities and investments, and the dual-feasible
prices of its certificate. :func:`check_proof` checks every constraint of the plan and every
dual constraint of the prices against the economy alone; by weak duality no plan can reach
more than the prices say the economy is worth, so where both hold the plan is within the
proven gap of the best. It takes a few sparse products: no factorisation, no solver, no clock.
Every number must be finite and at most :data:`PROOF_MOST` in magnitude, so that no check can
overflow into a result that hides a violation.

:func:`encode_proof` writes a proof as text for the public record: each array as base64 of
its zlib-compressed little-endian float64 bytes, ``[year, item]`` in row-major order, in the
economy's order of items (exact, and small where most prices are zero).
:func:`decode_proof` reads it back, checking each array's size against the economy and
refusing anything that is not a finite number.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from rada.planning.errors import PlanningError
from rada.planning.feasibility import (
    Prices,
    carried_stocks,
    dual_objective,
    plan_violation,
    price_violation,
)
from rada.planning.plan import Plan
from rada.planning.structure import FloatArray, Structure
from rada.planning.tolerances import CERTIFICATE_MARGIN, LP_FEASIBILITY

#: The largest violation of a constraint, relative to its terms, that a proven plan may have:
#: HiGHS's own feasibility tolerance (a simplex plan meets its rows to about that; a certified
#: plan meets them exactly).
PROOF_PLAN_RTOL = LP_FEASIBILITY
#: The largest violation of a dual constraint that proven prices may have, relative to the
#: row's own terms however small (:data:`PROOF_FLOOR`): the certificate builds them to hold
#: with a margin (:data:`~rada.planning.tolerances.CERTIFICATE_MARGIN`), so an honest proof
#: breaks none, and anything beyond rounding is a doctored price. (Against an absolute floor
#: of 1, as the certificate's own checks are, prices of 1e-6 to 1e-8 a unit could each be
#: undercut by 1e-12 unseen.)
PROOF_PRICE_RTOL = CERTIFICATE_MARGIN
#: What the dual rows are measured against where their terms are smaller: practically
#: nothing, so that every row is held to its own terms.
PROOF_FLOOR = 1e-300
#: How far a recorded bound may lie from the one its proof gives, relative: the rounding of
#: summing in another order.
PROOF_BOUND_RTOL = 1e-12
#: The largest magnitude of any number in a proof. Far past any plan's figures or prices, and
#: far enough below the largest float that no sum of products the checks make can overflow:
#: an overflow to infinity, or infinity less infinity, would hide a violation.
PROOF_MOST = 1e100
#: The arrays of a proof, in the order :func:`encode_proof` writes them.
PROOF_FIELDS = (
    "fulfilment",
    "activity",
    "investment",
    "product_prices",
    "resource_prices",
    "stock_prices",
    "capacity_prices",
    "carry_prices",
)
#: How a proof's arrays are written (part of the encoded proof, so that a reader knows).
ENCODING = "zlib+base64 of little-endian float64, [year, item] row-major"


@dataclass(frozen=True)
class Proof:
    """A plan and the prices that bound it: ``fulfilment[year]``, ``activity[year,
    technique]``, ``investment[year, pair]`` (the years before the last) and the certified
    ``prices``."""

    fulfilment: FloatArray
    activity: FloatArray
    investment: FloatArray
    prices: Prices


@dataclass(frozen=True)
class Checked:
    """What checking a proof found: the plan's summed fulfilment (``lower_bound``), what the
    economy is worth at the prices (``upper_bound``), their relative ``gap``, and the largest
    relative violations of the plan's constraints and of the prices' dual constraints."""

    lower_bound: float
    upper_bound: float
    gap: float
    plan_violation: float
    price_violation: float

    @property
    def holds(self) -> bool:
        """Whether the plan meets every constraint and the prices every dual constraint,
        within :data:`PROOF_PLAN_RTOL` and :data:`PROOF_PRICE_RTOL`, and the plan reaches no
        more than the prices allow (weak duality: it cannot, unless one of them is false):
        the plan is then within ``gap`` of the best."""
        lower, upper = self.lower_bound, self.upper_bound
        return bool(
            self.plan_violation <= PROOF_PLAN_RTOL
            and self.price_violation <= PROOF_PRICE_RTOL
            and np.isfinite(lower)
            and np.isfinite(upper)
            and lower <= upper + PROOF_BOUND_RTOL * max(1.0, abs(upper))
        )


def proof_of(plan: Plan) -> Proof:
    """The proof of ``plan``: its own fulfilment, activities and investments (the figures its
    targets are read from) and its certificate's prices."""
    years = plan.years
    return Proof(
        fulfilment=np.asarray(plan.fulfilment, dtype=np.float64),
        activity=np.asarray(plan.activity, dtype=np.float64),
        investment=np.asarray(plan.investment, dtype=np.float64)[: max(years - 1, 0)],
        prices=plan.certificate.prices,
    )


def _shapes(s: Structure) -> dict[str, tuple[int, ...]]:
    T, P, N, R, K = s.years, s.n_products, s.n_techniques, s.n_resources, s.n_pairs
    return {
        "fulfilment": (T,),
        "activity": (T, N),
        "investment": (max(T - 1, 0), K),
        "product_prices": (T, P),
        "resource_prices": (T, R),
        "stock_prices": (T, K),
        "capacity_prices": (T, N),
        "carry_prices": (T, K),
    }


def check_proof(s: Structure, proof: Proof) -> Checked:
    """Check ``proof`` against the economy ``s`` alone.

    Parameters
    ----------
    s : Structure
        The economy the plan claims to be for.
    proof : Proof
        Its plan and prices, of the economy's shapes (:func:`decode_proof` sees to that).

    Returns
    -------
    Checked
        The plan's summed fulfilment, the prices' bound, the gap between them and the largest
        violations; ``holds`` says whether the gap is proven.

    >>> from rada.planning.economy import LABOUR, Economy, Product, Resource, Technique
    >>> from rada.planning.optimal import solve_plan
    >>> from rada.planning.structure import compile_economy
    >>> bread = Economy(
    ...     products=(Product(id="bread"),), resources=(Resource(id=LABOUR),),
    ...     techniques=(Technique(id="bake", outputs={"bread": 1.0},
    ...                           resources={LABOUR: 1.0}),),
    ...     years=1, targets={"bread": (1.0,)}, supply={LABOUR: (2.0,)})
    >>> s = compile_economy(bread)
    >>> checked = check_proof(s, proof_of(solve_plan(bread)))
    >>> checked.holds, round(checked.lower_bound, 9), checked.gap < 1e-9
    (True, 2.0, True)
    """
    arrays = _arrays(proof)
    for name, shape in _shapes(s).items():
        if arrays[name].shape != shape:
            raise PlanningError(f"the proof's {name} is {arrays[name].shape}, not {shape}")
    if not all(_in_range(values) for values in arrays.values()):
        return Checked(np.nan, np.nan, np.inf, np.inf, np.inf)
    with np.errstate(all="ignore"):  # out of range is refused above; this is belt and braces
        plan_off = plan_violation(
            s,
            fulfilment=proof.fulfilment,
            activity=proof.activity,
            stocks=carried_stocks(s, proof.investment),
            investment=proof.investment,
        )
        price_off = price_violation(s, proof.prices, floor=PROOF_FLOOR)
        lower = float(proof.fulfilment.sum())
        upper = dual_objective(s, proof.prices)
    scale = max(abs(lower), abs(upper))
    gap = max(0.0, upper - lower) / scale if scale > 0 else 0.0
    if not (np.isfinite(lower) and np.isfinite(upper)):
        gap = np.inf
    return Checked(lower, upper, float(gap), plan_off, price_off)


def _in_range(values: FloatArray) -> bool:
    """Whether every number is finite and at most :data:`PROOF_MOST` in magnitude."""
    return bool(np.isfinite(values).all()) and (
        values.size == 0 or float(np.abs(values).max()) <= PROOF_MOST
    )


def encode_proof(proof: Proof) -> dict[str, str]:
    """``proof`` as text for the record (see the module's description)."""
    arrays = _arrays(proof)
    out = {"encoding": ENCODING}
    for name in PROOF_FIELDS:
        data = np.ascontiguousarray(arrays[name], dtype="<f8").tobytes()
        out[name] = base64.b64encode(zlib.compress(data, 9)).decode("ascii")
    return out


def _arrays(proof: Proof) -> dict[str, FloatArray]:
    p = proof.prices
    return {
        "fulfilment": proof.fulfilment,
        "activity": proof.activity,
        "investment": proof.investment,
        "product_prices": p.product,
        "resource_prices": p.resource,
        "stock_prices": p.stock,
        "capacity_prices": p.capacity,
        "carry_prices": p.carry,
    }


def decode_proof(s: Structure, data: Mapping[str, Any]) -> Proof:
    """Read a proof written by :func:`encode_proof` for the economy ``s``.

    Raises
    ------
    PlanningError
        Naming the field that is missing, not base64 of zlib data, of another size than the
        economy's, or holding a number that is not finite.
    """
    if not isinstance(data, Mapping):
        raise PlanningError("the proof is not a mapping of its arrays")
    if data.get("encoding") != ENCODING:
        raise PlanningError(f"the proof's encoding is not {ENCODING!r}")
    arrays: dict[str, FloatArray] = {}
    for name, shape in _shapes(s).items():
        text = data.get(name)
        if text is None:
            raise PlanningError(f"the proof has no {name}")
        if not isinstance(text, str):
            raise PlanningError(f"the proof's {name} is not text")
        size = 8 * int(np.prod(shape, dtype=np.int64))
        try:
            packed = base64.b64decode(text.encode("ascii"), validate=True)
            unpacker = zlib.decompressobj()
            # At most one byte past the size expected: a bomb is refused unread.
            raw = unpacker.decompress(packed, size + 1)
        except (binascii.Error, UnicodeEncodeError, zlib.error, ValueError) as exc:
            raise PlanningError(f"the proof's {name} is not base64 of zlib data: {exc}") from exc
        if len(raw) != size or not unpacker.eof or unpacker.unused_data:
            raise PlanningError(
                f"the proof's {name} does not hold {size // 8} numbers, one per "
                f"{' x '.join(map(str, shape)) or 'value'} of this economy"
            )
        values = np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(shape)
        if not _in_range(values):
            raise PlanningError(
                f"the proof's {name} holds a number that is not finite or is past "
                f"{PROOF_MOST:g} in magnitude"
            )
        arrays[name] = values
    return Proof(
        fulfilment=arrays["fulfilment"],
        activity=arrays["activity"],
        investment=arrays["investment"],
        prices=Prices(
            product=arrays["product_prices"],
            resource=arrays["resource_prices"],
            stock=arrays["stock_prices"],
            capacity=arrays["capacity_prices"],
            carry=arrays["carry_prices"],
        ),
    )
