"""The unit of work the service tests run on: in memory, and the real databases, SQLite and
PostgreSQL (migrated as ``tests/store_fixtures.py`` does)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.store_fixtures import POSTGRES_URL

from rada.services.memory import MemoryState, MemoryUnitOfWork
from rada.services.ports import UnitOfWork
from rada.store.database import Database


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], UnitOfWork]]:
    if request.param == "memory":
        state = MemoryState()
        yield lambda: MemoryUnitOfWork(state)
        return
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        shutil.copyfile(template, tmp_path / "rada.db")
        database = Database(f"sqlite:///{tmp_path / 'rada.db'}")
        yield database.unit_of_work
        database.dispose()
        return
    admin: Engine = request.getfixturevalue("store_postgres_admin")
    schema = f"rada_services_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    database = Database(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    database.upgrade()
    yield database.unit_of_work
    database.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
