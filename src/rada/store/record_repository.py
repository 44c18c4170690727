"""The public record's repository: append-only storage of the Merkle tree through SQLAlchemy.

Appends write the new leaf hashes and every perfect subtree they complete, so that any root or
proof is a fold of O(log n) stored nodes, fetched in one query. Content lives in its own table;
the only change ever made to it is a redaction, which replaces content by a tombstone in the
same transaction that appends the redaction entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, create_engine, event, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from rada.record.checkpoint import Checkpoint, sign_checkpoint
from rada.record.encoding import Entry, EntryKind, decode_entry, encode_entry
from rada.record.errors import EntryNotFoundError, MalformedProofError, RedactionError
from rada.record.export import StoredEntry
from rada.record.merkle import (
    CompactRange,
    NodeAddress,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
    range_nodes,
)
from rada.record.note import Signer
from rada.record.redaction import Tombstone, redaction_entry
from rada.store.record_tables import (
    install_append_only_rules,
    record_checkpoints,
    record_entries,
    record_metadata,
    record_nodes,
)

__all__ = ["RecordRepository", "record_engine"]

# An arbitrary constant that names the record's append lock on PostgreSQL.
_APPEND_LOCK = 0x52414441


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets readers proceed during an append; synchronous=FULL makes each commit durable.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def record_engine(url: str) -> Engine:
    """An engine for the record's database: SQLite (WAL, durable commits) or PostgreSQL."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class RecordRepository:
    """Append-only storage of the record: entries, tree nodes and checkpoints."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_schema(self) -> None:
        """Create the record's tables and their append-only triggers, if missing."""
        with self.engine.begin() as conn:
            record_metadata.create_all(conn)
            install_append_only_rules(conn)

    # -- reading the tree -------------------------------------------------------------------

    @staticmethod
    def _size(conn: Connection) -> int:
        last = conn.execute(
            select(func.max(record_nodes.c.idx)).where(record_nodes.c.level == 0)
        ).scalar()
        return 0 if last is None else int(last) + 1

    @staticmethod
    def _nodes(conn: Connection, addresses: Sequence[NodeAddress]) -> dict[NodeAddress, bytes]:
        if not addresses:
            return {}
        by_level: dict[int, list[int]] = {}
        for level, idx in set(addresses):
            by_level.setdefault(level, []).append(idx)
        # One IN list per level keeps both SQLite and PostgreSQL on the primary-key index.
        rows = conn.execute(
            select(record_nodes.c.level, record_nodes.c.idx, record_nodes.c.hash).where(
                or_(
                    *(
                        and_(record_nodes.c.level == level, record_nodes.c.idx.in_(indexes))
                        for level, indexes in by_level.items()
                    )
                )
            )
        )
        found = {(int(level), int(idx)): bytes(h) for level, idx, h in rows}
        missing = set(addresses) - set(found)
        if missing:
            raise EntryNotFoundError(f"the store lacks tree nodes {sorted(missing)[:3]}")
        return found

    def _fold_ranges(self, conn: Connection, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        plans = [range_nodes(start, size) for start, size in ranges]
        nodes = self._nodes(conn, [a for plan in plans for a in plan])
        return [fold([nodes[a] for a in plan]) for plan in plans]

    def _checked_size(self, conn: Connection, size: int | None) -> int:
        current = self._size(conn)
        if size is None:
            return current
        if not 0 <= size <= current:
            raise EntryNotFoundError(f"the log has {current} entries, not {size}")
        return size

    def size(self) -> int:
        """The number of entries in the log."""
        with self.engine.connect() as conn:
            return self._size(conn)

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the tree of the first ``size`` entries (default: all)."""
        with self.engine.connect() as conn:
            n = self._checked_size(conn, size)
            return self._fold_ranges(conn, [(0, n)])[0]

    def leaf_hash(self, index: int) -> bytes:
        """The leaf hash of entry ``index``."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(record_nodes.c.hash).where(
                    record_nodes.c.level == 0, record_nodes.c.idx == index
                )
            ).scalar()
        if found is None:
            raise EntryNotFoundError(f"the log has no entry {index}")
        return bytes(found)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The inclusion proof of entry ``index`` in the tree of ``size`` entries."""
        with self.engine.connect() as conn:
            n = self._checked_size(conn, size)
            if not 0 <= index < n:
                raise EntryNotFoundError(f"the log has {n} entries; there is no entry {index}")
            return self._fold_ranges(conn, inclusion_ranges(index, n))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """The consistency proof from the tree of ``size1`` entries to that of ``size2``."""
        with self.engine.connect() as conn:
            n = self._checked_size(conn, size2)
            if size1 > n:
                raise MalformedProofError(f"size {size1} is beyond the log's {n} entries")
            return self._fold_ranges(conn, consistency_ranges(size1, n))

    # -- appending --------------------------------------------------------------------------

    def _append(self, conn: Connection, entries: Sequence[Entry]) -> range:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK})")
        size = self._size(conn)
        frontier = range_nodes(0, size)
        nodes = self._nodes(conn, frontier)
        tree = CompactRange(size, [nodes[a] for a in frontier])
        node_rows: list[dict[str, object]] = []
        entry_rows: list[dict[str, object]] = []
        for entry in entries:
            index = tree.size
            data = encode_entry(entry, index=index)
            for level, idx, digest in tree.append(leaf_hash(data)):
                node_rows.append({"level": level, "idx": idx, "hash": digest})
            entry_rows.append({"idx": index, "content": data, "redacted_by": None})
        if entry_rows:
            conn.execute(insert(record_nodes), node_rows)
            conn.execute(insert(record_entries), entry_rows)
        return range(size, tree.size)

    def append(self, entries: Sequence[Entry]) -> range:
        """Append entries in one transaction; return their indexes."""
        with self.engine.begin() as conn:
            return self._append(conn, entries)

    # -- entries ----------------------------------------------------------------------------

    def entries(self, start: int = 0, *, batch: int = 10_000) -> Iterator[StoredEntry]:
        """Every stored entry from ``start``, in index order, read in batches."""
        position = start
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(
                        record_nodes.c.idx,
                        record_nodes.c.hash,
                        record_entries.c.content,
                        record_entries.c.redacted_by,
                    )
                    .select_from(
                        record_nodes.outerjoin(
                            record_entries, record_entries.c.idx == record_nodes.c.idx
                        )
                    )
                    .where(record_nodes.c.level == 0, record_nodes.c.idx >= position)
                    .order_by(record_nodes.c.idx)
                    .limit(batch)
                ).all()
            for idx, digest, content, redacted_by in rows:
                yield StoredEntry(
                    index=int(idx),
                    leaf_hash=bytes(digest),
                    content=b"" if content is None else bytes(content),
                    redacted=redacted_by is not None,
                )
            if len(rows) < batch:
                return
            position = int(rows[-1][0]) + 1

    def entry(self, index: int) -> StoredEntry:
        """One stored entry."""
        for found in self.entries(index, batch=1):
            if found.index == index:
                return found
            break
        raise EntryNotFoundError(f"the log has no entry {index}")

    # -- checkpoints ------------------------------------------------------------------------

    def add_checkpoint(self, signer: Signer, *, now: datetime | None = None) -> str:
        """Sign a checkpoint of the log as it is now (or return the one already signed)."""
        with self.engine.begin() as conn:
            size = self._size(conn)
            existing = conn.execute(
                select(record_checkpoints.c.note).where(record_checkpoints.c.size == size)
            ).scalar()
            if existing is not None:
                return str(existing)
            root = self._fold_ranges(conn, [(0, size)])[0]
            note = sign_checkpoint(Checkpoint(signer.name, size, root), signer)
            conn.execute(
                insert(record_checkpoints).values(
                    size=size, root=root, note=note, created_at=now or datetime.now(UTC)
                )
            )
            return note

    def checkpoints(self) -> list[str]:
        """Every signed checkpoint note, by increasing size."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(record_checkpoints.c.note).order_by(record_checkpoints.c.size)
            )
            return [str(note) for (note,) in rows]

    def latest_checkpoint(self) -> str | None:
        """The checkpoint note of the largest size, if any was signed."""
        with self.engine.connect() as conn:
            note = conn.execute(
                select(record_checkpoints.c.note)
                .order_by(record_checkpoints.c.size.desc())
                .limit(1)
            ).scalar()
        return None if note is None else str(note)

    # -- redaction --------------------------------------------------------------------------

    @staticmethod
    def _live_entry(conn: Connection, index: int, role: str) -> Entry:
        row = conn.execute(
            select(record_entries.c.content, record_entries.c.redacted_by).where(
                record_entries.c.idx == index
            )
        ).first()
        if row is None:
            raise RedactionError(f"the {role} entry {index} does not exist")
        if row.redacted_by is not None:
            raise RedactionError(
                f"the {role} entry {index} is already redacted (by entry {row.redacted_by})"
            )
        return decode_entry(bytes(row.content))[1]

    def redact(
        self, target: int, *, decision: int, reason: str, now: datetime | None = None
    ) -> int:
        """Replace entry ``target``'s content by a tombstone, as ``decision`` ordered.

        The redaction is itself appended as a new entry, in the same transaction; the target's
        leaf hash, and so every proof and checkpoint, stays as it was. Returns the index of
        the redaction entry.
        """
        with self.engine.begin() as conn:
            order = self._live_entry(conn, decision, "deciding")
            if order.kind is not EntryKind.DECISION:
                raise RedactionError(
                    f"entry {decision} is a {order.kind}, not a decision",
                    hint="only an adopted decision of a council can order a redaction",
                )
            if self._live_entry(conn, target, "target").kind is EntryKind.REDACTION:
                raise RedactionError("a redaction entry cannot itself be redacted")
            leaf = conn.execute(
                select(record_nodes.c.hash).where(
                    record_nodes.c.level == 0, record_nodes.c.idx == target
                )
            ).scalar_one()
            entry = redaction_entry(
                target=target,
                target_leaf_hash=bytes(leaf),
                decision=decision,
                reason=reason,
                time=now or datetime.now(UTC),
            )
            (index,) = self._append(conn, [entry])
            tombstone = Tombstone(redaction=index, decision=decision, reason=reason)
            conn.execute(
                update(record_entries)
                .where(record_entries.c.idx == target, record_entries.c.redacted_by.is_(None))
                .values(content=tombstone.encode(), redacted_by=index)
            )
            return index
