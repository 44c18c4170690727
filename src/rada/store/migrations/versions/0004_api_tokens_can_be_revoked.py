"""API tokens can be revoked: ``api_tokens.revoked_at``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

A revoked token keeps its row, with the time it was revoked, so that its owner sees it in the
list of their tokens; it signs no one in. Tokens are credentials, not anything said in a
council: the keep-rules (``install_keep_rules``) do not cover ``api_tokens`` and need not be
installed again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rada.store.councils_tables import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the column; every token made before stays valid."""
    op.add_column("api_tokens", sa.Column("revoked_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    """Delete the revoked tokens (without the column they would be valid again), then drop
    the column."""
    op.execute("DELETE FROM api_tokens WHERE revoked_at IS NOT NULL")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
