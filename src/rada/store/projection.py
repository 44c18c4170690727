"""The councils' tables as a projection of the public record.

:class:`Projector` replays the record's entries, each read back into its typed event
(:func:`rada.services.recording.event_of`), into the rows the tables should hold. That one
replay serves two ends:

* :func:`rebuild` writes the rows into a fresh database (``rada record rebuild --into``), so
  that the record alone gives back every council's state;
* :func:`audit` compares them with the live tables (``rada record audit``) and names every
  difference: table, key, column, the value the record gives and the value found.

A redacted entry is replayed from what its redaction kept (the entry's shape without its
content), with its content empty and ``redacted_by`` naming the proposal that ordered it, as
the live tables have it after the redaction was carried out.

What stays outside the record, and so outside the comparison (docs/record.md lists each with
its reason): e-mail addresses, password hashes, API tokens and invitations (secrets and
personal contact data), how an open vote under a hidden tally went until its count, and the
secret ballots until their count (their number is still checked against the participations
recorded). Witness state concerns other logs.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection, Engine

from rada.councils import events as ev
from rada.councils.errors import CouncilError
from rada.councils.text import msg
from rada.record.encoding import Entry, decode_entry
from rada.record.export import StoredEntry
from rada.record.merkle import leaf_hash, node_hash
from rada.record.redaction import Tombstone, read_redaction
from rada.services.recording import UnknownEvent, event_of, plain, redacted_event
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
from rada.store.record_repository import RecordRepository, writing
from rada.store.record_tables import record_checkpoints, record_entries, record_nodes

__all__ = [
    "AUDITED_TABLES",
    "OUTSIDE_THE_RECORD",
    "Difference",
    "Projection",
    "Projector",
    "audit",
    "project",
    "rebuild",
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
    "votes": (votes, ("proposal_id", "voter_id")),
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
}

_HIDDEN = object()  # a choice the record does not say yet (hidden tally, before the count)


@dataclass(frozen=True)
class Difference:
    """One place where the live tables and the record disagree."""

    table: str
    key: Key
    column: str
    recorded: Any
    found: Any

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "table": self.table,
            "id": list(self.key) if len(self.key) > 1 else self.key[0],
            "column": self.column,
            "recorded": self.recorded,
            "found": self.found,
        }

    def __str__(self) -> str:
        key = ", ".join(str(k) for k in self.key)
        return (
            f"{self.table} {key}: {self.column} is {_short(self.found)} "
            f"but the record says {_short(self.recorded)}"
        )


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class Projection:
    """The rows the record gives for each table, by key."""

    rows: dict[str, dict[Key, Row]] = field(
        default_factory=lambda: {name: {} for name in AUDITED_TABLES}
    )
    #: Secret votes whose ballots are not yet published: proposal -> participations.
    uncounted: dict[int, int] = field(default_factory=dict)
    size: int = 0


class ProjectionError(CouncilError):
    """The record cannot be replayed (an entry no event reads, or one out of order)."""


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
        _, entry = decode_entry(stored.content)
        self.apply(entry, index)

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
        choice: Any = {} if r is not None else (_HIDDEN if e.hidden else e.choice)
        self._t["votes"][(e.proposal, e.by)] = {
            "choice": choice,
            "weight": e.weight,
            "cast_at": _ts(e.at),
            "record_index": i,
            "redacted_by": r,
        }

    def _revealed(self, e: ev.VoteRevealed, i: int, r: int | None) -> None:
        row = self._t["votes"][(e.proposal, e.by)]
        if r is not None:
            row["choice"], row["redacted_by"] = {}, r
        elif row["redacted_by"] is None:
            row["choice"] = e.choice

    def _took_part(self, e: ev.TookPart, i: int, r: int | None) -> None:
        self._t["participations"][(e.proposal, e.by)] = {"cast_at": _ts(e.at), "record_index": i}
        self.projection.uncounted[e.proposal] = self.projection.uncounted.get(e.proposal, 0) + 1

    def _ballot(self, e: ev.BallotCounted, i: int, r: int | None) -> None:
        self._t["secret_ballots"][(e.proposal, e.receipt)] = {
            "choice": e.choice,
            "weight": e.weight,
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


# -- comparing with the live tables -----------------------------------------------------------


def _normal(value: Any) -> Any:
    """A value as the comparison sees it: times as UTC ISO text, JSON as the record has it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return plain(value)


