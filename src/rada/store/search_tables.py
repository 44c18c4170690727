"""The search index's table: one row per public document (``docs/search.md``).

The rows are derived data, made from the record's events as they are recorded
(:mod:`rada.services.indexing`) and again from the tables by
:func:`rada.store.search_repository.reindex`; they are not part of the record and the audit
does not compare them. What finds them differs by database, and lives outside this table's
columns (migration 0011 makes it): on SQLite an FTS5 table, ``search_fts``, of the folded
words of ``title`` and ``body`` under the row's id; on PostgreSQL a ``tsv`` column, the folded
words of ``title`` (weight A) and ``body`` (weight B), with a GIN index. Both are written with
the row, by :mod:`rada.store.search_repository` only.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text, UniqueConstraint

from rada.store.councils_tables import metadata

__all__ = ["SEARCH_ONLY_SCHEMA", "search_documents"]

search_documents = Table(
    "search_documents",
    metadata,
    # The FTS5 table's rowid on SQLite.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("ref", Integer, nullable=False),
    Column("council_id", Integer, nullable=True),
    Column("proposal_id", Integer, nullable=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("kind", "ref", name="uq_search_documents_kind_ref"),
)

#: What of the index lives outside the table's columns, by database (comparisons of the
#: migrations with this module leave these out): tables, columns and indexes.
SEARCH_ONLY_SCHEMA = frozenset(
    {
        "search_fts",
        "search_fts_data",
        "search_fts_idx",
        "search_fts_docsize",
        "search_fts_config",
        "search_fts_content",
        "tsv",
        "ix_search_documents_tsv",
    }
)
