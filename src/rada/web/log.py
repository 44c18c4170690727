"""The record served as a C2SP tlog-tiles log under ``/log/``.

- ``/log/checkpoint``: the newest checkpoint that the configured quorum of witnesses has
  cosigned (the newest signed one while none has), with the log's signature and every
  cosignature kept for it; ``text/plain; charset=utf-8``, cacheable for a few seconds.
- ``/log/tile/<L>/<N>[.p/<W>]``: hash tiles, straight from the stored perfect subtrees.
- ``/log/tile/entries/<N>[.p/<W>]``: entry bundles, each entry the bytes its leaf hash covers
  (a redacted entry's tombstone instead: see below).

Full tiles never change: they are kept in memory (least recently used first out, at most
:data:`CACHE_BYTES`) and sent with ``Cache-Control: public, max-age=31536000, immutable``.
Partial tiles and the checkpoint are cacheable for :data:`SHORT_SECONDS`. A malformed path
answers 400, a tile the tree does not hold yet 404, another method 405; a reason is given on
one line. Tiles are plain bytes, ``application/octet-stream``, and any site may fetch them.

A redacted entry's bytes are gone; its bundle carries the tombstone, whose hash is not the
leaf hash. The hash tiles still prove the entry's place in the tree; a client that checks
bundles against level-0 tiles finds the mismatch at exactly the redacted entries, whose
tombstones name the redaction entry that explains them. An entry over 65,535 bytes cannot be
put in a bundle (its length is a uint16): the bundle that would hold it answers 404 naming the
entry, which ``/record/entries/<index>/proof`` still serves.

This is a plain ASGI handler in front of the app (:class:`LogRoutes`): serving a cached tile
costs no routing, validation or thread hop.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from itertools import islice
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from rada.record.errors import EntryNotFoundError
from rada.record.tiles import EntryTooLargeError, TilePath, TilePathError, entry_bundle, tile_bytes

if TYPE_CHECKING:
    from rada.web.state import AppState

__all__ = ["CACHE_BYTES", "SHORT_SECONDS", "LogRoutes", "LogServer", "TileCache"]

#: The most bytes of full tiles kept in memory per process.
CACHE_BYTES = 64 * 1024 * 1024
#: How long a partial tile or the checkpoint may be cached, in seconds.
SHORT_SECONDS = 5
PREFIX = "/log/"

_OCTETS = b"application/octet-stream"
_TEXT = b"text/plain; charset=utf-8"
_IMMUTABLE = b"public, max-age=31536000, immutable"
_SHORT = f"public, max-age={SHORT_SECONDS}".encode()
_COMMON = [
    (b"access-control-allow-origin", b"*"),
    (b"x-content-type-options", b"nosniff"),
]


class TileCache:
    """Full tiles by path, least recently used dropped first once over ``limit`` bytes."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The cached tile, marked as used now."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, data: bytes) -> None:
        """Keep a full tile (one larger than the whole cache is not kept)."""
        if len(data) > self.limit:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self._items[key] = data
            self.size += len(data)
            while self.size > self.limit:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


class _NotServed(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


async def _send(
    send: Send, status: int, body: bytes, content_type: bytes, cache: bytes | None
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *_COMMON,
    ]
    headers.append((b"cache-control", cache if cache is not None else b"no-store"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class LogServer:
    """Answers the ``/log/`` paths from the app's record."""

    def __init__(self, state: AppState, *, cache: TileCache | None = None) -> None:
        self.state = state
        self.cache = cache or TileCache()

    # -- reading (in a worker thread) --------------------------------------------------------

    def checkpoint(self) -> str:
        """The checkpoint served now, cosignatures and all."""
        served = self.state.cosignatures().served(
            self.state.witness_keys(), self.state.settings.quorum
        )
        if served is None:
            raise _NotServed(404, "no checkpoint has been signed yet")
        return served

    def tile(self, tile: TilePath) -> bytes:
        """A tile's or bundle's bytes; ``_NotServed`` when the tree does not hold it."""
        repository = self.state.record()
        if tile.level is not None:
            hashes = repository.tile_hashes(tile.tree_level, tile.first, tile.width)
            if len(hashes) < tile.width:
                raise _NotServed(404, f"the log does not hold {tile.path()} yet")
            return tile_bytes(hashes)
        entries = list(islice(repository.entries(tile.first, batch=tile.width), tile.width))
        if len(entries) < tile.width or entries[-1].index != tile.first + tile.width - 1:
            raise _NotServed(404, f"the log does not hold {tile.path()} yet")
        try:
            return entry_bundle((e.content for e in entries), first=tile.first)
        except EntryTooLargeError as exc:
            raise _NotServed(
                404,
                f"{exc}: this bundle cannot be served; fetch entry {exc.index} from "
                f"/record/entries/{exc.index}/proof",
            ) from exc

    # -- the ASGI side -------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"][len(PREFIX) :]
        if scope["method"] not in ("GET", "HEAD"):
            await _send(send, 405, b"the log is read with GET\n", _TEXT, None)
            return
        if path.startswith("tile/"):
            cached = self.cache.get(path)
            if cached is not None:
                await _send(send, 200, cached, _OCTETS, _IMMUTABLE)
                return
        try:
            if path == "checkpoint":
                note = await asyncio.to_thread(self.checkpoint)
                await _send(send, 200, note.encode(), _TEXT, _SHORT)
                return
            if not path.startswith("tile/"):
                raise _NotServed(404, "the log serves /log/checkpoint and /log/tile/...")
            try:
                tile = TilePath.parse(path)
            except TilePathError as exc:
                raise _NotServed(400, str(exc)) from exc
            data = await asyncio.to_thread(self.tile, tile)
        except _NotServed as refusal:
            await _send(send, refusal.status, f"{refusal}\n".encode(), _TEXT, None)
            return
        except EntryNotFoundError as exc:
            await _send(send, 404, f"{exc}\n".encode(), _TEXT, None)
            return
        if tile.full:
            self.cache.put(path, data)
            await _send(send, 200, data, _OCTETS, _IMMUTABLE)
        else:
            await _send(send, 200, data, _OCTETS, _SHORT)


class LogRoutes:
    """ASGI middleware that hands ``/log/...`` to a :class:`LogServer`, all else to the app."""

    def __init__(self, app: ASGIApp, server: LogServer) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.server(scope, receive, send)
        else:
            await self.app(scope, receive, send)
