"""Rebuilding a database from the record alone: the record itself (entries, tombstones, every
perfect subtree of the Merkle tree, the signed checkpoints), then the projected tables."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection, Engine

from rada.councils.text import msg
from rada.record.export import StoredEntry
from rada.record.merkle import leaf_hash, node_hash
from rada.record.redaction import Tombstone
from rada.store.councils_tables import councils
from rada.store.engine import writing
from rada.store.projection import (
    AUDITED_TABLES,
    HIDDEN,
    Projection,
    ProjectionError,
    Row,
    project,
)
from rada.store.record_tables import record_checkpoints, record_entries, record_nodes
from rada.store.search_repository import reindex

__all__ = [
    "copy_record",
    "export_checkpoints",
    "export_entries",
    "rebuild",
    "write_projection",
]


def _insert(conn: Connection, table: Table, rows: list[Row]) -> None:
    for first in range(0, len(rows), 5_000):
        conn.execute(insert(table), rows[first : first + 5_000])


def write_projection(conn: Connection, projection: Projection) -> dict[str, int]:
    """Insert the projected rows (in an order the foreign keys accept); rows per table."""
    written: dict[str, int] = {}
    for name, (table, key_columns) in AUDITED_TABLES.items():
        rows = []
        for key, row in sorted(projection.rows[name].items(), key=lambda kv: kv[0]):
            values = dict(zip(key_columns, key, strict=True))
            values.update({c: v for c, v in row.items() if v is not HIDDEN})
            if name == "people":
                # The address is not on the record: a placeholder no mail reaches (RFC 2606).
                values["email"] = f"person-{key[0]}@rebuilt.invalid"
            rows.append(values)
        if name == "votes":
            hidden = [r for r in rows if "choice" not in r]
            for r in hidden:
                r["choice"] = {}  # how it went is not on the record until the count
        if name == "posts":
            rows.sort(key=lambda r: (r["parent_id"] is not None, r["id"]))
        _insert(conn, table, rows)
        written[name] = len(rows)
    return written


def copy_record(
    conn: Connection, entries: Iterable[StoredEntry], checkpoints: Iterable[tuple[int, str]]
) -> int:
    """Write the record itself into an empty database: entries (tombstones as they are), every
    perfect subtree of the Merkle tree, and the signed checkpoints. Returns the size."""
    level: list[bytes] = []
    batch_entries: list[Row] = []
    batch_nodes: list[Row] = []
    size = 0
    redactions: list[tuple[int, int]] = []

    def flush() -> None:
        _insert(conn, record_nodes, batch_nodes)
        _insert(conn, record_entries, batch_entries)
        batch_nodes.clear()
        batch_entries.clear()

    levels: list[list[bytes]] = [level]
    for stored in entries:
        if not stored.redacted and leaf_hash(stored.content) != stored.leaf_hash:
            raise ProjectionError(
                msg("record entry %(index)s does not match its leaf hash", index=stored.index)
            )
        batch_entries.append({"idx": stored.index, "content": stored.content})
        if stored.redacted:
            redactions.append((stored.index, Tombstone.decode(stored.content).redaction))
        # Every perfect subtree, as it completes (level 0: the leaf itself).
        digest, idx, height = stored.leaf_hash, stored.index, 0
        while True:
            batch_nodes.append({"level": height, "idx": idx, "hash": digest})
            if height >= len(levels):
                levels.append([])
            row = levels[height]
            row.append(digest)
            if idx % 2 == 0:
                break
            digest = node_hash(row[-2], row[-1])
            del row[-2:]
            idx, height = idx // 2, height + 1
        size += 1
        if len(batch_entries) >= 5_000:
            flush()
    flush()
    for target, redaction in redactions:
        conn.execute(
            record_entries.update()
            .where(record_entries.c.idx == target)
            .values(redacted_by=redaction)
        )
    for cp_size, note in checkpoints:
        _insert(
            conn,
            record_checkpoints,
            [
                {
                    "size": cp_size,
                    "root": _root_of_note(note),
                    "note": note,
                    "created_at": datetime.now(UTC),
                }
            ],
        )
    return size


def _root_of_note(note: str) -> bytes:
    lines = note.split("\n")
    return base64.b64decode(lines[2])


def empty(conn: Connection) -> bool:
    """Whether a database holds no record entry and no council yet."""
    entries = conn.execute(select(func.count()).select_from(record_entries)).scalar_one()
    held = conn.execute(select(func.count()).select_from(councils)).scalar_one()
    return int(entries) == 0 and int(held) == 0


def rebuild(
    target: Engine,
    entries: list[StoredEntry] | Callable[[], Iterable[StoredEntry]],
    checkpoints: Iterable[tuple[int, str]],
    lookup: Callable[[int], StoredEntry],
) -> dict[str, int]:
    """Build ``target`` (migrated, and empty) from a record alone: the record itself, then
    every table the record projects, then the search index from those tables. One
    transaction: on any error nothing is written."""
    projection = project(entries() if callable(entries) else entries, lookup)
    with writing(target) as conn:
        if not empty(conn):
            raise ProjectionError(
                msg("the database to rebuild into is not empty"),
                hint=msg("give the address of a new, empty database"),
            )
        size = copy_record(conn, entries() if callable(entries) else entries, checkpoints)
        written = write_projection(conn, projection)
        # The search index is derived from the tables just written, in the same transaction.
        written["search_documents"] = reindex(conn)
    written["record_entries"] = size
    return written


def export_entries(directory: Path) -> list[StoredEntry]:
    """The entries of an export directory, as stored (content or tombstone)."""
    stored: list[StoredEntry] = []
    path = directory / "entries.jsonl"
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
                item = json.loads(line)
                leaf = base64.b64decode(item["leaf_hash"], validate=True)
                if "tombstone" in item:
                    t = item["tombstone"]
                    content = Tombstone(t["redaction"], t["decision"], t["reason"]).encode()
                    stored.append(StoredEntry(int(item["index"]), leaf, content, redacted=True))
                else:
                    content = item["content"].encode("utf-8")
                    stored.append(StoredEntry(int(item["index"]), leaf, content))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ProjectionError(
                    msg(
                        "%(file)s, line %(line)s: not an exported entry (%(error)s)",
                        file=str(path),
                        line=number,
                        error=str(exc),
                    )
                ) from exc
    return stored


def export_checkpoints(directory: Path) -> list[tuple[int, str]]:
    """The checkpoint notes of an export directory, by size."""
    notes = []
    for path in sorted((directory / "checkpoints").glob("*.note")):
        note = path.read_text("utf-8")
        notes.append((int(note.split("\n")[1]), note))
    return notes
