"""Repositories for proposals, discussion posts, open votes and secret ballots.

Versions of a text are rows of their own: ``save`` inserts the versions added since the object
was loaded and writes the two changes a stored version may take (its record index, once, and
a redaction's tombstone); the database's triggers refuse anything else. A vote or a ballot is
one INSERT whose unique key settles a race between two requests of the same member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, bindparam, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from rada.councils.ballots import Participation, SecretBallot, Vote
from rada.councils.errors import AlreadyVoted
from rada.councils.orders import DecisionRule, ProposalKind
from rada.councils.proposals import Decision, Option, Post, Proposal, Stage, Version
from rada.councils.text import Message, msg
from rada.store.base import SqlRepository
from rada.store.councils_tables import (
    participations,
    post_versions,
    posts,
    proposal_versions,
    proposals,
    secret_ballots,
    votes,
)

__all__ = ["SqlBallots", "SqlPosts", "SqlProposals", "SqlVotes"]

_ALREADY_VOTED = msg("you have already voted on this proposal")
_VOTE_KEY = ("proposal_id", "voter_id", "version")


def _stored(conn: Any, table: Table, keys: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which (proposal, voter) pairs of ``keys`` have a row in ``table`` (one query, whose
    compiled form is cached whatever the number of keys)."""
    if not keys:
        return set()
    key = tuple_(table.c.proposal_id, table.c.voter_id)
    rows = conn.execute(
        select(table.c.proposal_id, table.c.voter_id).where(key.in_(sorted(set(keys))))
    )
    return {(int(r.proposal_id), int(r.voter_id)) for r in rows}


def _version(row: Row[Any]) -> Version:
    return Version(
        number=row.number,
        text=row.text,
        written_at=row.written_at,
        record_index=row.record_index,
        redacted_by=row.redacted_by,
    )


class _Versioned(SqlRepository):
    """Loading and saving the versions of a text, kept in ``table`` keyed by ``owner``."""

    table: Table
    owner: str

    def _versions(self, owner_ids: Sequence[int]) -> dict[int, list[Version]]:
        found: dict[int, list[Version]] = defaultdict(list)
        if not owner_ids:
            return found
        key = self.table.c[self.owner]
        rows = self.conn.execute(
            select(self.table).where(key.in_(owner_ids)).order_by(key, self.table.c.number)
        )
        for row in rows:
            found[getattr(row, self.owner)].append(_version(row))
        return found

    def _save_versions(self, owner_id: int, versions: Sequence[Version]) -> None:
        stored = {v.number: v for v in self._versions([owner_id]).get(owner_id, [])}
        key = self.table.c[self.owner]
        new: list[dict[str, Any]] = []
        for version in versions:
            old = stored.get(version.number)
            if old is None:
                new.append(
                    {
                        self.owner: owner_id,
                        "number": version.number,
                        "text": version.text,
                        "written_at": version.written_at,
                        "record_index": version.record_index,
                        "redacted_by": version.redacted_by,
                    }
                )
            elif old != version:
                # Only what the triggers allow: a record index set once, a tombstone.
                changes = {
                    name: getattr(version, name)
                    for name in ("text", "written_at", "record_index", "redacted_by")
                    if getattr(version, name) != getattr(old, name)
                }
                self.conn.execute(
                    update(self.table)
                    .where(key == owner_id, self.table.c.number == version.number)
                    .values(**changes)
                )
        if new:
            self.conn.execute(insert(self.table), new)


def _decision(data: Any, message: Any) -> Decision | None:
    """A stored decision, with its summary's message when one was kept."""
    if data is None:
        return None
    decision = Decision.from_dict(data)
    if message is not None:
        decision.message = Message.from_dict(message)
    return decision


def _proposal(row: Row[Any], versions: list[Version]) -> Proposal:
    return Proposal(
        council_id=row.council_id,
        kind=ProposalKind(row.kind),
        title=row.title,
        author_id=row.author_id,
        rule=DecisionRule.from_dict(row.rule),
        created_at=row.created_at,
        versions=versions,
        details=row.details,
        options=tuple(
            Option(key=o["key"], label=o["label"], person_id=o.get("person_id"), cost=o.get("cost"))
            for o in row.options
        ),
        seats=row.seats,
        stage=Stage(row.stage),
        discussion_at=row.discussion_at,
        voting_at=row.voting_at,
        closes_at=row.closes_at,
        decided_at=row.decided_at,
        decision=_decision(row.decision, row.decision_message),
        id=row.id,
        record_index=row.record_index,
    )


