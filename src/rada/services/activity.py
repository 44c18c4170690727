"""What happens in a council (its activity feed) and what anyone may see of a person (their
profile), read from the councils' tables, which the audit holds to the public record.

A profile shows only what the record already makes public: a person's name, their seats and
offices, and their open votes. Never their address; never a secret ballot (the record does
not link it to them); never a hidden vote's choice before the count reveals it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from rada.councils.errors import CouncilError
from rada.councils.model import Council, Membership, Office, Person
from rada.councils.proposals import Proposal, Stage
from rada.councils.text import msg
from rada.services.councils import get_council, get_person
from rada.services.ports import UnitOfWork

__all__ = [
    "ACTIVITY_PAGE",
    "MAX_ACTIVITY_PAGE",
    "MAX_VOTES_SHOWN",
    "Activity",
    "Happened",
    "Happening",
    "OpenVote",
    "Profile",
    "Seat",
    "council_activity",
    "profile",
]

ACTIVITY_PAGE = 20
MAX_ACTIVITY_PAGE = 100
#: A profile lists this many of the person's latest open votes.
MAX_VOTES_SHOWN = 50


class Happened(StrEnum):
    """What a line of a council's activity tells of."""

    JOINED = "joined"  # someone took a seat
    ELECTED = "elected"  # someone was elected to an office
    DISCUSSION = "discussion"  # a proposal was opened for discussion
    POST = "post"  # someone wrote in a discussion
    VOTING = "voting"  # a vote opened
    DECIDED = "decided"  # a proposal was decided


@dataclass(frozen=True)
class Happening:
    """One thing that happened in a council, when, by or to whom, on which proposal."""

    what: Happened
    at: datetime
    person: Person | None = None
    proposal: Proposal | None = None
    detail: str = ""  # an office's name, a decision's outcome


@dataclass
class Activity:
    """A page of a council's activity, newest first; ``more`` when older ones remain."""

    council: Council
    happenings: list[Happening]
    offset: int
    more: bool


_Row = tuple[Happened, datetime, int | None, str]


def _proposal_happenings(uow: UnitOfWork, proposal: Proposal) -> list[_Row]:
    found: list[_Row] = []
    if proposal.discussion_at is not None:
        found.append((Happened.DISCUSSION, proposal.discussion_at, proposal.author_id, ""))
    if proposal.voting_at is not None:
        found.append((Happened.VOTING, proposal.voting_at, None, ""))
    if proposal.decided_at is not None and proposal.decision is not None:
        outcome = proposal.decision.outcome.value
        found.append((Happened.DECIDED, proposal.decided_at, None, outcome))
    for post in uow.posts.for_proposal(proposal.id):
        found.append((Happened.POST, post.created_at, post.author_id, ""))
    return found


def council_activity(
    uow: UnitOfWork, council: int | str, *, offset: int = 0, limit: int = ACTIVITY_PAGE
) -> Activity:
    """What happened in the council, newest first: seats taken, offices filled, proposals
    opened, posts written, votes opened and decisions; ``limit`` of them from ``offset``."""
    if not 1 <= limit <= MAX_ACTIVITY_PAGE:
        raise CouncilError(
            msg(
                "a page holds 1 to %(most)s lines, not %(limit)s",
                most=MAX_ACTIVITY_PAGE,
                limit=limit,
            )
        )
    if offset < 0:
        raise CouncilError(msg("an offset is 0 or more, not %(offset)s", offset=offset))
    found = get_council(uow, council)
    rows: list[tuple[Happened, datetime, int | None, Proposal | None, str]] = []
    for seat in uow.memberships.for_council(found.id, active=False):
        rows.append((Happened.JOINED, seat.since, seat.person_id, None, ""))
    for office in uow.offices.for_council(found.id, active=False):
        rows.append((Happened.ELECTED, office.since, office.person_id, None, office.post))
    for proposal in uow.proposals.for_council(found.id):
        if proposal.stage is Stage.DRAFT:
            continue
        for what, at, who, detail in _proposal_happenings(uow, proposal):
            rows.append((what, at, who, proposal, detail))
    rows.sort(key=lambda r: (r[1], list(Happened).index(r[0])), reverse=True)
    page = rows[offset : offset + limit]
    people = uow.people.of_ids(sorted({r[2] for r in page if r[2] is not None}))
    happenings = [
        Happening(what, at, None if who is None else people.get(who), proposal, detail)
        for what, at, who, proposal, detail in page
    ]
    return Activity(found, happenings, offset, more=len(rows) > offset + limit)


@dataclass(frozen=True)
class Seat:
    """A seat a person holds, in a council, and the council that sent them, if a delegate."""

    membership: Membership
    council: Council
    delegate_of: Council | None = None


@dataclass(frozen=True)
class OpenVote:
    """One of a person's open votes as the record shows it (the latest version)."""

    proposal: Proposal
    council: Council
    choice: dict[str, Any]
    cast_at: datetime
    version: int
    redacted: bool


@dataclass
class Profile:
    """What anyone may see of a person."""

    person: Person
    seats: list[Seat] = field(default_factory=list)
    offices: list[tuple[Office, Council]] = field(default_factory=list)
    votes: list[OpenVote] = field(default_factory=list)


def _shown(proposal: Proposal) -> bool:
    """Whether the votes on the proposal may be shown with their voters: open votes, and a
    hidden tally's only once it is counted."""
    if proposal.rule.secret or proposal.stage not in (Stage.VOTING, Stage.DECIDED):
        return False
    return proposal.rule.live_tally or proposal.stage is Stage.DECIDED


def profile(uow: UnitOfWork, person_id: int) -> Profile:
    """A person's name, seats (with the councils delegates speak for), offices held and
    latest open votes (at most :data:`MAX_VOTES_SHOWN`, newest first). Raises NotFound."""
    found = Profile(get_person(uow, person_id))
    councils: dict[int, Council | None] = {}

    def council(council_id: int) -> Council | None:
        if council_id not in councils:
            councils[council_id] = uow.councils.get(council_id)
        return councils[council_id]

    seen: list[Council] = []
    for membership in uow.memberships.for_person(person_id, active=False):
        here = council(membership.council_id)
        if here is None:
            continue
        if membership.active:
            sent_by = None if membership.delegate_of is None else council(membership.delegate_of)
            found.seats.append(Seat(membership, here, sent_by))
        if all(c.id != here.id for c in seen):
            seen.append(here)
    for here in seen:
        found.offices += [(o, here) for o in uow.offices.for_council(here.id)
                          if o.person_id == person_id]  # fmt: skip
        proposals = [p for p in uow.proposals.for_council(here.id) if _shown(p)]
        latest = uow.votes.latest([(p.id, person_id) for p in proposals])
        for proposal in proposals:
            vote = latest.get((proposal.id, person_id))
            if vote is None:
                continue
            found.votes.append(
                OpenVote(
                    proposal,
                    here,
                    dict(vote.choice),
                    vote.cast_at,
                    vote.version,
                    vote.redacted_by is not None,
                )
            )
    found.votes.sort(key=lambda v: (v.cast_at, v.proposal.id), reverse=True)
    del found.votes[MAX_VOTES_SHOWN:]
    return found
