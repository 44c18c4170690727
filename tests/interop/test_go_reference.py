"""Interop with code Rada did not write: Go's reference ``golang.org/x/mod/sumdb/note`` and
``golang.org/x/mod/sumdb/tlog``, as Debian packages them (``golang-go`` and
``golang-golang-x-mod-dev``, sources under ``/usr/share/gocode``; Go module downloads are not
needed). ``tlogclient.go`` checks a running Rada's ``/log/checkpoint`` with Go's note
verifier, rebuilds the tree hash from the tiles with Go's tile reader (which itself checks
every tile against the checkpoint), and proves every entry of the entry bundles; and it signs
a note with a Rada private key, which must give Rada's bytes exactly.

Go and those sources are installed with apt-get where missing and we may (as root);
otherwise skipped, saying why.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.debian import apt_install
from tests.threaded_server import serving

from rada.config import Settings
from rada.record import Entry, EntryKind
from rada.record.checkpoint import Checkpoint
from rada.record.note import COSIGNATURE_TYPE, Note, Signer, format_note, parse_note
from rada.record.witness import AddCheckpoint, read_cosignatures
from rada.store.engine import record_engine
from rada.store.keys import load_or_create_signing_key
from rada.store.record_repository import RecordRepository
from rada.store.witness_repository import CosignatureRepository, WitnessRepository
from rada.web.app import create_app

GOPATH = Path("/usr/share/gocode")
PROGRAM = Path(__file__).with_name("tlogclient.go")
WHEN = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _present() -> bool:
    return shutil.which("go") is not None and (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir()


def _missing() -> str | None:
    why = apt_install(["golang-go", "golang-golang-x-mod-dev"], present=_present)
    if why is None:
        return None
    return (
        f"Go and golang.org/x/mod (under {GOPATH}) are missing and could not be installed "
        f"({why}); as root: apt-get install golang-go golang-golang-x-mod-dev"
    )


@pytest.fixture(scope="module")
def tlogclient(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("go") / "tlogclient"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(out.parent / "cache"),
        "GOFLAGS": "",
    }
    built = subprocess.run(
        ["go", "build", "-o", str(out), str(PROGRAM)], env=env, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    return out


@pytest.fixture
def served_log(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A Rada serving a record of 600 entries (entry 3 redacted), its checkpoint cosigned."""
    repository = RecordRepository(record_engine(f"sqlite:///{tmp_path / 'rada.db'}"))
    repository.create_schema()
    signer = load_or_create_signing_key(tmp_path, origin="go.example/rada")
    repository.append([Entry(EntryKind.POST, WHEN, {"n": i}) for i in range(599)])
    (decision,) = repository.append([Entry(EntryKind.DECISION, WHEN, {"redact": 3})])
    repository.redact(3, decision=decision, reason="personal data", now=WHEN)
    note = repository.add_checkpoint(signer)
    witness = Signer.generate("witness.example/w", key_type=COSIGNATURE_TYPE)
    answer = WitnessRepository(repository.engine).add_checkpoint(
        AddCheckpoint(0, (), note), log_keys=[signer.verifier], cosigner=witness
    )
    head = Checkpoint.parse(parse_note(note).text)
    CosignatureRepository(repository.engine).add(
        head.size, read_cosignatures(answer, checkpoint=head, witness_key=witness.verifier)
    )
    settings = Settings(data_dir=tmp_path, database_url="", checkpoint_interval_seconds=0)
    with serving(create_app(settings)) as base:
        yield {
            "base": base,
            "key": signer.verifier.vkey(),
            "size": head.size,
            "root": head.root,
        }
    repository.engine.dispose()


def test_gos_reference_client_verifies_the_served_log(
    tlogclient: Path, served_log: dict[str, Any]
) -> None:
    result = subprocess.run(
        [str(tlogclient), "verify", served_log["base"], served_log["key"]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    expected = f"ok {served_log['size']} {base64.b64encode(served_log['root']).decode()} 3\n"
    assert result.stdout == expected


def test_go_signs_a_checkpoint_with_rada_keys_to_the_same_bytes(
    tlogclient: Path, tmp_path: Path
) -> None:
    signer = Signer.generate("go.example/rada")
    text = Checkpoint("go.example/rada", 12, bytes(range(32))).text()
    (tmp_path / "text").write_text(text)
    result = subprocess.run(
        [str(tlogclient), "sign", signer.private_key(), str(tmp_path / "text")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == format_note(Note(text, (signer.sign(text),)))
