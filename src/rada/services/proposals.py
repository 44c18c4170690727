"""Use cases for proposals: open, revise, discuss, vote, close and carry out the decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from rada.councils.ballots import (
    count,
    everyone_voted,
)
from rada.councils.errors import CouncilError, NotAllowed, NotFound
from rada.councils.model import Council, Electorate, Office
from rada.councils.orders import (
    COUNCIL_KIND_NAMES,
    PROPOSAL_KIND_NAMES,
    ROLE_NAMES,
    CouncilKind,
    ProposalKind,
    Role,
)
from rada.councils.proposals import Option, Outcome, Proposal, Stage
from rada.councils.text import joined, msg
from rada.record.encoding import EntryKind
from rada.services.ballot_box import cast_vote
from rada.services.councils import admit, get_council, get_person, require_convenor
from rada.services.ports import UnitOfWork
from rada.services.recording import entry


def get_proposal(uow: UnitOfWork, proposal_id: int, *, for_update: bool = False) -> Proposal:
    """A proposal by id."""
    proposal = uow.proposals.get(proposal_id, for_update=for_update)
    if proposal is None:
        raise NotFound(msg("there is no proposal %(proposal)s", proposal=proposal_id))
    return proposal


def electorate(uow: UnitOfWork, council_id: int) -> Electorate:
    """Who may vote in the council now, and with what weight."""
    return Electorate.of(uow.memberships.for_council(council_id))


def _candidates(
    uow: UnitOfWork, council: Council, candidates: Sequence[int | str]
) -> tuple[Option, ...]:
    options = []
    for candidate in candidates:
        if isinstance(candidate, int):
            person = get_person(uow, candidate)
            options.append(Option(key=f"p{person.id}", label=person.name, person_id=person.id))
        else:
            options.append(Option(key=candidate, label=candidate))
    return tuple(options)


def _check_target(
    uow: UnitOfWork, council: Council, kind: ProposalKind, details: Mapping[str, Any]
) -> None:
    """Refuse a recall, delegate election or redaction that points outside this council."""
    if (
        kind in (ProposalKind.APPOINTMENT, ProposalKind.RECALL)
        and details.get("post") == "delegate"
    ):
        to = details["to_council"]
        if not any(a.federation_id == to for a in uow.councils.affiliated_to(council.id)):
            raise CouncilError(
                msg(
                    "%(council)s is not affiliated to council %(to)s",
                    council=council.name,
                    to=to,
                ),
                hint=msg("a council elects delegates only to bodies it belongs to"),
            )
    if kind is ProposalKind.RECALL:
        person = details["person"]
        if details["post"] == "manager":
            if not any(o.person_id == person for o in uow.offices.for_council(council.id)):
                raise CouncilError(
                    msg(
                        "person %(person)s holds no office in %(council)s",
                        person=person,
                        council=council.name,
                    )
                )
        else:
            seat = uow.memberships.of(details["to_council"], person)
            if seat is None or seat.delegate_of != council.id:
                raise CouncilError(
                    msg(
                        "person %(person)s is not %(council)s's delegate there",
                        person=person,
                        council=council.name,
                    )
                )
    if kind is ProposalKind.REDACTION:
        target = uow.record.read(details["entry"])
        if target is None:
            raise NotFound(
                msg("record entry %(entry)s does not exist or is redacted", entry=details["entry"])
            )
        if target.body.get("council") != council.id or target.kind is EntryKind.REDACTION:
            raise NotAllowed(
                msg(
                    "record entry %(entry)s is not one of %(council)s's entries",
                    entry=details["entry"],
                    council=council.name,
                ),
                hint=msg("a council may only order the redaction of what was said in it"),
            )


def open_proposal(
    uow: UnitOfWork,
    *,
    council: int | str,
    kind: ProposalKind,
    title: str,
    text: str,
    by: int,
    now: datetime,
    details: Mapping[str, Any] | None = None,
    candidates: Sequence[int | str] = (),
    projects: Sequence[Mapping[str, str]] = (),
    seats: int = 1,
    discuss: bool = True,
) -> Proposal:
    """Open a proposal, by a member allowed to propose; it goes straight to discussion
    unless ``discuss`` is false (then it stays a draft its author may still revise).

    An election names its ``candidates`` (person ids); a budget its ``projects``, each a
    mapping with ``key``, ``label`` and ``cost``.
    """
    target = get_council(uow, council)
    membership = uow.memberships.of(target.id, by)
    if membership is None or not membership.roles & target.orders.proposers:
        allowed = joined(ROLE_NAMES[r] for r in sorted(target.orders.proposers))
        raise NotAllowed(
            msg(
                "in %(council)s only these may propose: %(roles)s",
                council=target.name,
                roles=allowed,
            )
        )
    if not target.may_hold(kind):
        raise CouncilError(
            msg(
                "a %(council_kind)s council does not decide %(kind)s proposals",
                council_kind=COUNCIL_KIND_NAMES[target.kind],
                kind=PROPOSAL_KIND_NAMES[kind],
            )
        )
    proposal = Proposal(
        council_id=target.id,
        kind=kind,
        title=title,
        author_id=by,
        rule=target.orders.rule_for(kind),
        created_at=now,
        details=dict(details or {}),
        options=_candidates(uow, target, candidates)
        + tuple(Option(p["key"], p.get("label") or p["key"], cost=p.get("cost")) for p in projects),
        seats=seats,
    )
    _check_target(uow, target, kind, proposal.details)
    proposal.write(text, by=by, now=now)
    if discuss:
        proposal.open_discussion(now=now)
    uow.proposals.add(proposal)
    (index,) = uow.record.append(
        [
            entry(
                EntryKind.PROPOSAL,
                council=target.id,
                event="opened",
                at=now,
                by=by,
                proposal=proposal.id,
                kind=kind.value,
                title=proposal.title,
                text=proposal.text,
                details=proposal.details,
                candidates=[
                    {"key": o.key, "label": o.label, "cost": o.cost} for o in proposal.options
                ],
                seats=proposal.seats,
                rule=proposal.rule.to_dict(),
                stage=proposal.stage.value,
            )
        ]
    )
    proposal.record_index = index
    proposal.versions[-1] = replace(proposal.versions[-1], record_index=index)
    uow.proposals.save(proposal)
    return proposal


def _log_stage(
    uow: UnitOfWork, proposal: Proposal, *, event: str, by: int | None, now: datetime, **body: Any
) -> int:
    (index,) = uow.record.append(
        [
            entry(
                EntryKind.PROPOSAL,
                council=proposal.council_id,
                event=event,
                at=now,
                by=by,
                links=() if proposal.record_index is None else (proposal.record_index,),
                proposal=proposal.id,
                **body,
            )
        ]
    )
    return index


def revise_proposal(
    uow: UnitOfWork, *, proposal_id: int, text: str, by: int, now: datetime
) -> Proposal:
    """A new version of the proposal's text, by its author, before voting opens."""
    proposal = get_proposal(uow, proposal_id, for_update=True)
    version = proposal.write(text, by=by, now=now)
    index = _log_stage(
        uow, proposal, event="revised", by=by, now=now, version=version.number, text=version.text
    )
    proposal.versions[-1] = replace(version, record_index=index)
    uow.proposals.save(proposal)
    return proposal


