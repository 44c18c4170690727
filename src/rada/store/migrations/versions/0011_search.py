"""Search: an index of what is public (proposals, posts, decisions, councils).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

One table, ``search_documents``, on both databases; on SQLite an FTS5 table of the folded
words of its title and body (no case, no diacritics), on PostgreSQL a ``tsv`` column of them
and a GIN index on it.
The index is filled from the tables as they are (docs/search.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rada.store.search_repository import reindex

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

_SQLITE = [
    # Its own copy of the folded words; Rada writes it beside search_documents.
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
    "tokenize='unicode61 remove_diacritics 2')",
]

_POSTGRES = [
    "ALTER TABLE search_documents ADD COLUMN tsv tsvector NOT NULL",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
]


def upgrade() -> None:
    """Create the index and fill it from the tables."""
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.UniqueConstraint("kind", "ref", name="uq_search_documents_kind_ref"),
    )
    bind = op.get_bind()
    for statement in _POSTGRES if bind.dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)
    reindex(bind)


def downgrade() -> None:
    """Drop the index (it is made again from the tables on the next upgrade)."""
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_documents")
