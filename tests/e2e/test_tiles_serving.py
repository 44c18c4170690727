"""The record as tlog-tiles under /log/ (FastAPI's TestClient): the checkpoint, hash tiles and
entry bundles, their cache headers, the refusals, and a client that computes the signed root
from the tiles alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rada.config import Settings
from rada.record import Entry, EntryKind, open_checkpoint
from rada.record.export import StoredEntry
from rada.record.merkle import leaf_hash, root_of
from rada.record.tiles import TilePath, parse_entry_bundle, parse_tile, root_from_tiles
from rada.store.engine import record_engine
from rada.store.keys import load_or_create_signing_key
from rada.store.record_repository import RecordRepository
from rada.web.app import create_app

WHEN = datetime(2024, 5, 1, 12, tzinfo=UTC)
ORIGIN = "tiles.example.org/rada"
SIZE = 300


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A record of 300 entries, entry 3 redacted, a checkpoint of all of them."""
    path = tmp_path_factory.mktemp("tiles")
    repository = RecordRepository(record_engine(f"sqlite:///{path / 'rada.db'}"))
    repository.create_schema()
    signer = load_or_create_signing_key(path, origin=ORIGIN)
    entries = [Entry(EntryKind.POST, WHEN, {"n": i}, author="ana") for i in range(SIZE - 2)]
    repository.append(entries)
    (decision,) = repository.append([Entry(EntryKind.DECISION, WHEN, {"redact": 3})])
    repository.redact(3, decision=decision, reason="personal data", now=WHEN)
    assert repository.size() == SIZE
    repository.add_checkpoint(signer)
    repository.engine.dispose()
    return path


@pytest.fixture(scope="module")
def client(data_dir: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=data_dir, database_url="")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def repository(data_dir: Path) -> Iterator[RecordRepository]:
    repo = RecordRepository(record_engine(f"sqlite:///{data_dir / 'rada.db'}"))
    yield repo
    repo.engine.dispose()


def test_the_checkpoint_is_the_signed_note_and_short_lived(
    client: TestClient, data_dir: Path
) -> None:
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=5"
    key = load_or_create_signing_key(data_dir).verifier
    assert open_checkpoint(response.text, key).size == SIZE


def test_a_full_tile_holds_256_leaf_hashes_and_is_immutable(
    client: TestClient, repository: RecordRepository
) -> None:
    response = client.get("/log/tile/0/000")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["access-control-allow-origin"] == "*"
    hashes = parse_tile(response.content, TilePath(0, 0))
    assert hashes == [repository.leaf_hash(i) for i in range(256)]
    assert client.get("/log/tile/0/000").content == response.content  # now from the cache


def test_partial_tiles_are_served_up_to_the_tree_and_short_lived(
    client: TestClient, repository: RecordRepository
) -> None:
    response = client.get("/log/tile/0/001.p/44")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=5"
    assert parse_tile(response.content, TilePath(0, 1, 44))[-1] == repository.leaf_hash(299)
    upper = client.get("/log/tile/1/000.p/1")
    leaves = [repository.leaf_hash(i) for i in range(256)]
    assert upper.content == root_of(leaves)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/001",
        "tile/0/001.p/45",
        "tile/0/002.p/1",
        "tile/1/000",
        "tile/entries/001",
        # The largest tile index a path may name (2**64 - 1), and the first whose entries lie
        # past every index a database column holds (2**63 / 256): once 500, as the store was
        # asked for them.
        "tile/0/x018/x446/x744/x073/x709/x551/615",
        "tile/entries/x018/x446/x744/x073/x709/x551/615.p/7",
        "tile/0/x036/x028/x797/x018/x963/968",
        "tile/entries/x036/x028/x797/x018/x963/967",
        "tile/5/x009/x223/x372/x036/x854/x775/807",
    ],
)
def test_tiles_beyond_the_tree_are_404(client: TestClient, path: str) -> None:
    response = client.get(f"/log/{path}")
    assert response.status_code == 404
    assert "does not hold" in response.text


@pytest.mark.parametrize(
    "path",
    ["tile/0/1", "tile/64/000", "tile/0/000.p/256", "tile/0/000.p/0", "tile/x/000", "tile/0/x000"],
)
def test_malformed_tile_paths_are_400_naming_the_fault(client: TestClient, path: str) -> None:
    response = client.get(f"/log/{path}")
    assert response.status_code == 400
    assert response.text.strip()


def test_other_paths_and_methods_are_refused(client: TestClient) -> None:
    assert client.get("/log/nothing").status_code == 404
    assert client.post("/log/checkpoint").status_code == 405


def test_entry_bundles_hold_the_bytes_the_leaf_hashes_cover_and_tombstones(
    client: TestClient, repository: RecordRepository
) -> None:
    response = client.get("/log/tile/entries/000")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    entries = parse_entry_bundle(response.content)
    assert len(entries) == 256
    mismatched = [i for i, data in enumerate(entries) if leaf_hash(data) != repository.leaf_hash(i)]
    assert mismatched == [3]  # the redacted entry: its tombstone, not its content
    assert entries[3].startswith(b'{"redacted":')
    partial = parse_entry_bundle(client.get("/log/tile/entries/001.p/44").content)
    assert [leaf_hash(d) for d in partial] == [repository.leaf_hash(i) for i in range(256, 300)]


def test_a_client_computes_the_signed_root_from_the_tiles(
    client: TestClient, data_dir: Path
) -> None:
    key = load_or_create_signing_key(data_dir).verifier
    checkpoint = open_checkpoint(client.get("/log/checkpoint").text, key)

    def fetch(tile: TilePath) -> bytes:
        response = client.get(f"/log/{tile.path()}")
        assert response.status_code == 200, tile.path()
        return response.content

    assert root_from_tiles(checkpoint.size, fetch) == checkpoint.root


def test_a_bundle_holding_an_entry_too_long_for_it_is_404_naming_the_entry(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = [StoredEntry(i, bytes(32), b"x" * (70_000 if i == 260 else 10)) for i in range(256, 300)]
    monkeypatch.setattr(RecordRepository, "entries", lambda self, start, batch=0: iter(huge))
    response = client.get("/log/tile/entries/001.p/44")
    assert response.status_code == 404
    assert "entry 260 is 70000 bytes" in response.text
    assert "/record/entries/260/proof" in response.text


def test_an_unsigned_log_has_no_checkpoint_to_serve(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path, database_url=""))) as fresh:
        response = fresh.get("/log/checkpoint")
    assert response.status_code == 404
    assert "no checkpoint" in response.text
