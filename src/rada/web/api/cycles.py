"""Planning cycles: public reading of every cycle, its priorities, rounds and answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from rada.councils.cycle import Cycle
from rada.councils.model import MAX_ID
from rada.services import planning_cycle as service
from rada.web.api.deps import ApiDep
from rada.web.api.errors import ApiRoute

router = APIRouter(tags=["planning"], route_class=ApiRoute)

CycleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The cycle's id.")]


class RoundPublic(BaseModel):
    """A round: the plan's fulfilment by year and each workplace council's answer."""

    number: int
    fulfilment: list[float] = Field(description="Fulfilment of the plan ray, by year.")
    reviews: dict[str, int] = Field(description="Council id -> its review proposal.")
    answers: dict[str, str] = Field(description="Council id -> pending, accepted or contested.")
    counters: dict[str, dict[str, str]] = Field(
        description="Council id -> the capacities its counter-proposal declares."
    )
    targets: dict[str, dict[str, list[float]]] = Field(
        description="Council id -> technique -> activity by year (1 = the base year's level)."
    )


class CyclePublic(BaseModel):
    """A planning cycle of a congress."""

    id: int
    title: str
    congress: int
    economy: str
    years: int
    round_limit: int
    stage: str
    weights: dict[str, str] = Field(description="Product group -> its weight (exact fraction).")
    participants: int = Field(description="Delegates who gave their points.")
    rounds: list[RoundPublic]
    adoption: int | None = Field(description="The congress's adoption proposal, once opened.")


def cycle_public(cycle: Cycle) -> CyclePublic:
    """The public view of a cycle."""
    return CyclePublic(
        id=cycle.id,
        title=cycle.title,
        congress=cycle.congress_id,
        economy=cycle.economy,
        years=cycle.years,
        round_limit=cycle.round_limit,
        stage=cycle.stage.value,
        weights=cycle.weights,
        participants=len(cycle.points),
        rounds=[
            RoundPublic(
                number=r.number,
                fulfilment=[float(f) for f in r.fulfilment],
                reviews={str(k): v for k, v in r.reviews.items()},
                answers={str(k): v.value for k, v in r.answers.items()},
                counters={str(k): v for k, v in r.counters.items()},
                targets={
                    str(c): {t: [float(v) for v in vs] for t, vs in techs.items()}
                    for c, techs in r.targets.items()
                },
            )
            for r in cycle.rounds
        ],
        adoption=cycle.adoption,
    )


@router.get("/cycles", summary="Every planning cycle")
def list_cycles(api: ApiDep) -> list[CyclePublic]:
    """Every congress's planning cycles (public)."""
    with api.uow() as uow:
        return [
            cycle_public(cycle)
            for council in uow.councils.all()
            for cycle in uow.cycles.for_congress(council.id)
        ]


@router.get("/cycles/{cycle_id}", summary="A planning cycle, its rounds and answers")
def show_cycle(cycle_id: CycleId, api: ApiDep) -> CyclePublic:
    """One cycle (public)."""
    with api.uow() as uow:
        return cycle_public(service.get_cycle(uow, cycle_id))
