"""Use cases for proposals: open, revise, discuss, vote, close and carry out the decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from rada.councils.ballots import (
    SecretBallot,
    count,
    everyone_voted,
)
from rada.councils.errors import (
    Conflict,
    CouncilError,
    NotAllowed,
    NotFound,
    RecordMismatch,
    WrongStage,
)
from rada.councils.events import (
    BallotCounted,
    DiscussionOpened,
    Event,
    OfficeEnded,
    OfficeFilled,
    PostEdited,
    PostWritten,
    ProposalDecided,
    ProposalOpened,
    ProposalRevised,
    RedactionAlreadyDone,
    VoteCast,
    VoteRevealed,
    VotingOpened,
)
from rada.councils.model import Council, Electorate, Office
from rada.councils.orders import (
    COUNCIL_KIND_NAMES,
    PROPOSAL_KIND_NAMES,
    ROLE_NAMES,
    CouncilKind,
    ProposalKind,
    Role,
)
from rada.councils.proposals import Decision, Option, Outcome, Proposal, Stage
from rada.councils.text import Message, joined, msg
from rada.record.encoding import EntryKind
from rada.services import affiliations
from rada.services.ballot_box import cast_vote
from rada.services.councils import admit, end_seat, get_council, get_person, require_convenor
from rada.services.indexing import reindex_redacted
from rada.services.ports import UnitOfWork
from rada.services.recording import (
    author,
    event_of,
    kept_of,
    links_to,
    plain,
    record,
    record_one,
)


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
        check_redactable(uow, council, details["entry"])
    if kind in (ProposalKind.AFFILIATION, ProposalKind.DISAFFILIATION):
        federation = get_council(uow, details["federation"])
        if kind is ProposalKind.AFFILIATION:
            affiliations.check_may_join(uow, federation, council)
        else:
            affiliations.check_may_leave(uow, federation, council)
        for pending in uow.proposals.for_council(council.id):
            if (
                pending.kind is kind
                and pending.stage is not Stage.DECIDED
                and pending.details.get("federation") == federation.id
            ):
                raise Conflict(
                    msg(
                        "proposal %(proposal)s already puts this to %(council)s",
                        proposal=pending.id,
                        council=council.name,
                    ),
                    hint=msg("it is decided first"),
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
    mapping with ``key``, ``label`` and ``cost``. An affiliation is never opened here: the
    federation proposes it (:func:`propose_affiliation`).
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
    if kind is ProposalKind.AFFILIATION:
        raise NotAllowed(
            msg("a council joins a federation when the federation invites it"),
            hint=msg("a convenor of the federation proposes the affiliation"),
        )
    return _open(
        uow,
        target,
        kind=kind,
        title=title,
        text=text,
        by=by,
        now=now,
        details=details,
        candidates=candidates,
        projects=projects,
        seats=seats,
        discuss=discuss,
    )


def _open(
    uow: UnitOfWork,
    target: Council,
    *,
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
    """Open a proposal in ``target`` for someone already allowed to."""
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
        rule=target.rule_for(kind),
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
    record_opened(uow, proposal)
    return proposal


def propose_affiliation(
    uow: UnitOfWork,
    *,
    federation: int | str,
    member: int | str,
    by: int,
    now: datetime,
    delegates: int = 1,
    title: str = "",
    text: str = "",
) -> Proposal:
    """A convenor of a federation (or of the congress) invites a council to join it, sending
    ``delegates`` delegates. The invitation is a proposal of kind ``affiliation`` in the
    invited council, which decides it by its own standing orders; if adopted, the council
    joins (:func:`rada.services.affiliations.join`)."""
    fed, mem = get_council(uow, federation), get_council(uow, member)
    require_convenor(uow, fed, by)
    affiliations.check_may_join(uow, fed, mem)
    return _open(
        uow,
        mem,
        kind=ProposalKind.AFFILIATION,
        title=title or f"Join {fed.name}",
        text=text
        or (
            f"{fed.name} invites {mem.name} to join it, sending {delegates} "
            f"delegate{'s' if delegates != 1 else ''}."
        ),
        by=by,
        now=now,
        details={"federation": fed.id, "delegates": delegates},
    )


def propose_disaffiliation(
    uow: UnitOfWork,
    *,
    federation: int | str,
    member: int | str,
    by: int,
    now: datetime,
    title: str = "",
    text: str = "",
) -> Proposal:
    """Put to a council that it leave a federation: a proposal of kind ``disaffiliation`` in
    the member council, opened by one of its own proposers or by a convenor of the
    federation, and decided by the member council's standing orders."""
    fed, mem = get_council(uow, federation), get_council(uow, member)
    membership = uow.memberships.of(mem.id, by)
    if membership is None or not membership.roles & mem.orders.proposers:
        require_convenor(uow, fed, by)
    return _open(
        uow,
        mem,
        kind=ProposalKind.DISAFFILIATION,
        title=title or f"Leave {fed.name}",
        text=text or f"That {mem.name} leave {fed.name}.",
        by=by,
        now=now,
        details={"federation": fed.id},
    )


