"""The store's tests run every test on SQLite and on PostgreSQL (see tests/store_fixtures.py)."""

from __future__ import annotations

from tests.store_fixtures import (  # noqa: F401 (fixtures, registered by being imported)
    database,
    migrated_sqlite_template,
    sql_uow_factory,
    store_postgres_admin,
    store_url,
)
