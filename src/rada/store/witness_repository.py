"""Storage for witnessing, on SQLite or PostgreSQL.

:class:`WitnessRepository` is this instance acting as a witness of other logs: it answers an
add-checkpoint request by the protocol's decision (:func:`rada.record.witness.
check_add_checkpoint`) and advances its memory of the log by compare and swap, so that two
requests at once can never roll it back, and answers with a cosignature only once the new
checkpoint is stored. :class:`CosignatureRepository` is this instance as a log: the
cosignatures its witnesses returned, kept with its checkpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from rada.record.checkpoint import Checkpoint
from rada.record.note import NoteSignature, Signer, Verifier, parse_note
from rada.record.witness import (
    AddCheckpoint,
    WitnessRefusal,
    add_cosignatures,
    check_add_checkpoint,
    cosign,
)
from rada.store.engine import writing
from rada.store.record_tables import record_checkpoints
from rada.store.witness_tables import record_cosignatures, witness_logs

__all__ = ["CosignatureRepository", "WitnessRepository"]

# A request that loses the compare and swap to another is decided again on what that one
# stored; a third loss in a row means the log is flooding the witness.
_ATTEMPTS = 3
# How many recent cosignatures are looked through for the newest checkpoint with a quorum.
_SERVED_SCAN = 1000


class WitnessRepository:
    """The latest checkpoint this witness cosigned for each log, and the cosigning itself."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def latest(self, origin: str) -> Checkpoint | None:
        """The latest checkpoint cosigned for ``origin``, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(witness_logs.c.size, witness_logs.c.root).where(
                    witness_logs.c.origin == origin
                )
            ).first()
        return None if row is None else Checkpoint(origin, int(row.size), bytes(row.root))

    def logs(self) -> dict[str, int]:
        """Every log witnessed so far, by origin, with the size last cosigned."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(witness_logs.c.origin, witness_logs.c.size)).all()
        return {str(origin): int(size) for origin, size in rows}

    def _swap(
        self, previous: Checkpoint | None, checkpoint: Checkpoint, note: str, now: datetime
    ) -> bool:
        """Store ``checkpoint`` if ``previous`` is still the latest; whether it was."""
        values = {"size": checkpoint.size, "root": checkpoint.root, "note": note, "updated_at": now}
        with writing(self.engine) as conn:
            if previous is None:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(witness_logs).values(origin=checkpoint.origin, **values)
                        )
                except IntegrityError:
                    return False
                return True
            done = conn.execute(
                update(witness_logs)
                .where(
                    witness_logs.c.origin == previous.origin,
                    witness_logs.c.size == previous.size,
                    witness_logs.c.root == previous.root,
                )
                .values(**values)
            )
            return done.rowcount == 1

    def add_checkpoint(
        self,
        request: AddCheckpoint,
        *,
        log_keys: Sequence[Verifier],
        cosigner: Signer,
        now: datetime | None = None,
    ) -> str:
        """Decide on a request, store the checkpoint and return the cosignature line.

        Raises
        ------
        WitnessRefusal
            With the status the protocol gives the fault; nothing is stored then.
        """
        when = now or datetime.now(UTC)
        origin = _origin(request.note)
        for _ in range(_ATTEMPTS):
            previous = self.latest(origin) if origin is not None else None
            checkpoint = check_add_checkpoint(request, log_keys=log_keys, latest=previous)
            if previous is not None and previous == checkpoint:
                break  # the same checkpoint again: cosign it again, nothing to store
            if self._swap(previous, checkpoint, request.note, when):
                break
        else:
            latest = self.latest(checkpoint.origin)
            raise WitnessRefusal(
                "other requests for this log kept changing what the witness stored; try again",
                status=409,
                known_size=0 if latest is None else latest.size,
            )
        return cosign(checkpoint, cosigner, timestamp=int(when.timestamp()))


def _origin(note: str) -> str | None:
    """The origin line of a note, before anything is checked (None when there is none)."""
    first, newline, _ = note.partition("\n")
    return first if newline and first else None


