"""A hidden vote is committed to on the record: ``votes.salt``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Under standing orders that hide the running count, the record says at once that a member
voted and, from this revision on, holds a commitment to the choice (SHA-256 of a salt and the
choice); the salt is kept in ``votes.salt`` and published with the choice at the count. The
audit checks the stored choice against the commitment before the count, and the revealed
choice against it after. Votes cast before this revision have no salt and no commitment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rada.store.councils_tables import install_keep_rules

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the column, then install the keep-rules again (the salt never changes)."""
    op.add_column("votes", sa.Column("salt", sa.String(32), nullable=True))
    install_keep_rules(op.get_bind())


def downgrade() -> None:
    """Drop the column (the commitments on the record can then no longer be opened)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS votes_keep_update ON votes")
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("salt")
    install_keep_rules(bind)