def record_opened(uow: UnitOfWork, proposal: Proposal) -> int:
    """Record a proposal just added (``ProposalOpened``), stamp the record index on it and
    on its first version, and save it. The one way a proposal is opened on the record."""
    index = record_one(
        uow,
        ProposalOpened(
            council=proposal.council_id,
            at=proposal.created_at,
            by=proposal.author_id,
            proposal=proposal.id,
            kind=proposal.kind.value,
            title=proposal.title,
            text=proposal.text,
            details=proposal.details,
            options=[
                {"key": o.key, "label": o.label, "person_id": o.person_id, "cost": o.cost}
                for o in proposal.options
            ],
            seats=proposal.seats,
            rule=proposal.rule.to_dict(),
            stage=proposal.stage.value,
        ),
    )
    proposal.record_index = index
    proposal.versions[0] = replace(proposal.versions[0], record_index=index)
    uow.proposals.save(proposal)
    return index


def revise_proposal(
    uow: UnitOfWork, *, proposal_id: int, text: str, by: int, now: datetime
) -> Proposal:
    """A new version of the proposal's text, by its author, before voting opens."""
    proposal = get_proposal(uow, proposal_id, for_update=True)
    version = proposal.write(text, by=by, now=now)
    index = record_one(
        uow,
        ProposalRevised(
            council=proposal.council_id,
            at=now,
            by=by,
            links=links_to(proposal.record_index),
            proposal=proposal.id,
            version=version.number,
            text=version.text,
        ),
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
    record_one(
        uow,
        DiscussionOpened(
            council=proposal.council_id,
            at=now,
            by=by,
            links=links_to(proposal.record_index),
            proposal=proposal.id,
        ),
    )
    uow.proposals.save(proposal)
    return proposal


def open_voting(uow: UnitOfWork, *, proposal_id: int, by: int, now: datetime) -> Proposal:
    """Open the vote: a convenor's task (scheduling, not deciding)."""
    proposal = get_proposal(uow, proposal_id, for_update=True)
    council = get_council(uow, proposal.council_id)
    require_convenor(uow, council, by)
    proposal.open_voting(now=now)
    assert proposal.closes_at is not None
    record_one(
        uow,
        VotingOpened(
            council=proposal.council_id,
            at=now,
            by=by,
            links=links_to(proposal.record_index),
            proposal=proposal.id,
            closes_at=proposal.closes_at,
        ),
    )
    uow.proposals.save(proposal)
    return proposal


def _choices(
    uow: UnitOfWork, proposal: Proposal, ballots: Sequence[SecretBallot]
) -> tuple[list[tuple[Mapping[str, Any], int]], list[str], set[int]]:
    if proposal.rule.secret:
        voted = {p.voter_id for p in uow.ballots.participants(proposal.id)}
        return [(b.choice, b.weight) for b in ballots], [], voted
    votes = uow.votes.for_proposal(proposal.id)
    names = [f"person/{v.voter_id}" for v in votes]
    return [(v.choice, v.weight) for v in votes], names, {v.voter_id for v in votes}


def _as_recorded(decision: Decision) -> Decision:
    """The decision as the record keeps it (floats as their shortest decimal text), so that
    the table holds exactly what the record says and a rebuild gives it back."""
    kept = Decision.from_dict(plain(decision.to_dict()))
    if decision.message is not None:
        kept.message = Message.from_dict(plain(decision.message.to_dict()))
    return kept


def check_ballots_recorded(
    uow: UnitOfWork, proposal: Proposal, ballots: Sequence[SecretBallot]
) -> None:
    """Refuse to count secret ballots that the record does not account for: there must be
    exactly one ballot per participation, and each participation must be its own
    ``took-part`` entry of the record, by that voter, on this proposal. A ballot slipped into
    the table (or a participation row with no entry behind it) stops the count."""
    participations = uow.ballots.participants(proposal.id)
    recorded = 0
    seen: set[int] = set()
    for p in participations:
        if p.record_index is None or p.record_index in seen:
            continue
        found = uow.record.read(p.record_index)
        if (
            found is not None
            and found.kind is EntryKind.PARTICIPATION
            and found.body.get("proposal") == proposal.id
            and found.author == author(p.voter_id)
        ):
            recorded += 1
            seen.add(p.record_index)
    if len(ballots) != recorded or recorded != len(participations):
        raise RecordMismatch(
            msg(
                "proposal %(proposal)s holds %(ballots)s secret ballots but the record shows "
                "%(recorded)s participations (%(rows)s in the table): the count decides nothing",
                proposal=proposal.id,
                ballots=len(ballots),
                recorded=recorded,
                rows=len(participations),
            ),
            hint=msg("run `rada record audit` to see what differs from the record"),
        )


def close_vote(uow: UnitOfWork, *, proposal_id: int, by: int | None, now: datetime) -> Proposal:
    """Close the vote once its period is over (or everyone has voted), count it, record the
    decision, and carry it out (appointments, recalls, redactions).

    Secret ballots are counted only when they match the participations on the record
    (:func:`check_ballots_recorded`)."""
    proposal = get_proposal(uow, proposal_id, for_update=True)
    council = get_council(uow, proposal.council_id)
    voters = electorate(uow, council.id)
    ballots = uow.ballots.for_proposal(proposal.id) if proposal.rule.secret else []
    choices, names, voted = _choices(uow, proposal, ballots)
    proposal.check_may_close(now=now, everyone_voted=everyone_voted(voters, voted))
    if proposal.rule.secret:
        check_ballots_recorded(uow, proposal, ballots)
    decision = _as_recorded(count(proposal, choices, voters, voters=names))
    proposal.decide(decision, now=now)
    links = links_to(proposal.record_index)
    published: list[Event] = []
    if proposal.rule.secret:
        # The ballots are published only now, in receipt-hash order, so that neither their
        # order nor their time links a ballot to the participation entries.
        published += [
            BallotCounted(
                council=council.id,
                at=now,
                by=None,
                links=links,
                proposal=proposal.id,
                receipt=b.receipt_hash,
                choice=dict(b.choice),
                weight=b.weight,
            )
            for b in ballots
        ]
    if not proposal.rule.secret and not proposal.rule.shows_live_tally:
        published += [
            VoteRevealed(
                council=council.id,
                at=now,
                by=v.voter_id,
                links=links_to(v.record_index),
                proposal=proposal.id,
                choice=dict(v.choice),
                weight=v.weight,
                salt=v.salt,
                version=v.version,
            )
            # Every version, each opening its own commitment (the latest was counted), so
            # that the record keeps every change of a hidden vote too.
            for v in uow.votes.history(proposal.id)
        ]
    record(uow, published)
    decision_index = record_one(
        uow,
        ProposalDecided(
            council=council.id,
            at=now,
            by=by,
            links=links,
            proposal=proposal.id,
            kind=proposal.kind.value,
            electorate=voters.total,
            decision=decision.to_dict(),
            message=None if decision.message is None else decision.message.to_dict(),
        ),
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
            _appoint_managers(uow, council, proposal, elected, now, decision_index)
        else:
            _seat_delegates(
                uow, council, details["to_council"], elected, now, decision_index, proposal.id
            )
    elif proposal.kind is ProposalKind.RECALL:
        person = details["person"]
        if details["post"] == "manager":
            for office in uow.offices.for_council(council.id):
                if office.person_id == person:
                    _end_office(uow, office, proposal.id, now, decision_index)
        else:
            seat = uow.memberships.of(details["to_council"], person)
            if seat is not None and seat.delegate_of == council.id:
                end_seat(
                    uow,
                    seat,
                    f"recalled by {council.name} (proposal {proposal.id})",
                    now,
                    decision_index,
                    recalled=True,
                )
    elif proposal.kind in (ProposalKind.AFFILIATION, ProposalKind.DISAFFILIATION):
        _change_affiliation(uow, council, proposal, decision_index, now=now)
    elif proposal.kind is ProposalKind.REDACTION:
        redact_entry(
            uow,
            council,
            proposal,
            target=details["entry"],
            reason=details["reason"],
            decision_index=decision_index,
            now=now,
        )


def _change_affiliation(
    uow: UnitOfWork, council: Council, proposal: Proposal, decision_index: int, *, now: datetime
) -> None:
    """Join or leave the federation an adopted proposal names. When that can no longer be
    done (another decision made the council join or leave first, or joining would now make
    a council its own member), the decision stands and changes nothing."""
    federation = get_council(uow, proposal.details["federation"])
    try:
        if proposal.kind is ProposalKind.AFFILIATION:
            affiliations.join(
                uow,
                federation=federation,
                member=council,
                delegates=int(proposal.details["delegates"]),
                proposal=proposal.id,
                now=now,
                decision_index=decision_index,
            )
        else:
            affiliations.leave(
                uow,
                federation=federation,
                member=council,
                proposal=proposal.id,
                now=now,
                decision_index=decision_index,
            )
    except CouncilError:
        return


def _appoint_managers(
    uow: UnitOfWork,
    council: Council,
    proposal: Proposal,
    elected: list[Option],
    now: datetime,
    decision_index: int,
) -> None:
    """The newly elected managers take office; those in office before stand down."""
    for office in uow.offices.for_council(council.id):
        if office.post == "manager":
            _end_office(uow, office, proposal.id, now, decision_index)
    for option in elected:
        if option.person_id is None:
            continue
        office = uow.offices.add(Office(council.id, option.person_id, "manager", now, proposal.id))
        record_one(
            uow,
            OfficeFilled(
                council=council.id,
                at=now,
                by=None,
                links=(decision_index,),
                office=office.id,
                person=option.person_id,
                post="manager",
                proposal=proposal.id,
            ),
        )


def _end_office(
    uow: UnitOfWork, office: Office, proposal_id: int, now: datetime, decision_index: int
) -> None:
    office.ended_at, office.ended_by = now, proposal_id
    uow.offices.save(office)
    record_one(
        uow,
        OfficeEnded(
            council=office.council_id,
            at=now,
            by=None,
            links=(decision_index,),
            office=office.id,
            person=office.person_id,
            post=office.post,
            proposal=proposal_id,
        ),
    )


#: What a council may order redacted: what was said, never the trail of what was decided.
REDACTABLE: tuple[type[Event], ...] = (
    PostWritten,
    PostEdited,
    ProposalOpened,
    ProposalRevised,
    VoteCast,
    VoteRevealed,
)


def check_redactable(uow: UnitOfWork, council: Council, index: int) -> Event:
    """The event of record entry ``index``, when ``council`` may order it redacted: one of its
    own posts, proposal texts or votes (a vote only once counted). Refuses anything else, and
    above all the decision that ordered an earlier redaction."""
    target = uow.record.read(index)
    if target is None:
        earlier = uow.record.redaction_of(index)
        if earlier is not None:
            raise Conflict(
                msg(
                    "record entry %(entry)s is already redacted (by entry %(redaction)s)",
                    entry=index,
                    redaction=earlier,
                )
            )
        raise NotFound(msg("record entry %(entry)s does not exist", entry=index))
    if target.kind in (EntryKind.REDACTION, EntryKind.DECISION) and (
        target.kind is EntryKind.REDACTION
        or target.body.get("kind") == ProposalKind.REDACTION.value
        or target.body.get("event") == RedactionAlreadyDone.event_name
    ):
        raise NotAllowed(
            msg(
                "record entry %(entry)s is the trail of a redaction, which cannot be redacted",
                entry=index,
            ),
            hint=msg("what a council removed, and why, stays on the record"),
        )
    if target.body.get("council") != council.id:
        raise NotAllowed(
            msg(
                "record entry %(entry)s is not one of %(council)s's entries",
                entry=index,
                council=council.name,
            ),
            hint=msg("a council may only order the redaction of what was said in it"),
        )
    event = event_of(target, index=index)
    if not isinstance(event, REDACTABLE):
        raise NotAllowed(
            msg(
                "record entry %(entry)s records what was done, not what was said",
                entry=index,
            ),
            hint=msg("only posts, proposals' texts and votes can be redacted"),
        )
    if isinstance(event, VoteCast | VoteRevealed):
        voted_on = get_proposal(uow, event.proposal)
        if voted_on.stage is not Stage.DECIDED:
            raise WrongStage(
                msg(
                    "record entry %(entry)s is a vote on proposal %(proposal)s, which is not "
                    "yet decided",
                    entry=index,
                    proposal=event.proposal,
                ),
                hint=msg("a vote can be redacted only after its count"),
            )
    return event


def redact_entry(
    uow: UnitOfWork,
    council: Council,
    proposal: Proposal,
    *,
    target: int,
    reason: str,
    decision_index: int,
    now: datetime,
) -> None:
    """Carry out an adopted redaction: the record replaces the target's content by a
    tombstone (keeping its shape, :func:`~rada.services.recording.kept_of`), and every
    view of that content is emptied the same way the projection empties it. A target already
    redacted is recorded as such (``already-redacted``) and nothing more is done."""
    earlier = uow.record.redaction_of(target)
    if earlier is not None:
        record_one(
            uow,
            RedactionAlreadyDone(
                council=council.id,
                at=now,
                by=None,
                links=(decision_index, target),
                proposal=proposal.id,
                target=target,
                redaction=earlier,
            ),
        )
        return
    stored = uow.record.read(target)
    event = check_redactable(uow, council, target)
    assert stored is not None
    uow.record.redact(target, decision=decision_index, reason=reason, kept=kept_of(stored), now=now)
    if isinstance(event, PostWritten | PostEdited):
        post = uow.posts.get(event.post)
        if post is not None:
            post.versions[event.version - 1] = replace(
                post.versions[event.version - 1], text="", redacted_by=proposal.id
            )
            uow.posts.save(post)
    elif isinstance(event, ProposalOpened | ProposalRevised):
        said = get_proposal(uow, event.proposal, for_update=True)
        number = 1 if isinstance(event, ProposalOpened) else event.version
        said.versions[number - 1] = replace(
            said.versions[number - 1], text="", redacted_by=proposal.id
        )
        if isinstance(event, ProposalOpened):
            said.title = ""
            if "reason" in said.details:
                said.details = {**said.details, "reason": ""}
        uow.proposals.save(said)
    elif isinstance(event, VoteCast | VoteRevealed):
        assert event.by is not None
        uow.votes.redact(event.proposal, event.by, by_proposal=proposal.id, version=event.version)
    reindex_redacted(uow, event)


def _seat_delegates(
    uow: UnitOfWork,
    council: Council,
    federation_id: int,
    elected: list[Option],
    now: datetime,
    decision_index: int,
    proposal_id: int,
) -> None:
    """Seat the newly elected delegates; the council's earlier delegates there stand down."""
    federation = get_council(uow, federation_id)
    affiliation = next(
        a for a in uow.councils.affiliated_to(council.id) if a.federation_id == federation.id
    )
    affiliation = affiliations.reweigh(uow, affiliation, now=now, links=(decision_index,))
    for seat in uow.memberships.for_council(federation.id):
        if seat.delegate_of == council.id:
            end_seat(
                uow,
                seat,
                f"replaced by election in {council.name} (proposal {proposal_id})",
                now,
                decision_index,
            )
    for option in elected[: affiliation.delegates]:
        if option.person_id is None:
            continue
        person = get_person(uow, option.person_id)
        existing = uow.memberships.of(federation.id, person.id)
        convened = existing is not None and existing.convenor
        if existing is not None:
            # A convenor without a vote who is now elected: the seat replaces that role, and
            # keeps the convening.
            end_seat(uow, existing, "seated as a delegate", now, decision_index)
        roles = {Role.DELEGATE} | ({Role.CONVENOR} if convened else set())
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
    "propose_affiliation",
    "propose_disaffiliation",
    "revise_proposal",
]
