"""Redaction reaches votes (``votes.redacted_by``); the audits' log (``record_audits``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

From this revision on, every change is recorded as a typed event that carries everything the
tables hold about it (``rada.councils.events``), and the tables are a projection of the record
(``rada record rebuild``, ``rada record audit``). An adopted redaction of a vote empties its
choice to ``{}`` and names the redaction proposal in ``redacted_by``, as a version's text is
emptied; the keep-rules are installed again so that exactly this change, once, is allowed.

``record_audits`` keeps when the server last compared its tables with the record, and what it
found, for the record page.

A record begun before this revision holds entries in the earlier, untyped shape, which the
projection does not read: ``rada record audit`` says so, naming the first such entry.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rada.store.councils_tables import UtcDateTime, install_keep_rules

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the column, then install the keep-rules again (they are written from the columns)."""
    # Batch mode: SQLite adds a column with a foreign key only by copying the table (which
    # drops its triggers; they are installed again below). PostgreSQL alters it in place.
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("redacted_by", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_votes_redacted_by", "proposals", ["redacted_by"], ["id"])
    install_keep_rules(op.get_bind())
    op.create_table(
        "record_audits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("differences", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("listed", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    """Drop the audits' log and the column; redacted votes keep their empty choice."""
    op.drop_table("record_audits")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The keep-rule reads the column: drop it first, write it again without it below.
        op.execute("DROP TRIGGER IF EXISTS votes_keep_update ON votes")
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("redacted_by")
    install_keep_rules(bind)
