"""Witnessing checkpoints: the C2SP tlog-witness protocol (https://c2sp.org/tlog-witness).

A log sends each new checkpoint to its witnesses in an ``add-checkpoint`` request: a line
``old <size>`` naming the size the witness last cosigned, the consistency proof from that
size to the new one (one base64 hash per line, at most 63), a blank line, then the signed
checkpoint. A witness that knows the log's key and finds the new checkpoint consistent with
the last one it cosigned answers with its cosignature line (c2sp.org/tlog-cosignature).

This module is the protocol without the network or the storage: reading and writing requests,
the witness's decision (:func:`check_add_checkpoint`, every refusal a
:class:`WitnessRefusal` carrying the HTTP status the specification gives it), reading a
witness's answer, and checking that a checkpoint carries a quorum of cosignatures.

A witness never cosigns two checkpoints of one log that are not consistent with each other,
so a log that shows different histories to different readers (a *split view*) cannot gather
a quorum for both.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rada.record.checkpoint import Checkpoint
from rada.record.errors import NoteError, ProofError, RecordError
from rada.record.merkle import HASH_SIZE
from rada.record.note import (
    COSIGNATURE_TYPE,
    Note,
    NoteSignature,
    Signer,
    Verifier,
    format_note,
    open_note,
    parse_note,
)
from rada.record.proofs import verify_consistency

__all__ = [
    "MAX_PROOF_LINES",
    "MAX_REQUEST_BYTES",
    "AddCheckpoint",
    "CosignatureQuorumError",
    "WitnessRefusal",
    "add_cosignatures",
    "check_add_checkpoint",
    "cosign",
    "cosigned_by",
    "parse_add_checkpoint",
    "read_cosignatures",
    "verify_cosigned",
]

#: The largest add-checkpoint request a witness reads: 63 proof lines and a note with many
#: signatures fit in far less.
MAX_REQUEST_BYTES = 64 * 1024
#: The specification's bound on consistency proof lines (a tree of 2**63 entries needs 63).
MAX_PROOF_LINES = 63


class WitnessRefusal(RecordError):
    """A witness refuses a checkpoint; ``status`` is the HTTP status tlog-witness gives it.

    400: the request is malformed, or its old size is above the checkpoint's; 403: no
    signature by a key the witness trusts for that log verifies; 404: the witness knows no
    log of that origin; 409: the old size is not the size the witness last cosigned
    (``known_size`` says which it is), or the same size came with another root hash; 422: the
    consistency proof does not hold.
    """

    def __init__(
        self, message: str, *, status: int, known_size: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.known_size = known_size


class CosignatureQuorumError(ProofError):
    """A checkpoint lacks the cosignatures of enough trusted witnesses."""


@dataclass(frozen=True)
class AddCheckpoint:
    """An add-checkpoint request: the old size, the consistency proof and the checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def encode(self) -> bytes:
        """The request body.

        Examples
        --------
        >>> AddCheckpoint(0, (), "o\\n1\\nAA==\\n\\n— o AAAAAAA=\\n").encode()[:8]
        b'old 0\\n\\no'
        """
        if self.old_size < 0 or len(self.proof) > MAX_PROOF_LINES:
            raise NoteError("an add-checkpoint request needs a size >= 0 and at most 63 hashes")
        lines = [
            f"old {self.old_size}\n",
            *(base64.b64encode(h).decode() + "\n" for h in self.proof),
        ]
        return ("".join(lines) + "\n" + self.note).encode()


