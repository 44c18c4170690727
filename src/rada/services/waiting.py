"""What waits for a person: the votes they may cast, the votes they may open as convenor, and
the discussions going on in their councils (the home page's "waiting for you"); and what
changed there since their last visit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rada.councils.model import Council
from rada.councils.orders import HOUR
from rada.councils.proposals import Proposal, Stage
from rada.services.ports import UnitOfWork

__all__ = [
    "FIRST_VISIT",
    "Item",
    "NewPosts",
    "SinceLastVisit",
    "Waiting",
    "since_last_visit",
    "waiting_for",
]


@dataclass(frozen=True)
class Item:
    """A proposal that waits for the person, in a council, with the time that matters (when
    its vote closes, or from when its vote may be opened)."""

    proposal: Proposal
    council: Council
    when: datetime | None = None


@dataclass
class Waiting:
    """What waits for one person, each list soonest first."""

    to_vote: list[Item] = field(default_factory=list)
    to_open: list[Item] = field(default_factory=list)
    to_close: list[Item] = field(default_factory=list)
    discussions: list[Item] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether nothing waits."""
        return not (self.to_vote or self.to_open or self.to_close or self.discussions)


def _voted(uow: UnitOfWork, proposal: Proposal, person_id: int) -> bool:
    if proposal.rule.secret:
        return any(p.voter_id == person_id for p in uow.ballots.participants(proposal.id))
    return any(v.voter_id == person_id for v in uow.votes.for_proposal(proposal.id))


def waiting_for(uow: UnitOfWork, person_id: int, *, now: datetime) -> Waiting:
    """Open votes in the person's councils that they have not cast (and may: a convenor alone
    has no vote), votes they may open as convenor now that the discussion has lasted long
    enough, votes whose period is over and wait to be counted, and discussions in progress."""
    waiting = Waiting()
    for membership in uow.memberships.for_person(person_id):
        council = uow.councils.get(membership.council_id)
        if council is None or not membership.active:
            continue
        for proposal in uow.proposals.for_council(council.id, stage=Stage.VOTING):
            closes = proposal.closes_at
            if closes is not None and now >= closes:
                waiting.to_close.append(Item(proposal, council, closes))  # anyone may close it
                continue
            if membership.votes and not _voted(uow, proposal, person_id):
                waiting.to_vote.append(Item(proposal, council, closes))
        for proposal in uow.proposals.for_council(council.id, stage=Stage.DISCUSSION):
            assert proposal.discussion_at is not None
            opens = proposal.discussion_at + timedelta(
                seconds=proposal.rule.discussion_hours * HOUR
            )
            if membership.convenor and now >= opens:
                waiting.to_open.append(Item(proposal, council, opens))
            waiting.discussions.append(Item(proposal, council, opens))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    for items in (waiting.to_vote, waiting.to_open, waiting.to_close, waiting.discussions):
        items.sort(key=lambda i: (i.when or far, i.proposal.id))
    return waiting


@dataclass(frozen=True)
class NewPosts:
    """A discussion with posts by others since a moment: how many, and the latest's time."""

    proposal: Proposal
    council: Council
    posts: int
    latest: datetime


@dataclass
class SinceLastVisit:
    """What changed in the person's councils since ``since`` (their previous visit; None for
    a first visit, when the last :data:`FIRST_VISIT` are shown): discussions with new posts
    by others, and decisions, each newest first."""

    since: datetime | None
    discussions: list[NewPosts] = field(default_factory=list)
    decisions: list[Item] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.discussions or self.decisions)


#: How far back a first visit looks.
FIRST_VISIT = timedelta(days=7)


def since_last_visit(
    uow: UnitOfWork, person_id: int, *, since: datetime | None, now: datetime
) -> SinceLastVisit:
    """Discussions in the person's councils with posts by others after ``since``, and the
    proposals decided after it (up to ``now``)."""
    start = since if since is not None else now - FIRST_VISIT
    found = SinceLastVisit(since)
    for membership in uow.memberships.for_person(person_id):
        council = uow.councils.get(membership.council_id)
        if council is None:
            continue
        for proposal in uow.proposals.for_council(council.id):
            if proposal.stage is Stage.DRAFT:
                continue
            decided = proposal.decided_at
            if decided is not None and start < decided <= now:
                found.decisions.append(Item(proposal, council, decided))
            new = [
                p.created_at
                for p in uow.posts.for_proposal(proposal.id)
                if p.author_id != person_id and start < p.created_at <= now
            ]
            if new:
                found.discussions.append(NewPosts(proposal, council, len(new), max(new)))
    found.discussions.sort(key=lambda d: (d.latest, d.proposal.id), reverse=True)
    found.decisions.sort(key=lambda i: (i.when or now, i.proposal.id), reverse=True)
    return found
