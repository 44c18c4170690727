"""The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile paths, tiles and entry bundles.

A *tile* at level ``L`` is up to 256 consecutive hashes of the tree at height ``8 * L``: level
0 holds leaf hashes, level 1 the roots of full level-0 tiles, and so on. Tile ``N`` at level
``L`` holds the nodes ``(8 * L, N * 256 + i)`` for ``i`` below its width, which are exactly
perfect subtrees, as the store keeps them. A full tile is 256 hashes (8,192 bytes) and never
changes; the rightmost tiles of a tree are *partial*, 1 to 255 hashes wide, and named with a
``.p/<W>`` suffix. An *entry bundle* holds the entries of one level-0 tile, each a big-endian
uint16 length and then the entry's bytes, so an entry of more than 65,535 bytes cannot be
bundled.

Paths are relative to the log's prefix: ``tile/<L>/<N>[.p/<W>]`` and
``tile/entries/<N>[.p/<W>]``, where ``N`` is written in groups of three digits, every group
but the last prefixed with ``x`` (1234067 is ``x001/x234/067``).

A client that trusts a checkpoint computes its root from tiles alone with
:func:`root_from_tiles`, fetching each tile with a callback.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rada.record.errors import RecordError
from rada.record.merkle import HASH_SIZE, fold, range_nodes, root_of

__all__ = [
    "MAX_BUNDLED_ENTRY",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "EntryTooLargeError",
    "TilePath",
    "TilePathError",
    "entry_bundle",
    "parse_entry_bundle",
    "parse_tile",
    "root_from_tiles",
    "tile_bytes",
    "tiles_of_tree",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
#: The largest entry an entry bundle can carry: its length is a big-endian uint16.
MAX_BUNDLED_ENTRY = 0xFFFF
# A tile index fits in 64 bits; the longest encoding is seven groups of three digits.
_MAX_GROUPS = 7
_GROUP = re.compile(r"x\d{3}")
_LAST = re.compile(r"\d{3}")
_WIDTH = re.compile(r"[1-9]\d{0,2}")
_LEVEL = re.compile(r"0|[1-9]\d?")


class TilePathError(RecordError):
    """A tile path is not one the tlog-tiles specification allows."""


class EntryTooLargeError(RecordError):
    """An entry is longer than an entry bundle's uint16 length can say."""

    def __init__(self, message: str, *, index: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.index = index


def _encode_index(index: int) -> str:
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


@dataclass(frozen=True)
class TilePath:
    """One tile (``level`` 0 to 63) or entry bundle (``level`` None): its index and width.

    Examples
    --------
    >>> TilePath(0, 1234067).path()
    'tile/0/x001/x234/067'
    >>> TilePath(None, 5, width=17).path()
    'tile/entries/005.p/17'
    >>> TilePath.parse("tile/2/x001/x234/067.p/8")
    TilePath(level=2, index=1234067, width=8)
    """

    level: int | None
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if self.level is not None and not 0 <= self.level <= MAX_LEVEL:
            raise TilePathError(f"a tile's level is 0 to {MAX_LEVEL}, not {self.level}")
        if not 0 <= self.index < 2**64:
            raise TilePathError(f"a tile's index is 0 to 2**64 - 1, not {self.index}")
        if not 1 <= self.width <= TILE_WIDTH:
            raise TilePathError(f"a tile's width is 1 to {TILE_WIDTH}, not {self.width}")

    @property
    def full(self) -> bool:
        """Whether the tile is full (256 hashes or entries), and so never changes."""
        return self.width == TILE_WIDTH

    @property
    def tree_level(self) -> int:
        """The height in the Merkle tree of the hashes this tile (or bundle) covers."""
        return TILE_HEIGHT * (self.level or 0)

    @property
    def first(self) -> int:
        """The index, at :attr:`tree_level`, of the tile's first hash (or bundle's entry)."""
        return self.index * TILE_WIDTH

    def path(self) -> str:
        """The tile's path below the log's prefix."""
        level = "entries" if self.level is None else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{level}/{_encode_index(self.index)}{suffix}"

    @classmethod
    def parse(cls, path: str) -> TilePath:
        """Read a path ``tile/<L or entries>/<N>[.p/<W>]``; refuse anything else.

        Raises
        ------
        TilePathError
            If the path is malformed: a level out of range, a group that is not three digits,
            leading zero groups, a width of 0 or 256 and up.
        """
        parts = path.split("/")
        if len(parts) < 3 or parts[0] != "tile":
            raise TilePathError(f"{path!r} is not a tile path (tile/<level>/<index>)")
        level_text, rest = parts[1], parts[2:]
        level: int | None
        if level_text == "entries":
            level = None
        elif _LEVEL.fullmatch(level_text):
            level = int(level_text)
        else:
            raise TilePathError(f"tile level {level_text!r} is not 0 to {MAX_LEVEL}")
        width = TILE_WIDTH
        if len(rest) >= 2 and rest[-2].endswith(".p"):
            if not _WIDTH.fullmatch(rest[-1]) or int(rest[-1]) >= TILE_WIDTH:
                raise TilePathError(f"partial tile width {rest[-1]!r} is not 1 to 255")
            width = int(rest[-1])
            rest = [*rest[:-2], rest[-2][:-2]]
        if not 1 <= len(rest) <= _MAX_GROUPS:
            raise TilePathError(f"tile index {'/'.join(rest)!r} has too many groups")
        if not all(_GROUP.fullmatch(g) for g in rest[:-1]) or not _LAST.fullmatch(rest[-1]):
            raise TilePathError(
                f"tile index {'/'.join(rest)!r} is not groups of three digits (x001/x234/067)"
            )
        if len(rest) > 1 and rest[0] == "x000":
            raise TilePathError(f"tile index {'/'.join(rest)!r} has a leading zero group")
        index = int("".join(g.removeprefix("x") for g in rest))
        if level is not None and level > MAX_LEVEL:
            raise TilePathError(f"tile level {level} is not 0 to {MAX_LEVEL}")
        return cls(level, index, width)

    def available(self, size: int) -> bool:
        """Whether a tree of ``size`` entries holds every hash (or entry) of this tile.

        Examples
        --------
        >>> TilePath(0, 0).available(255), TilePath(0, 0, width=255).available(255)
        (False, True)
        """
        at_level = size >> self.tree_level
        return self.first + self.width <= at_level


def tiles_of_tree(size: int) -> list[TilePath]:
    """The rightmost tile of every level a tree of ``size`` entries needs, as a client names
    it: full tiles below, partial ones at the edge (empty tiles are never named).

    Examples
    --------
    The specification's example, a tree of 70,000 entries:

    >>> [t.path() for t in tiles_of_tree(70_000)]
    ['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1']
    >>> [t.path() for t in tiles_of_tree(256)]
    ['tile/0/000', 'tile/1/000.p/1']
    """
    found: list[TilePath] = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        at_level = size >> (TILE_HEIGHT * level)
        width = at_level % TILE_WIDTH
        if width:
            found.append(TilePath(level, at_level // TILE_WIDTH, width))
        else:
            found.append(TilePath(level, at_level // TILE_WIDTH - 1))
        level += 1
    return found


def tile_bytes(hashes: Sequence[bytes]) -> bytes:
    """A tile's contents: its hashes, concatenated."""
    if not 1 <= len(hashes) <= TILE_WIDTH or any(len(h) != HASH_SIZE for h in hashes):
        raise TilePathError(f"a tile holds 1 to {TILE_WIDTH} hashes of {HASH_SIZE} bytes")
    return b"".join(hashes)


def parse_tile(data: bytes, tile: TilePath) -> list[bytes]:
    """A fetched tile's hashes; its length must be exactly its width's."""
    if len(data) != tile.width * HASH_SIZE:
        raise TilePathError(
            f"{tile.path()} is {len(data)} bytes, not {tile.width * HASH_SIZE}",
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def entry_bundle(entries: Iterable[bytes], *, first: int = 0) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes.

    Raises
    ------
    EntryTooLargeError
        If an entry is over 65,535 bytes (``first`` is the index of the first entry, to name
        the one that is).

    Examples
    --------
    >>> entry_bundle([b"ab", b""])
    b'\\x00\\x02ab\\x00\\x00'
    """
    out = bytearray()
    for offset, entry in enumerate(entries):
        if len(entry) > MAX_BUNDLED_ENTRY:
            raise EntryTooLargeError(
                f"entry {first + offset} is {len(entry)} bytes; an entry bundle carries at most "
                f"{MAX_BUNDLED_ENTRY}",
                index=first + offset,
            )
        out += struct.pack(">H", len(entry))
        out += entry
    return bytes(out)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle, in order.

    Examples
    --------
    >>> parse_entry_bundle(b"\\x00\\x02ab\\x00\\x00")
    [b'ab', b'']
    """
    entries: list[bytes] = []
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise TilePathError("an entry bundle ends inside a length")
        (length,) = struct.unpack_from(">H", data, at)
        if at + 2 + length > len(data):
            raise TilePathError(f"entry {len(entries)} of the bundle is cut short")
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    if len(entries) > TILE_WIDTH:
        raise TilePathError(f"an entry bundle holds at most {TILE_WIDTH} entries")
    return entries


def _tile_holding(level: int, idx: int, size: int) -> tuple[TilePath, int, int]:
    """The tile that holds the hashes under node ``(level, idx)`` of a tree of ``size``
    entries, as that tree names it, and which of its hashes they are."""
    tile_level = level // TILE_HEIGHT
    below = level - TILE_HEIGHT * tile_level
    start, count = idx << below, 1 << below
    index = start // TILE_WIDTH
    at_level = size >> (TILE_HEIGHT * tile_level)
    width = min(TILE_WIDTH, at_level - index * TILE_WIDTH)
    return TilePath(tile_level, index, width), start - index * TILE_WIDTH, count


def root_from_tiles(size: int, fetch: Callable[[TilePath], bytes]) -> bytes:
    """The root hash of the tree of ``size`` entries, computed from its tiles.

    ``fetch`` returns a tile's bytes; each tile is fetched once. This is what a tlog-tiles
    client does before it trusts anything a checkpoint of that size says.

    Examples
    --------
    >>> from rada.record.merkle import leaf_hash
    >>> leaves = [leaf_hash(i.to_bytes(2, "big")) for i in range(300)]
    >>> def fetch(tile):
    ...     return tile_bytes(leaves[tile.first : tile.first + tile.width]) if tile.level == 0 \\
    ...         else tile_bytes([root_of(leaves[:256])])
    >>> root_from_tiles(300, fetch) == root_of(leaves)
    True
    """
    fetched: dict[TilePath, list[bytes]] = {}
    hashes: list[bytes] = []
    for level, idx in range_nodes(0, size):
        tile, offset, count = _tile_holding(level, idx, size)
        if tile not in fetched:
            fetched[tile] = parse_tile(fetch(tile), tile)
        hashes.append(root_of(fetched[tile][offset : offset + count]))
    return fold(hashes)