def _live_rows(conn: Connection, name: str) -> Iterator[tuple[Key, Row]]:
    table, key = AUDITED_TABLES[name]
    columns = [c for c in table.c if f"{name}.{c.name}" not in OUTSIDE_THE_RECORD]
    for row in conn.execute(select(*columns)).mappings():
        yield tuple(row[k] for k in key), dict(row)


def audit(conn: Connection, projection: Projection) -> list[Difference]:
    """Every difference between the live tables on ``conn`` and ``projection``."""
    found: list[Difference] = []
    for name in AUDITED_TABLES:
        expected = projection.rows[name]
        seen: set[Key] = set()
        for key, row in _live_rows(conn, name):
            seen.add(key)
            want = expected.get(key)
            if want is None:
                if name == "secret_ballots" and key[0] in projection.uncounted:
                    continue  # uncounted: checked by number below
                found.append(Difference(name, key, "*", None, "a row the record never made"))
                continue
            for column, value in want.items():
                if value is _HIDDEN:
                    continue
                live = _normal(row.get(column))
                if live != _normal(value):
                    found.append(Difference(name, key, column, _normal(value), live))
        for key in expected.keys() - seen:
            found.append(Difference(name, key, "*", "a row the record made", None))
    found += _ballot_numbers(conn, projection)
    return found


def _ballot_numbers(conn: Connection, projection: Projection) -> list[Difference]:
    """Secret ballots not yet published: as many per proposal as participations recorded."""
    if not projection.uncounted:
        return []
    counts: dict[int, int] = dict(
        conn.execute(
            select(secret_ballots.c.proposal_id, func.count())
            .where(secret_ballots.c.proposal_id.in_(list(projection.uncounted)))
            .group_by(secret_ballots.c.proposal_id)
        ).tuples()
    )
    return [
        Difference("secret_ballots", (proposal,), "count", recorded, int(counts.get(proposal, 0)))
        for proposal, recorded in sorted(projection.uncounted.items())
        if int(counts.get(proposal, 0)) != recorded
    ]


# -- rebuilding a database --------------------------------------------------------------------


def _insert(conn: Connection, table: Table, rows: list[Row]) -> None:
    for first in range(0, len(rows), 5_000):
        conn.execute(insert(table), rows[first : first + 5_000])


def write_projection(conn: Connection, projection: Projection) -> dict[str, int]:
    """Insert the projected rows (in an order the foreign keys accept); rows per table."""
    written: dict[str, int] = {}
    for name, (table, key_columns) in AUDITED_TABLES.items():
        rows = []
        for key, row in sorted(projection.rows[name].items(), key=lambda kv: kv[0]):
            values = dict(zip(key_columns, key, strict=True))
            values.update({c: v for c, v in row.items() if v is not _HIDDEN})
            if name == "people":
                # The address is not on the record: a placeholder no mail reaches (RFC 2606).
                values["email"] = f"person-{key[0]}@rebuilt.invalid"
            rows.append(values)
        if name == "votes":
            hidden = [r for r in rows if "choice" not in r]
            for r in hidden:
                r["choice"] = {}  # how it went is not on the record until the count
        if name == "posts":
            rows.sort(key=lambda r: (r["parent_id"] is not None, r["id"]))
        _insert(conn, table, rows)
        written[name] = len(rows)
    return written


def copy_record(
    conn: Connection, entries: Iterable[StoredEntry], checkpoints: Iterable[tuple[int, str]]
) -> int:
    """Write the record itself into an empty database: entries (tombstones as they are), every
    perfect subtree of the Merkle tree, and the signed checkpoints. Returns the size."""
    level: list[bytes] = []
    batch_entries: list[Row] = []
    batch_nodes: list[Row] = []
    size = 0
    redactions: list[tuple[int, int]] = []

    def flush() -> None:
        _insert(conn, record_nodes, batch_nodes)
        _insert(conn, record_entries, batch_entries)
        batch_nodes.clear()
        batch_entries.clear()

    levels: list[list[bytes]] = [level]
    for stored in entries:
        if not stored.redacted and leaf_hash(stored.content) != stored.leaf_hash:
            raise ProjectionError(
                msg("record entry %(index)s does not match its leaf hash", index=stored.index)
            )
        batch_entries.append({"idx": stored.index, "content": stored.content})
        if stored.redacted:
            redactions.append((stored.index, Tombstone.decode(stored.content).redaction))
        # Every perfect subtree, as it completes (level 0: the leaf itself).
        digest, idx, height = stored.leaf_hash, stored.index, 0
        while True:
            batch_nodes.append({"level": height, "idx": idx, "hash": digest})
            if height >= len(levels):
                levels.append([])
            row = levels[height]
            row.append(digest)
            if idx % 2 == 0:
                break
            digest = node_hash(row[-2], row[-1])
            del row[-2:]
            idx, height = idx // 2, height + 1
        size += 1
        if len(batch_entries) >= 5_000:
            flush()
    flush()
    for target, redaction in redactions:
        conn.execute(
            record_entries.update()
            .where(record_entries.c.idx == target)
            .values(redacted_by=redaction)
        )
    for cp_size, note in checkpoints:
        _insert(
            conn,
            record_checkpoints,
            [
                {
                    "size": cp_size,
                    "root": _root_of_note(note),
                    "note": note,
                    "created_at": datetime.now(UTC),
                }
            ],
        )
    return size


