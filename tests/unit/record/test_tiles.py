"""Tile paths, tiles and entry bundles as c2sp.org/tlog-tiles specifies them.

The path examples are the specification's (1234067 is ``x001/x234/067``; a tree of 70,000
entries) and those of Go's ``golang.org/x/mod/sumdb/tlog`` tests, whose paths carry the tile
height as well (``tile/3/5/x123/x456/078`` there is ``tile/5/x123/x456/078`` here).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rada.record.merkle import leaf_hash, root_of
from rada.record.tiles import (
    EntryTooLargeError,
    TilePath,
    TilePathError,
    entry_bundle,
    parse_entry_bundle,
    parse_tile,
    root_from_tiles,
    tile_bytes,
    tiles_of_tree,
)


@pytest.mark.parametrize(
    ("path", "tile"),
    [
        ("tile/0/x001/x234/067", TilePath(0, 1234067)),
        ("tile/0/001", TilePath(0, 1)),
        ("tile/0/001.p/5", TilePath(0, 1, 5)),
        ("tile/5/x123/x456/078", TilePath(5, 123456078)),
        ("tile/5/x123/x456/078.p/2", TilePath(5, 123456078, 2)),
        ("tile/0/x003/x057/500", TilePath(0, 3057500)),
        ("tile/entries/x003/x057/500.p/255", TilePath(None, 3057500, 255)),
        ("tile/63/000", TilePath(63, 0)),
    ],
)
def test_tile_paths_read_and_write_as_the_specification_and_go_spell_them(
    path: str, tile: TilePath
) -> None:
    assert TilePath.parse(path) == tile
    assert tile.path() == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/5/123/456/078",  # groups before the last need their x
        "tile/0/x001",  # the last group has no x
        "tile/0/1",  # not three digits
        "tile/0/0001",
        "tile/0/x000/001",  # a leading zero group
        "tile/64/000",  # level out of range
        "tile/01/000",  # leading zero in the level
        "tile/-1/000",
        "tile/0/000.p/0",  # width 0
        "tile/0/000.p/256",  # a partial tile is narrower than a full one
        "tile/0/000.p/05",
        "tile/0/000.p/",
        "tile/0/000.p",
        "tile/data/000",
        "tile/0/",
        "tile/0",
        "tiles/0/000",
        "tile/0/x001/x002/x003/x004/x005/x006/x007/008",  # beyond 64 bits
        "tile/0/abc",
    ],
)
def test_malformed_tile_paths_are_refused(path: str) -> None:
    with pytest.raises(TilePathError):
        TilePath.parse(path)


@given(st.integers(min_value=0, max_value=2**64 - 1), st.integers(min_value=1, max_value=256))
def test_every_index_and_width_round_trips(index: int, width: int) -> None:
    tile = TilePath(3, index, width)
    assert TilePath.parse(tile.path()) == tile


def test_the_tiles_of_a_tree_of_70000_entries_are_the_specifications() -> None:
    assert [t.path() for t in tiles_of_tree(70_000)] == [
        "tile/0/273.p/112",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ]
    assert [t.path() for t in tiles_of_tree(256)] == ["tile/0/000", "tile/1/000.p/1"]
    assert tiles_of_tree(0) == []


def test_a_tile_is_available_once_the_tree_holds_all_its_hashes() -> None:
    assert TilePath(0, 0).available(256)
    assert not TilePath(0, 1, 1).available(256)
    assert TilePath(1, 0, 1).available(256)
    assert not TilePath(1, 0, 2).available(511)
    assert TilePath(1, 0, 2).available(512)


def test_entry_bundles_are_uint16_length_prefixed() -> None:
    entries = [b"", b"a", b"x" * 65535]
    bundle = entry_bundle(entries)
    assert bundle[:5] == b"\x00\x00\x00\x01a"
    assert bundle[5:7] == b"\xff\xff"
    assert parse_entry_bundle(bundle) == entries


def test_an_entry_too_long_for_a_bundle_is_named() -> None:
    with pytest.raises(EntryTooLargeError, match="entry 12 is 65536 bytes") as caught:
        entry_bundle([b"ok", b"x" * 65536], first=11)
    assert caught.value.index == 12


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x05abc"])
def test_a_cut_bundle_is_refused(data: bytes) -> None:
    with pytest.raises(TilePathError):
        parse_entry_bundle(data)


def test_a_tile_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(TilePathError):
        parse_tile(bytes(64), TilePath(0, 0, 3))
    with pytest.raises(TilePathError):
        tile_bytes([])


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 512, 65535, 65536, 65537, 70_000])
def test_a_client_computes_the_root_from_tiles(size: int) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    levels = [leaves]
    while len(levels[-1]) >= 256:
        below = levels[-1]
        levels.append([root_of(below[i : i + 256]) for i in range(0, len(below) - 255, 256)])
    fetched: list[TilePath] = []

    def fetch(tile: TilePath) -> bytes:
        assert tile.level is not None
        assert tile.available(size)
        fetched.append(tile)
        return tile_bytes(levels[tile.level][tile.first : tile.first + tile.width])

    assert root_from_tiles(size, fetch) == root_of(leaves)
    assert len(fetched) == len(set(fetched))
