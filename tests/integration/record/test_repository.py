"""The record's storage, on SQLite and PostgreSQL: append-only, with O(log n) proofs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from rada.record import (
    Entry,
    EntryKind,
    EntryNotFoundError,
    RedactionError,
    Signer,
    Tombstone,
    consistency_proof,
    decode_entry,
    inclusion_proof,
    open_checkpoint,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from rada.store.record_repository import RecordRepository

WHEN = datetime(2024, 5, 1, tzinfo=UTC)


def _posts(n: int, start: int = 0) -> list[Entry]:
    return [
        Entry(EntryKind.POST, WHEN, {"text": f"post {i}"}, author="ana")
        for i in range(start, start + n)
    ]


def _leaves(repository: RecordRepository) -> list[bytes]:
    return [e.leaf_hash for e in repository.entries()]


def test_appended_entries_get_consecutive_indexes_and_keep_their_content(
    repository: RecordRepository,
) -> None:
    assert repository.append(_posts(3)) == range(3)
    assert repository.append(_posts(2, 3)) == range(3, 5)
    index, entry = decode_entry(repository.entry(4).content)
    assert (index, entry.body) == (4, {"text": "post 4"})


def test_roots_and_proofs_match_the_reference_tree_after_every_batch(
    repository: RecordRepository,
) -> None:
    for batch in (1, 1, 2, 3, 5, 8, 13):
        repository.append(_posts(batch))
        leaves = _leaves(repository)
        size = len(leaves)
        assert repository.root() == root_of(leaves)
        for index in range(size):
            proof = repository.inclusion_proof(index)
            assert proof == inclusion_proof(leaves, index)
            verify_inclusion(
                leaf_hash=leaves[index], index=index, size=size, proof=proof, root=root_of(leaves)
            )
        for size1 in range(1, size + 1):
            proof = repository.consistency_proof(size1)
            assert proof == consistency_proof(leaves, size1)
            verify_consistency(
                size1=size1,
                size2=size,
                root1=repository.root(size1),
                root2=repository.root(),
                proof=proof,
            )


def test_a_proof_takes_a_constant_number_of_queries_whatever_the_log_size(
    repository: RecordRepository,
) -> None:
    repository.append(_posts(1000))
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(repository.engine, "before_cursor_execute", count)
    try:
        repository.inclusion_proof(377)
        repository.consistency_proof(333)
    finally:
        event.remove(repository.engine, "before_cursor_execute", count)
    # One query for the size and one for the O(log n) nodes, per proof.
    assert len(statements) == 4


def test_batch_proofs_agree_with_single_proofs_and_verify(
    repository: RecordRepository,
) -> None:
    repository.append(_posts(45))
    leaves = _leaves(repository)
    for size in (*range(1, 46), None):
        n = len(leaves) if size is None else size
        wanted = [*range(n), 0, n - 1]
        batch = repository.inclusion_proofs(wanted, size=size)
        assert (batch.size, batch.root, batch.indexes) == (n, root_of(leaves[:n]), wanted)
        assert batch.leaf_hashes == [leaves[i] for i in wanted]
        for index, leaf, proof in zip(wanted, batch.leaf_hashes, batch.proofs, strict=True):
            assert proof == repository.inclusion_proof(index, n)
            assert proof == inclusion_proof(leaves[:n], index)
            verify_inclusion(leaf_hash=leaf, index=index, size=n, proof=proof, root=batch.root)


def test_batch_proofs_take_two_queries_however_many_proofs(
    repository: RecordRepository,
) -> None:
    repository.append(_posts(1000))
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(repository.engine, "before_cursor_execute", count)
    try:
        batch = repository.inclusion_proofs(list(range(0, 1000, 7)))
    finally:
        event.remove(repository.engine, "before_cursor_execute", count)
    assert len(batch.proofs) == 143
    # One query for the size, one for the root's, the leaves' and the proofs' nodes.
    assert len(statements) == 2


def test_batch_proofs_beyond_the_log_are_refused(repository: RecordRepository) -> None:
    repository.append(_posts(3))
    with pytest.raises(EntryNotFoundError):
        repository.inclusion_proofs([0, 3])
    with pytest.raises(EntryNotFoundError):
        repository.inclusion_proofs([0], size=4)
    assert repository.inclusion_proofs([], size=2).proofs == []


def test_proofs_beyond_the_log_are_refused(repository: RecordRepository) -> None:
    repository.append(_posts(3))
    with pytest.raises(EntryNotFoundError):
        repository.inclusion_proof(3)
    with pytest.raises(EntryNotFoundError):
        repository.root(4)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE record_nodes SET hash = hash",
        "DELETE FROM record_nodes WHERE idx = 0",
        "UPDATE record_checkpoints SET note = 'x'",
        "DELETE FROM record_checkpoints",
        "DELETE FROM record_entries WHERE idx = 1",
        "UPDATE record_entries SET content = content WHERE idx = 1",
        "UPDATE record_entries SET idx = 99, redacted_by = 2 WHERE idx = 1",
    ],
)
def test_the_database_refuses_to_rewrite_history(
    repository: RecordRepository, statement: str
) -> None:
    repository.append(_posts(3))
    repository.add_checkpoint(Signer.generate("example.org/log"))
    with pytest.raises(DBAPIError, match="append-only"), repository.engine.begin() as conn:
        conn.execute(text(statement))


def test_a_checkpoint_is_signed_once_per_size_and_opens_with_the_key(
    repository: RecordRepository,
) -> None:
    signer = Signer.generate("example.org/log")
    repository.append(_posts(5))
    note = repository.add_checkpoint(signer)
    assert repository.add_checkpoint(signer) == note
    assert open_checkpoint(note, signer.verifier).root == repository.root()
    repository.append(_posts(1))
    assert repository.latest_checkpoint() == note
    newer = repository.add_checkpoint(signer)
    assert repository.latest_checkpoint() == newer != note
    assert [open_checkpoint(n, signer.verifier).size for n in repository.checkpoints()] == [5, 6]


def _with_decision(repository: RecordRepository) -> int:
    repository.append(_posts(4))
    (decision,) = repository.append(
        [Entry(EntryKind.DECISION, WHEN, {"proposal": 0, "outcome": "adopted"})]
    )
    return decision


def test_a_redaction_replaces_content_by_a_tombstone_and_keeps_every_hash(
    repository: RecordRepository,
) -> None:
    decision = _with_decision(repository)
    before_root, before_leaves = repository.root(), _leaves(repository)
    redaction = repository.redact(2, decision=decision, reason="personal data (GDPR art. 17)")
    assert redaction == decision + 1
    assert repository.root(len(before_leaves)) == before_root
    assert _leaves(repository)[: len(before_leaves)] == before_leaves
    stored = repository.entry(2)
    assert stored.redacted
    assert Tombstone.decode(stored.content) == Tombstone(
        redaction=redaction, decision=decision, reason="personal data (GDPR art. 17)"
    )
    assert b"post 2" not in stored.content
    verify_inclusion(
        leaf_hash=stored.leaf_hash,
        index=2,
        size=repository.size(),
        proof=repository.inclusion_proof(2),
        root=repository.root(),
    )


def test_only_a_decision_can_order_a_redaction(repository: RecordRepository) -> None:
    repository.append(_posts(3))
    with pytest.raises(RedactionError, match="not a decision"):
        repository.redact(1, decision=0, reason="because")


def test_an_entry_is_redacted_at_most_once_and_a_redaction_never(
    repository: RecordRepository,
) -> None:
    decision = _with_decision(repository)
    redaction = repository.redact(1, decision=decision, reason="personal data")
    with pytest.raises(RedactionError, match="already redacted"):
        repository.redact(1, decision=decision, reason="again")
    with pytest.raises(RedactionError, match="cannot itself be redacted"):
        repository.redact(redaction, decision=decision, reason="hide the redaction")
