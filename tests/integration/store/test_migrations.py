"""Migrations create exactly the tables the code describes, on an empty or a record-only
database, and the record's repository keeps working beside them."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from tests.integration.store.world import NOW

from rada.record import Entry, EntryKind
from rada.store.councils_tables import metadata
from rada.store.database import Database
from rada.store.engine import record_engine
from rada.store.record_repository import RecordRepository
from rada.store.record_tables import record_metadata
from rada.store.schema import head_revision
from rada.store.search_tables import SEARCH_ONLY_SCHEMA


def test_an_empty_database_is_migrated_to_head(store_url: str) -> None:
    database = Database(store_url)
    assert database.current_revision() is None
    database.upgrade()
    assert database.current_revision() == head_revision()
    assert database.is_current()
    tables = set(inspect(database.engine).get_table_names())
    assert set(metadata.tables) <= tables
    database.upgrade()  # a second run finds nothing to do
    database.dispose()


def _not_search_only(name: str | None, type_: str, parent: object) -> bool:
    """Leave out what of the search index lives outside its table's columns (an FTS5 table
    and its shadow tables on SQLite, the tsvector column on PostgreSQL)."""
    return name not in SEARCH_ONLY_SCHEMA


def test_the_migrations_match_the_tables_in_the_code(store_url: str) -> None:
    database = Database(store_url)
    database.upgrade()
    with database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _not_search_only}
        )
        differences = compare_metadata(context, metadata)
    database.dispose()
    assert differences == []


def test_a_database_with_only_the_record_is_adopted(store_url: str) -> None:
    """A database made by an earlier Rada, which created the record's tables directly."""
    engine = record_engine(store_url)
    with engine.begin() as conn:
        record_metadata.create_all(
            conn,
            tables=[
                record_metadata.tables[name]
                for name in ("record_nodes", "record_entries", "record_checkpoints")
            ],
        )
    old = RecordRepository(engine)
    old.append([Entry(EntryKind.POST, NOW, {"text": "said before migrations"})])
    database = Database(store_url)
    database.upgrade()
    assert database.record.size() == 1
    with database.unit_of_work() as uow:
        entry = uow.record.read(0)
        assert entry is not None
        assert entry.body == {"text": "said before migrations"}
    database.dispose()
    engine.dispose()


def test_create_schema_migrates_and_is_safe_to_repeat(store_url: str) -> None:
    repository = RecordRepository(record_engine(store_url))
    repository.create_schema()
    repository.create_schema()
    repository.append([Entry(EntryKind.POST, NOW, {"text": "hello"})])
    database = Database(store_url)
    assert database.is_current()
    database.upgrade()
    assert database.record.size() == 1
    database.dispose()
    repository.engine.dispose()


def test_open_database_makes_the_data_directory_and_migrates(tmp_path: Path) -> None:
    from rada.bootstrap import open_database
    from rada.config import Settings

    settings = Settings(data_dir=tmp_path / "new" / "rada", database_url="")
    database = open_database(settings)
    assert (tmp_path / "new" / "rada" / "rada.db").is_file()
    assert database.is_current()
    database.dispose()


def test_0004_lets_tokens_be_revoked_and_going_back_forgets_the_revoked(store_url: str) -> None:
    """Tokens made before 0004 stay valid; downgrading deletes the revoked ones (without the
    column they would sign people in again) and upgrading again works."""
    from sqlalchemy import insert

    from rada.services import accounts
    from rada.store.councils_tables import api_tokens, people
    from rada.store.schema import downgrade

    database = Database(store_url)
    database.upgrade("0003")
    assert "revoked_at" not in {
        c["name"] for c in inspect(database.engine).get_columns("api_tokens")
    }
    old, leaked = "rada_made-before-0004", "rada_leaked-after-0004"
    with database.engine.begin() as conn:
        ana = conn.execute(
            insert(people).values(name="Ana", email="ana@b.coop", joined_at=NOW)
        ).inserted_primary_key
        assert ana is not None
        conn.execute(
            insert(api_tokens).values(
                token_hash=accounts.token_hash(old), person_id=ana[0], name="old", created_at=NOW
            )
        )
    database.upgrade()
    assert database.is_current()
    with database.unit_of_work() as uow:
        assert accounts.token_people_ids(uow, [old]) == {old: ana[0]}
        uow.credentials.add_token(
            ana[0], accounts.token_hash(leaked), name="leaked", created_at=NOW
        )
        accounts.revoke_token(uow, person_id=ana[0], token_id=accounts.token_id(leaked), now=NOW)
        uow.commit()

    downgrade(database.engine, "0003")
    assert database.current_revision() == "0003"
    columns = {c["name"] for c in inspect(database.engine).get_columns("api_tokens")}
    assert "revoked_at" not in columns
    with database.engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT name FROM api_tokens").scalars().all()
    assert kept == ["old"]

    database.upgrade()
    assert database.is_current()
    with database.unit_of_work() as uow:
        assert accounts.token_people_ids(uow, [old, leaked]) == {old: ana[0]}
        assert [t.name for t in accounts.list_tokens(uow, ana[0])] == ["old"]
    database.dispose()


