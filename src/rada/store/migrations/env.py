"""Alembic's environment for Rada: migrates the connection :mod:`rada.store.schema` passes.

Alembic runs this file itself; importing it otherwise (as pytest's doctest collection does)
does nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

# What people hear, and the search index, join the same MetaData when imported; migrations
# compare them too.
import rada.store.notices_tables
import rada.store.search_tables  # noqa: F401
from rada.store.councils_tables import metadata


def run_migrations() -> None:
    """Run the migrations online, on the connection in the configuration's attributes."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "Rada's migrations run on a connection: use rada.store.schema.upgrade "
            "(or Database.upgrade)"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters a table by copying it; later migrations need batch operations there.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if getattr(context, "_proxy", None) is not None:
    run_migrations()
