"""What people hear: account settings, mail choices, notices, the mail outbox, account tokens.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

None of these tables is part of the record. Everyone who has an account already gets a row
of settings with a fresh unsubscribe key; their addresses are taken as confirmed (they were
given before Rada confirmed addresses, and taking them as unconfirmed would silence every
existing member), which a deployment may undo with ``UPDATE account_settings SET
verified_at = NULL``.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from rada.store.councils_tables import JsonText, UtcDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the tables; give everyone settings, their address taken as confirmed."""
    op.create_table(
        "account_settings",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), primary_key=True,
                  autoincrement=False),
        sa.Column("unsubscribe_key", sa.String(64), nullable=False, unique=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("verified_at", UtcDateTime(), nullable=True),
        sa.Column("refused_at", UtcDateTime(), nullable=True),
        sa.Column("last_seen_at", UtcDateTime(), nullable=True),
    )  # fmt: skip
    op.create_table(
        "mail_choices",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("mail", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "kind", name="pk_mail_choices"),
        sa.CheckConstraint("mail IN ('now', 'digest', 'never')", name="ck_mail_choices_mail"),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("record_index", sa.BigInteger(), nullable=True),
        sa.Column("params", JsonText(), nullable=False),
        sa.Column("read_at", UtcDateTime(), nullable=True),
        sa.Column("digest", sa.String(16), nullable=True),
        sa.Column("digested_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("person_id", "kind", "key", name="uq_notices_once"),
    )
    op.create_index("ix_notices_person_id_id", "notices", ["person_id", "id"])
    op.create_index("ix_notices_digest", "notices", ["digest", "person_id"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("payload", JsonText(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("given_up_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_mail_outbox_waiting", "mail_outbox", ["sent_at", "given_up_at", "due_at"])
    op.create_table(
        "account_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_account_tokens_person_id", "account_tokens", ["person_id"])
    bind = op.get_bind()
    # The time is copied as the database holds it (not read through the type), untouched.
    rows = bind.execute(sa.text("SELECT id, joined_at FROM people")).all()
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO account_settings (person_id, unsubscribe_key, verified_at) "
                "VALUES (:person, :key, :at)"
            ),
            [{"person": i, "key": secrets.token_urlsafe(24), "at": at} for i, at in rows],
        )


def downgrade() -> None:
    """Drop the tables: settings, choices, notices, unsent mail and tokens are lost."""
    for name in ("account_tokens", "mail_outbox", "notices", "mail_choices", "account_settings"):
        op.drop_table(name)
