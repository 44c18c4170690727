"""The audit: the live tables compared with the projection of the record, every difference
named (table, key, column, the value the record gives and the value found)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from rada.councils.ballots import commit_choice
from rada.record.export import StoredEntry
from rada.record.merkle import CompactRange, leaf_hash
from rada.services.recording import plain
from rada.store.councils_tables import secret_ballots
from rada.store.projection import (
    AUDITED_TABLES,
    HIDDEN,
    OUTSIDE_THE_RECORD,
    Key,
    Projection,
    Row,
    project,
)
from rada.store.record_repository import RecordRepository
from rada.store.record_tables import record_checkpoints

__all__ = ["WHOLE_ROW", "AuditReport", "Difference", "audit", "audit_database"]


#: The column of a difference that is a whole row: one the record made that is missing, or
#: one it never made.
WHOLE_ROW = "*"


@dataclass(frozen=True)
class Difference:
    """One place where the live tables and the record disagree."""

    table: str
    key: Key
    column: str
    recorded: Any
    found: Any

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "table": self.table,
            "id": list(self.key) if len(self.key) > 1 else self.key[0],
            "column": self.column,
            "recorded": self.recorded,
            "found": self.found,
        }

    def __str__(self) -> str:
        key = ", ".join(str(k) for k in self.key)
        if self.column == WHOLE_ROW:
            if self.found is None:
                return f"{self.table} {key}: the row is missing, though the record made it"
            return f"{self.table} {key}: the row is there, though the record never made it"
        return (
            f"{self.table} {key}: {self.column} is {_short(self.found)} "
            f"but the record says {_short(self.recorded)}"
        )


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


_SIMPLE = (int, str, bool, type(None))


def _normal(value: Any) -> Any:
    """A value as the comparison sees it: times as UTC ISO text, JSON as the record has it."""
    if type(value) in _SIMPLE:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return plain(value)


def _live_rows(conn: Connection, name: str) -> Iterator[tuple[Key, Row]]:
    table, key = AUDITED_TABLES[name]
    columns = [c for c in table.c if f"{name}.{c.name}" not in OUTSIDE_THE_RECORD]
    for row in conn.execute(select(*columns)).mappings():
        yield tuple(row[k] for k in key), dict(row)


def audit(conn: Connection, projection: Projection) -> list[Difference]:
    """Every difference between the live tables on ``conn`` and ``projection``."""
    found: list[Difference] = []
    for name in AUDITED_TABLES:
        expected = projection.rows[name]
        seen: set[Key] = set()
        for key, row in _live_rows(conn, name):
            seen.add(key)
            want = expected.get(key)
            if want is None:
                if name == "secret_ballots" and key[0] in projection.uncounted:
                    continue  # uncounted: checked by number below
                if name == "secret_ballots" and row.get("replaced"):
                    continue  # replaced by its holder: never counted, never on the record
                found.append(Difference(name, key, WHOLE_ROW, None, "a row the record never made"))
                continue
            if name == "votes" and key in projection.commitments:
                found += _committed(key, row, projection.commitments[key])
            for column, value in want.items():
                found_value = row.get(column)
                # Equal as they are (the common case), or equal once both are as the record
                # keeps them (times as text, floats as decimal text).
                if value is HIDDEN or found_value == value:
                    continue
                live = _normal(found_value)
                if live != _normal(value):
                    found.append(Difference(name, key, column, _normal(value), live))
        for key in expected.keys() - seen:
            found.append(Difference(name, key, WHOLE_ROW, "a row the record made", None))
    found += _ballot_numbers(conn, projection)
    found += [Difference(*c) for c in projection.contradictions]
    return found


def _committed(key: Key, row: Row, commitment: str) -> list[Difference]:
    """A hidden vote before the count: its stored choice must open the record's commitment."""
    choice, salt = row.get("choice"), row.get("salt")
    if salt is not None and isinstance(choice, dict) and commit_choice(choice, salt) == commitment:
        return []
    return [Difference("votes", key, "choice", f"the choice committed to ({commitment[:12]}...)",
                       choice)]  # fmt: skip