def _proposal_values(proposal: Proposal) -> dict[str, Any]:
    return {
        "council_id": proposal.council_id,
        "kind": proposal.kind.value,
        "title": proposal.title,
        "author_id": proposal.author_id,
        "rule": proposal.rule.to_dict(),
        "created_at": proposal.created_at,
        "details": proposal.details,
        "options": [
            {"key": o.key, "label": o.label, "person_id": o.person_id, "cost": o.cost}
            for o in proposal.options
        ],
        "seats": proposal.seats,
        "stage": proposal.stage.value,
        "discussion_at": proposal.discussion_at,
        "voting_at": proposal.voting_at,
        "closes_at": proposal.closes_at,
        "decided_at": proposal.decided_at,
        "decision": None if proposal.decision is None else proposal.decision.to_dict(),
        "decision_message": (
            None
            if proposal.decision is None or proposal.decision.message is None
            else proposal.decision.message.to_dict()
        ),
        "record_index": proposal.record_index,
    }


_WITH_VERSIONS = (
    select(
        proposals,
        *(
            proposal_versions.c[name].label(f"v_{name}")
            for name in ("number", "text", "written_at", "record_index", "redacted_by")
        ),
    )
    .select_from(
        proposals.outerjoin(proposal_versions, proposal_versions.c.proposal_id == proposals.c.id)
    )
    .where(proposals.c.id == bindparam("id"))
    .order_by(proposal_versions.c.number)
)


class SqlProposals(_Versioned):
    table = proposal_versions
    owner = "proposal_id"

    def add(self, proposal: Proposal) -> Proposal:
        proposal.id = self.insert_id(proposals, _proposal_values(proposal))
        self._save_versions(proposal.id, proposal.versions)
        return proposal

    def save(self, proposal: Proposal) -> None:
        """Store the proposal's new state and any versions added since it was loaded."""
        self.conn.execute(
            update(proposals)
            .where(proposals.c.id == proposal.id)
            .values(**_proposal_values(proposal))
        )
        self._save_versions(proposal.id, proposal.versions)

    def get(self, proposal_id: int, *, for_update: bool = False) -> Proposal | None:
        """A proposal; ``for_update`` locks its row until the transaction ends (PostgreSQL's
        SELECT ... FOR UPDATE; on SQLite the unit of work already holds the write lock)."""
        if for_update:
            query = select(proposals).where(proposals.c.id == proposal_id).with_for_update()
            row = self.conn.execute(query).first()
            if row is None:
                return None
            return _proposal(row, self._versions([proposal_id]).get(proposal_id, []))
        # One round trip: the proposal's row joined with its versions (one row per version).
        rows = self.conn.execute(_WITH_VERSIONS, {"id": proposal_id}).all()
        if not rows:
            return None
        versions = [
            Version(
                number=r.v_number,
                text=r.v_text,
                written_at=r.v_written_at,
                record_index=r.v_record_index,
                redacted_by=r.v_redacted_by,
            )
            for r in rows
            if r.v_number is not None
        ]
        return _proposal(rows[0], versions)

    def to_vote_on(self, proposal_ids: Sequence[int]) -> dict[int, Proposal]:
        """The proposals with these ids, by id, in one query, without the versions of their
        text (a vote does not read it; loading it cost a group of votes a tenth of its time).
        On PostgreSQL their rows are locked FOR KEY SHARE (in id order): votes on the same
        proposal go on side by side, but closing it (FOR UPDATE) waits until this
        transaction ends, and a vote that waited for a close sees the closed proposal. On
        SQLite the unit of work holds the write lock.
        """
        if not proposal_ids:
            return {}
        query = select(proposals).where(proposals.c.id.in_(sorted(set(proposal_ids))))
        query = query.order_by(proposals.c.id).with_for_update(read=True, key_share=True)
        return {r.id: _proposal(r, []) for r in self.conn.execute(query)}

    def for_council(self, council_id: int, *, stage: Stage | None = None) -> list[Proposal]:
        query = select(proposals).where(proposals.c.council_id == council_id)
        if stage is not None:
            query = query.where(proposals.c.stage == stage.value)
        rows = self.conn.execute(query.order_by(proposals.c.id)).all()
        versions = self._versions([r.id for r in rows])
        return [_proposal(r, versions.get(r.id, [])) for r in rows]


def _post(row: Row[Any], versions: list[Version]) -> Post:
    return Post(
        proposal_id=row.proposal_id,
        author_id=row.author_id,
        created_at=row.created_at,
        versions=versions,
        parent_id=row.parent_id,
        id=row.id,
    )


