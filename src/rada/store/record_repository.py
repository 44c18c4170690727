"""The public record's repository: append-only storage of the Merkle tree through SQLAlchemy.

Appends write the new leaf hashes and every perfect subtree they complete, so that any root or
proof is a fold of O(log n) stored nodes, fetched in one query. Content lives in its own table;
the only change ever made to it is a redaction, which replaces content by a tombstone in the
same transaction that appends the redaction entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from rada.record.checkpoint import Checkpoint, sign_checkpoint
from rada.record.encoding import (
    Entry,
    EntryKind,
    check_entry_size,
    decode_entry,
    encode_entry,
)
from rada.record.errors import EntryNotFoundError, MalformedProofError, RedactionError
from rada.record.export import StoredEntry
from rada.record.merkle import (
    CompactRange,
    NodeAddress,
    consistency_ranges,
    fold,
    leaf_hash,
    range_nodes,
)
from rada.record.note import Signer
from rada.record.redaction import Tombstone, redaction_entry
from rada.store.engine import writing
from rada.store.record_tables import record_checkpoints, record_entries, record_nodes

__all__ = ["MAX_INDEX", "InclusionProofs", "RecordRepository"]

#: The largest entry index either database's column holds (a signed 64-bit integer): a
#: larger one names no entry, and is not sent to the database, which would refuse it.
MAX_INDEX = 2**63 - 1

# An arbitrary constant that names the record's append lock on PostgreSQL.
_APPEND_LOCK = 0x52414441


@dataclass(frozen=True)
class InclusionProofs:
    """Inclusion proofs of several entries in one tree: its size and root, and per entry its
    leaf hash and proof (in the order the indexes were asked)."""

    size: int
    root: bytes
    indexes: list[int]
    leaf_hashes: list[bytes]
    proofs: list[list[bytes]]


def _insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[object, ...]]
) -> None:
    """Insert many rows, given as tuples in ``columns`` order."""
    if conn.dialect.name == "sqlite":
        # The sqlite3 driver takes the tuples as they are; SQLAlchemy's per-row parameter
        # processing would cost more than the insert itself (it halves the append rate).
        names, marks = ", ".join(columns), ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    else:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


_CACHED_LEVEL = 8
# At most this many cached nodes (some 30 MB): all of them up to a log of 25 million entries.
_CACHE_LIMIT = 200_000

# SQLite refuses statements with more than 32,766 parameters.
_SQLITE_PARAMETERS = 30_000


Levels = dict[int, dict[int, bytes]]
"""Nodes by level, then by index within the level."""


def _sqlite_nodes(conn: Connection, wanted: dict[int, list[int]], found: Levels) -> None:
    """Fetch nodes into ``found``, one statement per 30,000 (usually: one in all).

    Each level is a ``SELECT ... idx IN (...)``, which SQLite answers by a primary-key search
    per node. The statement goes to the driver as it is: SQLAlchemy's handling of thousands of
    bound parameters would cost more than the searches.
    """
    clauses: list[str] = []
    parameters: list[int] = []

    def flush() -> None:
        # UNION ALL rather than OR: SQLite's OR plan would also de-duplicate the rows found.
        rows = conn.exec_driver_sql(" UNION ALL ".join(clauses), tuple(parameters)).all()
        for level, idx, digest in rows:
            found[level][idx] = digest
        clauses.clear()
        parameters.clear()

    for level, indexes in wanted.items():
        for first in range(0, len(indexes), _SQLITE_PARAMETERS):
            chunk = indexes[first : first + _SQLITE_PARAMETERS]
            if len(parameters) + len(chunk) + 1 > _SQLITE_PARAMETERS:
                flush()
            marks = ",".join("?" * len(chunk))
            clauses.append(
                f"SELECT level, idx, hash FROM record_nodes WHERE level = ? AND idx IN ({marks})"
            )
            parameters.append(level)
            parameters.extend(chunk)
    flush()


# The last node of every level, found by one index probe per level (a log of 2**63 entries
# has 63 levels): the last leaf gives the size, and the frontier is the last node of each
# level whose bit is set in the size.
_FRONTIER = (
    "SELECT l.level, n.idx, n.hash FROM generate_series(0, 62) AS l(level) "
    "CROSS JOIN LATERAL (SELECT idx, hash FROM record_nodes WHERE record_nodes.level = l.level "
    "ORDER BY idx DESC LIMIT 1) AS n"
)

# An append of up to this many bound parameters is written in one statement.
_ONE_STATEMENT = 10_000


def _postgres_frontier(conn: Connection) -> tuple[int, list[bytes]]:
    """The log's size and the hashes of its frontier (``range_nodes(0, size)``), in one
    round trip."""
    last = {
        int(level): (int(idx), bytes(digest))
        for level, idx, digest in conn.exec_driver_sql(_FRONTIER).all()
    }
    size = last[0][0] + 1 if 0 in last else 0
    hashes: list[bytes] = []
    for level, idx in range_nodes(0, size):
        found = last.get(level)
        if found is None or found[0] != idx:
            raise EntryNotFoundError(f"the store lacks tree node {(level, idx)}")
        hashes.append(found[1])
    return size, hashes


def _postgres_insert(
    conn: Connection, node_rows: list[tuple[object, ...]], entry_rows: list[tuple[object, ...]]
) -> None:
    """Insert an append's nodes and entries in one statement (one round trip)."""
    nodes = ", ".join(["(%s, %s, %s)"] * len(node_rows))
    entries = ", ".join(["(%s, %s)"] * len(entry_rows))
    conn.exec_driver_sql(
        f"WITH nodes AS (INSERT INTO record_nodes (level, idx, hash) VALUES {nodes}) "
        f"INSERT INTO record_entries (idx, content) VALUES {entries}",
        tuple(v for row in (*node_rows, *entry_rows) for v in row),
    )


