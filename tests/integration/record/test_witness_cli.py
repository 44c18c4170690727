"""``rada witness``: a key made once, printed, and a real ``rada witness serve`` process that
cosigns a log's checkpoint over HTTP and refuses what it must."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rada.cli.main import ExitCode, main
from rada.record.checkpoint import Checkpoint, sign_checkpoint
from rada.record.merkle import EMPTY_ROOT
from rada.record.note import Signer, Verifier
from rada.record.witness import AddCheckpoint, read_cosignatures

SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "witness"
    monkeypatch.setenv("RADA_DATA_DIR", str(directory))
    monkeypatch.delenv("RADA_DATABASE_URL", raising=False)
    monkeypatch.delenv("RADA_WITNESS_LOGS", raising=False)
    return directory


def test_init_makes_the_key_once_and_pubkey_prints_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["witness", "init", "--name", "w.example/witness"]) == ExitCode.OK
    made = capsys.readouterr().out.strip()
    assert made.startswith("w.example/witness+")
    assert (data_dir / "witness-signing.key").stat().st_mode & 0o077 == 0
    assert main(["witness", "pubkey"]) == ExitCode.OK
    assert capsys.readouterr().out.strip() == made
    assert main(["witness", "init"]) == ExitCode.ERROR
    assert "already exists" in capsys.readouterr().err


def test_serve_refuses_to_start_without_a_log(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["witness", "init"]) == ExitCode.OK
    assert main(["witness", "serve"]) == ExitCode.BAD_INPUT
    assert "no log to witness" in capsys.readouterr().err


def test_serve_cosigns_over_http(data_dir: Path, tmp_path: Path) -> None:
    assert main(["witness", "init", "--name", "w.example/witness"]) == ExitCode.OK
    witness_key = (data_dir / "witness-signing.pub").read_text().strip()
    log = Signer.generate("log.example/rada")
    (tmp_path / "logs.txt").write_text(f"# the logs we witness\n{log.verifier.vkey()}\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "rada.cli", "witness", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--logs", str(tmp_path / "logs.txt")],
        env=env,
        stderr=subprocess.PIPE,
    )
    head = Checkpoint(log.name, 0, EMPTY_ROOT)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/add-checkpoint",
        data=AddCheckpoint(0, (), sign_checkpoint(head, log)).encode(),
        method="POST",
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    answer = response.read().decode()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the witness did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert read_cosignatures(answer, checkpoint=head, witness_key=Verifier.from_vkey(witness_key))
