"""Witnessing on a real database (SQLite, then PostgreSQL): the witness's compare and swap,
the log's cosignatures, checkpoints signed once per size however many processes try, and the
tiles' hashes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from rada.record import Entry, EntryKind
from rada.record.checkpoint import Checkpoint, sign_checkpoint
from rada.record.merkle import root_of
from rada.record.note import COSIGNATURE_TYPE, Signer, parse_note
from rada.record.witness import AddCheckpoint, WitnessRefusal, read_cosignatures
from rada.store.database import Database
from rada.store.witness_repository import CosignatureRepository, WitnessRepository

NOW = datetime(2026, 12, 1, tzinfo=UTC)
LOG = Signer.generate("example.org/log")
WITNESS = Signer.generate("witness.example/w1", key_type=COSIGNATURE_TYPE)
OTHER = Signer.generate("other.example/log")
OTHER_KEY = Signer.generate(LOG.name)


def _fill(database: Database, count: int) -> None:
    database.record.append([Entry(EntryKind.POST, NOW, {"n": i}) for i in range(count)])


def _request(database: Database, old: int, size: int) -> AddCheckpoint:
    root = database.record.root(size)
    note = sign_checkpoint(Checkpoint(LOG.name, size, root), LOG)
    proof = tuple(database.record.consistency_proof(old, size)) if 0 < old < size else ()
    return AddCheckpoint(old, proof, note)


def _witness(repository: WitnessRepository, request: AddCheckpoint) -> str:
    return repository.add_checkpoint(request, log_keys=[LOG.verifier], cosigner=WITNESS, now=NOW)


def test_the_witness_remembers_and_advances_only_by_consistent_steps(database: Database) -> None:
    _fill(database, 40)
    witness = WitnessRepository(database.engine)
    answer = _witness(witness, _request(database, 0, 10))
    head = Checkpoint(LOG.name, 10, database.record.root(10))
    assert read_cosignatures(answer, checkpoint=head, witness_key=WITNESS.verifier)
    _witness(witness, _request(database, 10, 30))
    assert witness.latest(LOG.name) == Checkpoint(LOG.name, 30, database.record.root(30))
    # A restart (a new engine on the same database) remembers it.
    again = WitnessRepository(Database(database.url).engine)
    assert again.logs() == {LOG.name: 30}
    with pytest.raises(WitnessRefusal) as caught:
        _witness(again, _request(database, 10, 40))
    assert (caught.value.status, caught.value.known_size) == (409, 30)
    again.engine.dispose()


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda db: AddCheckpoint(0, (), "garbage\n"), 400),
        (lambda db: _request(db, 5, 20), 409),
        (
            lambda db: AddCheckpoint(
                0, (), sign_checkpoint(Checkpoint(LOG.name, 3, bytes(32)), OTHER_KEY)
            ),
            403,
        ),
        (
            lambda db: AddCheckpoint(
                0, (), sign_checkpoint(Checkpoint(OTHER.name, 3, bytes(32)), OTHER)
            ),
            404,
        ),
    ],
)
def test_a_refused_request_stores_nothing(database: Database, make: object, status: int) -> None:
    _fill(database, 20)
    witness = WitnessRepository(database.engine)
    with pytest.raises(WitnessRefusal) as caught:
        _witness(witness, make(database))  # type: ignore[operator]
    assert caught.value.status == status
    assert witness.logs() == {}


def test_a_fork_at_the_same_size_is_refused_and_the_first_kept(database: Database) -> None:
    _fill(database, 10)
    witness = WitnessRepository(database.engine)
    _witness(witness, _request(database, 0, 10))
    forged = sign_checkpoint(Checkpoint(LOG.name, 10, root_of([bytes(32)] * 10)), LOG)
    with pytest.raises(WitnessRefusal, match="forked") as caught:
        _witness(witness, AddCheckpoint(10, (), forged))
    assert caught.value.status == 409
    assert witness.latest(LOG.name) == Checkpoint(LOG.name, 10, database.record.root(10))


def test_racing_requests_never_roll_the_witness_back(database: Database) -> None:
    _fill(database, 60)
    witness = WitnessRepository(database.engine)
    _witness(witness, _request(database, 0, 10))
    requests = [_request(database, 10, size) for size in (20, 30, 40, 50, 60)]
    outcomes: list[int] = []

    def send(request: AddCheckpoint) -> None:
        try:
            _witness(witness, request)
            outcomes.append(200)
        except WitnessRefusal as refusal:
            outcomes.append(refusal.status)

    threads = [threading.Thread(target=send, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [200, 409, 409, 409, 409]
    latest = witness.latest(LOG.name)
    assert latest is not None
    assert latest.size in (20, 30, 40, 50, 60)


def test_checkpoints_are_signed_once_per_size_by_racing_signers(database: Database) -> None:
    _fill(database, 5)
    notes: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: notes.append(database.record.add_checkpoint_if_grown(LOG)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(note is not None for note in notes) == 1
    assert database.record.add_checkpoint_if_grown(LOG) is None
    _fill(database, 1)
    assert database.record.add_checkpoint_if_grown(LOG) is not None
    assert len(database.record.checkpoints()) == 2


def test_cosignatures_are_kept_with_their_checkpoint(database: Database) -> None:
    _fill(database, 3)
    note = database.record.add_checkpoint(LOG)
    head = Checkpoint(LOG.name, 3, database.record.root(3))
    witness = WitnessRepository(database.engine)
    answer = _witness(witness, AddCheckpoint(0, (), note))
    lines = read_cosignatures(answer, checkpoint=head, witness_key=WITNESS.verifier)
    cosignatures = CosignatureRepository(database.engine)
    assert cosignatures.add(3, lines) == 1
    assert cosignatures.add(3, lines) == 0  # the same witness again: kept once
    (cosigned,) = cosignatures.cosigned_checkpoints()
    assert len(parse_note(cosigned).signatures) == 2
    assert cosigned == cosignatures.cosigned(note, 3)
    assert cosignatures.witnessed_sizes(WITNESS.verifier) == [3]


def test_tile_hashes_are_the_stored_nodes_of_one_level(database: Database) -> None:
    _fill(database, 300)
    leaves = [database.record.leaf_hash(i) for i in range(300)]
    assert database.record.tile_hashes(0, 256, 256) == leaves[256:]
    assert database.record.tile_hashes(8, 0, 256) == [root_of(leaves[:256])]
    assert database.record.tile_hashes(0, 512, 256) == []
