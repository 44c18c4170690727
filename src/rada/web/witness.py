"""A witness over HTTP: the C2SP tlog-witness ``add-checkpoint`` call.

    POST <prefix>/add-checkpoint      old size, consistency proof, blank line, checkpoint

answers ``200`` with the witness's cosignature line, or the status the specification gives
the fault, with a one-line reason: ``400`` malformed (or the old size above the new), ``403``
no trusted signature, ``404`` unknown log, ``409`` with ``Content-Type: text/x.tlog.size``
and the size this witness last cosigned, ``413`` a body over 64 KiB, ``422`` a proof that does
not hold. ``GET <prefix>/`` says who the witness is and which logs it witnesses.

A plain ASGI app: ``rada witness serve`` runs it alone, and an instance configured with
``RADA_WITNESS_LOGS`` and a witness key mounts it at ``/witness``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from starlette.types import Receive, Scope, Send

from rada.config import Settings
from rada.record.note import Signer, Verifier
from rada.record.witness import MAX_REQUEST_BYTES, WitnessRefusal, parse_add_checkpoint
from rada.store.witness_repository import WitnessRepository

__all__ = ["WitnessApp", "create_witness_app"]

log = logging.getLogger("rada.witness")

_TEXT = b"text/plain; charset=utf-8"


async def _answer(
    send: Send,
    status: int,
    body: bytes,
    *,
    content_type: bytes = _TEXT,
    reason: str | None = None,
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
    ]
    if reason is not None:
        # The 409 body must be the size alone; the reason goes in a header for people.
        headers.append(
            (b"x-rada-refusal", " ".join(reason.split()).encode("ascii", "replace")[:500])
        )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": headers,
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None once it is longer than ``limit`` (the rest is not read)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class WitnessApp:
    """The ASGI app of one witness: its key, the logs it trusts and its memory of them."""

    def __init__(
        self,
        repository: Callable[[], WitnessRepository],
        cosigner: Signer,
        log_keys: Sequence[Verifier],
    ) -> None:
        self._open = repository
        self._repository: WitnessRepository | None = None
        self.cosigner = cosigner
        self.log_keys = list(log_keys)

    @property
    def repository(self) -> WitnessRepository:
        """Where the witness remembers what it cosigned (opened on first use)."""
        if self._repository is None:
            self._repository = self._open()
        return self._repository

    def describe(self) -> str:
        """Who the witness is and which logs it witnesses, for people."""
        logs = "".join(f"log {key.vkey()}\n" for key in self.log_keys)
        return f"witness {self.cosigner.verifier.vkey()}\n{logs}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        method = scope.get("method", "GET")
        if path in ("", "/") and method in ("GET", "HEAD"):
            await _answer(send, 200, self.describe().encode())
            return
        if path != "/add-checkpoint":
            await _answer(send, 404, b"not found: this witness answers POST /add-checkpoint\n")
            return
        if method != "POST":
            await _answer(send, 405, b"add-checkpoint takes a POST\n")
            return
        body = await _read_body(receive, MAX_REQUEST_BYTES)
        if body is None:
            await _answer(send, 413, f"the request is over {MAX_REQUEST_BYTES} bytes\n".encode())
            return
        try:
            request = parse_add_checkpoint(body)
            line = await asyncio.to_thread(
                self.repository.add_checkpoint,
                request,
                log_keys=self.log_keys,
                cosigner=self.cosigner,
            )
        except WitnessRefusal as refusal:
            if refusal.status == 409 and refusal.known_size is not None:
                await _answer(
                    send,
                    409,
                    f"{refusal.known_size}\n".encode(),
                    content_type=b"text/x.tlog.size",
                    reason=str(refusal),
                )
            else:
                await _answer(send, refusal.status, f"{refusal}\n".encode())
            log.info("refused a checkpoint (%s): %s", refusal.status, refusal)
            return
        await _answer(send, 200, line.encode())


def create_witness_app(settings: Settings | None = None) -> WitnessApp:
    """The witness that ``rada witness serve`` runs: its key from the data directory, the
    logs of ``RADA_WITNESS_LOGS``, its memory in ``RADA_DATABASE_URL``.

        uvicorn --factory rada.web.witness:create_witness_app
    """
    from rada.config import load_settings, parse_log_keys
    from rada.store.engine import record_engine
    from rada.store.record_repository import RecordRepository
    from rada.store.witness_keys import load_witness_key

    settings = settings or load_settings()
    keys = [Verifier.from_vkey(key) for key in parse_log_keys(settings.witness_logs)]
    url = settings.database_url

    def open_repository() -> WitnessRepository:
        engine = record_engine(url)
        RecordRepository(engine).create_schema()  # the witness's tables, if missing
        return WitnessRepository(engine)

    return WitnessApp(open_repository, load_witness_key(settings.data_dir), keys)