def test_0009_keeps_votes_cast_before_it_and_going_back_keeps_the_latest(store_url: str) -> None:
    """Votes stored before 0009 become version 1 and ballots current; a downgrade keeps each
    member's latest version and the current ballots only (the record keeps the rest)."""
    from sqlalchemy import text

    from rada.store.schema import downgrade

    database = Database(store_url)
    database.upgrade("0008")
    at = "'2026-01-01 00:00:00+00'" if database.engine.dialect.name == "postgresql" else "'x'"
    with database.engine.begin() as conn:
        for statement in (
            "INSERT INTO people (id, name, email, joined_at) VALUES (1, 'Ana', 'a@b.c', {at})",
            "INSERT INTO councils (id, name, slug, kind, orders, created_at, description) "
            "VALUES (1, 'B', 'b', 'workplace', '{{}}', {at}, '')",
            "INSERT INTO proposals (id, council_id, kind, title, author_id, rule, created_at, "
            "details, options, seats, stage) VALUES (1, 1, 'motion', 'T', 1, '{{}}', {at}, "
            "'{{}}', '[]', 1, 'voting')",
            "INSERT INTO votes (proposal_id, voter_id, choice, weight, cast_at) "
            'VALUES (1, 1, \'{{"position":"yes"}}\', 1, {at})',
            "INSERT INTO secret_ballots (proposal_id, receipt_hash, choice, weight) "
            "VALUES (1, 'aa', '{{}}', 1)",
        ):
            conn.execute(text(statement.format(at=at)))
    database.upgrade()
    with database.engine.begin() as conn:
        assert conn.execute(text("SELECT version FROM votes")).scalars().all() == [1]
        assert conn.execute(text("SELECT replaced FROM secret_ballots")).scalars().all() == [None]
        conn.execute(
            text(
                "INSERT INTO votes (proposal_id, voter_id, choice, weight, cast_at, version) "
                f'VALUES (1, 1, \'{{"position":"no"}}\', 1, {at}, 2)'
            )
        )
        conn.execute(text("UPDATE secret_ballots SET replaced = TRUE WHERE receipt_hash = 'aa'"))
        conn.execute(
            text(
                "INSERT INTO secret_ballots (proposal_id, receipt_hash, choice, weight) "
                "VALUES (1, 'bb', '{}', 1)"
            )
        )
    downgrade(database.engine, "0008")
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT choice FROM votes")).scalars().all() == [
            '{"position":"no"}'
        ]
        assert conn.execute(text("SELECT receipt_hash FROM secret_ballots")).scalars().all() == [
            "bb"
        ]
    database.upgrade()
    assert database.is_current()
    database.dispose()


def test_0011_indexes_what_is_there_and_going_back_drops_the_index(store_url: str) -> None:
    """Councils, proposals, decisions and posts stored before 0011 are found after it; a
    downgrade drops the index, and upgrading again makes it again."""
    from datetime import UTC, datetime

    from rada.councils.orders import CouncilKind, ProposalKind
    from rada.services import accounts, discussion
    from rada.services import councils as cs
    from rada.services import proposals as ps
    from rada.services.searching import search
    from rada.store.schema import downgrade

    at = datetime(2026, 3, 1, tzinfo=UTC)
    database = Database(store_url)
    database.upgrade()
    with database.unit_of_work() as uow:
        ana = accounts.register(uow, name="Ana", email="a@b.c", password="long enough pw", now=at)
        council = cs.create_council(
            uow, name="Pekárna", slug="pekarna", kind=CouncilKind.WORKPLACE, founder_id=ana.id,
            now=at,
        )  # fmt: skip
        oven = ps.open_proposal(
            uow, council=council.id, kind=ProposalKind.MOTION, title="Druhá pec",
            text="Přehled nákladů", by=ana.id, now=at,
        )  # fmt: skip
        discussion.write_post(uow, proposal_id=oven.id, text="Souhlasím", by=ana.id, now=at)
        uow.commit()
    downgrade(database.engine, "0010")
    assert "search_documents" not in inspect(database.engine).get_table_names()
    database.upgrade()
    with database.unit_of_work() as uow:
        assert [h.kind for h in search(uow, "prehled").hits] == ["proposal"]
        assert [h.kind for h in search(uow, "souhlasim").hits] == ["post"]
        assert [h.kind for h in search(uow, "pekarna").hits] == ["council"]
    database.dispose()
