"""Casting votes, one or many in one transaction.

A vote is one row and one entry of the public record, and every entry extends one Merkle
tree, so appends are serial: each transaction that appends holds the record's append lock
until it commits. Casting many votes in one transaction pays for the lock, the tree's
frontier, the inserts and the commit once for all of them; :func:`cast_votes` does that, and
the web layer uses it to commit together the votes that arrive while the previous group is
being written (group commit).

Each vote is checked on its own: a refusal (voting closed, not a member, a choice the rule
does not take, a second secret ballot without the first one's receipt) is returned in that
vote's place and the others go ahead. The proposals voted on are held first (in id order, so
that two groups cannot deadlock) in a way that lets other votes on them go ahead but makes
their close wait: a vote either lands before the count and is counted, or finds the proposal
decided.

A vote can be changed while voting is open. An open vote is changed by casting it again: the
change is the next version of the vote, a row and a record entry of its own that links the
version it replaces, and only the latest version counts. A secret ballot is replaced by
casting again with the receipt code of one's current ballot: that ballot is marked replaced
and a new one, with a new receipt, is stored in its place. Nothing on the record links the
voter to either ballot (the participation recorded when the first was cast stays the only
one), and only ballots not replaced are counted and published.
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
    receipt_hash,
)
from rada.councils.errors import (
    AlreadyVoted,
    Conflict,
    CouncilError,
    InvalidChoice,
    NotAllowed,
    NotFound,
)
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
_REPLACE_HINT = msg("to change your secret ballot, cast it again with its receipt code")


@dataclass(frozen=True)
class VoteRequest:
    """One person's vote on one proposal, as asked for at ``at``."""

    proposal_id: int
    by: int
    choice: Mapping[str, Any]
    at: datetime
    #: For a secret ballot: the receipt code of the voter's current ballot, which the new
    #: ballot replaces. None casts a first ballot (or, for an open vote, casts or changes it).
    replace_receipt: str | None = None


@dataclass
class _Accepted:
    slot: int
    request: VoteRequest
    proposal: Proposal
    membership: Membership
    choice: dict[str, Any]
    #: An open vote's latest version stored, which this vote changes (None: a first vote).
    previous: Vote | None = None
    #: A secret ballot's replaced ballot, by its receipt hash (None: a first ballot).
    replaces: str | None = None


def cast_vote(
    uow: UnitOfWork,
    *,
    proposal_id: int,
    by: int,
    choice: Mapping[str, Any],
    now: datetime,
    replace_receipt: str | None = None,
) -> str | None:
    """Cast one vote, or change it. Returns the receipt code of a secret ballot (None for an
    open vote).

    Only members entitled to vote may, and only while voting is open. A member who has voted
    openly changes their vote by casting it again (the record keeps every version; the latest
    counts). A secret ballot is cast once; it is replaced by casting again with
    ``replace_receipt``, the receipt code of the member's current ballot, and the new ballot's
    receipt is returned. The store's unique keys settle a race between two requests of the
    same member.
    """
    request = VoteRequest(proposal_id, by, choice, now, replace_receipt=replace_receipt)
    (outcome,) = cast_votes(uow, [request])
    if isinstance(outcome, CouncilError):
        raise outcome
    return outcome


def cast_votes(uow: UnitOfWork, requests: Sequence[VoteRequest]) -> list[Cast]:
    """Cast (or change) every vote of ``requests`` that the rules allow, in ``uow``'s
    transaction.

    Returns, for each request in order, the receipt code of a secret ballot, None for an open
    vote, or the :class:`CouncilError` that refused it. Nothing is committed here.

    Raises
    ------
    AlreadyVoted
        Only when what was checked changed before it was written: another transaction stored
        the same member's vote (or change) meanwhile, or replaced the same ballot. The
        transaction must then be rolled back (the record entries appended with it go too) and
        the votes cast again.
    """
    # A member's second request in one group (two quick changes) is written after the first,
    # in the same transaction, as if it had come in the next group.
    first: list[int] = []
    later: list[int] = []
    seen: set[tuple[int, int]] = set()
    for slot, request in enumerate(requests):
        key = (request.proposal_id, request.by)
        (later if key in seen else first).append(slot)
        seen.add(key)
    if later:
        outcomes: list[Cast] = [None] * len(requests)
        for slots in (first, later):
            done = cast_votes(uow, [requests[slot] for slot in slots])
            for slot, outcome in zip(slots, done, strict=True):
                outcomes[slot] = outcome
        return outcomes
    return _cast_once_each(uow, requests)