def _in_batches(
    fetch: Callable[[int], list[StoredEntry]], start: int, batch: int
) -> Iterator[StoredEntry]:
    """Entries from ``start`` on, ``batch`` at a time, as ``fetch(position)`` reads them."""
    position = start
    while True:
        rows = fetch(position)
        yield from rows
        if len(rows) < batch:
            return
        position = rows[-1].index + 1


class RecordRepository:
    """Append-only storage of the record: entries, tree nodes and checkpoints."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Nodes of subtrees of 2**_CACHED_LEVEL leaves or more: few (one per 256 entries), on
        # most proofs' paths, and never changed once written, so they can be kept once read.
        self._upper: Levels = {}
        self._cached = 0

    def create_schema(self) -> None:
        """Bring the database's schema up to date: the record's tables and triggers, and the
        rest of Rada's, by the same migrations as :meth:`rada.store.database.Database.upgrade`
        (a database made by an earlier Rada, with the record's tables alone, is adopted)."""
        from rada.store.schema import upgrade

        upgrade(self.engine)

    # -- reading the tree -------------------------------------------------------------------

    @staticmethod
    def _size(conn: Connection) -> int:
        last = conn.execute(
            select(func.max(record_nodes.c.idx)).where(record_nodes.c.level == 0)
        ).scalar()
        return 0 if last is None else int(last) + 1

    def _levels(
        self, conn: Connection, wanted: dict[int, set[int]], *, remember: bool = True
    ) -> Levels:
        """Fetch the nodes ``{level: {idx, ...}}`` in one query; raise if one is missing.

        ``remember=False`` keeps what was fetched out of the cache: an append may read nodes
        its own transaction wrote, which a rollback would take back.
        """
        found: Levels = {level: {} for level in wanted}
        missing: dict[int, list[int]] = {}
        for level, indexes in wanted.items():
            cached = self._upper.get(level)
            if cached:
                have = found[level]
                for idx in indexes:
                    digest = cached.get(idx)
                    if digest is None:
                        missing.setdefault(level, []).append(idx)
                    else:
                        have[idx] = digest
            elif indexes:
                missing[level] = list(indexes)
        if not missing:
            return found
        if conn.dialect.name == "sqlite":
            _sqlite_nodes(conn, missing, found)
        else:
            # One IN list per level keeps PostgreSQL on the primary-key index.
            rows = conn.execute(
                select(record_nodes.c.level, record_nodes.c.idx, record_nodes.c.hash).where(
                    or_(
                        *(
                            and_(record_nodes.c.level == level, record_nodes.c.idx.in_(indexes))
                            for level, indexes in missing.items()
                        )
                    )
                )
            ).all()
            for level, idx, digest in rows:
                found[int(level)][int(idx)] = bytes(digest)
        for level, fetched in missing.items():
            have = found[level]
            if len(have) != len(wanted[level]):
                absent = sorted((level, i) for i in wanted[level] if i not in have)
                raise EntryNotFoundError(f"the store lacks tree nodes {absent[:3]}")
            if remember and level >= _CACHED_LEVEL and self._cached < _CACHE_LIMIT:
                self._upper.setdefault(level, {}).update((i, have[i]) for i in fetched)
                self._cached += len(fetched)
        return found

    def _nodes(
        self, conn: Connection, addresses: Iterable[NodeAddress], *, remember: bool = True
    ) -> dict[NodeAddress, bytes]:
        wanted: dict[int, set[int]] = {}
        for level, idx in addresses:
            wanted.setdefault(level, set()).add(idx)
        found = self._levels(conn, wanted, remember=remember)
        return {(level, idx): h for level, hashes in found.items() for idx, h in hashes.items()}

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
        return self.inclusion_proofs([index], size=size).proofs[0]

    def inclusion_proofs(
        self, indexes: Sequence[int], *, size: int | None = None
    ) -> InclusionProofs:
        """Inclusion proofs of many entries in the tree of ``size`` entries (default: all).

        One query for the size and one for every node needed: the root's, the leaf hashes and
        the proofs' (the upper levels are shared between proofs and fetched once).
        """
        with self.engine.connect() as conn:
            n = self._checked_size(conn, size)
            for index in indexes:
                if not 0 <= index < n:
                    raise EntryNotFoundError(f"the log has {n} entries; there is no entry {index}")
            # The plan of merkle.inclusion_nodes, by level: below the level ("inner") where the
            # leaf's path meets the right edge of the tree, every sibling; at it, the edge (a
            # fold of a few nodes, the same for every leaf that meets it there); above it, the
            # left siblings. Every single-node sibling at level L has index (index >> L) ^ 1.
            wanted: dict[int, set[int]] = {0: set(indexes)}
            for level in range(1, n.bit_length()):
                wanted[level] = set()
            edges: dict[int, list[NodeAddress]] = {}
            for index in indexes:
                inner = (index ^ n).bit_length() - 1
                for level in range(inner):
                    wanted[level].add((index >> level) ^ 1)
                high, level = index >> (inner + 1), inner + 1
                while high:
                    if high & 1:
                        wanted[level].add(high ^ 1)
                    high, level = high >> 1, level + 1
                if inner not in edges:
                    start = ((index >> inner) + 1) << inner
                    edges[inner] = range_nodes(start, n - start) if start < n else []
            root_plan = range_nodes(0, n)
            for level, idx in [*root_plan, *(a for plan in edges.values() for a in plan)]:
                wanted[level].add(idx)
            nodes = self._levels(conn, wanted)
        edge_hashes = {
            inner: fold([nodes[level][idx] for level, idx in plan]) if plan else None
            for inner, plan in edges.items()
        }
        proofs: list[list[bytes]] = []
        for index in indexes:
            inner = (index ^ n).bit_length() - 1
            proof = [nodes[level][(index >> level) ^ 1] for level in range(inner)]
            edge = edge_hashes[inner]
            if edge is not None:
                proof.append(edge)
            high, level = index >> (inner + 1), inner + 1
            while high:
                if high & 1:
                    proof.append(nodes[level][high ^ 1])
                high, level = high >> 1, level + 1
            proofs.append(proof)
        leaves = nodes[0]
        return InclusionProofs(
            size=n,
            root=fold([nodes[level][idx] for level, idx in root_plan]),
            indexes=list(indexes),
            leaf_hashes=[leaves[index] for index in indexes],
            proofs=proofs,
        )

    def tile_hashes(self, level: int, first: int, count: int) -> list[bytes]:
        """The stored nodes ``(level, first)`` to ``(level, first + count - 1)``, in order,
        as far as they exist: the hashes of a tlog-tiles tile (fewer when the tree does not
        hold them all yet)."""
        if first > MAX_INDEX:  # a tile path may name any 64-bit index; no column holds these
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(record_nodes.c.idx, record_nodes.c.hash)
                .where(
                    record_nodes.c.level == level,
                    record_nodes.c.idx >= first,
                    record_nodes.c.idx <= min(first + count - 1, MAX_INDEX),
                )
                .order_by(record_nodes.c.idx)
            ).all()
        hashes: list[bytes] = []
        for idx, digest in rows:
            if int(idx) != first + len(hashes):
                raise EntryNotFoundError(
                    f"the store lacks tree node {(level, first + len(hashes))}"
                )
            hashes.append(bytes(digest))
        return hashes

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """The consistency proof from the tree of ``size1`` entries to that of ``size2``."""
        with self.engine.connect() as conn:
            n = self._checked_size(conn, size2)
            if size1 > n:
                raise MalformedProofError(f"size {size1} is beyond the log's {n} entries")
            return self._fold_ranges(conn, consistency_ranges(size1, n))

    # -- appending --------------------------------------------------------------------------

    def append_in(self, conn: Connection, entries: Sequence[Entry]) -> range:
        """Append entries within the caller's transaction on ``conn``; return their indexes.

        On PostgreSQL this takes the record's append lock until that transaction ends; on
        SQLite the transaction should have begun IMMEDIATE (see :func:`writing`).
        """
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            # The lock is its own statement: a later statement's snapshot sees every append
            # committed before the lock was granted.
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK})")
            size, hashes = _postgres_frontier(conn)
        else:
            size = self._size(conn)
            frontier = range_nodes(0, size)
            nodes = self._nodes(conn, frontier, remember=False)
            hashes = [nodes[a] for a in frontier]
        tree = CompactRange(size, hashes)
        node_rows: list[tuple[object, ...]] = []
        entry_rows: list[tuple[object, ...]] = []
        for entry in entries:
            index = tree.size
            data = check_entry_size(encode_entry(entry, index=index), index=index)
            node_rows.extend(tree.append(leaf_hash(data)))
            entry_rows.append((index, data))
        if postgres and 0 < 3 * len(node_rows) + 2 * len(entry_rows) <= _ONE_STATEMENT:
            _postgres_insert(conn, node_rows, entry_rows)
        elif entry_rows:
            _insert_rows(conn, record_nodes, ("level", "idx", "hash"), node_rows)
            _insert_rows(conn, record_entries, ("idx", "content"), entry_rows)
        return range(size, tree.size)

    def append(self, entries: Sequence[Entry]) -> range:
        """Append entries in one transaction; return their indexes."""
        with writing(self.engine) as conn:
            return self.append_in(conn, entries)

    # -- entries ----------------------------------------------------------------------------

    def entries(self, start: int = 0, *, batch: int = 10_000) -> Iterator[StoredEntry]:
        """Every stored entry from ``start``, in index order, read in batches (each batch in a
        connection of its own, so a long read holds no snapshot open)."""

        def fetch(position: int) -> list[StoredEntry]:
            with self.engine.connect() as conn:
                return self._entry_rows(conn, position, batch)

        return _in_batches(fetch, start, batch)

    def entries_in(
        self, conn: Connection, start: int = 0, *, batch: int = 10_000
    ) -> Iterator[StoredEntry]:
        """:meth:`entries` as the transaction on ``conn`` sees them (one snapshot)."""
        return _in_batches(lambda position: self._entry_rows(conn, position, batch), start, batch)

    def entry_in(self, conn: Connection, index: int) -> StoredEntry:
        """One stored entry, as the transaction on ``conn`` sees it."""
        rows = self._entry_rows(conn, index, 1)
        if not rows or rows[0].index != index:
            raise EntryNotFoundError(f"the log has no entry {index}")
        return rows[0]

    @staticmethod
    def _entry_rows(conn: Connection, start: int, batch: int) -> list[StoredEntry]:
        if start > MAX_INDEX:  # past every index a column holds: nothing there
            return []
        rows = conn.execute(
            select(
                record_nodes.c.idx,
                record_nodes.c.hash,
                record_entries.c.content,
                record_entries.c.redacted_by,
            )
            .select_from(
                record_nodes.outerjoin(record_entries, record_entries.c.idx == record_nodes.c.idx)
            )
            .where(record_nodes.c.level == 0, record_nodes.c.idx >= start)
            .order_by(record_nodes.c.idx)
            .limit(batch)
        ).all()
        return [
            StoredEntry(
                index=int(idx),
                leaf_hash=bytes(digest),
                content=b"" if content is None else bytes(content),
                redacted=redacted_by is not None,
            )
            for idx, digest, content, redacted_by in rows
        ]

    @staticmethod
    def read_in(conn: Connection, index: int) -> Entry | None:
        """Entry ``index`` as seen by the transaction on ``conn``; None when there is none or
        it has been redacted."""
        row = conn.execute(
            select(record_entries.c.content, record_entries.c.redacted_by).where(
                record_entries.c.idx == index
            )
        ).first()
        if row is None or row.redacted_by is not None:
            return None
        return decode_entry(bytes(row.content))[1]

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
        with writing(self.engine) as conn:
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

    def add_checkpoint_if_grown(self, signer: Signer, *, now: datetime | None = None) -> str | None:
        """Sign a checkpoint of the log as it is now if it has grown since the latest signed
        one; None when it has not (nothing is written then).

        Safe to run from several processes at once: on PostgreSQL under the record's append
        lock (the size cannot change meanwhile, and a second signer waits, then finds the
        size signed), on SQLite in an IMMEDIATE transaction, which serializes writers.
        """
        with writing(self.engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK})")
            size = self._size(conn)
            latest = conn.execute(select(func.max(record_checkpoints.c.size))).scalar()
            if latest is not None and int(latest) >= size:
                return None
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
        self,
        target: int,
        *,
        decision: int,
        reason: str,
        now: datetime | None = None,
        kept: dict[str, Any] | None = None,
    ) -> int:
        """Replace entry ``target``'s content by a tombstone, as ``decision`` ordered.

        The redaction is itself appended as a new entry, in the same transaction; the target's
        leaf hash, and so every proof and checkpoint, stays as it was. Returns the index of
        the redaction entry.
        """
        with writing(self.engine) as conn:
            return self.redact_in(
                conn,
                target,
                decision=decision,
                reason=reason,
                now=now or datetime.now(UTC),
                kept=kept,
            )

    @staticmethod
    def redaction_of_in(conn: Connection, index: int) -> int | None:
        """The index of the redaction entry that redacted entry ``index``, if any."""
        found = conn.execute(
            select(record_entries.c.redacted_by).where(record_entries.c.idx == index)
        ).scalar()
        return None if found is None else int(found)

    def redact_in(
        self,
        conn: Connection,
        target: int,
        *,
        decision: int,
        reason: str,
        now: datetime,
        kept: dict[str, Any] | None = None,
    ) -> int:
        """:meth:`redact` within the caller's transaction on ``conn``."""
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
            time=now,
            kept=kept,
        )
        (index,) = self.append_in(conn, [entry])
        tombstone = Tombstone(redaction=index, decision=decision, reason=reason)
        conn.execute(
            update(record_entries)
            .where(record_entries.c.idx == target, record_entries.c.redacted_by.is_(None))
            .values(content=tombstone.encode(), redacted_by=index)
        )
        return index
