"""The tables are a projection of the record: rebuilt from it, audited against it.

The demo federation (councils, federations, a congress, elections, a budget, discussions and a
planning cycle part-way through review) is built once per database; the record alone must
rebuild it, and every direct edit of the tables an adversary with database access would try
must be named by the audit, table, row and column.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from tests.store_fixtures import postgres_schema

from rada.bootstrap import demo_economy
from rada.demo_federation import build
from rada.record.export import StoredEntry
from rada.store.audit import Difference, audit, audit_database
from rada.store.database import Database
from rada.store.projection import AUDITED_TABLES, Projection, project_repository
from rada.store.rebuild import rebuild

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _build(url: str) -> Database:
    database = Database(url)
    database.upgrade()
    with database.unit_of_work() as uow:
        build(uow, demo_economy(), now=NOW)
        uow.commit()
    return database


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the demo federation (tests work on copies of it)."""
    path = tmp_path_factory.mktemp("demo") / "rada.db"
    _build(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def demo_copy(demo_sqlite: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "rada.db"
    shutil.copyfile(demo_sqlite, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def demo_postgres(request: pytest.FixtureRequest) -> Iterator[tuple[Database, Projection]]:
    admin: Engine = request.getfixturevalue("store_postgres_admin")
    with postgres_schema(admin, "rada_projection") as url:
        database = _build(url)
        yield database, project_repository(database.record)
        database.dispose()


def _differences(engine: Engine, projection: Projection, tamper: str) -> list[Difference]:
    """The audit's findings after ``tamper`` (SQL), in a transaction rolled back after."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            _execute(conn, tamper)
            return audit(conn, projection)
        finally:
            transaction.rollback()


def _execute(conn: Connection, statements: str) -> None:
    for statement in statements.split(";"):
        if statement.strip():
            conn.execute(text(statement))


def test_the_live_demo_is_exactly_what_its_record_says(demo_copy: Database) -> None:
    report = audit_database(demo_copy.engine, demo_copy.record)
    assert report.size > 100
    assert report.differences == []


@pytest.mark.postgres
def test_the_live_demo_on_postgres_is_what_its_record_says(
    demo_postgres: tuple[Database, Projection],
) -> None:
    database, projection = demo_postgres
    with database.engine.connect() as conn:
        assert audit(conn, projection) == []


def test_a_database_rebuilt_from_the_record_alone_equals_the_live_one(
    demo_copy: Database, tmp_path: Path
) -> None:
    target = Database(f"sqlite:///{tmp_path / 'rebuilt.db'}")
    target.upgrade()
    repository = demo_copy.record
    notes = [(int(n.split("\n")[1]), n) for n in repository.checkpoints()]
    written = rebuild(target.engine, lambda: repository.entries(), notes, repository.entry)
    assert written["record_entries"] == repository.size()
    assert written["proposals"] > 0
    assert written["votes"] > 0
    # The rebuilt record has the same tree, and its tables audit clean against it...
    assert target.record.root() == repository.root()
    assert audit_database(target.engine, target.record).differences == []
    # ...and hold, row for row, what the live tables hold (addresses aside).
    for name, (table, key) in AUDITED_TABLES.items():
        columns = [c for c in table.c if not (name == "people" and c.name == "email")]
        order = [table.c[k] for k in key]
        with demo_copy.engine.connect() as live, target.engine.connect() as rebuilt:
            want = live.execute(table.select().with_only_columns(*columns).order_by(*order)).all()
            got = rebuilt.execute(table.select().with_only_columns(*columns).order_by(*order)).all()
        assert got == want, name
    target.dispose()


def test_rebuilding_into_a_database_that_is_not_empty_is_refused(demo_copy: Database) -> None:
    repository = demo_copy.record
    with pytest.raises(Exception, match="not empty"):
        rebuild(demo_copy.engine, lambda: repository.entries(), [], repository.entry)


TAMPERS = {
    "a proposal's title": (
        "UPDATE proposals SET title = 'Forged' WHERE id = (SELECT min(id) FROM proposals)",
        ("proposals", "title"),
    ),
    "a decision's outcome": (
        "UPDATE proposals SET decision = replace(decision, '\"adopted\"', '\"rejected\"') "
        'WHERE decision LIKE \'%"outcome":"adopted"%\'',
        ("proposals", "decision"),
    ),
    "a planted post tombstone": (
        "UPDATE post_versions SET text = '', redacted_by = (SELECT min(id) FROM proposals) "
        "WHERE post_id = (SELECT min(post_id) FROM post_versions) AND number = 1",
        ("post_versions", "text"),
    ),
    "a deleted membership": (
        "DELETE FROM memberships WHERE id = (SELECT max(id) FROM memberships)",
        ("memberships", "*"),
    ),
    "a person who never registered": (
        "INSERT INTO people (id, name, email, joined_at) "
        "VALUES (99999, 'Mallory', 'm@x.org', '2026-01-01 00:00:00')",
        ("people", "*"),
    ),
    "a renamed person": (
        "UPDATE people SET name = 'Someone Else' WHERE id = (SELECT min(id) FROM people)",
        ("people", "name"),
    ),
    "an injected secret ballot": (
        "INSERT INTO secret_ballots (proposal_id, receipt_hash, choice, weight) "
        "SELECT proposal_id, 'f' || substr(receipt_hash, 2), choice, weight FROM secret_ballots "
        "WHERE receipt_hash = (SELECT min(receipt_hash) FROM secret_ballots)",
        ("secret_ballots", "*"),
    ),
    "a vote's weight": (
        "UPDATE memberships SET weight = 7 WHERE id = (SELECT min(id) FROM memberships)",
        ("memberships", "weight"),
    ),
    "an ended office": (
        "UPDATE offices SET ended_at = '2026-01-01 00:00:00' "
        "WHERE id = (SELECT min(id) FROM offices)",
        ("offices", "ended_at"),
    ),
}


@pytest.mark.parametrize("what", sorted(TAMPERS))
def test_the_audit_names_each_direct_edit_on_sqlite(demo_copy: Database, what: str) -> None:
    statement, (table, column) = TAMPERS[what]
    projection = project_repository(demo_copy.record)
    found = _differences(demo_copy.engine, projection, statement)
    assert any(d.table == table and d.column == column for d in found), found
    assert all(d.table == table for d in found), found


@pytest.mark.postgres
@pytest.mark.parametrize("what", sorted(TAMPERS))
def test_the_audit_names_each_direct_edit_on_postgres(
    demo_postgres: tuple[Database, Projection], what: str
) -> None:
    database, projection = demo_postgres
    statement, (table, column) = TAMPERS[what]
    statement = statement.replace("'2026-01-01 00:00:00'", "'2026-01-01 00:00:00+00'")
    found = _differences(database.engine, projection, statement)
    assert any(d.table == table and d.column == column for d in found), found


def test_what_is_committed_during_an_audit_is_no_difference(
    demo_copy: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An audit reads the record and the tables in one snapshot: a member who signs up while
    it runs is in neither, rather than in the tables only (a false alarm)."""
    from rada.services import accounts

    repository = demo_copy.record
    read = repository.entries_in

    def entries_while_someone_signs_up(conn: Connection, *args: int) -> Iterator[StoredEntry]:
        for position, stored in enumerate(read(conn, *args)):
            yield stored
            if position == 0:
                with demo_copy.unit_of_work() as uow:
                    accounts.register(
                        uow, name="Late", email="late@x.org", password="long enough pw", now=NOW
                    )
                    uow.commit()

    monkeypatch.setattr(repository, "entries_in", entries_while_someone_signs_up)
    during = audit_database(demo_copy.engine, repository)
    monkeypatch.undo()
    after = audit_database(demo_copy.engine, repository)
    assert during.differences == []
    assert after.differences == []
    assert after.size == during.size + 1