def _cast_once_each(uow: UnitOfWork, requests: Sequence[VoteRequest]) -> list[Cast]:
    """:func:`cast_votes` for requests of distinct (proposal, voter) pairs."""
    outcomes: list[Cast] = [None] * len(requests)
    proposals = _lock_proposals(uow, requests)
    memberships: dict[tuple[int, int], Membership | None] = {}
    for council_id, people in _people_by_council(requests, proposals).items():
        found = uow.memberships.of_people(council_id, sorted(people))
        for person in people:
            memberships[council_id, person] = found.get(person)
    accepted: list[_Accepted] = []
    for slot, request in enumerate(requests):
        try:
            accepted.append(_check(request, proposals, memberships, slot))
        except CouncilError as refusal:
            outcomes[slot] = refusal
    accepted = _against_stored(uow, accepted, outcomes)
    if not accepted:
        return outcomes
    # Under a hidden tally the record commits to each choice now and opens it at the count.
    salts = {a.slot: new_salt() for a in accepted if _hidden(a)}
    # A replaced secret ballot gets no entry: nothing on the record may link its voter to it.
    recorded = [a for a in accepted if a.replaces is None]
    first = record(uow, [_event(a, salts.get(a.slot)) for a in recorded]).start if recorded else 0
    index = {a.slot: first + offset for offset, a in enumerate(recorded)}
    votes: list[Vote] = []
    ballots: list[tuple[SecretBallot, Participation]] = []
    replacements: list[tuple[str, SecretBallot]] = []
    for a in accepted:
        r = a.request
        if a.proposal.rule.secret:
            code, hashed = new_receipt()
            ballot = SecretBallot(r.proposal_id, hashed, a.choice, a.membership.weight)
            if a.replaces is not None:
                replacements.append((a.replaces, ballot))
            else:
                participation = Participation(r.proposal_id, r.by, r.at, record_index=index[a.slot])
                ballots.append((ballot, participation))
            outcomes[a.slot] = code
        else:
            votes.append(
                Vote(
                    r.proposal_id,
                    r.by,
                    a.choice,
                    a.membership.weight,
                    r.at,
                    record_index=index[a.slot],
                    salt=salts.get(a.slot),
                    version=_version(a),
                )
            )
    if votes:
        uow.votes.add_many(votes)
    # The ballots go in an order of their own, so that neither the order of the rows nor
    # the order of the record's participation entries says whose ballot is whose.
    if ballots:
        secrets.SystemRandom().shuffle(ballots)
        uow.ballots.add_many(ballots)
    if replacements:
        secrets.SystemRandom().shuffle(replacements)
        uow.ballots.replace_many(replacements)
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
    if request.replace_receipt is not None and not proposal.rule.secret:
        raise InvalidChoice(
            msg(
                "proposal %(proposal)s is an open vote: it has no receipts",
                proposal=proposal.id,
            ),
            hint=msg("to change your vote, cast it again without a receipt"),
        )
    return _Accepted(slot, request, proposal, membership, choice)


def _against_stored(
    uow: UnitOfWork, accepted: list[_Accepted], outcomes: list[Cast]
) -> list[_Accepted]:
    """The accepted votes, each checked against what is stored: an open vote already cast is
    changed (its latest version noted), or left as it is when the choice is the same; a
    secret ballot is cast once, and replaced only
    through the receipt of the voter's current ballot. The others are refused."""
    open_keys = [(a.request.proposal_id, a.request.by) for a in accepted if not _secret(a)]
    secret_keys = [(a.request.proposal_id, a.request.by) for a in accepted if _secret(a)]
    latest = uow.votes.latest(open_keys) if open_keys else {}
    took_part = uow.ballots.took_part(secret_keys) if secret_keys else set()
    receipts = [
        (a.request.proposal_id, receipt_hash(a.request.replace_receipt))
        for a in accepted
        if a.request.replace_receipt is not None
    ]
    current = uow.ballots.current(receipts) if receipts else set()
    kept: list[_Accepted] = []
    for a in accepted:
        key = (a.request.proposal_id, a.request.by)
        try:
            if _secret(a):
                a.replaces = _replaced(a, key in took_part, current)
            else:
                a.previous = latest.get(key)
        except CouncilError as refusal:
            outcomes[a.slot] = refusal
            continue
        if a.previous is not None and dict(a.previous.choice) == dict(a.choice):
            # The same choice again changes nothing: no new version, no entry. A request
            # retried after a lost answer (a server killed before it replied) is so
            # answered as the first was, and the vote is not stored twice.
            continue
        kept.append(a)
    return kept


def _replaced(a: _Accepted, took_part: bool, current: set[tuple[int, str]]) -> str | None:
    """The receipt hash of the ballot a secret vote replaces (None for a first ballot), or the
    refusal. A receipt replaces one ballot once: ``current`` loses it here."""
    code = a.request.replace_receipt
    if code is None:
        if took_part:
            raise AlreadyVoted(_ALREADY_VOTED, hint=_REPLACE_HINT)
        return None
    if not took_part:
        raise Conflict(
            msg("you have not voted on this proposal yet, so there is no ballot to replace"),
            hint=msg("cast your ballot without a receipt code"),
        )
    hashed = receipt_hash(code)
    if (a.request.proposal_id, hashed) not in current:
        raise NotAllowed(
            msg("this receipt code does not name a current ballot on this proposal"),
            hint=msg(
                "give the receipt code you were given for your latest ballot, exactly as shown"
            ),
        )
    current.discard((a.request.proposal_id, hashed))
    return hashed


def _secret(a: _Accepted) -> bool:
    return a.proposal.rule.secret


def _hidden(a: _Accepted) -> bool:
    return not a.proposal.rule.secret and not a.proposal.rule.shows_live_tally


def _version(a: _Accepted) -> int:
    return 1 if a.previous is None else a.previous.version + 1


def _event(a: _Accepted, salt: str | None) -> Event:
    proposal, r = a.proposal, a.request
    # A change links the entry of the version it replaces.
    earlier = None if a.previous is None else a.previous.record_index
    links = links_to(proposal.record_index, earlier)
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
        version=_version(a),
    )