def _root_of_note(note: str) -> bytes:
    lines = note.split("\n")
    return base64.b64decode(lines[2])


def empty(conn: Connection) -> bool:
    """Whether a database holds no record entry and no council yet."""
    entries = conn.execute(select(func.count()).select_from(record_entries)).scalar_one()
    held = conn.execute(select(func.count()).select_from(councils)).scalar_one()
    return int(entries) == 0 and int(held) == 0


def rebuild(
    target: Engine,
    entries: list[StoredEntry] | Callable[[], Iterable[StoredEntry]],
    checkpoints: Iterable[tuple[int, str]],
    lookup: Callable[[int], StoredEntry],
) -> dict[str, int]:
    """Build ``target`` (migrated, and empty) from a record alone: the record itself, then
    every table the record projects. One transaction: on any error nothing is written."""
    projection = project(entries() if callable(entries) else entries, lookup)
    with writing(target) as conn:
        if not empty(conn):
            raise ProjectionError(
                msg("the database to rebuild into is not empty"),
                hint=msg("give the address of a new, empty database"),
            )
        size = copy_record(conn, entries() if callable(entries) else entries, checkpoints)
        written = write_projection(conn, projection)
    written["record_entries"] = size
    return written


# -- whole records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditReport:
    """What an audit found: the record's size and every difference, at a time."""

    size: int
    differences: list[Difference]
    at: datetime
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether the tables are exactly what the record says."""
        return not self.differences

    def as_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """Plain JSON-ready data (at most ``limit`` differences listed)."""
        shown = self.differences if limit is None else self.differences[:limit]
        return {
            "ok": self.ok,
            "size": self.size,
            "at": self.at.isoformat(),
            "seconds": round(self.seconds, 3),
            "differences": len(self.differences),
            "listed": [d.as_dict() for d in shown],
        }


def project_repository(repository: RecordRepository) -> Projection:
    """The projection of the record stored in ``repository``'s database."""
    return project(repository.entries(), repository.entry)


def audit_database(engine: Engine, repository: RecordRepository) -> AuditReport:
    """Project the record and compare the live tables with it, in one snapshot of the
    database where the database offers one (a repeatable-read transaction on PostgreSQL, a
    read transaction on SQLite)."""
    started = time.perf_counter()
    projection = project_repository(repository)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        differences = audit(conn, projection)
    return AuditReport(
        projection.size, differences, datetime.now(UTC), time.perf_counter() - started
    )


def export_entries(directory: Path) -> list[StoredEntry]:
    """The entries of an export directory, as stored (content or tombstone)."""
    stored: list[StoredEntry] = []
    path = directory / "entries.jsonl"
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                item = json.loads(line)
                leaf = base64.b64decode(item["leaf_hash"], validate=True)
                if "tombstone" in item:
                    t = item["tombstone"]
                    content = Tombstone(t["redaction"], t["decision"], t["reason"]).encode()
                    stored.append(StoredEntry(int(item["index"]), leaf, content, redacted=True))
                else:
                    content = item["content"].encode("utf-8")
                    stored.append(StoredEntry(int(item["index"]), leaf, content))
            except (ValueError, KeyError, TypeError) as exc:
                raise ProjectionError(
                    msg(
                        "%(file)s, line %(line)s: not an exported entry (%(error)s)",
                        file=str(path),
                        line=number,
                        error=str(exc),
                    )
                ) from exc
    return stored


def export_checkpoints(directory: Path) -> list[tuple[int, str]]:
    """The checkpoint notes of an export directory, by size."""
    notes = []
    for path in sorted((directory / "checkpoints").glob("*.note")):
        note = path.read_text("utf-8")
        notes.append((int(note.split("\n")[1]), note))
    return notes
