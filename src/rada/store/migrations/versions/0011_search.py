"""Search: an index of what is public (proposals, posts, decisions, councils).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

One table, ``search_documents``, on both databases; on SQLite an FTS5 table over its title
and body (``unicode61 remove_diacritics 2``: no case, no diacritics) kept in step by
triggers, on PostgreSQL a ``tsv`` column of the diacritic-folded words and a GIN index on it.
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
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_documents_added AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_documents_removed AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_documents_changed AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
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
        for trigger in ("added", "removed", "changed"):
            op.execute(f"DROP TRIGGER IF EXISTS search_documents_{trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_documents")
