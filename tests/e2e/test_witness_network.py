"""A log and two witnesses as real uvicorn servers on loopback, speaking tlog-witness over
HTTP: checkpoints signed and cosigned in the background, a forked log (the same key, another
history) caught by the witnesses, and bad requests refused with a reason."""

from __future__ import annotations

import base64
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.threaded_server import serving

from rada.config import Settings
from rada.record import Entry, EntryKind, TamperError, verify_export, write_export
from rada.record.checkpoint import Checkpoint, sign_checkpoint
from rada.record.note import Verifier, parse_note
from rada.record.witness import AddCheckpoint, CosignatureQuorumError, verify_cosigned
from rada.store.engine import record_engine
from rada.store.keys import load_or_create_signing_key
from rada.store.record_repository import RecordRepository
from rada.store.witness_keys import create_witness_key
from rada.store.witness_repository import CosignatureRepository, WitnessRepository
from rada.web.app import create_app
from rada.web.checkpointer import Checkpointer, post_add_checkpoint
from rada.web.state import AppState
from rada.web.witness import create_witness_app

WHEN = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _get_bytes(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _get(url: str) -> tuple[int, str]:
    status, body = _get_bytes(url)
    return status, body.decode()


def _until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _log_dir(root: Path, name: str, origin: str, posts: int) -> Path:
    path = root / name
    path.mkdir()
    repository = RecordRepository(record_engine(f"sqlite:///{path / 'rada.db'}"))
    repository.create_schema()
    load_or_create_signing_key(path, origin=origin)
    _append(repository, name, posts)
    repository.engine.dispose()
    return path


def _append(repository: RecordRepository, who: str, posts: int) -> None:
    repository.append(
        [Entry(EntryKind.POST, WHEN, {"text": f"{who} {i}"}, author=who) for i in range(posts)]
    )


def _settings(data_dir: Path, **extra: Any) -> Settings:
    return Settings(data_dir=data_dir, database_url="", **extra)


@pytest.fixture
def network(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Two witnesses serving, both trusting the logs ``a.example/log`` and ``c.example/log``
    (whose data directories are made, not yet served)."""
    a = _log_dir(tmp_path, "a", "a.example/log", 5)
    c = _log_dir(tmp_path, "c", "c.example/log", 0)
    log_keys = ",".join(load_or_create_signing_key(d).verifier.vkey() for d in (a, c))
    witnesses = []
    for name in ("w1", "w2"):
        data = tmp_path / name
        create_witness_key(data, name=f"{name}.example/witness")
        witnesses.append((data, _settings(data, witness_logs=log_keys)))
    with (
        serving(create_witness_app(witnesses[0][1])) as w1,
        serving(create_witness_app(witnesses[1][1])) as w2,
    ):
        keys = [
            (w1, create_witness_app(witnesses[0][1]).cosigner.verifier),
            (w2, create_witness_app(witnesses[1][1]).cosigner.verifier),
        ]
        yield {"root": tmp_path, "a": a, "c": c, "witnesses": keys, "dirs": witnesses}


def _configured(network: dict[str, Any]) -> str:
    return ", ".join(f"{url} {key.vkey()}" for url, key in network["witnesses"])


def test_a_log_signs_and_gathers_its_quorum_in_the_background(network: dict[str, Any]) -> None:
    settings = _settings(
        network["c"], witnesses=_configured(network), checkpoint_interval_seconds=0.2
    )
    log_key = load_or_create_signing_key(network["c"]).verifier
    witness_keys = [key for _, key in network["witnesses"]]
    with serving(create_app(settings)) as base:
        repository = RecordRepository(record_engine(settings.database_url))

        def cosigned_at(size: int) -> bool:
            status, note = _get(f"{base}/log/checkpoint")
            if status != 200 or Checkpoint.parse(parse_note(note).text).size != size:
                return False
            return len(parse_note(note).signatures) == 3

        time.sleep(0.5)  # a round sees the size, then the writes below make it grow
        _append(repository, "c", 3)
        _until(lambda: cosigned_at(3))
        _append(repository, "c", 300)
        _until(lambda: cosigned_at(303))
        _, note = _get(f"{base}/log/checkpoint")
        head = verify_cosigned(note, log_key=log_key, witnesses=witness_keys, quorum=2)
        assert head.root == repository.root(303)
        status, tile = _get_bytes(f"{base}/log/tile/0/000")
        assert status == 200
        assert tile[:32] == repository.leaf_hash(0)
        repository.engine.dispose()
    # Cosignatures survive a restart of the log: they are stored with the checkpoint.
    with serving(create_app(settings)) as base:
        _, again = _get(f"{base}/log/checkpoint")
        assert again == note


def test_a_fork_shown_to_the_two_witnesses_is_refused_and_rejected(
    network: dict[str, Any],
) -> None:
    root: Path = network["root"]
    (url1, key1), (url2, key2) = network["witnesses"]
    # The fork: the same key, another history of the same size.
    b = root / "b"
    b.mkdir()
    for name in ("record-signing.key", "record-signing.pub"):
        shutil.copy2(network["a"] / name, b / name)
    fork = RecordRepository(record_engine(f"sqlite:///{b / 'rada.db'}"))
    fork.create_schema()
    _append(fork, "mallory", 5)
    fork.engine.dispose()
    configured = _configured(network)
    states = {
        name: AppState(_settings(network[name] if name != "b" else b, witnesses=configured))
        for name in ("a", "b")
    }
    signer = load_or_create_signing_key(network["a"])
    notes = {name: state.record().add_checkpoint(signer) for name, state in states.items()}
    heads = {name: Checkpoint.parse(parse_note(n).text) for name, n in notes.items()}
    assert heads["a"].size == heads["b"].size == 5
    assert heads["a"].root != heads["b"].root
    signing = {name: Checkpointer(state) for name, state in states.items()}
    # The log shows the first witness one history and the second the other: each accepts.
    assert signing["a"].submit(url1, key1, notes["a"], heads["a"])
    assert signing["b"].submit(url2, key2, notes["b"], heads["b"])
    # Each witness then refuses the other history at the same size.
    assert not signing["a"].submit(url2, key2, notes["a"], heads["a"])
    assert not signing["b"].submit(url1, key1, notes["b"], heads["b"])
    body = AddCheckpoint(5, (), notes["a"]).encode()
    refused = post_add_checkpoint(url2, body)
    assert (refused.status, refused.content_type, refused.body) == (409, "text/x.tlog.size", "5\n")
    for (data, _), head in zip(network["dirs"], (heads["a"], heads["b"]), strict=True):
        witness = WitnessRepository(record_engine(f"sqlite:///{data / 'rada.db'}"))
        assert witness.latest("a.example/log") == head  # nothing was rolled over
        witness.engine.dispose()
    # Neither history gathers a quorum of two; a client requiring it rejects both.
    witness_keys = [key1, key2]
    for state in states.values():
        served = state.cosignatures().served(witness_keys, 2)
        assert served is not None
        with pytest.raises(CosignatureQuorumError):
            verify_cosigned(served, log_key=signer.verifier, witnesses=witness_keys, quorum=2)
        assert verify_cosigned(served, log_key=signer.verifier, witnesses=witness_keys, quorum=1)
    # A reader who saw the honest checkpoint rejects the fork's export.
    out = root / "fork-export"
    fork_repo = states["b"].record()
    write_export(
        out,
        origin=signer.name,
        public_key=signer.verifier.vkey(),
        root=fork_repo.root(),
        entries=fork_repo.entries(),
        checkpoints=CosignatureRepository(fork_repo.engine).cosigned_checkpoints(),
    )
    with pytest.raises(TamperError):
        verify_export(out, trusted_key=signer.verifier.vkey(), known_checkpoint=notes["a"])
    for state in states.values():
        state.close()


def test_a_witness_refuses_bad_requests_with_a_reason_and_stores_nothing(
    network: dict[str, Any],
) -> None:
    (url, key), _ = network["witnesses"]
    status, text = _get(url + "/")
    assert status == 200
    assert text.startswith(f"witness {key.vkey()}\n")
    a = network["a"]
    signer = load_or_create_signing_key(a)
    repository = RecordRepository(record_engine(f"sqlite:///{a / 'rada.db'}"))
    note = repository.add_checkpoint(signer)
    stranger = load_or_create_signing_key(network["root"] / "stranger", origin="s.example/log")
    other = repository.root(5)
    unknown = sign_checkpoint(Checkpoint("s.example/log", 5, other), stranger)
    cases = [
        (b"old 0\n\nnot a checkpoint\n", 400, "malformed"),
        (AddCheckpoint(0, (), unknown).encode(), 404, "does not witness"),
        (AddCheckpoint(9, (), note).encode(), 400, "above the checkpoint"),
        (AddCheckpoint(3, (), note).encode(), 409, "0"),
        (b"old 0\n" + b"A" * 70_000, 413, "over 65536 bytes"),
    ]
    for body, status_code, reason in cases:
        answer = post_add_checkpoint(url, body)
        assert answer.status == status_code, answer
        assert reason in answer.body
    forged = note.replace(note.split("\n")[2], base64.b64encode(bytes(32)).decode())
    answer = post_add_checkpoint(url, AddCheckpoint(0, (), forged).encode())
    assert answer.status == 403
    witness = WitnessRepository(record_engine(f"sqlite:///{network['dirs'][0][0] / 'rada.db'}"))
    assert witness.logs() == {}
    # A bad proof: accept size 5, then claim 5 -> 8 with a proof of zeros.
    assert post_add_checkpoint(url, AddCheckpoint(0, (), note).encode()).status == 200
    _append(repository, "a", 3)
    bigger = repository.add_checkpoint(signer)
    bad = AddCheckpoint(5, (bytes(32), bytes(32)), bigger).encode()
    answer = post_add_checkpoint(url, bad)
    assert answer.status == 422
    assert "not consistent" in answer.body
    assert witness.logs() == {"a.example/log": 5}
    assert isinstance(key, Verifier)
    witness.engine.dispose()
    repository.engine.dispose()
