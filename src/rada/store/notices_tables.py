"""Tables of what people hear: settings, notices, the mail outbox and single-use account tokens.

None of these is part of the public record: who was told what, and where their mail goes, is
nobody else's business. Notices are derived from the record (each names its entry), so losing
them loses no decision. The outbox is written in the transaction of the change that causes a
mail, and a worker sends from it (:mod:`rada.mail`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from rada.store.councils_tables import JsonText, UtcDateTime, metadata

__all__ = [
    "account_settings",
    "account_tokens",
    "mail_choices",
    "mail_outbox",
    "notices",
]

#: A person's language, time zone and the state of their address (one row once they have one).
account_settings = Table(
    "account_settings",
    metadata,
    Column("person_id", Integer, ForeignKey("people.id"), primary_key=True, autoincrement=False),
    Column("unsubscribe_key", String(64), nullable=False, unique=True),
    Column("language", String(8), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("verified_at", UtcDateTime, nullable=True),
    Column("refused_at", UtcDateTime, nullable=True),
    Column("last_seen_at", UtcDateTime, nullable=True),
)

#: How a person hears of each kind of notice by mail; a kind with no row takes its default.
mail_choices = Table(
    "mail_choices",
    metadata,
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("mail", String(16), nullable=False),
    PrimaryKeyConstraint("person_id", "kind", name="pk_mail_choices"),
    CheckConstraint("mail IN ('now', 'digest', 'never')", name="ck_mail_choices_mail"),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("key", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("council_id", Integer, nullable=True),
    Column("proposal_id", Integer, nullable=True),
    Column("post_id", Integer, nullable=True),
    Column("record_index", BigInteger, nullable=True),
    Column("params", JsonText, nullable=False),
    Column("read_at", UtcDateTime, nullable=True),
    # When a notice waiting for the daily digest went out in one (None: waiting or not wanted).
    Column("digest", String(16), nullable=True),
    Column("digested_at", UtcDateTime, nullable=True),
    UniqueConstraint("person_id", "kind", "key", name="uq_notices_once"),
    Index("ix_notices_person_id_id", "person_id", "id"),
    Index("ix_notices_digest", "digest", "person_id"),
)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", Integer, nullable=True),
    Column("address", String(254), nullable=False),
    # What the mail is (a notice, a digest, an invitation, a confirmation, a reset...).
    Column("purpose", String(32), nullable=False),
    Column("notice_id", Integer, nullable=True),
    # What the words need; a secret link in it is emptied once the mail is sent.
    Column("payload", JsonText, nullable=False),
    Column("language", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # A worker that took the mail holds it until then; after that another may take it.
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("given_up_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Index("ix_mail_outbox_waiting", "sent_at", "given_up_at", "due_at"),
)

#: Single-use tokens sent by mail (confirm an address, reset a password), by their SHA-256.
account_tokens = Table(
    "account_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("email", String(254), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Index("ix_account_tokens_person_id", "person_id"),
)
