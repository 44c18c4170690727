"""The unit of work on SQLAlchemy: one connection and one transaction per ``with`` block.

Every repository, the public record included, works in that transaction, so a change and the
record entry that records it are committed together or not at all. On SQLite the transaction
begins IMMEDIATE: writers queue for the database's lock (up to the busy timeout) instead of
failing when two of them meet.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Connection, Engine

from rada.record.encoding import Entry
from rada.store.base import SqlRepository
from rada.store.council_repositories import (
    SqlCouncils,
    SqlCredentials,
    SqlInvitations,
    SqlMemberships,
    SqlOffices,
    SqlPeople,
)
from rada.store.cycle_repository import SqlCycles
from rada.store.engine import SQLITE_BEGIN
from rada.store.notice_repositories import SqlAccountTokens, SqlNotices, SqlOutbox, SqlSettings
from rada.store.proposal_repositories import SqlBallots, SqlPosts, SqlProposals, SqlVotes
from rada.store.record_repository import RecordRepository
from rada.store.search_repository import SqlSearch

__all__ = ["SqlRecord", "SqlUnitOfWork"]


class SqlRecord(SqlRepository):
    """The public record, written in the unit of work's transaction."""

    def __init__(self, uow: SqlUnitOfWork, repository: RecordRepository) -> None:
        super().__init__(uow)
        self._repository = repository

    def append(self, entries: Sequence[Entry]) -> range:
        return self._repository.append_in(self.conn, entries)

    def read(self, index: int) -> Entry | None:
        """The entry at ``index``; None when there is none or it has been redacted."""
        return self._repository.read_in(self.conn, index)

    def redact(
        self,
        target: int,
        *,
        decision: int,
        reason: str,
        now: datetime,
        kept: dict[str, Any] | None = None,
    ) -> int:
        return self._repository.redact_in(
            self.conn, target, decision=decision, reason=reason, now=now, kept=kept
        )

    def redaction_of(self, index: int) -> int | None:
        """The redaction entry that redacted entry ``index``, if any."""
        return self._repository.redaction_of_in(self.conn, index)


# SQLite has one writer at a time. Threads of one process that wait for its lock inside
# SQLite's busy handler sleep in growing steps (up to 100 ms), so under load most of the time
# goes to sleeping; queueing on a Python lock first hands the database over at once.
_SQLITE_WRITERS: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock | None:
    if engine.dialect.name != "sqlite":
        return None
    with _WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(engine, threading.Lock())


class SqlUnitOfWork:
    """A unit of work over ``engine``; ``record`` is the repository of the same database."""

    def __init__(self, engine: Engine, record_repository: RecordRepository) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._lock = _writer_lock(engine)
        self.people = SqlPeople(self)
        self.credentials = SqlCredentials(self)
        self.councils = SqlCouncils(self)
        self.memberships = SqlMemberships(self)
        self.offices = SqlOffices(self)
        self.invitations = SqlInvitations(self)
        self.proposals = SqlProposals(self)
        self.posts = SqlPosts(self)
        self.votes = SqlVotes(self)
        self.ballots = SqlBallots(self)
        self.cycles = SqlCycles(self)
        self.record = SqlRecord(self, record_repository)
        self.settings = SqlSettings(self)
        self.notices = SqlNotices(self)
        self.outbox = SqlOutbox(self)
        self.account_tokens = SqlAccountTokens(self)
        self.search = SqlSearch(self)

    @property
    def connection(self) -> Connection:
        """The connection of the ``with`` block in progress."""
        if self._connection is None:
            raise RuntimeError("a unit of work is used inside a 'with' block")
        return self._connection

    def __enter__(self) -> SqlUnitOfWork:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already in use")
        if self._lock is not None:
            self._lock.acquire()
        try:
            connection = self.engine.connect()
            try:
                connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
                connection.begin()
            except BaseException:
                connection.close()
                raise
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        self._connection = connection
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed, and give the connection back."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.rollback()
        finally:
            connection.close()
            if self._lock is not None:
                self._lock.release()

    def commit(self) -> None:
        """Make everything done so far durable; later work begins a new transaction."""
        self.connection.commit()

    def rollback(self) -> None:
        """Forget everything done since the last commit."""
        self.connection.rollback()
