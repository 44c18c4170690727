"""What the cycle page shows of a round's plan beside the plan page's: computed once per
round and app (a few solves of the economy, about a second), then kept."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from rada.councils.cycle import Cycle, Round
from rada.councils.errors import CouncilError
from rada.planning.economy import Economy
from rada.services import planning_cycle as service
from rada.services.ports import UnitOfWork
from rada.web.economy_names import EconomyNames
from rada.web.state import app_state

__all__ = [
    "CertificateView",
    "base_economy",
    "certificates",
    "comparison",
    "label",
    "what_binds",
]

_LOCK = threading.Lock()
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class CertificateView:
    """A round's certificate as the record holds it, ready for the page."""

    lower_bound: float
    upper_bound: float
    gap: float
    max_violation: float
    looser: bool
    accepted: bool
    #: Whether the entry holds the plan and its prices, which anyone can check
    #: (``rada record replay-cycle``).
    proven: bool = False


def base_economy(request: Request, cycle: Cycle) -> Economy | None:
    """The economy this server plans with, over the cycle's years, when it is the one the
    cycle was opened on (None otherwise: the server cannot replan it)."""
    economy = app_state(request).planned().economy
    if (economy.name or "economy") != cycle.economy or economy.years < cycle.years:
        return None
    try:
        return service.horizon(economy, cycle.years)
    except CouncilError:
        return None


def certificates(uow: UnitOfWork, cycle: Cycle) -> dict[int, CertificateView]:
    """Each round's certificate, by round number, as its ``planned`` entry records it."""
    out: dict[int, CertificateView] = {}
    for r in cycle.rounds:
        body = service.round_entry(uow, r)
        found = body.get("certificate") if body else None
        if not found:
            continue
        out[r.number] = CertificateView(
            lower_bound=float(found["lower_bound"]),
            upper_bound=float(found["upper_bound"]),
            gap=float(found["gap"]),
            max_violation=float(found["max_violation"]),
            looser=bool(found["looser"]),
            accepted=bool(found["accepted"]),
            proven=body is not None and body.get("proof") is not None,
        )
    return out


def comparison(
    request: Request, uow: UnitOfWork, cycle: Cycle, round_: Round, base: Economy | None
) -> service.Comparison | None:
    """The round's plan compared with the base economy's (kept per app), or None when the
    server does not hold the cycle's economy or the round's entry is unreadable."""
    if base is None:
        return None
    key = (cycle.id, round_.number, cycle.economy)
    kept: dict[Any, service.Comparison] = getattr(request.app.state, "cycle_comparisons", {})
    if key in kept:
        return kept[key]
    body = service.round_entry(uow, round_)
    if body is None:
        return None
    found = service.compare_round(
        base, cycle, body["inputs"], solve=app_state(request).plan_solver()
    )
    with _LOCK:
        kept = getattr(request.app.state, "cycle_comparisons", {})
        request.app.state.cycle_comparisons = {**kept, key: found}
    return found


def what_binds(names: EconomyNames, bottleneck: service.Bottleneck) -> str:
    """What holds a round back, named in the page's language: the workplace whose capacity
    binds, the resource that runs out, or a stock's good and the workplace that holds it."""
    if bottleneck.kind == "capacity":
        return label(names.workplace(bottleneck.name))
    if bottleneck.kind == "resource" and bottleneck.name in names.economy.resource_index:
        return label(names.resource(bottleneck.name))
    technique, _slash, good = bottleneck.name.partition("/")
    if good in names.economy.product_index:
        return f"{label(names.product(good))} ({label(names.workplace(technique))})"
    return label(bottleneck.label)


def label(text: str) -> str:
    """A product's label as the page shows it (control characters in the table's labels
    become spaces)."""
    return _CONTROL.sub(" ", text).strip()