def open_discussion(uow: UnitOfWork, *, proposal_id: int, by: int, now: datetime) -> Proposal:
    """Put a draft to discussion (its author or a convenor)."""
    proposal = get_proposal(uow, proposal_id, for_update=True)
    council = get_council(uow, proposal.council_id)
    if by != proposal.author_id:
        require_convenor(uow, council, by)
    proposal.open_discussion(now=now)
    _log_stage(uow, proposal, event="discussion", by=by, now=now)
    uow.proposals.save(proposal)
    return proposal


def open_voting(uow: UnitOfWork, *, proposal_id: int, by: int, now: datetime) -> Proposal:
    """Open the vote: a convenor's task (scheduling, not deciding)."""
    proposal = get_proposal(uow, proposal_id, for_update=True)
    council = get_council(uow, proposal.council_id)
    require_convenor(uow, council, by)
    proposal.open_voting(now=now)
    assert proposal.closes_at is not None
    _log_stage(
        uow, proposal, event="voting", by=by, now=now, closes_at=proposal.closes_at.isoformat()
    )
    uow.proposals.save(proposal)
    return proposal


def _choices(
    uow: UnitOfWork, proposal: Proposal
) -> tuple[list[tuple[Mapping[str, Any], int]], list[str], set[int]]:
    if proposal.rule.secret:
        ballots = uow.ballots.for_proposal(proposal.id)
        voted = {p.voter_id for p in uow.ballots.participants(proposal.id)}
        return [(b.choice, b.weight) for b in ballots], [], voted
    votes = uow.votes.for_proposal(proposal.id)
    names = [f"person/{v.voter_id}" for v in votes]
    return [(v.choice, v.weight) for v in votes], names, {v.voter_id for v in votes}


def close_vote(uow: UnitOfWork, *, proposal_id: int, by: int | None, now: datetime) -> Proposal:
    """Close the vote once its period is over (or everyone has voted), count it, record the
    decision, and carry it out (appointments, recalls, redactions)."""
    proposal = get_proposal(uow, proposal_id, for_update=True)
    council = get_council(uow, proposal.council_id)
    voters = electorate(uow, council.id)
    choices, names, voted = _choices(uow, proposal)
    proposal.check_may_close(now=now, everyone_voted=everyone_voted(voters, voted))
    decision = count(proposal, choices, voters, voters=names)
    proposal.decide(decision, now=now)
    links = () if proposal.record_index is None else (proposal.record_index,)
    if proposal.rule.secret:
        # The ballots are published only now, in receipt-hash order, so that neither their
        # order nor their time links a ballot to the participation entries.
        uow.record.append(
            [
                entry(
                    EntryKind.BALLOT,
                    council=council.id,
                    event="counted",
                    at=now,
                    by=None,
                    links=links,
                    proposal=proposal.id,
                    receipt=b.receipt_hash,
                    choice=b.choice,
                    weight=b.weight,
                )
                for b in uow.ballots.for_proposal(proposal.id)
            ]
        )
    if not proposal.rule.secret and not proposal.rule.shows_live_tally:
        uow.record.append(
            [
                entry(
                    EntryKind.VOTE,
                    council=council.id,
                    event="revealed",
                    at=now,
                    by=v.voter_id,
                    links=() if v.record_index is None else (v.record_index,),
                    proposal=proposal.id,
                    choice=v.choice,
                    weight=v.weight,
                )
                for v in uow.votes.for_proposal(proposal.id)
            ]
        )
    (decision_index,) = uow.record.append(
        [
            entry(
                EntryKind.DECISION,
                council=council.id,
                event="decided",
                at=now,
                by=by,
                links=links,
                proposal=proposal.id,
                kind=proposal.kind.value,
                electorate=voters.total,
                decision=decision.to_dict(),
            )
        ]
    )
    uow.proposals.save(proposal)
    if decision.outcome is Outcome.ADOPTED:
        _carry_out(uow, council, proposal, decision_index, now=now)
    return proposal