class CosignatureRepository:
    """The cosignatures witnesses returned for this log's checkpoints."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self, size: int, signatures: Sequence[NoteSignature], *, now: datetime | None = None
    ) -> int:
        """Keep the cosignatures of the checkpoint of ``size`` (one per witness key; a key
        that cosigned that size before keeps its first line). Returns how many were new."""
        added = 0
        when = now or datetime.now(UTC)
        with writing(self.engine) as conn:
            have = {
                (str(w), bytes(k))
                for w, k in conn.execute(
                    select(record_cosignatures.c.witness, record_cosignatures.c.key_id).where(
                        record_cosignatures.c.size == size
                    )
                )
            }
            for signature in signatures:
                key = (signature.name, signature.key_id)
                if key in have:
                    continue
                have.add(key)
                conn.execute(
                    insert(record_cosignatures).values(
                        size=size,
                        witness=signature.name,
                        key_id=signature.key_id,
                        line=signature.line(),
                        created_at=when,
                    )
                )
                added += 1
        return added

    def witnessed_sizes(self, witness: Verifier) -> list[int]:
        """The checkpoint sizes this witness key has cosigned, in increasing order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(record_cosignatures.c.size)
                .where(
                    record_cosignatures.c.witness == witness.name,
                    record_cosignatures.c.key_id == witness.key_id,
                )
                .order_by(record_cosignatures.c.size)
            )
            return [int(size) for (size,) in rows]

    def cosigned(self, note: str, size: int) -> str:
        """The checkpoint note of ``size`` with every cosignature kept for it."""
        with self.engine.connect() as conn:
            lines = conn.execute(
                select(record_cosignatures.c.line)
                .where(record_cosignatures.c.size == size)
                .order_by(record_cosignatures.c.witness, record_cosignatures.c.key_id)
            ).scalars()
            signatures = [parse_note(f"-\n\n{line}\n").signatures[0] for line in lines]
        return add_cosignatures(note, signatures) if signatures else note

    def cosigned_checkpoints(self) -> list[str]:
        """Every signed checkpoint note with its cosignatures, by increasing size."""
        with self.engine.connect() as conn:
            notes = conn.execute(
                select(record_checkpoints.c.size, record_checkpoints.c.note).order_by(
                    record_checkpoints.c.size
                )
            ).all()
            rows = conn.execute(
                select(record_cosignatures.c.size, record_cosignatures.c.line).order_by(
                    record_cosignatures.c.size,
                    record_cosignatures.c.witness,
                    record_cosignatures.c.key_id,
                )
            ).all()
        lines: dict[int, list[NoteSignature]] = {}
        for size, line in rows:
            lines.setdefault(int(size), []).append(parse_note(f"-\n\n{line}\n").signatures[0])
        return [
            add_cosignatures(str(note), lines[int(size)]) if int(size) in lines else str(note)
            for size, note in notes
        ]

    def served(self, witnesses: Sequence[Verifier], quorum: int) -> str | None:
        """The checkpoint a log serves: the newest one cosigned by at least ``quorum`` of
        ``witnesses`` (or, when none is, the newest signed one), with its cosignatures."""
        with self.engine.connect() as conn:
            latest = conn.execute(
                select(record_checkpoints.c.size, record_checkpoints.c.note)
                .order_by(record_checkpoints.c.size.desc())
                .limit(1)
            ).first()
            if latest is None:
                return None
            chosen = (int(latest.size), str(latest.note))
            if quorum > 0 and witnesses:
                wanted = {(w.name, w.key_id) for w in witnesses}
                rows = conn.execute(
                    select(
                        record_cosignatures.c.size,
                        record_cosignatures.c.witness,
                        record_cosignatures.c.key_id,
                    )
                    .where(record_cosignatures.c.witness.in_(sorted({w.name for w in witnesses})))
                    .order_by(record_cosignatures.c.size.desc())
                    .limit(_SERVED_SCAN)
                ).all()
                counts: dict[int, int] = {}
                for size, witness, key_id in rows:
                    if (str(witness), bytes(key_id)) in wanted:
                        counts[int(size)] = counts.get(int(size), 0) + 1
                best = max((size for size, n in counts.items() if n >= quorum), default=None)
                if best is not None and best != chosen[0]:
                    note = conn.execute(
                        select(record_checkpoints.c.note).where(record_checkpoints.c.size == best)
                    ).scalar_one()
                    chosen = (best, str(note))
        return self.cosigned(chosen[1], chosen[0])
