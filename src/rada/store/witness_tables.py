"""Tables for witnessing: what this instance cosigned as a witness, and what witnesses
cosigned of this instance's log.

- ``witness_logs``: for each log this instance witnesses (by origin), the latest checkpoint
  it cosigned: its size, root hash and note. Changed only by compare and swap on the size and
  root it had (see :mod:`rada.store.witness_repository`), so two requests at once can never
  roll it back.
- ``record_cosignatures``: the cosignature lines that witnesses returned for this log's
  checkpoints, by tree size and witness key. Written once, never changed: a checkpoint's
  cosignatures survive a restart and are served with it.

They live on the record's MetaData, so the one Alembic history (revision 0005) creates them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, LargeBinary, Table, Text

from rada.store.record_tables import record_metadata

__all__ = ["record_cosignatures", "witness_logs"]

witness_logs = Table(
    "witness_logs",
    record_metadata,
    Column("origin", Text, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

record_cosignatures = Table(
    "record_cosignatures",
    record_metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("witness", Text, primary_key=True),
    Column("key_id", LargeBinary(4), primary_key=True),
    Column("line", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