def _carry_out(
    uow: UnitOfWork, council: Council, proposal: Proposal, decision_index: int, *, now: datetime
) -> None:
    details = proposal.details
    if proposal.kind is ProposalKind.APPOINTMENT:
        elected = (
            [proposal.option(key) for key in proposal.decision.elected] if proposal.decision else []
        )
        if details["post"] == "manager":
            for office in uow.offices.for_council(council.id):
                if office.post == "manager":
                    office.ended_at, office.ended_by = now, proposal.id
                    uow.offices.save(office)
            for option in elected:
                if option.person_id is not None:
                    uow.offices.add(
                        Office(council.id, option.person_id, "manager", now, proposal.id)
                    )
                    _log_membership(
                        uow,
                        council.id,
                        "office-filled",
                        now,
                        decision_index,
                        person=option.person_id,
                        post="manager",
                    )
        else:
            _seat_delegates(uow, council, details["to_council"], elected, now, decision_index)
    elif proposal.kind is ProposalKind.RECALL:
        person = details["person"]
        if details["post"] == "manager":
            for office in uow.offices.for_council(council.id):
                if office.person_id == person:
                    office.ended_at, office.ended_by = now, proposal.id
                    uow.offices.save(office)
            _log_membership(
                uow, council.id, "office-ended", now, decision_index, person=person, post="manager"
            )
        else:
            seat = uow.memberships.of(details["to_council"], person)
            if seat is not None and seat.delegate_of == council.id:
                seat.end(at=now, reason=f"recalled by {council.name} (proposal {proposal.id})")
                uow.memberships.save(seat)
                _log_membership(
                    uow,
                    details["to_council"],
                    "recalled",
                    now,
                    decision_index,
                    person=person,
                    delegate_of=council.id,
                )
    elif proposal.kind is ProposalKind.REDACTION:
        target = details["entry"]
        uow.record.redact(target, decision=decision_index, reason=details["reason"], now=now)
        found = uow.posts.version_by_record_index(target)
        if found is not None:
            post, number = found
            post.versions[number - 1] = replace(
                post.versions[number - 1], text="", redacted_by=proposal.id
            )
            uow.posts.save(post)


def _log_membership(
    uow: UnitOfWork, council_id: int, event: str, now: datetime, decision_index: int, **body: Any
) -> None:
    uow.record.append(
        [
            entry(
                EntryKind.MEMBERSHIP,
                council=council_id,
                event=event,
                at=now,
                by=None,
                links=(decision_index,),
                **body,
            )
        ]
    )


def _seat_delegates(
    uow: UnitOfWork,
    council: Council,
    federation_id: int,
    elected: list[Option],
    now: datetime,
    decision_index: int,
) -> None:
    """Seat the newly elected delegates; the council's earlier delegates there stand down."""
    federation = get_council(uow, federation_id)
    affiliation = next(
        a for a in uow.councils.affiliated_to(council.id) if a.federation_id == federation.id
    )
    for seat in uow.memberships.for_council(federation.id):
        if seat.delegate_of == council.id:
            seat.end(at=now, reason=f"replaced by election in {council.name}")
            uow.memberships.save(seat)
    for option in elected[: affiliation.delegates]:
        if option.person_id is None:
            continue
        person = get_person(uow, option.person_id)
        existing = uow.memberships.of(federation.id, person.id)
        if existing is not None:
            # A convenor without a vote who is now elected: the seat replaces that role.
            existing.end(at=now, reason="seated as a delegate")
            uow.memberships.save(existing)
        roles = {Role.DELEGATE} | (
            {Role.CONVENOR} if existing is not None and existing.convenor else set()
        )
        admit(
            uow,
            council=federation,
            person=person,
            roles=frozenset(roles),
            now=now,
            by=None,
            weight=affiliation.weight,
            delegate_of=council.id,
            links=(decision_index,),
        )


__all__ = [
    "CouncilKind",
    "Stage",
    "cast_vote",
    "close_vote",
    "electorate",
    "get_proposal",
    "open_discussion",
    "open_proposal",
    "open_voting",
    "revise_proposal",
]
