"""Casting votes, one or many in one transaction.

A vote is one row and one entry of the public record, and every entry extends one Merkle
tree, so appends are serial: each transaction that appends holds the record's append lock
until it commits. Casting many votes in one transaction pays for the lock, the tree's
frontier, the inserts and the commit once for all of them; :func:`cast_votes` does that, and
the web layer uses it to commit together the votes that arrive while the previous group is
being written (group commit).

Each vote is checked on its own: a refusal (voting closed, not a member, a choice the rule
does not take, a second vote) is returned in that vote's place and the others go ahead. The
proposals voted on are held first (in id order, so that two groups cannot deadlock) in a way
that lets other votes on them go ahead but makes their close wait: a vote either lands before
the count and is counted, or finds the proposal decided.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rada.councils.ballots import (
    Participation,
    SecretBallot,
    Vote,
    check_choice,
    commit_choice,
    new_receipt,
    new_salt,
)
from rada.councils.errors import AlreadyVoted, CouncilError, NotAllowed, NotFound
from rada.councils.events import Event, TookPart, VoteCast
from rada.councils.model import Membership
from rada.councils.proposals import Proposal
from rada.councils.text import msg
from rada.services.ports import UnitOfWork
from rada.services.recording import links_to, record

__all__ = ["Cast", "VoteRequest", "cast_vote", "cast_votes"]

#: What casting one vote gives: a secret ballot's receipt code, None for an open vote, or the
#: refusal.
Cast = str | None | CouncilError

_ALREADY_VOTED = msg("you have already voted on this proposal")


@dataclass(frozen=True)
class VoteRequest:
    """One person's vote on one proposal, as asked for at ``at``."""

    proposal_id: int
    by: int
    choice: Mapping[str, Any]
    at: datetime


@dataclass
class _Accepted:
    slot: int
    request: VoteRequest
    proposal: Proposal
    membership: Membership
    choice: dict[str, Any]


def cast_vote(
    uow: UnitOfWork, *, proposal_id: int, by: int, choice: Mapping[str, Any], now: datetime
) -> str | None:
    """Cast one vote. Returns the receipt code of a secret ballot (None for an open vote).

    Only members entitled to vote may, only while voting is open, and only once: the store's
    unique constraint settles a race between two requests of the same member.
    """
    (outcome,) = cast_votes(uow, [VoteRequest(proposal_id, by, choice, now)])
    if isinstance(outcome, CouncilError):
        raise outcome
    return outcome


def cast_votes(uow: UnitOfWork, requests: Sequence[VoteRequest]) -> list[Cast]:
    """Cast every vote of ``requests`` that the rules allow, in ``uow``'s transaction.

    Returns, for each request in order, the receipt code of a secret ballot, None for an open
    vote, or the :class:`CouncilError` that refused it. Nothing is committed here.

    Raises
    ------
    AlreadyVoted
        Only when a vote that was not in the store when checked is there when written: another
        transaction stored the same member's vote meanwhile. The transaction must then be
        rolled back (the record entries appended with it go too) and the votes cast again.
    """
    outcomes: list[Cast] = [None] * len(requests)
    proposals = _lock_proposals(uow, requests)
    memberships: dict[tuple[int, int], Membership | None] = {}
    for council_id, people in _people_by_council(requests, proposals).items():
        found = uow.memberships.of_people(council_id, sorted(people))
        for person in people:
            memberships[council_id, person] = found.get(person)
    accepted: list[_Accepted] = []
    seen: set[tuple[int, int]] = set()
    for slot, request in enumerate(requests):
        try:
            accepted.append(_check(request, proposals, memberships, seen, slot))
        except CouncilError as refusal:
            outcomes[slot] = refusal
    accepted = _not_yet_voted(uow, accepted, outcomes)
    if not accepted:
        return outcomes
    # Under a hidden tally the record commits to each choice now and opens it at the count.
    salts = {a.slot: new_salt() for a in accepted if _hidden(a)}
    first = record(uow, [_event(a, salts.get(a.slot)) for a in accepted]).start
    votes: list[Vote] = []
    ballots: list[tuple[SecretBallot, Participation]] = []
    for offset, a in enumerate(accepted):
        r = a.request
        if a.proposal.rule.secret:
            code, hashed = new_receipt()
            ballots.append(
                (
                    SecretBallot(r.proposal_id, hashed, a.choice, a.membership.weight),
                    Participation(r.proposal_id, r.by, r.at, record_index=first + offset),
                )
            )
            outcomes[a.slot] = code
        else:
            votes.append(
                Vote(
                    r.proposal_id,
                    r.by,
                    a.choice,
                    a.membership.weight,
                    r.at,
                    record_index=first + offset,
                    salt=salts.get(a.slot),
                )
            )
    if votes:
        uow.votes.add_many(votes)
    if ballots:
        # The ballots go in an order of their own, so that neither the order of the rows nor
        # the order of the record's participation entries says whose ballot is whose.
        secrets.SystemRandom().shuffle(ballots)
        uow.ballots.add_many(ballots)
    return outcomes


