"""Tables of the councils' domain, on the same MetaData as the record's.

The domain classes know nothing of these tables; the repositories in
:mod:`rada.store.repositories` map rows onto them by hand. Times are stored in UTC and come
back timezone-aware on every database; structured values (standing orders, decision rules,
details, choices, decisions) are JSON text, written with sorted keys.

Speech and votes are kept: triggers refuse to DELETE a post, a version of a post or of a
proposal, a proposal, a vote, a secret ballot or a participation, on PostgreSQL and SQLite
alike. The one change allowed to a version's text is a redaction's tombstone: text emptied
while ``redacted_by`` is set, once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeDecorator

from rada.store.record_tables import record_metadata

__all__ = [
    "JsonText",
    "UtcDateTime",
    "affiliations",
    "api_tokens",
    "councils",
    "credentials",
    "install_keep_rules",
    "invitations",
    "memberships",
    "metadata",
    "offices",
    "participations",
    "people",
    "planning_cycles",
    "post_versions",
    "posts",
    "proposal_versions",
    "proposals",
    "record_audits",
    "secret_ballots",
    "signin_failures",
    "votes",
    "web_sessions",
]

#: Every table of Rada: the record's and the councils'. One Alembic history creates them all.
metadata: MetaData = record_metadata


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware time, stored in UTC; comes back aware (UTC) on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing a time without a time zone: {value.isoformat()}")
        utc = value.astimezone(UTC)
        # SQLite keeps the text; without the offset it sorts and compares as time does.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JsonText(TypeDecorator[Any]):
    """A JSON value kept as text (sorted keys, no spaces): the same on every database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _ref(name: str, target: str, *, nullable: bool = False) -> Column[int]:
    return Column(name, Integer, ForeignKey(target), nullable=nullable)


def _record_index() -> Column[int]:
    return Column("record_index", BigInteger, nullable=True)


