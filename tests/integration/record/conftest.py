"""A record repository on SQLite and on PostgreSQL, each test in a fresh database or schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from rada.store.engine import record_engine
from rada.store.record_repository import RecordRepository

POSTGRES_URL = os.environ.get(
    "RADA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reachable() -> str | None:
    import psycopg

    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        psycopg.connect(plain, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at {POSTGRES_URL} cannot be reached: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    reason = _postgres_reachable()
    if reason is not None:
        pytest.skip(reason)
    engine = record_engine(POSTGRES_URL)
    yield engine
    engine.dispose()


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def record_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rada.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"rada_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def repository(record_url: str) -> Iterator[RecordRepository]:
    repo = RecordRepository(record_engine(record_url))
    repo.create_schema()
    yield repo
    repo.engine.dispose()


def bypass_triggers(conn: Connection) -> None:
    """What an attacker with database access does first: switch the append-only rules off."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        names = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'record_%'")
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP TRIGGER "{name}"'))
