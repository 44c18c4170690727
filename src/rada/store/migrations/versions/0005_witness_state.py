"""Witnessing: the witness's latest cosigned checkpoint per log, and the log's cosignatures.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10

``witness_logs`` is what this instance remembers as a witness of other logs (the latest
checkpoint it cosigned for each origin); ``record_cosignatures`` holds the cosignatures that
witnesses returned for this instance's own checkpoints. Neither is part of the public record's
tree: losing ``record_cosignatures`` loses no entry, and a witness whose ``witness_logs`` is
lost must be retired rather than restarted (it would cosign a fork it had refused).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create both tables."""
    op.create_table(
        "witness_logs",
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin"),
    )
    op.create_table(
        "record_cosignatures",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("witness", sa.Text(), nullable=False),
        sa.Column("key_id", sa.LargeBinary(length=4), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", "witness", "key_id"),
    )


def downgrade() -> None:
    """Drop both tables: the witness forgets what it cosigned, the log its cosignatures."""
    op.drop_table("record_cosignatures")
    op.drop_table("witness_logs")
