"""Fixtures for tests on Rada's real database, SQLite and PostgreSQL alike.

Register them with ``pytest_plugins = ["tests.store_fixtures"]`` in ``tests/conftest.py``.
``sql_uow_factory`` is what service tests take: a zero-argument callable giving a fresh
:class:`~rada.store.unit_of_work.SqlUnitOfWork` on a freshly migrated, empty database, once
on SQLite (a file in the test's temporary directory) and once on PostgreSQL (a schema of its
own, dropped afterwards; skipped, saying why, when no server answers).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from rada.store.database import Database
from rada.store.engine import record_engine
from rada.store.unit_of_work import SqlUnitOfWork

POSTGRES_URL = os.environ.get(
    "RADA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_unreachable() -> str | None:
    """Why the test server cannot be used, or None when it answers."""
    import psycopg

    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        psycopg.connect(plain, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at {POSTGRES_URL} cannot be reached: {exc}".splitlines()[0]
    return None


@contextmanager
def postgres_schema(admin: Engine, prefix: str) -> Iterator[str]:
    """The URL of a fresh, empty schema on the test server, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def store_postgres_admin() -> Iterator[Engine]:
    """An engine on the test server's database, for making and dropping schemas."""
    reason = postgres_unreachable()
    if reason is not None:
        pytest.skip(reason)
    engine = record_engine(POSTGRES_URL)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy (migrating is slower)."""
    path = tmp_path_factory.mktemp("store-template") / "rada.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own, never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rada.db'}"
        return
    admin: Engine = request.getfixturevalue("store_postgres_admin")
    with postgres_schema(admin, "rada_store") as url:
        yield url


@pytest.fixture
def database(request: pytest.FixtureRequest, store_url: str) -> Iterator[Database]:
    """A freshly migrated, empty database (SQLite, then PostgreSQL)."""
    if store_url.startswith("sqlite:///"):
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        shutil.copyfile(template, store_url.removeprefix("sqlite:///"))
        db = Database(store_url)
    else:
        db = Database(store_url)
        db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def sql_uow_factory(database: Database) -> Callable[[], SqlUnitOfWork]:
    """A zero-argument callable giving a fresh unit of work on an empty, migrated database."""
    return database.unit_of_work
