"""The unit of work the service tests run on: in memory, and the real databases, SQLite and
PostgreSQL (migrated as ``tests/store_fixtures.py`` does)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.store_fixtures import postgres_schema

from rada.services.ports import UnitOfWork
from rada.store.database import Database
from rada.store.memory import MemoryState, MemoryUnitOfWork


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
    with postgres_schema(admin, "rada_services") as url:
        database = Database(url)
        database.upgrade()
        yield database.unit_of_work
        database.dispose()
