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
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from tests.store_fixtures import postgres_schema

from rada.bootstrap import demo_economy
from rada.demo.federation import build
from rada.record.encoding import decode_entry
from rada.record.export import StoredEntry
from rada.record.merkle import leaf_hash
from rada.store.audit import Difference, audit, audit_database
from rada.store.councils_tables import install_keep_rules
from rada.store.database import Database
from rada.store.projection import AUDITED_TABLES, Projection, project_repository
from rada.store.rebuild import rebuild
from rada.store.search_tables import search_documents

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
#: The accounts the demo names, as (e-mail, what they are), from the last build.
ACCOUNTS: list[tuple[str, str]] = []


def _build(url: str) -> Database:
    database = Database(url)
    database.upgrade()
    with database.unit_of_work() as uow:
        demo = build(uow, demo_economy(), now=NOW)
        uow.commit()
    ACCOUNTS[:] = demo.accounts
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


def test_every_account_the_demo_names_has_something_to_do_at_once(demo_copy: Database) -> None:
    from rada.councils.orders import ProposalKind
    from rada.services.waiting import waiting_for

    assert len(ACCOUNTS) == 4
    kinds = set()
    with demo_copy.unit_of_work() as uow:
        for email, what in ACCOUNTS:
            person = uow.people.by_email(email)
            assert person is not None, email
            waiting = waiting_for(uow, person.id, now=NOW)
            assert waiting.to_vote or waiting.to_open, what
            kinds |= {i.proposal.kind for i in waiting.to_vote + waiting.to_open}
            kinds |= {i.proposal.kind for i in waiting.discussions}
    # A vote, an election, a budget and the cycle's target review, all waiting now.
    assert {
        ProposalKind.MOTION,
        ProposalKind.APPOINTMENT,
        ProposalKind.BUDGET,
        ProposalKind.TARGET_REVIEW,
    } <= kinds


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
    # Only the secret ballots of votes still open are missing: they are on no record until
    # the count, and the audit of the rebuilt database says how many (docs/record.md).
    found = audit_database(target.engine, target.record).differences
    open_secret = {p.id for p in _open_secret_votes(demo_copy)}
    assert open_secret
    assert {d.key for d in found} == {(p,) for p in open_secret}
    assert all((d.table, d.column, d.found) == ("secret_ballots", "count", 0) for d in found)
    # ...and hold, row for row, what the live tables hold (addresses aside).
    for name, (table, key) in AUDITED_TABLES.items():
        columns = [c for c in table.c if not (name == "people" and c.name == "email")]
        order = [table.c[k] for k in key]
        with demo_copy.engine.connect() as live, target.engine.connect() as rebuilt:
            want = live.execute(table.select().with_only_columns(*columns).order_by(*order)).all()
            got = rebuilt.execute(table.select().with_only_columns(*columns).order_by(*order)).all()
        if name == "secret_ballots":  # those of the votes still open, as said above
            want = [row for row in want if row.proposal_id not in open_secret]
        assert got == want, name
    # The search index made again from the rebuilt tables is the one the events kept live.
    assert written["search_documents"] > 0
    columns = ["kind", "ref", "council_id", "proposal_id", "title", "body"]
    order = [search_documents.c.kind, search_documents.c.ref]
    documents = select(*(search_documents.c[c] for c in columns)).order_by(*order)
    with demo_copy.engine.connect() as live, target.engine.connect() as rebuilt:
        assert rebuilt.execute(documents).all() == live.execute(documents).all()
    target.dispose()


def _open_secret_votes(database: Database) -> list[Any]:
    from rada.councils.proposals import Stage

    with database.unit_of_work() as uow:
        return [
            p
            for c in uow.councils.all()
            for p in uow.proposals.for_council(c.id, stage=Stage.VOTING)
            if p.rule.secret and uow.ballots.for_proposal(p.id)
        ]


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
        "WHERE receipt_hash = (SELECT min(receipt_hash) FROM secret_ballots WHERE proposal_id IN "
        "(SELECT id FROM proposals WHERE stage = 'decided'))",
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


