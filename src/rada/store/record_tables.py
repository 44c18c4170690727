"""Tables of the public record, and the database rules that keep them append-only.

- ``record_nodes``: the perfect subtrees of the Merkle tree, ``(level, idx) -> hash``; level 0
  holds the leaf hashes. Written once, never changed.
- ``record_entries``: each entry's content (its canonical encoding), kept apart from its leaf
  hash. The one change ever made is a redaction: content replaced by a tombstone and
  ``redacted_by`` set, once.
- ``record_checkpoints``: every signed checkpoint note, by tree size. Written once.

Triggers refuse any other UPDATE or DELETE, on PostgreSQL and on SQLite alike, so that not
even a bug in Rada, or someone with a SQL prompt who does not drop the triggers first, can
rewrite history quietly.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
)
from sqlalchemy.engine import Connection

__all__ = [
    "install_append_only_rules",
    "record_checkpoints",
    "record_entries",
    "record_metadata",
    "record_nodes",
]

record_metadata = MetaData()

record_nodes = Table(
    "record_nodes",
    record_metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    # Small rows looked up by their key: on SQLite the key itself is the table's B-tree.
    sqlite_with_rowid=False,
)

record_entries = Table(
    "record_entries",
    record_metadata,
    # On SQLite an INTEGER PRIMARY KEY is the rowid itself: no second index to write.
    Column(
        "idx",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("content", LargeBinary, nullable=False),
    Column("redacted_by", BigInteger, nullable=True),
)

record_checkpoints = Table(
    "record_checkpoints",
    record_metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

_FROZEN = ("record_nodes", "record_checkpoints")
_MESSAGE = "the public record is append-only"

_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION record_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_MESSAGE}: %% on %% refused', TG_OP, TG_TABLE_NAME;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION record_redaction_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.redacted_by IS NOT NULL OR NEW.redacted_by IS NULL OR NEW.idx <> OLD.idx THEN
            RAISE EXCEPTION '{_MESSAGE}: an entry changes only once, by redaction';
        END IF;
        RETURN NEW;
    END $$""",
    *(
        f"""CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION record_refuse_change()"""
        for table in _FROZEN
    ),
    """CREATE OR REPLACE TRIGGER record_entries_no_delete BEFORE DELETE ON record_entries
    FOR EACH ROW EXECUTE FUNCTION record_refuse_change()""",
    """CREATE OR REPLACE TRIGGER record_entries_redaction_only BEFORE UPDATE ON record_entries
    FOR EACH ROW EXECUTE FUNCTION record_redaction_only()""",
    *(
        f"""CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION record_refuse_change()"""
        for table in (*_FROZEN, "record_entries")
    ),
]

_SQLITE = [
    *(
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"""
        for table in (*_FROZEN, "record_entries")
        for op in ("UPDATE", "DELETE")
        if (table, op) != ("record_entries", "UPDATE")
    ),
    f"""CREATE TRIGGER IF NOT EXISTS record_entries_redaction_only BEFORE UPDATE ON record_entries
    WHEN OLD.redacted_by IS NOT NULL OR NEW.redacted_by IS NULL OR NEW.idx <> OLD.idx
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: an entry changes only once, by redaction'); END""",
]


def install_append_only_rules(connection: Connection) -> None:
    """Create the triggers that refuse UPDATE and DELETE (PostgreSQL and SQLite)."""
    dialect = connection.dialect.name
    statements = _POSTGRES if dialect == "postgresql" else _SQLITE if dialect == "sqlite" else []
    for statement in statements:
        connection.exec_driver_sql(statement)
