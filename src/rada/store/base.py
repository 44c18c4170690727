"""What every repository shares: the unit of work's connection, and turning a database's
refusal (a unique constraint) into the domain's error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


class ConnectionSource(Protocol):
    """Whatever holds the transaction a repository works in (the unit of work)."""

    @property
    def connection(self) -> Connection: ...


class SqlRepository:
    """A repository working on its unit of work's current connection."""

    def __init__(self, source: ConnectionSource) -> None:
        self._source = source

    @property
    def conn(self) -> Connection:
        return self._source.connection

    def insert_id(self, table: Table, values: dict[str, Any]) -> int:
        """Insert one row and return the id the database gave it."""
        key = self.conn.execute(insert(table).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    @contextmanager
    def refusal(self) -> Iterator[None]:
        """Run the statements inside in a SAVEPOINT, so that a constraint's refusal undoes
        only them and leaves the rest of the transaction usable; IntegrityError escapes."""
        with self.conn.begin_nested():
            yield
