"""One database: its engine, the public record's repository, units of work and migrations."""

from __future__ import annotations

from rada.store.engine import record_engine
from rada.store.record_repository import RecordRepository
from rada.store.schema import current_revision, head_revision, upgrade
from rada.store.unit_of_work import SqlUnitOfWork

__all__ = ["Database"]


class Database:
    """Rada's database at ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).

    The engine is made once and shared: by the record's repository (for proofs, checkpoints
    and exports) and by every unit of work.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = record_engine(url)
        self.record = RecordRepository(self.engine)

    def unit_of_work(self) -> SqlUnitOfWork:
        """A fresh unit of work (use it in a ``with`` block)."""
        return SqlUnitOfWork(self.engine, self.record)

    def upgrade(self, revision: str = "head") -> None:
        """Run the migrations up to ``revision`` (creating every table on an empty database)."""
        upgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        """The migration the database is at; None when it was never migrated."""
        return current_revision(self.engine)

    def is_current(self) -> bool:
        """Whether the database is at the newest migration this Rada knows."""
        return self.current_revision() == head_revision()

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()
