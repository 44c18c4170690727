"""Rada's database engines: SQLite tuned for a durable, concurrent record, or PostgreSQL; and
the write transaction every append and migration runs in.

The schema (:mod:`rada.store.schema`) and the repositories build on this module; it imports
neither, so the store has no import circle.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

__all__ = ["SQLITE_BEGIN", "SQLITE_BUSY_TIMEOUT_MS", "record_engine", "writing"]

#: The execution option that picks how a transaction on SQLite begins (``DEFERRED`` unless set).
SQLITE_BEGIN = "rada_sqlite_begin"

#: How long a SQLite writer waits for another's lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # The driver's own transaction handling begins a transaction only before DML, which
    # breaks SAVEPOINT and repeatable reads; SQLAlchemy's "begin" event (below) takes over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed during an append; synchronous=FULL makes each commit durable.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writer begins IMMEDIATE: it takes the write lock at once, so concurrent writers queue
    # on the busy timeout instead of failing when a read lock cannot be upgraded. The BEGIN
    # goes to the driver directly, so that statement counters see only real queries.
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    conn.connection.driver_connection.execute(f"BEGIN {mode}")  # type: ignore[union-attr]


def _private_file(database: str | None) -> None:
    """Create a new SQLite file with mode 0600 before SQLite does (with the umask's mode,
    usually 0644): it holds e-mail addresses, password hashes and secret ballots before their
    count. SQLite gives its -wal and -shm files the same mode. An existing file is left as it
    is; a file whose directory is missing is left to SQLite to report."""
    if database in (None, "", ":memory:") or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    if not path.exists() and path.parent.is_dir():
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def record_engine(url: str) -> Engine:
    """An engine for Rada's database: SQLite (WAL, durable commits, foreign keys, a 30 s
    busy timeout, transactions begun by SQLAlchemy) or PostgreSQL."""
    # On PostgreSQL a pooled connection the server has dropped (a restart, a failover, an
    # idle timeout) is tested before use and replaced, rather than failing a request.
    postgres = url.startswith("postgresql")
    engine = create_engine(url, pool_pre_ping=postgres)
    if engine.dialect.name == "sqlite":
        _private_file(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction, committed at the end unless an exception escapes
    (on SQLite begun IMMEDIATE, so that writers queue for the lock)."""
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            yield conn