def _hidden_vote(database: Database) -> int:
    """A bakery whose motions keep the running count hidden; three members vote on one."""
    from datetime import timedelta

    from rada.councils.orders import (
        CouncilKind,
        DecisionRule,
        Method,
        ProposalKind,
        Role,
        default_orders,
    )
    from rada.services import accounts
    from rada.services import councils as cs
    from rada.services import proposals as ps

    with database.unit_of_work() as uow:
        ids = [
            accounts.register(
                uow, name=n, email=f"{n}@b.coop", password="long enough pw", now=NOW
            ).id
            for n in ("ana", "bo", "cy")
        ]
        hidden = DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, live_tally=False)
        orders = default_orders(CouncilKind.WORKPLACE).with_rule(ProposalKind.MOTION, hidden)
        bakery = cs.create_council(
            uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE,
            founder_id=ids[0], now=NOW, orders=orders,
        )  # fmt: skip
        for person in ids[1:]:
            cs.admit(
                uow, council=bakery, person=cs.get_person(uow, person),
                roles=frozenset({Role.MEMBER}), now=NOW, by=ids[0],
            )  # fmt: skip
        motion = ps.open_proposal(
            uow, council=bakery.id, kind=ProposalKind.MOTION, title="Night shifts",
            text="No more night shifts.", by=ids[1], now=NOW,
        ).id  # fmt: skip
        at = NOW + timedelta(hours=25)
        ps.open_voting(uow, proposal_id=motion, by=ids[0], now=at)
        for person, position in zip(ids, ("yes", "no", "no"), strict=True):
            ps.cast_vote(uow, proposal_id=motion, by=person, choice={"position": position}, now=at)
        uow.commit()
    return motion


def _close(database: Database, motion: int) -> None:
    from datetime import timedelta

    from rada.services import proposals as ps

    with database.unit_of_work() as uow:
        ps.close_vote(uow, proposal_id=motion, by=None, now=NOW + timedelta(days=5))
        uow.commit()


def test_a_hidden_vote_changed_before_the_count_breaks_its_commitment(database: Database) -> None:
    motion = _hidden_vote(database)
    assert audit_database(database.engine, database.record).differences == []
    with database.engine.begin() as conn:
        # What an operator does first: switch the keep-rules off (then on again, below).
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER votes_keep_update"))
        conn.execute(
            text("UPDATE votes SET choice = :c WHERE proposal_id = :p AND voter_id = 2"),
            {"c": '{"position":"yes"}', "p": motion},
        )
    if database.engine.dialect.name == "sqlite":
        with database.engine.begin() as conn:
            install_keep_rules(conn)
    (before,) = audit_database(database.engine, database.record).differences
    assert (before.table, before.key, before.column) == ("votes", (motion, 2, 1), "choice")
    assert before.found == {"position": "yes"}
    # Counted anyway, the forged choice is published; the record then contradicts itself.
    _close(database, motion)
    after = audit_database(database.engine, database.record).differences
    assert [(d.table, d.key, d.column) for d in after] == [("votes", (motion, 2, 1), "choice")]
    assert "committed to at entry" in str(after[0].recorded)


def test_an_untouched_hidden_vote_opens_its_commitment_at_the_count(database: Database) -> None:
    motion = _hidden_vote(database)
    _close(database, motion)
    assert audit_database(database.engine, database.record).differences == []
    revealed = [
        e
        for s in database.record.entries()
        if not s.redacted
        and (e := decode_entry(s.content)[1]).body.get("event") in ("cast", "revealed")
    ]
    cast = [e for e in revealed if e.body["event"] == "cast"]
    assert all(e.body["choice"] is None and len(e.body["commitment"]) == 64 for e in cast)
    opened = [e for e in revealed if e.body["event"] == "revealed"]
    assert sorted(e.body["choice"]["position"] for e in opened) == ["no", "no", "yes"]
    assert all(len(e.body["salt"]) == 32 for e in opened)


def test_one_worker_audits_at_a_time(database: Database) -> None:
    from rada.web.auditing import one_auditor

    with one_auditor(database.engine) as first, one_auditor(database.engine) as second:
        assert first
        assert not second
    with one_auditor(database.engine) as again:
        assert again  # the lock is released once the audit is over


def _rewrite_entry(database: Database, index: int, *, with_leaf: bool) -> None:
    """An operator rewrites an entry's stored bytes (and, to hide it, its leaf hash too),
    after switching the append-only rules off."""
    with database.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS record_entries_redaction_only"))
        conn.execute(text("DROP TRIGGER IF EXISTS record_nodes_no_update"))
        (content,) = conn.execute(
            text("SELECT content FROM record_entries WHERE idx = :i"), {"i": index}
        ).one()
        forged = bytes(content).replace(b'"title":"', b'"title":"Not ', 1)
        assert forged != bytes(content)
        conn.execute(
            text("UPDATE record_entries SET content = :c WHERE idx = :i"), {"c": forged, "i": index}
        )
        if with_leaf:
            conn.execute(
                text("UPDATE record_nodes SET hash = :h WHERE level = 0 AND idx = :i"),
                {"h": leaf_hash(forged), "i": index},
            )