def _decimal(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or str(int(text)) != text or len(text) > 20:
        raise WitnessRefusal(f"{what} {text!r} is not a decimal without leading zeroes", status=400)
    value = int(text)
    if value >= 2**63:
        raise WitnessRefusal(f"{what} {value} is too large", status=400)
    return value


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Read an add-checkpoint request body; refuse (status 400) anything malformed.

    Examples
    --------
    >>> request = parse_add_checkpoint(b"old 3\\n" + b"A" * 43 + b"=\\n\\nlog\\n4\\n")
    >>> request.old_size, len(request.proof), request.note
    (3, 1, 'log\\n4\\n')
    """
    if len(body) > MAX_REQUEST_BYTES:
        raise WitnessRefusal(f"the request is over {MAX_REQUEST_BYTES} bytes", status=413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessRefusal("the request is not UTF-8", status=400) from exc
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise WitnessRefusal("the request has no blank line before the checkpoint", status=400)
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise WitnessRefusal("the request does not begin with an 'old <size>' line", status=400)
    old_size = _decimal(lines[0][4:], "old size")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRefusal(f"more than {MAX_PROOF_LINES} consistency proof lines", status=400)
    proof = []
    for number, line in enumerate(lines[1:], start=1):
        try:
            digest = base64.b64decode(line, validate=True)
        except binascii.Error as exc:
            raise WitnessRefusal(f"proof line {number} is not base64", status=400) from exc
        if len(digest) != HASH_SIZE or base64.b64encode(digest).decode() != line:
            raise WitnessRefusal(f"proof line {number} is not a {HASH_SIZE}-byte hash", status=400)
        proof.append(digest)
    return AddCheckpoint(old_size, tuple(proof), note)


def check_add_checkpoint(
    request: AddCheckpoint, *, log_keys: Sequence[Verifier], latest: Checkpoint | None
) -> Checkpoint:
    """The witness's decision: the checkpoint to cosign, or a :class:`WitnessRefusal`.

    The checks, in the specification's order: the note is well formed (400); the witness
    knows its origin (404); a trusted key's signature verifies (403); the old size is not
    above the new (400); the old size is the one last cosigned, 0 if none (409); the proof
    holds (422); at equal sizes the roots are equal (409).

    Parameters
    ----------
    request
        The parsed request.
    log_keys
        Every log key the witness trusts (for every log it witnesses).
    latest
        The last checkpoint this witness cosigned for the request's origin, if any. The
        caller must store the result only if that is still the last one (compare and swap).

    Examples
    --------
    >>> from rada.record.checkpoint import sign_checkpoint
    >>> log = Signer.generate("example.org/log")
    >>> note = sign_checkpoint(Checkpoint("example.org/log", 0, bytes(32)), log)
    >>> check_add_checkpoint(AddCheckpoint(0, (), note), log_keys=[log.verifier],
    ...                      latest=None).size
    0
    >>> check_add_checkpoint(AddCheckpoint(5, (), note), log_keys=[log.verifier],
    ...                      latest=None)
    Traceback (most recent call last):
    ...
    rada.record.witness.WitnessRefusal: old size 5 is above the checkpoint's size 0
    """
    try:
        parsed = parse_note(request.note)
        checkpoint = Checkpoint.parse(parsed.text)
    except NoteError as exc:
        raise WitnessRefusal(f"the checkpoint is malformed: {exc}", status=400) from exc
    trusted = [key for key in log_keys if key.name == checkpoint.origin]
    if not trusted:
        raise WitnessRefusal(
            f"this witness does not witness the log {checkpoint.origin!r}", status=404
        )
    try:
        open_note(request.note, trusted)
    except NoteError as exc:
        raise WitnessRefusal(
            f"no signature by a key trusted for {checkpoint.origin!r} verifies: {exc}", status=403
        ) from exc
    if request.old_size > checkpoint.size:
        raise WitnessRefusal(
            f"old size {request.old_size} is above the checkpoint's size {checkpoint.size}",
            status=400,
        )
    known = 0 if latest is None else latest.size
    if request.old_size != known:
        raise WitnessRefusal(
            f"old size {request.old_size} is not {known}, the size this witness last cosigned",
            status=409,
            known_size=known,
        )
    if latest is None or known == 0:
        if request.proof:
            raise WitnessRefusal("a request with old size 0 must carry no proof", status=400)
    elif known == checkpoint.size:
        if request.proof:
            raise WitnessRefusal("a request with equal sizes must carry no proof", status=422)
        if latest.root != checkpoint.root:
            raise WitnessRefusal(
                f"this witness cosigned another root hash at size {known}: the log forked",
                status=409,
                known_size=known,
            )
    else:
        try:
            verify_consistency(
                size1=known,
                size2=checkpoint.size,
                root1=latest.root,
                root2=checkpoint.root,
                proof=list(request.proof),
            )
        except ProofError as exc:
            raise WitnessRefusal(
                f"the checkpoint of size {checkpoint.size} is not consistent with the one of "
                f"size {known} this witness cosigned: {exc}",
                status=422,
            ) from exc
    return checkpoint


def cosign(checkpoint: Checkpoint, cosigner: Signer, *, timestamp: int | None = None) -> str:
    """The witness's answer: its cosignature line on the checkpoint, ending in a newline."""
    if cosigner.key_type != COSIGNATURE_TYPE:
        raise NoteError("a witness's key must be of type 0x04 (cosignature/v1)")
    when = int(time.time()) if timestamp is None else timestamp
    return cosigner.sign(checkpoint.text(), timestamp=when).line() + "\n"


def read_cosignatures(
    answer: str, *, checkpoint: Checkpoint, witness_key: Verifier
) -> list[NoteSignature]:
    """The valid cosignatures by ``witness_key`` in a witness's answer (others are ignored).

    Raises
    ------
    NoteError
        If the answer is not signature lines, or holds no valid cosignature by that key.
    """
    if len(answer) > MAX_REQUEST_BYTES:
        raise NoteError("the witness's answer is too long")
    signed = parse_note(checkpoint.text() + "\n" + answer)
    found = [s for s in signed.signatures if witness_key.matches(s)]
    valid = [s for s in found if witness_key.verify(signed.text, s)]
    if not valid:
        raise NoteError(f"the answer holds no valid cosignature by {witness_key.name}")
    return valid


def add_cosignatures(note: str, signatures: Sequence[NoteSignature]) -> str:
    """The note with these signature lines added (each line once)."""
    parsed = parse_note(note)
    lines = list(parsed.signatures)
    for signature in signatures:
        if signature not in lines:
            lines.append(signature)
    return format_note(Note(parsed.text, tuple(lines)))


def cosigned_by(note: str, witnesses: Sequence[Verifier]) -> list[Verifier]:
    """The witnesses whose valid cosignature the note carries (an invalid one raises)."""
    parsed = parse_note(note)
    found: list[Verifier] = []
    for witness in witnesses:
        lines = [s for s in parsed.signatures if witness.matches(s)]
        if not lines:
            continue
        if not all(witness.verify(parsed.text, s) for s in lines):
            raise NoteError(f"the cosignature of {witness.name} does not verify")
        found.append(witness)
    return found


def verify_cosigned(
    note: str, *, log_key: Verifier, witnesses: Sequence[Verifier], quorum: int
) -> Checkpoint:
    """Check the log's signature and at least ``quorum`` trusted witnesses' cosignatures.

    Raises
    ------
    SignatureError
        If the log's signature is missing or wrong.
    NoteError
        If a trusted witness's cosignature line does not verify.
    CosignatureQuorumError
        If fewer than ``quorum`` of ``witnesses`` cosigned.

    Examples
    --------
    >>> from rada.record.checkpoint import sign_checkpoint
    >>> log = Signer.generate("example.org/log")
    >>> witness = Signer.generate("w.example", key_type=COSIGNATURE_TYPE)
    >>> head = Checkpoint("example.org/log", 0, bytes(32))
    >>> note = add_cosignatures(sign_checkpoint(head, log),
    ...     read_cosignatures(cosign(head, witness), checkpoint=head,
    ...                       witness_key=witness.verifier))
    >>> verify_cosigned(note, log_key=log.verifier, witnesses=[witness.verifier],
    ...                 quorum=1).size
    0
    """
    opened = open_note(note, [log_key])
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != log_key.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the log {log_key.name!r}")
    found = cosigned_by(note, witnesses)
    if len(found) < quorum:
        raise CosignatureQuorumError(
            f"the checkpoint of size {checkpoint.size} is cosigned by {len(found)} of the "
            f"trusted witnesses; {quorum} are required",
            hint="a checkpoint that witnesses would not cosign may be a split view",
        )
    return checkpoint