class SqlPosts(_Versioned):
    table = post_versions
    owner = "post_id"

    def add(self, post: Post) -> Post:
        post.id = self.insert_id(
            posts,
            {
                "proposal_id": post.proposal_id,
                "author_id": post.author_id,
                "created_at": post.created_at,
                "parent_id": post.parent_id,
            },
        )
        self._save_versions(post.id, post.versions)
        return post

    def save(self, post: Post) -> None:
        """Store versions added since the post was loaded (earlier versions never change,
        except a redaction's tombstone)."""
        self._save_versions(post.id, post.versions)

    def get(self, post_id: int) -> Post | None:
        row = self.conn.execute(select(posts).where(posts.c.id == post_id)).first()
        return None if row is None else _post(row, self._versions([post_id]).get(post_id, []))

    def for_proposal(self, proposal_id: int) -> list[Post]:
        rows = self.conn.execute(
            select(posts).where(posts.c.proposal_id == proposal_id).order_by(posts.c.id)
        ).all()
        versions = self._versions([r.id for r in rows])
        return [_post(r, versions.get(r.id, [])) for r in rows]

    def version_by_record_index(self, record_index: int) -> tuple[Post, int] | None:
        """The post one of whose versions is record entry ``record_index``, and that version's
        number."""
        row = self.conn.execute(
            select(post_versions.c.post_id, post_versions.c.number).where(
                post_versions.c.record_index == record_index
            )
        ).first()
        if row is None:
            return None
        post = self.get(row.post_id)
        assert post is not None
        return post, int(row.number)