def test_the_audit_checks_that_the_record_is_the_one_signed(
    demo_copy: Database, tmp_path: Path
) -> None:
    from rada.record.note import Signer

    repository = demo_copy.record
    repository.add_checkpoint(Signer.generate("test.example/log"))
    with demo_copy.unit_of_work() as uow:
        opened = min(
            p.record_index
            for c in uow.councils.all()
            for p in uow.proposals.for_council(c.id)
            if p.record_index is not None
        )
    _rewrite_entry(demo_copy, opened, with_leaf=False)
    found = audit_database(demo_copy.engine, repository).differences
    assert ("record", (opened,), "content") in [(d.table, d.key, d.column) for d in found]
    _rewrite_entry(demo_copy, opened, with_leaf=True)
    found = audit_database(demo_copy.engine, repository).differences
    assert [(d.table, d.column) for d in found if d.table == "record"] == [("record", "root")]


# -- votes changed while open ---------------------------------------------------------------


def _changed_votes(database: Database) -> dict[str, int]:
    """Bakeries where votes were changed while open: a roll call, a hidden tally and secret
    ballots replaced through their receipts, all counted, and one secret vote still open."""
    from datetime import timedelta

    from rada.councils.orders import (
        CouncilKind,
        DecisionRule,
        Method,
        ProposalKind,
        Role,
        default_orders,
    )
    from rada.services import accounts
    from rada.services import councils as cs
    from rada.services import proposals as ps

    yes, no = {"position": "yes"}, {"position": "no"}
    rules = {
        "open": DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24),
        "hidden": DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, live_tally=False),
        "secret": DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, secret=True),
        "still open": DecisionRule(Method.SIMPLE_MAJORITY, discussion_hours=24, secret=True),
    }
    motions: dict[str, int] = {}
    with database.unit_of_work() as uow:
        ids = [
            accounts.register(
                uow, name=n, email=f"{n}@b.coop", password="long enough pw", now=NOW
            ).id
            for n in ("ana", "bo", "cy")
        ]
        at = NOW + timedelta(hours=25)
        for number, (name, rule) in enumerate(rules.items()):
            # A council per rule: standing orders change only by the council's own decision.
            orders = default_orders(CouncilKind.WORKPLACE).with_rule(ProposalKind.MOTION, rule)
            bakery = cs.create_council(
                uow, name=f"Bakery {number}", slug=f"bakery-{number}",
                kind=CouncilKind.WORKPLACE, founder_id=ids[0], now=NOW, orders=orders,
            )  # fmt: skip
            for person in ids[1:]:
                cs.admit(
                    uow, council=bakery, person=cs.get_person(uow, person),
                    roles=frozenset({Role.MEMBER}), now=NOW, by=ids[0],
                )  # fmt: skip
            motion = ps.open_proposal(
                uow, council=bakery.id, kind=ProposalKind.MOTION, title=name,
                text="Night shifts.", by=ids[1], now=NOW,
            ).id  # fmt: skip
            ps.open_voting(uow, proposal_id=motion, by=ids[0], now=at)
            motions[name] = motion
            receipts = {
                p: ps.cast_vote(uow, proposal_id=motion, by=p, choice=yes, now=at) for p in ids
            }
            for person in ids[1:]:  # bo and cy change their minds, cy twice
                for choice in (no, yes) if person == ids[2] else (no,):
                    receipts[person] = ps.cast_vote(
                        uow, proposal_id=motion, by=person, choice=choice, now=at,
                        replace_receipt=receipts[person],
                    )  # fmt: skip
            if name != "still open":
                ps.close_vote(uow, proposal_id=motion, by=None, now=at)
        uow.commit()
    return motions