people = Table(
    "people",
    metadata,
    _id(),
    Column("name", String(120), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("joined_at", UtcDateTime, nullable=False),
)

# Secrets live apart from the people they belong to, so a query about people never reads them.
credentials = Table(
    "credentials",
    metadata,
    Column("person_id", Integer, ForeignKey("people.id"), primary_key=True, autoincrement=False),
    Column("password_hash", Text, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(128), primary_key=True),
    _ref("person_id", "people.id"),
    Column("name", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # A revoked token is kept, so that its owner sees when it was revoked; it signs no one in.
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_api_tokens_person_id", "person_id"),
)

councils = Table(
    "councils",
    metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("slug", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("orders", JsonText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    _record_index(),
)

affiliations = Table(
    "affiliations",
    metadata,
    _ref("federation_id", "councils.id"),
    _ref("member_id", "councils.id"),
    Column("delegates", Integer, nullable=False),
    Column("weight", Integer, nullable=False),
    PrimaryKeyConstraint("federation_id", "member_id"),
    CheckConstraint("federation_id <> member_id", name="ck_affiliations_not_itself"),
    Index("ix_affiliations_member_id", "member_id"),
)

memberships = Table(
    "memberships",
    metadata,
    _id(),
    _ref("council_id", "councils.id"),
    _ref("person_id", "people.id"),
    # The roles, sorted and joined by commas: "convenor,member".
    Column("roles", String(64), nullable=False),
    Column("since", UtcDateTime, nullable=False),
    Column("weight", Integer, nullable=False),
    _ref("delegate_of", "councils.id", nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("end_reason", Text, nullable=False, server_default=""),
    Index("ix_memberships_person_id", "person_id"),
    Index("ix_memberships_council_id", "council_id"),
    # At most one active membership per person and council, whatever the race.
    Index(
        "uq_memberships_active",
        "council_id",
        "person_id",
        unique=True,
        sqlite_where=text("ended_at IS NULL"),
        postgresql_where=text("ended_at IS NULL"),
    ),
)

invitations = Table(
    "invitations",
    metadata,
    _id(),
    _ref("council_id", "councils.id"),
    Column("email", String(254), nullable=False),
    Column("code_hash", String(128), nullable=False, unique=True),
    _ref("invited_by", "people.id"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("accepted_at", UtcDateTime, nullable=True),
)

proposals = Table(
    "proposals",
    metadata,
    _id(),
    _ref("council_id", "councils.id"),
    Column("kind", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    _ref("author_id", "people.id"),
    Column("rule", JsonText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("details", JsonText, nullable=False),
    Column("options", JsonText, nullable=False),
    Column("seats", Integer, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("discussion_at", UtcDateTime, nullable=True),
    Column("voting_at", UtcDateTime, nullable=True),
    Column("closes_at", UtcDateTime, nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decision", JsonText, nullable=True),
    # The decision's summary as a translatable message (template and parameters), for pages
    # in other languages; ``decision`` keeps the English summary, as the record does.
    Column("decision_message", JsonText, nullable=True),
    _record_index(),
    Index("ix_proposals_council_id_stage", "council_id", "stage"),
)

offices = Table(
    "offices",
    metadata,
    _id(),
    _ref("council_id", "councils.id"),
    _ref("person_id", "people.id"),
    Column("post", String(64), nullable=False),
    Column("since", UtcDateTime, nullable=False),
    _ref("appointed_by", "proposals.id"),
    Column("ended_at", UtcDateTime, nullable=True),
    _ref("ended_by", "proposals.id", nullable=True),
    Index("ix_offices_council_id", "council_id"),
)


def _versions(name: str, owner: str) -> Table:
    return Table(
        name,
        metadata,
        _ref(f"{owner}_id", f"{owner}s.id"),
        Column("number", Integer, nullable=False),
        Column("text", Text, nullable=False),
        Column("written_at", UtcDateTime, nullable=False),
        _record_index(),
        # The proposal whose adopted decision redacted this version.
        _ref("redacted_by", "proposals.id", nullable=True),
        PrimaryKeyConstraint(f"{owner}_id", "number"),
        UniqueConstraint("record_index", name=f"uq_{name}_record_index"),
        CheckConstraint("number >= 1", name=f"ck_{name}_number"),
        CheckConstraint(
            "redacted_by IS NULL OR text = ''", name=f"ck_{name}_redacted_text_is_empty"
        ),
    )


proposal_versions = _versions("proposal_versions", "proposal")

posts = Table(
    "posts",
    metadata,
    _id(),
    _ref("proposal_id", "proposals.id"),
    _ref("author_id", "people.id"),
    Column("created_at", UtcDateTime, nullable=False),
    _ref("parent_id", "posts.id", nullable=True),
    Index("ix_posts_proposal_id", "proposal_id"),
)

post_versions = _versions("post_versions", "post")

votes = Table(
    "votes",
    metadata,
    _ref("proposal_id", "proposals.id"),
    _ref("voter_id", "people.id"),
    Column("choice", JsonText, nullable=False),
    Column("weight", Integer, nullable=False),
    Column("cast_at", UtcDateTime, nullable=False),
    _record_index(),
    # The proposal whose adopted redaction emptied the choice (to {}), if any.
    _ref("redacted_by", "proposals.id", nullable=True),
    # Under a hidden tally: the secret the record's commitment to the choice is made with.
    Column("salt", String(32), nullable=True),
    # 1 for the vote first cast; a change while voting is open adds the next version as a
    # row of its own (migration 0009), so no row is ever rewritten. The latest counts.
    Column("version", Integer, nullable=False, server_default="1"),
    # One row per member, proposal and version: the constraint, not a prior SELECT, settles
    # a race between two votes (or two changes) of one member.
    PrimaryKeyConstraint("proposal_id", "voter_id", "version", name="pk_votes_one_per_version"),
    CheckConstraint("version >= 1", name="ck_votes_version"),
)

secret_ballots = Table(
    "secret_ballots",
    metadata,
    _ref("proposal_id", "proposals.id"),
    Column("receipt_hash", String(64), nullable=False),
    Column("choice", JsonText, nullable=False),
    Column("weight", Integer, nullable=False),
    # Set (once) when the ballot's holder replaced it through its receipt while voting was
    # open (migration 0009): a replaced ballot is neither counted nor published. NULL (or
    # false) is a current ballot; no time, which could link it to its replacement.
    Column("replaced", Boolean, nullable=True),
    PrimaryKeyConstraint("proposal_id", "receipt_hash"),
    # No voter and no time; on SQLite no rowid either, so that the rows' physical order is
    # the receipt hashes' and says nothing of the order the ballots were cast in.
    sqlite_with_rowid=False,
)

participations = Table(
    "participations",
    metadata,
    _ref("proposal_id", "proposals.id"),
    _ref("voter_id", "people.id"),
    Column("cast_at", UtcDateTime, nullable=False),
    _record_index(),
    PrimaryKeyConstraint("proposal_id", "voter_id", name="uq_participations_one_per_voter"),
)

#: Browser sessions, by the SHA-256 of their id (rada.store.web_sessions): a signed-out or
#: revoked session is refused by every process, across restarts. Not part of the record.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    # No foreign key: like a credential, a session names its person without being part of
    # the councils' data (and a test instance may keep its people elsewhere).
    Column("person_id", Integer, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index("ix_web_sessions_person_id", "person_id"),
)

#: Failed sign-ins, counted against a client address or an e-mail address, for limits that
#: hold across processes.
signin_failures = Table(
    "signin_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(320), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_signin_failures_key_at", "key", "at"),
)

#: When the server last compared its tables with the record, and what it found (not part of
#: the record: see rada.store.audit_log).
record_audits = Table(
    "record_audits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("differences", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    # The first differences found, as JSON (table, id, column, recorded, found).
    Column("listed", Text, nullable=False),
)

# -- the rules that keep what was said -----------------------------------------------------

_MESSAGE = "nothing said or decided in a council is deleted or rewritten"

# Tables that are never deleted from, and the columns an UPDATE may touch in each: "once"
# columns may be set from NULL and never again; "free" ones change as the domain says. A
# version's text may only become a redaction's tombstone (see _redaction_allowed).

#: Planning cycles: each kept whole as the JSON its domain class writes (the rounds, answers
#: and counters change together, and every step is also in the public record).
planning_cycles = Table(
    "planning_cycles",
    metadata,
    Column("id", Integer, primary_key=True),
    _ref("congress_id", "councils.id"),
    Column("state", JsonText, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

_KEPT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "proposals": ((), tuple(c.name for c in proposals.c if c.name != "id")),
    "posts": ((), ()),
    "proposal_versions": (("record_index",), ("text", "redacted_by")),
    "post_versions": (("record_index",), ("text", "redacted_by")),
    "votes": (("record_index",), ("choice", "redacted_by")),
    "secret_ballots": (("replaced",), ()),
    "participations": (("record_index",), ()),
}

# A version's text, or a vote's choice, changes only to its tombstone: emptied, once, with
# the redaction that ordered it.
_REDACTION_ONLY = (
    "(NEW.{content} {ne} OLD.{content} OR NEW.redacted_by {ne} OLD.redacted_by) AND NOT "
    "(OLD.redacted_by IS NULL AND NEW.redacted_by IS NOT NULL AND NEW.{content} = '{empty}')"
)
_REDACTED_CONTENT = {"votes": ("choice", "{}")}


def _update_refused_when(table: Table, ne: str, columns: set[str]) -> str:
    """The condition under which an UPDATE of ``table`` breaks the rules (``ne`` is the
    dialect's null-safe "differs": ``IS NOT`` on SQLite, ``IS DISTINCT FROM`` elsewhere),
    for the ``columns`` the table has in the database (a migration may run before a column
    of the current metadata exists)."""
    once, free = _KEPT[table.name]
    if "redacted_by" not in columns:
        free = ()  # before its tombstone column, a table's content never changes
    present = [c.name for c in table.c if c.name in columns]
    clauses = [f"NEW.{c} {ne} OLD.{c}" for c in present if c not in once and c not in free]
    clauses += [
        f"(OLD.{name} IS NOT NULL AND NEW.{name} {ne} OLD.{name})"
        for name in once
        if name in columns
    ]
    if "redacted_by" in free:
        content, empty = _REDACTED_CONTENT.get(table.name, ("text", ""))
        clauses.append(f"({_REDACTION_ONLY.format(ne=ne, content=content, empty=empty)})")
    return " OR ".join(clauses) or "TRUE"


def _columns(connection: Connection) -> dict[str, set[str]]:
    found = inspect(connection)
    return {name: {c["name"] for c in found.get_columns(name)} for name in _KEPT}


def _postgres_rules(columns: dict[str, set[str]]) -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION rada_keep_refuse() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{_MESSAGE}: %% on %% refused', TG_OP, TG_TABLE_NAME;
        END $$"""
    ]
    for name in _KEPT:
        table = metadata.tables[name]
        statements += [
            f"""CREATE OR REPLACE TRIGGER {name}_keep_no_delete BEFORE DELETE ON {name}
            FOR EACH ROW EXECUTE FUNCTION rada_keep_refuse()""",
            f"""CREATE OR REPLACE TRIGGER {name}_keep_no_truncate BEFORE TRUNCATE ON {name}
            FOR EACH STATEMENT EXECUTE FUNCTION rada_keep_refuse()""",
        ]
        if name != "proposals":
            when = _update_refused_when(table, "IS DISTINCT FROM", columns[name])
            statements.append(
                f"""CREATE OR REPLACE TRIGGER {name}_keep_update BEFORE UPDATE ON {name}
                FOR EACH ROW WHEN ({when})
                EXECUTE FUNCTION rada_keep_refuse()"""
            )
    return statements


def _sqlite_rules(columns: dict[str, set[str]]) -> list[str]:
    statements = []
    for name in _KEPT:
        table = metadata.tables[name]
        statements.append(
            f"""CREATE TRIGGER IF NOT EXISTS {name}_keep_no_delete BEFORE DELETE ON {name}
            BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: DELETE on {name} refused'); END"""
        )
        if name != "proposals":
            when = _update_refused_when(table, "IS NOT", columns[name]).replace("TRUE", "1")
            statements.append(
                f"""CREATE TRIGGER IF NOT EXISTS {name}_keep_update BEFORE UPDATE ON {name}
                WHEN {when}
                BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: UPDATE on {name} refused'); END"""
            )
    return statements


def install_keep_rules(connection: Connection) -> None:
    """Create the triggers that keep speech, votes and proposals (PostgreSQL and SQLite).

    They are written from the tables' columns as the database has them now: a migration
    that adds a column to one of these tables installs them again.
    """
    dialect = connection.dialect.name
    columns = _columns(connection)
    if dialect == "postgresql":
        statements = _postgres_rules(columns)
    elif dialect == "sqlite":
        # CREATE TRIGGER IF NOT EXISTS would keep an outdated trigger: replace them.
        for name in _KEPT:
            for suffix in ("no_delete", "update"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}_keep_{suffix}")
        statements = _sqlite_rules(columns)
    else:
        statements = []
    for statement in statements:
        connection.exec_driver_sql(statement)
