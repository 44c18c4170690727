"""Public reading of people and councils' activity: ``/people/{id}`` and
``/councils/{slug}/activity``. A profile never carries an address, a secret ballot or a
hidden vote before its count."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from rada.councils.model import MAX_ID
from rada.councils.orders import Role
from rada.councils.proposals import Stage
from rada.services.activity import (
    ACTIVITY_PAGE,
    MAX_ACTIVITY_PAGE,
    Happened,
    council_activity,
    profile,
)
from rada.web.api.deps import ApiDep
from rada.web.api.errors import ApiRoute
from rada.web.api.schemas import PersonPublic

__all__ = ["router"]

router = APIRouter(tags=["people"], route_class=ApiRoute)

PersonId = Annotated[int, Path(ge=1, le=MAX_ID, description="The person's id.")]
Slug = Annotated[str, Path(min_length=1, max_length=64, description="The council's slug.")]


class ProposalRef(BaseModel):
    id: int
    title: str
    stage: Stage


class SeatPublic(BaseModel):
    council_slug: str
    council_name: str
    roles: list[Role]
    weight: int
    since: datetime
    delegate_of: str | None


class OfficePublic(BaseModel):
    council_slug: str
    post: str
    since: datetime
    ended_at: datetime | None


class OpenVotePublic(BaseModel):
    proposal: ProposalRef
    council_slug: str
    choice: dict[str, Any]
    cast_at: datetime
    version: int
    redacted: bool


class ProfilePublic(BaseModel):
    """A person as anyone may see them."""

    id: int
    name: str
    joined_at: datetime
    seats: list[SeatPublic]
    offices: list[OfficePublic]
    open_votes: list[OpenVotePublic]


class HappeningPublic(BaseModel):
    what: Happened
    at: datetime
    person: PersonPublic | None
    proposal: ProposalRef | None
    detail: str


class ActivityPage(BaseModel):
    council_slug: str
    happenings: list[HappeningPublic]
    offset: int
    next_offset: int | None


@router.get("/people/{person_id}", summary="A person's profile")
def show_person(person_id: PersonId, api: ApiDep) -> ProfilePublic:
    """Name, seats (with the council a delegate speaks for), offices, and the latest open
    votes (at most 50); never an e-mail address or a secret ballot."""
    with api.uow() as uow:
        found = profile(uow, person_id)
    return ProfilePublic(
        id=found.person.id,
        name=found.person.name,
        joined_at=found.person.joined_at,
        seats=[
            SeatPublic(
                council_slug=s.council.slug,
                council_name=s.council.name,
                roles=sorted(s.membership.roles),
                weight=s.membership.weight,
                since=s.membership.since,
                delegate_of=None if s.delegate_of is None else s.delegate_of.slug,
            )
            for s in found.seats
        ],
        offices=[
            OfficePublic(council_slug=c.slug, post=o.post, since=o.since, ended_at=o.ended_at)
            for o, c in found.offices
        ],
        open_votes=[
            OpenVotePublic(
                proposal=ProposalRef(
                    id=v.proposal.id, title=v.proposal.title, stage=v.proposal.stage
                ),
                council_slug=v.council.slug,
                choice=v.choice,
                cast_at=v.cast_at,
                version=v.version,
                redacted=v.redacted,
            )
            for v in found.votes
        ],
    )


@router.get("/councils/{slug}/activity", summary="What happened in a council, newest first")
def show_activity(
    slug: Slug,
    api: ApiDep,
    offset: int = Query(default=0, ge=0, le=1_000_000),
    limit: int = Query(default=ACTIVITY_PAGE, ge=1, le=MAX_ACTIVITY_PAGE),
) -> ActivityPage:
    """Seats taken, offices filled, proposals opened, posts written, votes opened and
    decisions, newest first; ``next_offset`` goes on to older ones."""
    with api.uow() as uow:
        found = council_activity(uow, slug, offset=offset, limit=limit)
    return ActivityPage(
        council_slug=found.council.slug,
        happenings=[
            HappeningPublic(
                what=h.what,
                at=h.at,
                person=None if h.person is None else PersonPublic.of(h.person),
                proposal=None
                if h.proposal is None
                else ProposalRef(id=h.proposal.id, title=h.proposal.title, stage=h.proposal.stage),
                detail=h.detail,
            )
            for h in found.happenings
        ],
        offset=offset,
        next_offset=offset + limit if found.more else None,
    )
