"""``rada record verify``: the log's key pinned at first use, exit 5 for any other key, and
witnesses' cosignatures on the exported checkpoints checked with ``--witness``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.store.world import NOW

from rada.cli.main import ExitCode, main
from rada.record import Entry, EntryKind
from rada.record.checkpoint import Checkpoint
from rada.record.note import COSIGNATURE_TYPE, Signer, parse_note
from rada.record.witness import AddCheckpoint, read_cosignatures
from rada.store.database import Database
from rada.store.keys import load_or_create_signing_key
from rada.store.witness_repository import CosignatureRepository, WitnessRepository

ORIGIN = "pinning.example.org/rada"


def _log(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *, entries: int = 3) -> Database:
    """A log in ``data_dir`` with ``entries`` posts and a checkpoint; the CLI pointed at it."""
    data_dir.mkdir(parents=True)
    monkeypatch.setenv("RADA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("RADA_DATABASE_URL", f"sqlite:///{data_dir / 'rada.db'}")
    database = Database(f"sqlite:///{data_dir / 'rada.db'}")
    database.upgrade()
    signer = load_or_create_signing_key(data_dir, origin=ORIGIN)
    database.record.append([Entry(EntryKind.POST, NOW, {"n": i}) for i in range(entries)])
    database.record.add_checkpoint(signer)
    return database


def _verifier_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at a reader's own data directory (where keys get pinned)."""
    reader = tmp_path / "reader"
    monkeypatch.setenv("RADA_DATA_DIR", str(reader))
    monkeypatch.delenv("RADA_DATABASE_URL")
    return reader


def test_the_first_verification_pins_the_key_and_later_ones_use_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _log(tmp_path / "log", monkeypatch).dispose()
    assert main(["record", "export", str(tmp_path / "out")]) == ExitCode.OK
    reader = _verifier_dir(tmp_path, monkeypatch)
    capsys.readouterr()
    assert main(["record", "verify", str(tmp_path / "out")]) == ExitCode.OK
    assert "pinned the key of pinning.example.org/rada" in capsys.readouterr().err
    pins = list((reader / "pinned-logs").iterdir())
    assert [p.name for p in pins] == ["pinning.example.org%2Frada.vkey"]
    assert main(["record", "verify", str(tmp_path / "out"), "--json"]) == ExitCode.OK
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["key_source"], report["key_from_export"]) == (
        True,
        "pinned",
        False,
    )


def test_an_export_signed_by_another_key_fails_with_exit_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _log(tmp_path / "log", monkeypatch).dispose()
    assert main(["record", "export", str(tmp_path / "out")]) == ExitCode.OK
    # Another log claims the same origin with a key of its own.
    _log(tmp_path / "impostor", monkeypatch).dispose()
    assert main(["record", "export", str(tmp_path / "forged")]) == ExitCode.OK
    _verifier_dir(tmp_path, monkeypatch)
    assert main(["record", "verify", str(tmp_path / "out")]) == ExitCode.OK
    capsys.readouterr()
    assert main(["record", "verify", str(tmp_path / "forged")]) == ExitCode.RECORD_INVALID
    assert "not by the key pinned" in capsys.readouterr().err
    # The same with the key given: the impostor's export fails, the real one passes.
    key = (tmp_path / "log" / "record-signing.pub").read_text().strip()
    assert main(["record", "verify", str(tmp_path / "forged"), "--key", key]) == 5
    assert main(["record", "verify", str(tmp_path / "out"), "--key", key]) == 0


def test_witnesses_cosignatures_are_exported_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = _log(tmp_path / "log", monkeypatch)
    log_key = load_or_create_signing_key(tmp_path / "log").verifier
    witness = Signer.generate("witness.example/w1", key_type=COSIGNATURE_TYPE)
    stranger = Signer.generate("witness.example/w2", key_type=COSIGNATURE_TYPE)
    note = database.record.latest_checkpoint()
    assert note is not None
    answer = WitnessRepository(database.engine).add_checkpoint(
        AddCheckpoint(0, (), note), log_keys=[log_key], cosigner=witness
    )
    head = Checkpoint.parse(parse_note(note).text)
    lines = read_cosignatures(answer, checkpoint=head, witness_key=witness.verifier)
    CosignatureRepository(database.engine).add(head.size, lines)
    database.dispose()
    assert main(["record", "export", str(tmp_path / "out")]) == ExitCode.OK
    (exported,) = (tmp_path / "out" / "checkpoints").iterdir()
    assert len(parse_note(exported.read_text()).signatures) == 2
    _verifier_dir(tmp_path, monkeypatch)
    w1, w2 = witness.verifier.vkey(), stranger.verifier.vkey()
    capsys.readouterr()
    assert main(["record", "verify", str(tmp_path / "out"), "--witness", w1, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cosigned"] == {"3": ["witness.example/w1"]}
    args = ["record", "verify", str(tmp_path / "out"), "--witness", w1, "--witness", w2]
    assert main(args) == ExitCode.RECORD_INVALID
    assert "cosigned by 1 of the trusted witnesses" in capsys.readouterr().err
    assert main([*args, "--quorum", "1"]) == ExitCode.OK
