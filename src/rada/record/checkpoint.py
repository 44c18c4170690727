"""Signed checkpoints in the C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint).

A checkpoint's text is the origin line, the tree size in decimal and the base64 root hash,
each ending in a newline (Rada writes no extension lines). The log signs it as a signed note
with its Ed25519 key, whose name is the origin. Another party, a *cosigner*, adds a
timestamped cosignature (c2sp.org/tlog-cosignature, type 0x04) only after checking that the
new checkpoint is consistent with the last one it saw.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rada.record.errors import InconsistentCheckpointError, NoteError
from rada.record.merkle import HASH_SIZE
from rada.record.note import (
    COSIGNATURE_TYPE,
    Note,
    Signer,
    Verifier,
    format_note,
    open_note,
    parse_note,
)
from rada.record.proofs import verify_consistency

__all__ = ["Checkpoint", "cosign_checkpoint", "open_checkpoint", "sign_checkpoint"]


@dataclass(frozen=True)
class Checkpoint:
    """A log's origin, size and root hash: what a checkpoint note's text says."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        """The checkpoint's note text.

        Examples
        --------
        >>> print(Checkpoint("example.org/log", 2, bytes(32)).text(), end="")
        example.org/log
        2
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
        """
        if not self.origin or "\n" in self.origin or self.size < 0:
            raise NoteError("a checkpoint needs a one-line origin and a non-negative size")
        if len(self.root) != HASH_SIZE:
            raise NoteError(f"a checkpoint's root hash has {HASH_SIZE} bytes")
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint's note text (extension lines are refused: Rada writes none).

        Examples
        --------
        >>> Checkpoint.parse("example.org/log\\n0\\n" + "A" * 43 + "=\\n").size
        0
        """
        lines = text.split("\n")
        if len(lines) != 4 or lines[3] != "":
            raise NoteError("a checkpoint has exactly three lines: origin, size, root hash")
        origin, size_text, root_text = lines[:3]
        if not origin:
            raise NoteError("a checkpoint's origin line is empty")
        if not size_text.isascii() or not size_text.isdigit() or str(int(size_text)) != size_text:
            raise NoteError(f"tree size {size_text!r} is not a decimal without leading zeroes")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error as exc:
            raise NoteError("a checkpoint's root hash is not base64") from exc
        if len(root) != HASH_SIZE or base64.b64encode(root).decode() != root_text:
            raise NoteError(f"a checkpoint's root hash must be {HASH_SIZE} bytes of base64")
        return cls(origin, int(size_text), root)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The signed note of a checkpoint, signed by the log's key.

    Examples
    --------
    >>> signer = Signer.generate("example.org/log")
    >>> note = sign_checkpoint(Checkpoint("example.org/log", 0, bytes(32)), signer)
    >>> open_checkpoint(note, signer.verifier).size
    0
    """
    if signer.name != checkpoint.origin:
        raise NoteError(
            f"the key {signer.name!r} is not the log {checkpoint.origin!r}",
            hint="the log's key name must match its origin line",
        )
    return format_note(Note(checkpoint.text(), (signer.sign(checkpoint.text()),)))


def open_checkpoint(note: str, log_key: Verifier) -> Checkpoint:
    """Verify the log's signature on a checkpoint note and read the checkpoint.

    Raises
    ------
    SignatureError
        If the log's signature is missing or does not verify.
    NoteError
        If the note or its text is malformed, or the origin is not the key's name.
    """
    opened = open_note(note, [log_key])
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != log_key.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the log {log_key.name!r}")
    return checkpoint


def cosign_checkpoint(
    note: str,
    *,
    log_key: Verifier,
    cosigner: Signer,
    previous: Checkpoint | None,
    proof: Sequence[bytes],
    timestamp: int | None = None,
) -> str:
    """Add a cosignature to a checkpoint after checking it extends the last one seen.

    Parameters
    ----------
    note
        The checkpoint note, signed by the log (and perhaps by other cosigners).
    log_key
        The log's public key.
    cosigner
        The cosigner's key, of type 0x04 (timestamped Ed25519 cosignature).
    previous
        The last checkpoint this cosigner saw from this log, or None for the first.
    proof
        A consistency proof from ``previous`` to the new checkpoint (empty when there is no
        previous checkpoint, it was empty, or the sizes are equal).
    timestamp
        POSIX time of the cosignature; now by default.

    Returns
    -------
    str
        The note with the cosignature line added.

    Raises
    ------
    InconsistentCheckpointError
        If the new checkpoint is smaller than ``previous`` or comes from another origin.
    ProofError
        If the consistency proof does not hold.

    Examples
    --------
    >>> from rada.record.note import COSIGNATURE_TYPE
    >>> log = Signer.generate("example.org/log")
    >>> witness = Signer.generate("witness.example", key_type=COSIGNATURE_TYPE)
    >>> note = sign_checkpoint(Checkpoint("example.org/log", 0, bytes(32)), log)
    >>> signed = cosign_checkpoint(note, log_key=log.verifier, cosigner=witness,
    ...                            previous=None, proof=[], timestamp=1700000000)
    >>> len(parse_note(signed).signatures)
    2
    """
    if cosigner.key_type != COSIGNATURE_TYPE:
        raise NoteError("a cosigner's key must be of type 0x04 (cosignature/v1)")
    checkpoint = open_checkpoint(note, log_key)
    if previous is not None:
        if previous.origin != checkpoint.origin:
            raise InconsistentCheckpointError(
                f"the checkpoint is from {checkpoint.origin!r}, not {previous.origin!r}"
            )
        if checkpoint.size < previous.size:
            raise InconsistentCheckpointError(
                f"the log went back from size {previous.size} to {checkpoint.size}",
                hint="a log must never shrink: this is a rollback or a fork",
            )
        if previous.size > 0:
            verify_consistency(
                size1=previous.size,
                size2=checkpoint.size,
                root1=previous.root,
                root2=checkpoint.root,
                proof=proof,
            )
    parsed = parse_note(note)
    when = int(time.time()) if timestamp is None else timestamp
    signature = cosigner.sign(parsed.text, timestamp=when)
    return format_note(Note(parsed.text, (*parsed.signatures, signature)))