def _rebuilt_beside(database: Database, request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A new, empty database of the same kind as ``database``, for a rebuild."""
    from contextlib import nullcontext

    if database.engine.dialect.name == "sqlite":
        return nullcontext(f"sqlite:///{tmp_path / 'rebuilt.db'}")
    return postgres_schema(request.getfixturevalue("store_postgres_admin"), "rada_rebuilt")


def test_votes_changed_while_open_rebuild_exactly_and_audit_clean(
    database: Database, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    motions = _changed_votes(database)
    assert audit_database(database.engine, database.record).differences == []
    with database.engine.connect() as conn:
        versions = conn.execute(text("SELECT count(*) FROM votes WHERE version > 1")).scalar()
        replaced = conn.execute(text("SELECT count(*) FROM secret_ballots WHERE replaced")).scalar()
    assert versions == 6  # bo once and cy twice, on the open and the hidden motion
    assert replaced == 6  # likewise on both secret ones
    with _rebuilt_beside(database, request, tmp_path) as url:
        target = Database(url)
        target.upgrade()
        repository = database.record
        notes = [(int(n.split("\n")[1]), n) for n in repository.checkpoints()]
        rebuild(target.engine, lambda: repository.entries(), notes, repository.entry)
        # Only the ballots of the vote still open are missing, by number, as ever.
        found = audit_database(target.engine, target.record).differences
        assert [(d.table, d.key, d.column, d.recorded, d.found) for d in found] == [
            ("secret_ballots", (motions["still open"],), "count", 3, 0)
        ]
        for name, (table, key) in AUDITED_TABLES.items():
            columns = [c for c in table.c if not (name == "people" and c.name == "email")]
            order = [table.c[k] for k in key]
            query = table.select().with_only_columns(*columns).order_by(*order)
            with database.engine.connect() as live, target.engine.connect() as rebuilt:
                want, got = live.execute(query).all(), rebuilt.execute(query).all()
            if name == "secret_ballots":  # published at the count, and only those not replaced
                want = [
                    r for r in want if r.proposal_id != motions["still open"] and not r.replaced
                ]
            assert got == want, name
        target.dispose()


def test_the_audit_names_a_rewritten_earlier_version_and_a_counted_ballot_marked_replaced(
    database: Database,
) -> None:
    motions = _changed_votes(database)
    projection = project_repository(database.record)
    if database.engine.dialect.name == "postgresql":
        off = "SET LOCAL session_replication_role = replica; "
    else:
        off = (
            "DROP TRIGGER IF EXISTS votes_keep_update; "
            "DROP TRIGGER IF EXISTS secret_ballots_keep_update; "
        )
    earlier = (
        'UPDATE votes SET choice = \'{"position":"abstain"}\' '
        f"WHERE proposal_id = {motions['open']} AND voter_id = 3 AND version = 2"
    )
    found = _differences(database.engine, projection, off + earlier)
    assert [(d.table, d.key, d.column) for d in found] == [
        ("votes", (motions["open"], 3, 2), "choice")
    ]
    counted = (
        "UPDATE secret_ballots SET replaced = TRUE WHERE receipt_hash = (SELECT min(receipt_hash) "
        f"FROM secret_ballots WHERE proposal_id = {motions['secret']} AND replaced IS NULL)"
    )
    found = _differences(database.engine, projection, off + counted)
    assert [(d.table, d.column, d.found) for d in found] == [("secret_ballots", "replaced", True)]
    # Before the count, the ballots are checked by number: a current one marked replaced
    # (with no new ballot in its place) leaves one fewer than the participations recorded.
    still = (
        "UPDATE secret_ballots SET replaced = TRUE WHERE receipt_hash = (SELECT min(receipt_hash) "
        f"FROM secret_ballots WHERE proposal_id = {motions['still open']} AND replaced IS NULL)"
    )
    found = _differences(database.engine, projection, off + still)
    assert [(d.table, d.key, d.column, d.recorded, d.found) for d in found] == [
        ("secret_ballots", (motions["still open"],), "count", 3, 2)
    ]


def test_the_keep_rules_allow_marking_a_ballot_replaced_once_and_nothing_else(
    database: Database,
) -> None:
    from sqlalchemy.exc import DBAPIError

    motions = _changed_votes(database)
    where = f"proposal_id = {motions['still open']} AND replaced IS NULL"
    for forbidden in (
        f"UPDATE secret_ballots SET replaced = NULL WHERE proposal_id = {motions['secret']} "
        "AND replaced",
        f"UPDATE secret_ballots SET choice = '{{}}' WHERE {where}",
        f"UPDATE votes SET choice = '{{}}' WHERE proposal_id = {motions['open']}",
        f"DELETE FROM votes WHERE proposal_id = {motions['open']} AND version = 1",
    ):
        with pytest.raises(DBAPIError, match="deleted or rewritten"), database.engine.begin() as c:
            c.execute(text(forbidden))
    with database.engine.begin() as conn:
        done = conn.execute(text(f"UPDATE secret_ballots SET replaced = TRUE WHERE {where}"))
        assert done.rowcount == 3
