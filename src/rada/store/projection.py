"""The councils' tables as a projection of the public record.

:class:`Projector` replays the record's entries, each read back into its typed event
(:func:`rada.services.recording.event_of`), into the rows the tables should hold. That one
replay serves two ends: :mod:`rada.store.rebuild` writes the rows into a fresh database
(``rada record rebuild --into``), and :mod:`rada.store.audit` compares them with the live
tables (``rada record audit``) and names every difference.

A redacted entry is replayed from what its redaction kept (the entry's shape without its
content), with its content empty and ``redacted_by`` naming the proposal that ordered it, as
the live tables have it after the redaction was carried out.

What stays outside the record, and so outside the comparison, is listed in
:data:`OUTSIDE_THE_RECORD` (docs/record.md gives each reason).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table

from rada.councils import events as ev
from rada.councils.ballots import commit_choice
from rada.councils.errors import CouncilError
from rada.councils.text import msg
from rada.record.encoding import Entry, EntryKind, decode_entry
from rada.record.export import StoredEntry
from rada.record.redaction import Tombstone, read_redaction
from rada.services.recording import UnknownEvent, event_of, redacted_event
from rada.store.councils_tables import (
    affiliations,
    councils,
    memberships,
    offices,
    participations,
    people,
    planning_cycles,
    post_versions,
    posts,
    proposal_versions,
    proposals,
    secret_ballots,
    votes,
)
from rada.store.record_repository import RecordRepository

__all__ = [
    "AUDITED_TABLES",
    "HIDDEN",
    "OUTSIDE_THE_RECORD",
    "Projection",
    "ProjectionError",
    "Projector",
    "project",
    "project_repository",
]

Key = tuple[Any, ...]
Row = dict[str, Any]

#: The tables the record projects, and their keys (in an order their foreign keys accept).
AUDITED_TABLES: dict[str, tuple[Table, tuple[str, ...]]] = {
    "people": (people, ("id",)),
    "councils": (councils, ("id",)),
    "affiliations": (affiliations, ("federation_id", "member_id")),
    "memberships": (memberships, ("id",)),
    "proposals": (proposals, ("id",)),
    "proposal_versions": (proposal_versions, ("proposal_id", "number")),
    "offices": (offices, ("id",)),
    "posts": (posts, ("id",)),
    "post_versions": (post_versions, ("post_id", "number")),
    "votes": (votes, ("proposal_id", "voter_id", "version")),
    "participations": (participations, ("proposal_id", "voter_id")),
    "secret_ballots": (secret_ballots, ("proposal_id", "receipt_hash")),
    "planning_cycles": (planning_cycles, ("id",)),
}

#: Columns of the projected tables that the record does not hold, and why.
OUTSIDE_THE_RECORD: dict[str, str] = {
    "people.email": "a personal address: members see names, never addresses",
    "credentials": "password hashes are secrets",
    "api_tokens": "token hashes are secrets",
    "invitations": "an invitation's code is a secret and its address personal",
    "votes.choice (hidden tally, before the count)": "the standing orders hide it until then",
    "secret_ballots (before the count)": "published only at the count, apart from who voted",
    "secret_ballots (replaced)": "a ballot its holder replaced is never counted nor published",
}

HIDDEN = object()  # a choice the record does not say yet (hidden tally, before the count)


@dataclass
class Projection:
    """The rows the record gives for each table, by key."""

    rows: dict[str, dict[Key, Row]] = field(
        default_factory=lambda: {name: {} for name in AUDITED_TABLES}
    )
    #: Secret votes whose ballots are not yet published: proposal -> participations.
    uncounted: dict[int, int] = field(default_factory=dict)
    #: Hidden votes not yet revealed: (proposal, voter, version) -> the commitment.
    commitments: dict[Key, str] = field(default_factory=dict)
    #: What the record contradicts itself on: (table, key, column, recorded, found).
    contradictions: list[tuple[str, Key, str, Any, Any]] = field(default_factory=list)
    size: int = 0


class ProjectionError(CouncilError):
    """The record cannot be replayed (an entry no event reads, or one out of order)."""


_NONCE = bytes(16)


def _read(content: bytes) -> Entry:
    """An entry's content, read for replay. The audit takes the record as it is stored;
    whether it is the record that was signed is what ``rada record verify`` checks, so the
    canonical form is not checked again here (that would double the audit's time)."""
    value = json.loads(content)
    return Entry(
        EntryKind(value["kind"]),
        datetime.fromisoformat(value["time"]),
        value["body"],
        author=value["author"],
        links=tuple(value["links"]),
        nonce=_NONCE,
    )


def _ts(value: datetime) -> datetime:
    return value.astimezone(UTC)


class Projector:
    """Replays events into a :class:`Projection`, one entry at a time, in index order."""

    def __init__(self, lookup: Callable[[int], StoredEntry]) -> None:
        self.projection = Projection()
        self._lookup = lookup
        self._decision_proposal: dict[int, int] = {}
        t = self.projection.rows
        self._handlers: dict[type[ev.Event], Callable[[Any, int, int | None], None]] = {
            ev.PersonRegistered: self._person,
            ev.CouncilFounded: self._founded,
            ev.CouncilAffiliated: self._affiliated,
            ev.CouncilDisaffiliated: self._disaffiliated,
            ev.AffiliationReweighed: self._reweighed,
            ev.MemberJoined: self._joined,
            ev.DelegateSeated: self._joined,
            ev.RoleGranted: self._role,
            ev.MembershipEnded: self._ended,
            ev.DelegateRecalled: self._ended,
            ev.OfficeFilled: self._office_filled,
            ev.OfficeEnded: self._office_ended,
            ev.ProposalOpened: self._opened,
            ev.ProposalRevised: self._revised,
            ev.DiscussionOpened: self._discussion,
            ev.VotingOpened: self._voting,
            ev.VoteCast: self._cast,
            ev.VoteRevealed: self._revealed,
            ev.TookPart: self._took_part,
            ev.BallotCounted: self._ballot,
            ev.ProposalDecided: self._decided,
            ev.PostWritten: self._post,
            ev.PostEdited: self._post_edited,
            ev.RedactionAlreadyDone: lambda e, i, r: None,
        }
        for cycle_event in (
            ev.CycleOpened,
            ev.PrioritiesGiven,
            ev.PrioritiesClosed,
            ev.RoundPlanned,
            ev.RoundReviewed,
            ev.AdoptionProposed,
            ev.PlanAdopted,
            ev.PlanNotAdopted,
        ):
            self._handlers[cycle_event] = self._cycle
        self._t = t

    # -- reading entries ---------------------------------------------------------------------

    def feed(self, stored: StoredEntry) -> None:
        """Replay one stored entry (its content, or its tombstone)."""
        index = stored.index
        if index != self.projection.size:
            raise ProjectionError(
                msg(
                    "the record skips from entry %(last)s to %(index)s",
                    last=self.projection.size - 1,
                    index=index,
                )
            )
        self.projection.size += 1
        if stored.redacted:
            self._redacted(index, Tombstone.decode(stored.content))
            return
        self.apply(_read(stored.content), index)

    def apply(self, entry: Entry, index: int, redacted_by: int | None = None) -> None:
        """Replay one entry, read as its event."""
        if entry.kind == "redaction":
            return  # carried out where the target is replayed (it is a tombstone there)
        try:
            event = event_of(entry, index=index)
        except UnknownEvent as exc:
            raise ProjectionError(exc.message, hint=exc.hint) from exc
        self._event(event, index, redacted_by)

    def _event(self, event: ev.Event, index: int, redacted_by: int | None) -> None:
        handler = self._handlers.get(type(event))
        if handler is None:  # pragma: no cover - every event class has a handler (tested)
            raise ProjectionError(msg("no projection for %(event)s", event=type(event).__name__))
        if isinstance(event, ev.ProposalDecided):
            self._decision_proposal[index] = event.proposal
        try:
            handler(event, index, redacted_by)
        except KeyError as exc:
            raise ProjectionError(
                msg(
                    "record entry %(index)s (%(event)s) refers to %(what)s, which the record "
                    "never created",
                    index=index,
                    event=event.event_name,
                    what=str(exc),
                )
            ) from exc

    def _redacted(self, index: int, tombstone: Tombstone) -> None:
        order = self._lookup(tombstone.redaction)
        _, redaction_entry = decode_entry(order.content)
        redaction = read_redaction(redaction_entry)
        if redaction.target != index or redaction.kept is None:
            raise ProjectionError(
                msg(
                    "record entry %(index)s is a tombstone that its redaction does not explain",
                    index=index,
                )
            )
        proposal = self._decision_proposal.get(redaction.decision)
        if proposal is None:
            _, decision = decode_entry(self._lookup(redaction.decision).content)
            proposal = int(decision.body["proposal"])
        where = f"record entry {index}"
        try:
            event = redacted_event(redaction.kept, where=where)
        except UnknownEvent as exc:
            raise ProjectionError(exc.message, hint=exc.hint) from exc
        self._event(event, index, proposal)

    # -- people and councils -----------------------------------------------------------------

    def _person(self, e: ev.PersonRegistered, i: int, r: int | None) -> None:
        self._t["people"][(e.person,)] = {"name": e.name, "joined_at": _ts(e.at)}

    def _founded(self, e: ev.CouncilFounded, i: int, r: int | None) -> None:
        assert e.council is not None
        self._t["councils"][(e.council,)] = {
            "name": e.name,
            "slug": e.slug,
            "kind": e.kind,
            "orders": e.orders,
            "created_at": _ts(e.at),
            "description": e.description,
            "record_index": i,
        }
        self._membership(e.membership, e.council, int(e.convenor["id"]), e.roles, e.at, 1, None)

    def _membership(
        self,
        membership: int,
        council: int,
        person: int,
        roles: Iterable[str],
        at: datetime,
        weight: int,
        delegate_of: int | None,
    ) -> None:
        self._t["memberships"][(membership,)] = {
            "council_id": council,
            "person_id": person,
            "roles": ",".join(sorted(roles)),
            "since": _ts(at),
            "weight": weight,
            "delegate_of": delegate_of,
            "ended_at": None,
            "end_reason": "",
        }

    def _affiliated(self, e: ev.CouncilAffiliated, i: int, r: int | None) -> None:
        self._t["affiliations"][(e.council, int(e.member["id"]))] = {
            "delegates": e.delegates,
            "weight": e.weight,
        }

    def _disaffiliated(self, e: ev.CouncilDisaffiliated, i: int, r: int | None) -> None:
        self._t["affiliations"].pop((e.council, int(e.member["id"])), None)

    def _reweighed(self, e: ev.AffiliationReweighed, i: int, r: int | None) -> None:
        self._t["affiliations"][(e.council, int(e.member["id"]))]["weight"] = e.weight

    def _joined(self, e: ev.MemberJoined, i: int, r: int | None) -> None:
        assert e.council is not None
        person = int(e.person["id"])
        self._membership(e.membership, e.council, person, e.roles, e.at, e.weight, e.delegate_of)

    def _role(self, e: ev.RoleGranted, i: int, r: int | None) -> None:
        row = self._t["memberships"][(e.membership,)]
        row["roles"] = ",".join(sorted(set(row["roles"].split(",")) | {e.role}))

    def _ended(self, e: ev.MembershipEnded, i: int, r: int | None) -> None:
        row = self._t["memberships"][(e.membership,)]
        row["ended_at"], row["end_reason"] = _ts(e.at), e.reason

    def _office_filled(self, e: ev.OfficeFilled, i: int, r: int | None) -> None:
        self._t["offices"][(e.office,)] = {
            "council_id": e.council,
            "person_id": e.person,
            "post": e.post,
            "since": _ts(e.at),
            "appointed_by": e.proposal,
            "ended_at": None,
            "ended_by": None,
        }

    def _office_ended(self, e: ev.OfficeEnded, i: int, r: int | None) -> None:
        row = self._t["offices"][(e.office,)]
        row["ended_at"], row["ended_by"] = _ts(e.at), e.proposal

    # -- proposals, votes and posts ----------------------------------------------------------

    def _opened(self, e: ev.ProposalOpened, i: int, r: int | None) -> None:
        at = _ts(e.at)
        self._t["proposals"][(e.proposal,)] = {
            "council_id": e.council,
            "kind": e.kind,
            "title": e.title,
            "author_id": e.by,
            "rule": e.rule,
            "created_at": at,
            "details": e.details,
            "options": e.options,
            "seats": e.seats,
            "stage": e.stage,
            "discussion_at": at if e.stage == "discussion" else None,
            "voting_at": None,
            "closes_at": None,
            "decided_at": None,
            "decision": None,
            "decision_message": None,
            "record_index": i,
        }
        self._version("proposal_versions", e.proposal, 1, e.text, e.at, i, r)

    def _version(
        self, table: str, owner: int, number: int, text: str, at: datetime, i: int, r: int | None
    ) -> None:
        self._t[table][(owner, number)] = {
            "text": text,
            "written_at": _ts(at),
            "record_index": i,
            "redacted_by": r,
        }

    def _revised(self, e: ev.ProposalRevised, i: int, r: int | None) -> None:
        self._t["proposals"][(e.proposal,)]
        self._version("proposal_versions", e.proposal, e.version, e.text, e.at, i, r)

    def _discussion(self, e: ev.DiscussionOpened, i: int, r: int | None) -> None:
        row = self._t["proposals"][(e.proposal,)]
        row["stage"], row["discussion_at"] = "discussion", _ts(e.at)

    def _voting(self, e: ev.VotingOpened, i: int, r: int | None) -> None:
        row = self._t["proposals"][(e.proposal,)]
        row["stage"], row["voting_at"], row["closes_at"] = "voting", _ts(e.at), _ts(e.closes_at)

    def _cast(self, e: ev.VoteCast, i: int, r: int | None) -> None:
        choice: Any = {} if r is not None else (HIDDEN if e.hidden else e.choice)
        key = (e.proposal, e.by, e.version)
        self._t["votes"][key] = {
            "choice": choice,
            "weight": e.weight,
            "cast_at": _ts(e.at),
            "record_index": i,
            "redacted_by": r,
            # The salt of a hidden vote is published only at the count.
            "salt": HIDDEN if e.commitment is not None else None,
        }
        if e.version > 1:
            # A change: the version it replaces must be on the record already.
            self._t["votes"][(e.proposal, e.by, e.version - 1)]
        if e.commitment is not None:
            self.projection.commitments[key] = e.commitment

    def _revealed(self, e: ev.VoteRevealed, i: int, r: int | None) -> None:
        key = (e.proposal, e.by, e.version)
        row = self._t["votes"][key]
        commitment = self.projection.commitments.pop(key, None)
        row["salt"] = e.salt
        if r is not None:
            row["choice"], row["redacted_by"] = {}, r
        elif row["redacted_by"] is None:
            row["choice"] = e.choice
            opened = e.salt is not None and commit_choice(e.choice or {}, e.salt)
            if commitment is not None and opened != commitment:
                committed = f"the choice committed to at entry {row['record_index']}"
                self.projection.contradictions.append(("votes", key, "choice", committed, e.choice))

    def _took_part(self, e: ev.TookPart, i: int, r: int | None) -> None:
        self._t["participations"][(e.proposal, e.by)] = {"cast_at": _ts(e.at), "record_index": i}
        self.projection.uncounted[e.proposal] = self.projection.uncounted.get(e.proposal, 0) + 1

    def _ballot(self, e: ev.BallotCounted, i: int, r: int | None) -> None:
        # Only current ballots are published: a published one was never replaced.
        self._t["secret_ballots"][(e.proposal, e.receipt)] = {
            "choice": e.choice,
            "weight": e.weight,
            "replaced": None,
        }
        self.projection.uncounted.pop(e.proposal, None)

    def _decided(self, e: ev.ProposalDecided, i: int, r: int | None) -> None:
        row = self._t["proposals"][(e.proposal,)]
        row["stage"], row["decided_at"] = "decided", _ts(e.at)
        row["decision"], row["decision_message"] = e.decision, e.message
        # A secret vote counted with no ballot at all publishes none: nothing is pending.
        self.projection.uncounted.pop(e.proposal, None)

    def _post(self, e: ev.PostWritten, i: int, r: int | None) -> None:
        self._t["posts"][(e.post,)] = {
            "proposal_id": e.proposal,
            "author_id": e.by,
            "created_at": _ts(e.at),
            "parent_id": e.reply_to,
        }
        self._version("post_versions", e.post, e.version, e.text, e.at, i, r)

    def _post_edited(self, e: ev.PostEdited, i: int, r: int | None) -> None:
        self._t["posts"][(e.post,)]
        self._version("post_versions", e.post, e.version, e.text, e.at, i, r)

    # -- the planning cycle ------------------------------------------------------------------

    def _cycle(self, e: Any, i: int, r: int | None) -> None:
        state = json.loads(json.dumps(e.state))
        # An entry cannot hold its own index: the cycle's (when opened) and a round's (when
        # planned) are the index of the entry that records them.
        if isinstance(e, ev.CycleOpened):
            state["record_index"] = i
        if isinstance(e, ev.RoundPlanned) and state.get("rounds"):
            state["rounds"][-1]["record_index"] = i
        existing = self._t["planning_cycles"].get((e.cycle,))
        created = existing["created_at"] if existing else _ts(e.at)
        self._t["planning_cycles"][(e.cycle,)] = {
            "congress_id": e.council,
            "state": state,
            "created_at": created,
        }


def project(entries: Iterable[StoredEntry], lookup: Callable[[int], StoredEntry]) -> Projection:
    """The projection of a record given as its stored entries in index order."""
    projector = Projector(lookup)
    for stored in entries:
        projector.feed(stored)
    return projector.projection


def project_repository(repository: RecordRepository) -> Projection:
    """The projection of the record stored in ``repository``'s database."""
    return project(repository.entries(), repository.entry)