def _lock_proposals(uow: UnitOfWork, requests: Sequence[VoteRequest]) -> dict[int, Proposal]:
    return uow.proposals.to_vote_on(sorted({r.proposal_id for r in requests}))


def _people_by_council(
    requests: Sequence[VoteRequest], proposals: Mapping[int, Proposal]
) -> dict[int, set[int]]:
    people: dict[int, set[int]] = {}
    for r in requests:
        proposal = proposals.get(r.proposal_id)
        if proposal is not None:
            people.setdefault(proposal.council_id, set()).add(r.by)
    return people


def _check(
    request: VoteRequest,
    proposals: Mapping[int, Proposal],
    memberships: Mapping[tuple[int, int], Membership | None],
    seen: set[tuple[int, int]],
    slot: int,
) -> _Accepted:
    proposal = proposals.get(request.proposal_id)
    if proposal is None:
        raise NotFound(msg("there is no proposal %(proposal)s", proposal=request.proposal_id))
    proposal.check_voting_open(now=request.at)
    membership = memberships.get((proposal.council_id, request.by))
    if membership is None or not membership.votes:
        raise NotAllowed(msg("only members of the council may vote on its proposals"))
    choice = check_choice(proposal, request.choice)
    key = (request.proposal_id, request.by)
    if key in seen:
        raise AlreadyVoted(_ALREADY_VOTED)
    seen.add(key)
    return _Accepted(slot, request, proposal, membership, choice)


def _not_yet_voted(
    uow: UnitOfWork, accepted: list[_Accepted], outcomes: list[Cast]
) -> list[_Accepted]:
    """The accepted votes whose voters have not voted already; the others are refused."""
    open_keys = [(a.request.proposal_id, a.request.by) for a in accepted if not _secret(a)]
    secret_keys = [(a.request.proposal_id, a.request.by) for a in accepted if _secret(a)]
    voted = uow.votes.voted(open_keys) if open_keys else set()
    if secret_keys:
        voted |= uow.ballots.took_part(secret_keys)
    kept = []
    for a in accepted:
        if (a.request.proposal_id, a.request.by) in voted:
            outcomes[a.slot] = AlreadyVoted(_ALREADY_VOTED)
        else:
            kept.append(a)
    return kept


def _secret(a: _Accepted) -> bool:
    return a.proposal.rule.secret


def _hidden(a: _Accepted) -> bool:
    return not a.proposal.rule.secret and not a.proposal.rule.shows_live_tally


def _event(a: _Accepted, salt: str | None) -> Event:
    proposal, r = a.proposal, a.request
    links = links_to(proposal.record_index)
    if proposal.rule.secret:
        return TookPart(
            council=proposal.council_id, at=r.at, by=r.by, links=links, proposal=proposal.id
        )
    # Where the standing orders hide the running count, the record says now who voted and
    # publishes how at the count, so that the record does not leak what the pages hide.
    shown = proposal.rule.shows_live_tally
    return VoteCast(
        council=proposal.council_id,
        at=r.at,
        by=r.by,
        links=links,
        proposal=proposal.id,
        weight=a.membership.weight,
        choice=dict(a.choice) if shown else None,
        hidden=not shown,
        commitment=None if salt is None else commit_choice(a.choice, salt),
    )
