"""The unit of work: a change and its record entry are committed together, or neither is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.integration.store.world import NOW, council, decision_entry, person, post_entry

from rada.record import Signer, verify_export, verify_inclusion, write_export
from rada.store.database import Database
from rada.store.unit_of_work import SqlUnitOfWork

UowFactory = Callable[[], SqlUnitOfWork]


def test_a_commit_keeps_the_change_and_its_record_entry(database: Database) -> None:
    with database.unit_of_work() as uow:
        bakery = council(uow)
        (bakery.record_index,) = uow.record.append([post_entry("founded", council_id=bakery.id)])
        uow.councils.save(bakery)
        uow.commit()
    assert database.record.size() == 1
    with database.unit_of_work() as uow:
        stored = uow.councils.get(bakery.id)
        assert stored is not None
        assert stored.record_index == 0
        entry = uow.record.read(0)
        assert entry is not None
        assert entry.body["text"] == "founded"


def test_leaving_without_commit_keeps_neither_the_change_nor_its_entry(
    database: Database,
) -> None:
    with database.unit_of_work() as uow:
        person(uow)
        uow.record.append([post_entry("never said")])
    with database.unit_of_work() as uow:
        assert uow.people.all() == []
        assert uow.record.read(0) is None
    assert database.record.size() == 0


def _fail_half_way(database: Database) -> None:
    with database.unit_of_work() as uow:
        person(uow)
        uow.record.append([post_entry("never said")])
        raise RuntimeError("the service failed half-way")


def test_an_exception_rolls_everything_back(database: Database) -> None:
    with pytest.raises(RuntimeError, match="half-way"):
        _fail_half_way(database)
    assert database.record.size() == 0
    with database.unit_of_work() as uow:
        assert uow.people.all() == []


def test_rollback_forgets_only_what_came_after_the_last_commit(database: Database) -> None:
    with database.unit_of_work() as uow:
        ana = person(uow)
        uow.record.append([post_entry("kept")])
        uow.commit()
        person(uow, "Bob Novak")
        uow.record.append([post_entry("forgotten")])
        uow.rollback()
        uow.record.append([post_entry("kept too")])
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.people.all() == [ana]
        texts = [e.body["text"] for e in map(uow.record.read, range(2)) if e is not None]
        assert texts == ["kept", "kept too"]


def test_the_record_is_correct_after_a_rolled_back_append_of_many_entries(
    database: Database,
) -> None:
    """An append in a transaction that is rolled back must leave nothing behind, not even in
    the repository's cache of upper tree nodes (a stale node would corrupt every later root)."""
    with database.unit_of_work() as uow:
        uow.record.append([post_entry(f"a{i}") for i in range(300)])
        uow.record.append([post_entry("b")])  # reads the level-8 node written just above
    with database.unit_of_work() as uow:
        uow.record.append([post_entry(f"c{i}") for i in range(301)])
        uow.commit()
    leaves = [e.leaf_hash for e in database.record.entries()]
    batch = database.record.inclusion_proofs([0, 255, 300])
    for index, leaf, proof in zip(batch.indexes, batch.leaf_hashes, batch.proofs, strict=True):
        assert leaf == leaves[index]
        verify_inclusion(leaf_hash=leaf, index=index, size=301, proof=proof, root=batch.root)


def test_entries_written_through_units_of_work_verify_on_export(
    database: Database, tmp_path: Path
) -> None:
    signer = Signer.generate("example.org/rada")
    with database.unit_of_work() as uow:
        uow.record.append([post_entry("first"), post_entry("personal data")])
        uow.commit()
    database.record.add_checkpoint(signer)
    with database.unit_of_work() as uow:
        (decision,) = uow.record.append([decision_entry()])
        redaction = uow.record.redact(1, decision=decision, reason="personal data", now=NOW)
        assert uow.record.read(1) is None
        uow.commit()
    database.record.add_checkpoint(signer)
    write_export(
        tmp_path,
        origin=signer.name,
        public_key=signer.verifier.vkey(),
        root=database.record.root(),
        entries=database.record.entries(),
        checkpoints=database.record.checkpoints(),
    )
    report = verify_export(tmp_path, trusted_key=signer.verifier.vkey())
    assert report.size == redaction + 1 == 4
    assert report.checkpoints == [2, 4]
    assert len(report.redacted) == 1
    assert report.redacted[0]["index"] == 1


def test_a_unit_of_work_is_used_inside_a_with_block(database: Database) -> None:
    uow = database.unit_of_work()
    with pytest.raises(RuntimeError, match="with"):
        uow.people.all()
    with uow:
        assert uow.people.all() == []
    with uow:
        assert uow.people.all() == []
