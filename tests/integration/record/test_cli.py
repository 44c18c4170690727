"""``rada record``: the sub-app on its own, with the data directory in a temporary folder."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rada.cli.record import app
from rada.record import TamperError, verify_consistency, verify_inclusion

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    monkeypatch.setenv("RADA_DATA_DIR", str(directory))
    monkeypatch.delenv("RADA_DATABASE_URL", raising=False)
    return directory


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _fill(n: int) -> None:
    for i in range(n):
        _ok("append", "--kind", "post", "--author", "ana", "--body", json.dumps({"text": str(i)}))


def test_append_prints_the_index_and_leaf_hash() -> None:
    _fill(2)
    result = json.loads(_ok("append", "--kind", "decision", "--link", "1", "--json"))
    assert result["index"] == 2
    assert len(base64.b64decode(result["leaf_hash"])) == 32


def test_append_refuses_an_unknown_kind() -> None:
    result = runner.invoke(app, ["append", "--kind", "gossip"])
    assert result.exit_code != 0
    assert "unknown entry kind" in str(result.exception)


def test_checkpoint_signs_the_log_with_the_key_made_at_first_start(data_dir: Path) -> None:
    _fill(3)
    result = json.loads(_ok("checkpoint", "--origin", "example.org/council", "--json"))
    assert (result["origin"], result["size"]) == ("example.org/council", 3)
    assert result["note"].startswith("example.org/council\n3\n")
    assert (data_dir / "record-signing.key").stat().st_mode & 0o077 == 0
    assert _ok("pubkey").strip() == (data_dir / "record-signing.pub").read_text().strip()


def test_prove_prints_an_inclusion_proof_that_verifies() -> None:
    _fill(7)
    result = json.loads(_ok("prove", "5", "--json"))
    verify_inclusion(
        leaf_hash=base64.b64decode(result["leaf_hash"]),
        index=5,
        size=result["size"],
        proof=[base64.b64decode(p) for p in result["proof"]],
        root=base64.b64decode(result["root"]),
    )


def test_consistency_prints_a_proof_that_verifies() -> None:
    _fill(6)
    result = json.loads(_ok("consistency", "3", "--json"))
    verify_consistency(
        size1=3,
        size2=6,
        root1=base64.b64decode(result["root1"]),
        root2=base64.b64decode(result["root2"]),
        proof=[base64.b64decode(p) for p in result["proof"]],
    )


def test_export_then_verify_succeeds_with_the_published_key(tmp_path: Path, data_dir: Path) -> None:
    _fill(4)
    _ok("checkpoint")
    exported = json.loads(_ok("export", str(tmp_path / "out"), "--json"))
    assert exported["size"] == 4
    key_file = str(data_dir / "record-signing.pub")
    report = json.loads(_ok("verify", str(tmp_path / "out"), "--key", key_file, "--json"))
    assert report["ok"] is True
    assert (report["size"], report["latest_checkpoint"]) == (4, 4)
    assert report["key_from_export"] is False
    assert "verified 4 entries" in _ok("verify", str(tmp_path / "out"))


def test_verify_names_the_entry_whose_exported_content_was_altered(tmp_path: Path) -> None:
    _fill(4)
    _ok("checkpoint")
    _ok("export", str(tmp_path / "out"))
    entries = tmp_path / "out" / "entries.jsonl"
    lines = entries.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace('\\"text\\":\\"2\\"', '\\"text\\":\\"3\\"')
    entries.write_text("".join(lines))
    result = runner.invoke(app, ["verify", str(tmp_path / "out"), "--json"])
    assert isinstance(result.exception, TamperError)
    assert result.exception.index == 2
    assert json.loads(result.stdout) == {"ok": False, "error": str(result.exception), "index": 2}


def test_prove_beyond_the_log_is_an_error() -> None:
    _fill(2)
    result = runner.invoke(app, ["prove", "2"])
    assert result.exit_code != 0
    assert "no entry 2" in str(result.exception)
