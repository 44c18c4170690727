"""Browser sessions and failed sign-ins in the database: ``web_sessions``, ``signin_failures``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

A signed-out session was refused only by the process that signed it out, and only until that
process restarted; sign-in limits were counted per process. Both now live in the database, so
every worker and every restart sees the same. Sessions are kept by the hash of their id. Like
passwords and API tokens they are not part of the public record.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rada.store.councils_tables import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create both tables (sessions signed before this revision sign in again)."""
    op.create_table(
        "web_sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_web_sessions_person_id", "web_sessions", ["person_id"])
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_signin_failures_key_at", "signin_failures", ["key", "at"])


def downgrade() -> None:
    """Drop both (every session then signs in again; limits restart from zero)."""
    op.drop_table("signin_failures")
    op.drop_table("web_sessions")
