"""Decision messages: a decision's summary as a translatable message, beside its English.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

``proposals.decision`` keeps the decision as the public record has it, its summary in English;
the new ``decision_message`` holds the same summary as a message (the English template and its
parameters, JSON), so that a page in another language can say it in that language. Decisions
counted before this migration have none: their pages show the English summary.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rada.store.councils_tables import JsonText, install_keep_rules

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the column, then install the keep-rules again (they are written from the columns)."""
    op.add_column("proposals", sa.Column("decision_message", JsonText(), nullable=True))
    install_keep_rules(op.get_bind())


def downgrade() -> None:
    """Drop the column (the English summaries stay, in ``decision`` and in the record)."""
    op.drop_column("proposals", "decision_message")
