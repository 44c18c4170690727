"""Signing checkpoints and gathering cosignatures, off the request path.

Each server process runs :meth:`Checkpointer.run` as a background task of the app's lifespan.
Every ``RADA_CHECKPOINT_INTERVAL_SECONDS`` it signs a checkpoint if the record has grown
since the previous round (``RecordRepository.add_checkpoint_if_grown``, which several
processes may call at once: only one signs each size), then sends the newest
checkpoint to every configured witness that has not cosigned it, by the tlog-witness
protocol, with the consistency proof from the size that witness last cosigned. A witness that
answers 409 names its size; the request is made again from there, once. Cosignatures are
stored with the checkpoint, so they survive a restart and are served at ``/log/checkpoint``.

The work runs in a worker thread with blocking HTTP (``urllib``, a few seconds' timeout per
witness); a vote never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from rada.record.checkpoint import Checkpoint
from rada.record.errors import RecordError
from rada.record.note import Signer, Verifier, parse_note
from rada.record.witness import MAX_REQUEST_BYTES, AddCheckpoint, read_cosignatures
from rada.web.state import AppState

__all__ = ["Checkpointer", "WitnessAnswer"]

log = logging.getLogger("rada.checkpoints")

#: How long a witness may take to answer, in seconds.
WITNESS_TIMEOUT = 5.0


@dataclass(frozen=True)
class WitnessAnswer:
    """A witness's HTTP answer: its status, content type and body (at most 64 KiB read)."""

    status: int
    content_type: str
    body: str


def post_add_checkpoint(
    url: str, body: bytes, *, timeout: float = WITNESS_TIMEOUT
) -> WitnessAnswer:
    """POST an add-checkpoint request to a witness's submission prefix ``url``."""
    request = urllib.request.Request(
        url.rstrip("/") + "/add-checkpoint",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(MAX_REQUEST_BYTES + 1)
            return WitnessAnswer(
                response.status,
                response.headers.get_content_type(),
                data.decode("utf-8", "replace"),
            )
    except urllib.error.HTTPError as error:
        data = error.read(MAX_REQUEST_BYTES + 1)
        return WitnessAnswer(
            error.code, error.headers.get_content_type(), data.decode("utf-8", "replace")
        )


class Checkpointer:
    """Signs the record's checkpoints and asks the witnesses to cosign them."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self._signer: Signer | None = None
        #: The record's size at the previous round (None before the first).
        self._seen: int | None = None
        #: The size each witness (by key ID) last cosigned, as far as this process knows.
        self._known: dict[bytes, int] = {}

    def signer(self) -> Signer:
        """The log's signing key (created in the data directory on first use)."""
        if self._signer is None:
            from rada.store.keys import load_or_create_signing_key

            self._signer = load_or_create_signing_key(self.state.settings.data_dir)
        return self._signer

    async def run(self) -> None:
        """Sign and witness every interval, until cancelled."""
        interval = self.state.settings.checkpoint_interval_seconds
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.tick)
            except Exception:  # a bad tick must not stop the next: log it and go on
                log.exception("signing or witnessing a checkpoint failed")

    def tick(self) -> None:
        """One round: sign if the record grew since the last round, then gather missing
        cosignatures.

        Only growth seen while serving is signed ("after writes"): a server started over a
        record whose tail is unsigned signs it with the next write, or at once with
        ``rada record checkpoint``.
        """
        record = self.state.record()
        size = record.size()
        if self._seen is not None and size > self._seen:
            record.add_checkpoint_if_grown(self.signer())
        self._seen = size
        self.witness_latest()

    def witness_latest(self) -> None:
        """Send the newest checkpoint to each witness that has not cosigned it."""
        endpoints = self.state.settings.witness_endpoints
        if not endpoints:
            return
        note = self.state.record().latest_checkpoint()
        if note is None:
            return
        checkpoint = Checkpoint.parse(parse_note(note).text)
        for (url, _), key in zip(endpoints, self.state.witness_keys(), strict=True):
            if self._known.get(key.key_id, -1) >= checkpoint.size:
                continue
            try:
                self.submit(url, key, note, checkpoint)
            except (OSError, RecordError) as exc:
                log.warning("witness %s at %s: %s", key.name, url, exc)

    def _last_cosigned(self, key: Verifier) -> int:
        if key.key_id not in self._known:
            sizes = self.state.cosignatures().witnessed_sizes(key)
            self._known[key.key_id] = sizes[-1] if sizes else 0
        return self._known[key.key_id]

    def submit(self, url: str, key: Verifier, note: str, checkpoint: Checkpoint) -> bool:
        """Ask one witness to cosign; store its cosignature. Whether it cosigned."""
        record = self.state.record()
        old = self._last_cosigned(key)
        for _ in range(2):
            if old > checkpoint.size:
                log.error(
                    "witness %s has cosigned size %d, beyond this log's %d: "
                    "the log was rolled back, or another log uses its key",
                    key.name,
                    old,
                    checkpoint.size,
                )
                return False
            proof = record.consistency_proof(old, checkpoint.size) if old > 0 else []
            answer = post_add_checkpoint(url, AddCheckpoint(old, tuple(proof), note).encode())
            if answer.status == 200:
                lines = read_cosignatures(answer.body, checkpoint=checkpoint, witness_key=key)
                self.state.cosignatures().add(checkpoint.size, lines)
                self._known[key.key_id] = checkpoint.size
                return True
            if answer.status == 409 and answer.content_type == "text/x.tlog.size":
                reported = answer.body.strip()
                if not reported.isdigit() or int(reported) == old:
                    break
                old = int(reported)
                self._known[key.key_id] = old
                continue
            break
        log.warning(
            "witness %s at %s refused the checkpoint of size %d (%d): %s",
            key.name,
            url,
            checkpoint.size,
            answer.status,
            answer.body.strip()[:300],
        )
        return False