def _ballot_numbers(conn: Connection, projection: Projection) -> list[Difference]:
    """Secret ballots not yet published: as many current ones (not replaced) per proposal as
    participations recorded."""
    if not projection.uncounted:
        return []
    rows = conn.execute(
        select(secret_ballots.c.proposal_id, func.count())
        .where(
            secret_ballots.c.proposal_id.in_(list(projection.uncounted)),
            secret_ballots.c.replaced.is_not(True),
        )
        .group_by(secret_ballots.c.proposal_id)
    )
    counts = {int(proposal): int(number) for proposal, number in rows}
    return [
        Difference("secret_ballots", (proposal,), "count", recorded, int(counts.get(proposal, 0)))
        for proposal, recorded in sorted(projection.uncounted.items())
        if int(counts.get(proposal, 0)) != recorded
    ]


@dataclass(frozen=True)
class AuditReport:
    """What an audit found: the record's size and every difference, at a time."""

    size: int
    differences: list[Difference]
    at: datetime
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether the tables are exactly what the record says."""
        return not self.differences

    def as_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """Plain JSON-ready data (at most ``limit`` differences listed)."""
        shown = self.differences if limit is None else self.differences[:limit]
        return {
            "ok": self.ok,
            "size": self.size,
            "at": self.at.isoformat(),
            "seconds": round(self.seconds, 3),
            "differences": len(self.differences),
            "listed": [d.as_dict() for d in shown],
        }


class _RecordCheck:
    """While the entries stream past the projection: each entry's content must hash to its
    stored leaf hash, and the leaves must fold to the root of the latest signed checkpoint.
    (What the tables are compared with must itself be the record that was signed.)"""

    def __init__(self, checkpoint: tuple[int, bytes] | None) -> None:
        self.checkpoint = checkpoint
        self.tree = CompactRange()
        self.found: list[Difference] = []

    def watch(self, entries: Iterable[StoredEntry]) -> Iterator[StoredEntry]:
        for stored in entries:
            if not stored.redacted and leaf_hash(stored.content) != stored.leaf_hash:
                self.found.append(
                    Difference(
                        "record", (stored.index,), "content",
                        "the content its leaf hash was made from", "other bytes",
                    )
                )  # fmt: skip
            self.tree.push(stored.leaf_hash)
            if self.checkpoint is not None and self.tree.size == self.checkpoint[0]:
                root = self.tree.root()
                if root != self.checkpoint[1]:
                    self.found.append(
                        Difference(
                            "record", (self.tree.size,), "root",
                            base64.b64encode(self.checkpoint[1]).decode(),
                            base64.b64encode(root).decode(),
                        )
                    )  # fmt: skip
            yield stored


def _latest_checkpoint(conn: Connection) -> tuple[int, bytes] | None:
    row = conn.execute(
        select(record_checkpoints.c.size, record_checkpoints.c.root)
        .order_by(record_checkpoints.c.size.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row.size), bytes(row.root))


def audit_database(engine: Engine, repository: RecordRepository) -> AuditReport:
    """Project the record and compare the live tables with it, all in one snapshot of the
    database (a repeatable-read transaction on PostgreSQL, one read transaction on SQLite in
    WAL mode), so that changes committed meanwhile, record and rows together, are seen
    neither in the record nor in the tables. On the way, check that the record is the one
    signed: every entry's content against its leaf hash, the tree against the latest
    checkpoint (a difference of table ``record``)."""
    started = time.perf_counter()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            check = _RecordCheck(_latest_checkpoint(conn))
            projection = project(
                check.watch(repository.entries_in(conn)), lambda i: repository.entry_in(conn, i)
            )
            differences = check.found + audit(conn, projection)
            if check.checkpoint is not None and check.tree.size < check.checkpoint[0]:
                differences.append(
                    Difference(
                        "record", (check.checkpoint[0],), "size", check.checkpoint[0],
                        check.tree.size,
                    )
                )  # fmt: skip
    return AuditReport(
        projection.size, differences, datetime.now(UTC), time.perf_counter() - started
    )
