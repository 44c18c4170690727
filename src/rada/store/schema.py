"""Migrations: Alembic, run programmatically on the connection Rada passes in.

The migration environment lives in the package (``rada.store:migrations``), so no
``alembic.ini`` is needed at run time. A new revision is made from a checkout with
``alembic.command.revision(alembic_config(), autogenerate=True, message=...)`` run against a
database at head (see ``env.py``).
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

# The witnessing tables join the record's MetaData when imported; migrations compare them.
import rada.store.notices_tables
import rada.store.search_tables
import rada.store.witness_tables  # noqa: F401
from rada.store.engine import writing

__all__ = [
    "MIGRATIONS",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "upgrade",
]

#: Where the migration environment lives: a package resource, found wherever Rada is installed.
MIGRATIONS = "rada.store:migrations"

# An arbitrary constant naming the lock that lets one process at a time migrate PostgreSQL.
_MIGRATION_LOCK = 0x52414442


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for Rada's migrations, running on ``connection``."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` in one transaction (one process at a time)."""
    with writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database back to ``revision`` in one transaction (one process at a time);
    what a later revision added is lost."""
    with writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        command.downgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision this Rada knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
