"""Tampering with the stored record is detected by verification, which names the entry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.integration.record.conftest import bypass_triggers

from rada.record import (
    Entry,
    EntryKind,
    Signer,
    TamperError,
    Tombstone,
    encode_entry,
    leaf_hash,
    verify_export,
    write_export,
)
from rada.store.record_repository import RecordRepository

WHEN = datetime(2024, 5, 1, tzinfo=UTC)
SIZE = 10


@pytest.fixture
def signer() -> Signer:
    return Signer.generate("example.org/council-log")


@pytest.fixture
def log(repository: RecordRepository, signer: Signer) -> RecordRepository:
    """Ten entries, with a checkpoint signed after each append, as Rada does per decision."""
    for i in range(SIZE):
        repository.append([Entry(EntryKind.POST, WHEN, {"text": f"post {i}"}, author="ana")])
        repository.add_checkpoint(signer)
    return repository


def _export(repository: RecordRepository, signer: Signer, directory: Path) -> Path:
    write_export(
        directory,
        origin=signer.name,
        public_key=signer.verifier.vkey(),
        root=repository.root(),
        entries=repository.entries(),
        checkpoints=repository.checkpoints(),
    )
    return directory


def _tamper(repository: RecordRepository, *statements: tuple[str, dict[str, object]]) -> None:
    with repository.engine.begin() as conn:
        bypass_triggers(conn)
        for statement, params in statements:
            conn.execute(text(statement), params)


def _named(repository: RecordRepository, signer: Signer, tmp_path: Path, **kw: str) -> int | None:
    with pytest.raises(TamperError) as caught:
        verify_export(_export(repository, signer, tmp_path / "export"), **kw)
    assert f"entry {caught.value.index}" in str(caught.value)
    return caught.value.index


def test_an_untouched_log_verifies(log: RecordRepository, signer: Signer, tmp_path: Path) -> None:
    report = verify_export(
        _export(log, signer, tmp_path / "export"), trusted_key=signer.verifier.vkey()
    )
    assert (report.size, report.root, report.checkpoints) == (SIZE, log.root(), list(range(1, 11)))


@pytest.mark.parametrize("index", [0, 4, SIZE - 1])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_flipping_one_byte_of_a_stored_entry_names_it(
    log: RecordRepository, signer: Signer, tmp_path: Path, index: int, where: str
) -> None:
    content = bytearray(log.entry(index).content)
    position = {"first": 0, "middle": len(content) // 2, "last": len(content) - 1}[where]
    content[position] ^= 0x01
    _tamper(
        log,
        (
            "UPDATE record_entries SET content = :c WHERE idx = :i",
            {"c": bytes(content), "i": index},
        ),
    )
    assert _named(log, signer, tmp_path) == index


def test_flipping_one_byte_of_a_stored_leaf_hash_names_its_entry(
    log: RecordRepository, signer: Signer, tmp_path: Path
) -> None:
    digest = bytearray(log.leaf_hash(6))
    digest[31] ^= 0x80
    _tamper(
        log,
        ("UPDATE record_nodes SET hash = :h WHERE level = 0 AND idx = 6", {"h": bytes(digest)}),
    )
    assert _named(log, signer, tmp_path) == 6


def test_deleting_an_entry_names_it(log: RecordRepository, signer: Signer, tmp_path: Path) -> None:
    _tamper(
        log,
        ("DELETE FROM record_entries WHERE idx = 3", {}),
        ("DELETE FROM record_nodes WHERE level = 0 AND idx = 3", {}),
    )
    assert _named(log, signer, tmp_path) == 3


def test_deleting_an_entry_and_renumbering_the_rest_names_it(
    log: RecordRepository, signer: Signer, tmp_path: Path
) -> None:
    statements = [
        ("DELETE FROM record_entries WHERE idx = 3", {}),
        ("DELETE FROM record_nodes WHERE level = 0 AND idx = 3", {}),
    ]
    for i in range(4, SIZE):
        statements += [
            ("UPDATE record_entries SET idx = :n WHERE idx = :i", {"n": i - 1, "i": i}),
            ("UPDATE record_nodes SET idx = :n WHERE level = 0 AND idx = :i", {"n": i - 1, "i": i}),
        ]
    _tamper(log, *statements)
    assert _named(log, signer, tmp_path) == 3


@pytest.mark.parametrize("with_leaves", [False, True])
def test_reordering_two_entries_names_the_first(
    log: RecordRepository, signer: Signer, tmp_path: Path, with_leaves: bool
) -> None:
    tables = ["record_entries"] + (["record_nodes"] if with_leaves else [])
    statements: list[tuple[str, dict[str, object]]] = []
    for table in tables:
        level = " AND level = 0" if table == "record_nodes" else ""
        statements += [
            (f"UPDATE {table} SET idx = -1 WHERE idx = 2{level}", {}),
            (f"UPDATE {table} SET idx = 2 WHERE idx = 7{level}", {}),
            (f"UPDATE {table} SET idx = 7 WHERE idx = -1{level}", {}),
        ]
    _tamper(log, *statements)
    assert _named(log, signer, tmp_path) == 2


def test_inserting_an_entry_names_it(log: RecordRepository, signer: Signer, tmp_path: Path) -> None:
    statements: list[tuple[str, dict[str, object]]] = []
    for i in reversed(range(5, SIZE)):
        statements += [
            ("UPDATE record_entries SET idx = :n WHERE idx = :i", {"n": i + 1, "i": i}),
            ("UPDATE record_nodes SET idx = :n WHERE level = 0 AND idx = :i", {"n": i + 1, "i": i}),
        ]
    forged = encode_entry(
        Entry(EntryKind.DECISION, WHEN, {"outcome": "adopted, allegedly"}), index=5
    )
    statements += [
        ("INSERT INTO record_entries (idx, content) VALUES (5, :c)", {"c": forged}),
        ("INSERT INTO record_nodes (level, idx, hash) VALUES (0, 5, :h)", {"h": leaf_hash(forged)}),
    ]
    _tamper(log, *statements)
    assert _named(log, signer, tmp_path) == 5


def test_rolling_the_log_back_names_the_first_missing_entry(
    log: RecordRepository, signer: Signer, tmp_path: Path
) -> None:
    seen_by_a_witness = log.latest_checkpoint()
    assert seen_by_a_witness is not None
    _tamper(
        log,
        ("DELETE FROM record_entries WHERE idx >= 6", {}),
        ("DELETE FROM record_nodes WHERE idx >= 6 AND level = 0", {}),
        ("DELETE FROM record_nodes WHERE level > 0 AND (idx + 1) * power(2, level) > 6", {})
        if log.engine.dialect.name == "postgresql"
        else ("DELETE FROM record_nodes WHERE level > 0 AND ((idx + 1) << level) > 6", {}),
        ("DELETE FROM record_checkpoints WHERE size > 6", {}),
    )
    assert log.size() == 6
    assert _named(log, signer, tmp_path, known_checkpoint=seen_by_a_witness) == 6


def test_rolling_back_and_rewriting_names_the_first_rewritten_entry(
    log: RecordRepository, signer: Signer, tmp_path: Path
) -> None:
    seen_by_a_witness = log.latest_checkpoint()
    assert seen_by_a_witness is not None
    _tamper(
        log,
        ("DELETE FROM record_entries WHERE idx >= 6", {}),
        ("DELETE FROM record_nodes WHERE idx >= 6 AND level = 0", {}),
        ("DELETE FROM record_nodes WHERE level > 0 AND (idx + 1) * power(2, level) > 6", {})
        if log.engine.dialect.name == "postgresql"
        else ("DELETE FROM record_nodes WHERE level > 0 AND ((idx + 1) << level) > 6", {}),
        ("DELETE FROM record_checkpoints WHERE size > 6", {}),
    )
    log.append([Entry(EntryKind.POST, WHEN, {"text": f"other {i}"}) for i in range(4)])
    log.add_checkpoint(signer)
    assert _named(log, signer, tmp_path, known_checkpoint=seen_by_a_witness) == 6


def test_a_redacted_entry_still_verifies_and_shows_its_tombstone(
    log: RecordRepository, signer: Signer, tmp_path: Path
) -> None:
    (decision,) = log.append([Entry(EntryKind.DECISION, WHEN, {"outcome": "adopted"})])
    redaction = log.redact(4, decision=decision, reason="personal data")
    log.add_checkpoint(signer)
    report = verify_export(_export(log, signer, tmp_path / "export"))
    assert report.redacted == [
        {"index": 4, "redaction": redaction, "decision": decision, "reason": "personal data"}
    ]
    assert report.checkpoints[-1] == SIZE + 2


def test_a_tombstone_without_a_redaction_entry_names_the_entry(
    log: RecordRepository, signer: Signer, tmp_path: Path
) -> None:
    tombstone = Tombstone(redaction=8, decision=7, reason="we would rather forget").encode()
    _tamper(
        log,
        ("UPDATE record_entries SET content = :c, redacted_by = 8 WHERE idx = 3", {"c": tombstone}),
    )
    assert _named(log, signer, tmp_path) == 3


def test_a_checkpoint_signed_by_another_key_is_rejected(
    log: RecordRepository, signer: Signer, tmp_path: Path
) -> None:
    directory = _export(log, signer, tmp_path / "export")
    with pytest.raises(TamperError, match="does not verify"):
        verify_export(directory, trusted_key=Signer.generate(signer.name).verifier.vkey())


def test_redacting_the_decision_behind_a_redaction_is_named(
    log: RecordRepository, signer: Signer, tmp_path: Path
) -> None:
    (decision,) = log.append([Entry(EntryKind.DECISION, WHEN, {"outcome": "adopted"})])
    log.redact(4, decision=decision, reason="personal data")
    # A second decision orders the first one's removal: the trail of the redaction would go.
    (cover,) = log.append([Entry(EntryKind.DECISION, WHEN, {"outcome": "adopted"})])
    log.redact(decision, decision=cover, reason="nothing to see")
    log.add_checkpoint(signer)
    assert _named(log, signer, tmp_path) == decision