class SqlVotes(SqlRepository):
    def add(self, vote: Vote) -> None:
        """Store an open vote. Raises AlreadyVoted when the voter has voted on it already;
        the database's unique key decides, even under concurrency (see :meth:`add_many`)."""
        self.add_many([vote])

    def add_many(self, votes_: Sequence[Vote]) -> None:
        """Store open votes (each a version of its voter's vote) in one statement. Raises
        AlreadyVoted, storing none (the caller rolls the transaction back), when any of those
        versions is stored already: another vote or change of that voter came first."""
        if not votes_:
            return
        rows = [
            {
                "proposal_id": v.proposal_id,
                "voter_id": v.voter_id,
                "version": v.version,
                "choice": dict(v.choice),
                "weight": v.weight,
                "cast_at": v.cast_at,
                "record_index": v.record_index,
                "salt": v.salt,
            }
            for v in votes_
        ]
        # ON CONFLICT DO NOTHING: a second vote inserts no row (and needs no SAVEPOINT); the
        # rows returned say whether every vote was stored.
        make = postgresql_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        # The rows go as the statement's parameters (executemany, sent as one multi-row
        # INSERT by SQLAlchemy), so that the statement is compiled once, not once per group.
        insert_new = make(votes).on_conflict_do_nothing(index_elements=_VOTE_KEY)
        stored = self.conn.execute(insert_new.returning(votes.c.voter_id), rows).all()
        if len(stored) < len(rows):
            raise AlreadyVoted(_ALREADY_VOTED)

    def voted(self, keys: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
        """Which of these (proposal, voter) pairs have an open vote stored."""
        return _stored(self.conn, votes, keys)

    def latest(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Vote]:
        """The latest version of the vote of each of these (proposal, voter) pairs that has
        voted (one query, compiled once whatever the number of keys)."""
        if not keys:
            return {}
        key = tuple_(votes.c.proposal_id, votes.c.voter_id)
        rows = self.conn.execute(
            select(votes).where(key.in_(sorted(set(keys)))).order_by(votes.c.version)
        )
        return {(int(r.proposal_id), int(r.voter_id)): _vote(r) for r in rows}

    def set_record_index(
        self, proposal_id: int, voter_id: int, record_index: int, *, version: int = 1
    ) -> None:
        self.conn.execute(
            update(votes)
            .where(
                votes.c.proposal_id == proposal_id,
                votes.c.voter_id == voter_id,
                votes.c.version == version,
            )
            .values(record_index=record_index)
        )

    def redact(
        self, proposal_id: int, voter_id: int, *, by_proposal: int, version: int = 1
    ) -> None:
        """Empty one version's choice; the keep-rules allow exactly this, once."""
        self.conn.execute(
            update(votes)
            .where(
                votes.c.proposal_id == proposal_id,
                votes.c.voter_id == voter_id,
                votes.c.version == version,
                votes.c.redacted_by.is_(None),
            )
            .values(choice={}, redacted_by=by_proposal)
        )

    def for_proposal(self, proposal_id: int) -> list[Vote]:
        """Each voter's latest version, in the order they were cast (then by voter)."""
        latest: dict[int, Vote] = {}
        for vote in self.history(proposal_id):
            latest[vote.voter_id] = vote
        return sorted(latest.values(), key=lambda v: (v.cast_at, v.voter_id))

    def history(self, proposal_id: int) -> list[Vote]:
        """Every version of every vote, by voter and version."""
        rows = self.conn.execute(
            select(votes)
            .where(votes.c.proposal_id == proposal_id)
            .order_by(votes.c.voter_id, votes.c.version)
        )
        return [_vote(r) for r in rows]


def _vote(r: Row[Any]) -> Vote:
    return Vote(
        proposal_id=r.proposal_id,
        voter_id=r.voter_id,
        choice=r.choice,
        weight=r.weight,
        cast_at=r.cast_at,
        record_index=r.record_index,
        redacted_by=r.redacted_by,
        salt=r.salt,
        version=r.version,
    )


class SqlBallots(SqlRepository):
    def add(self, ballot: SecretBallot, participation: Participation) -> None:
        """Store a secret ballot and, apart, that the voter took part. Raises AlreadyVoted."""
        self.add_many([(ballot, participation)])

    def add_many(self, ballots: Sequence[tuple[SecretBallot, Participation]]) -> None:
        """Store secret ballots and participations, two statements for all of them. Raises
        AlreadyVoted when any voter has taken part already (the caller rolls back)."""
        if not ballots:
            return
        try:
            with self.refusal():
                # executemany: each statement compiled once, whatever the number of rows.
                self.conn.execute(
                    insert(participations),
                    [
                        {
                            "proposal_id": x.proposal_id,
                            "voter_id": x.voter_id,
                            "cast_at": x.cast_at,
                            "record_index": x.record_index,
                        }
                        for _, x in ballots
                    ],
                )
                self.conn.execute(
                    insert(secret_ballots),
                    [
                        {
                            "proposal_id": b.proposal_id,
                            "receipt_hash": b.receipt_hash,
                            "choice": dict(b.choice),
                            "weight": b.weight,
                        }
                        for b, _ in ballots
                    ],
                )
        except IntegrityError as error:
            keys = [(x.proposal_id, x.voter_id) for _, x in ballots]
            if not self.took_part(keys):
                raise
            raise AlreadyVoted(_ALREADY_VOTED) from error

    def took_part(self, keys: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
        """Which of these (proposal, voter) pairs have taken part in a secret vote."""
        return _stored(self.conn, participations, keys)

    def replace_many(self, replacements: Sequence[tuple[str, SecretBallot]]) -> None:
        """Mark each ballot named (proposal, old receipt hash) replaced and store its new
        ballot. Raises AlreadyVoted, the caller rolling back, when an old ballot is no longer
        current (its holder replaced it meanwhile, in another transaction)."""
        for old_hash, new in replacements:
            done = self.conn.execute(
                update(secret_ballots)
                .where(
                    secret_ballots.c.proposal_id == new.proposal_id,
                    secret_ballots.c.receipt_hash == old_hash,
                    secret_ballots.c.replaced.is_not(True),
                )
                .values(replaced=True)
            )
            if done.rowcount != 1:
                raise AlreadyVoted(msg("this ballot has been replaced already"))
        if replacements:
            self.conn.execute(
                insert(secret_ballots),
                [
                    {
                        "proposal_id": b.proposal_id,
                        "receipt_hash": b.receipt_hash,
                        "choice": dict(b.choice),
                        "weight": b.weight,
                    }
                    for _, b in replacements
                ],
            )

    def current(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which of these (proposal, receipt hash) pairs name a ballot not replaced."""
        if not keys:
            return set()
        key = tuple_(secret_ballots.c.proposal_id, secret_ballots.c.receipt_hash)
        rows = self.conn.execute(
            select(secret_ballots.c.proposal_id, secret_ballots.c.receipt_hash).where(
                key.in_(sorted(set(keys))), secret_ballots.c.replaced.is_not(True)
            )
        )
        return {(int(r.proposal_id), str(r.receipt_hash)) for r in rows}

    def for_proposal(self, proposal_id: int) -> list[SecretBallot]:
        """The current ballots (not replaced) in receipt-hash order (an order that says
        nothing of who cast them)."""
        rows = self.conn.execute(
            select(secret_ballots)
            .where(
                secret_ballots.c.proposal_id == proposal_id,
                secret_ballots.c.replaced.is_not(True),
            )
            .order_by(secret_ballots.c.receipt_hash)
        )
        return [
            SecretBallot(
                proposal_id=r.proposal_id,
                receipt_hash=r.receipt_hash,
                choice=r.choice,
                weight=r.weight,
            )
            for r in rows
        ]

    def participants(self, proposal_id: int) -> list[Participation]:
        rows = self.conn.execute(
            select(participations)
            .where(participations.c.proposal_id == proposal_id)
            .order_by(participations.c.voter_id)
        )
        return [
            Participation(
                proposal_id=r.proposal_id,
                voter_id=r.voter_id,
                cast_at=r.cast_at,
                record_index=r.record_index,
            )
            for r in rows
        ]
