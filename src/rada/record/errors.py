"""The record's errors: one base, :class:`RecordError`, with specific subclasses.

Every error carries an optional ``hint`` (what to do about it), which the command line prints
under the message.
"""

from __future__ import annotations

__all__ = [
    "EncodingError",
    "EntryNotFoundError",
    "ExportError",
    "InconsistentCheckpointError",
    "MalformedProofError",
    "NoteError",
    "ProofError",
    "RecordError",
    "RedactionError",
    "RootMismatchError",
    "SignatureError",
    "SigningKeyError",
    "TamperError",
]


class RecordError(Exception):
    """Base of every error the public record raises."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class ProofError(RecordError):
    """A Merkle proof does not hold, or its input is malformed."""


class MalformedProofError(ProofError):
    """The proof or its parameters are not well formed (sizes, indexes, hash lengths)."""


class RootMismatchError(ProofError):
    """The proof is well formed but does not reproduce the given root hash(es)."""


class InconsistentCheckpointError(ProofError):
    """A checkpoint is not an append-only extension of one seen before (fork or rollback)."""


class EncodingError(RecordError):
    """An entry, a tombstone or a value cannot be encoded canonically, or bytes do not decode."""


class NoteError(RecordError):
    """A signed note, a checkpoint or a key string is malformed."""


class SignatureError(NoteError):
    """No trusted signature on a note verifies, or a trusted one fails."""


class EntryNotFoundError(RecordError):
    """The log holds no entry at that index."""


class RedactionError(RecordError):
    """A redaction was asked for that the record does not allow."""


class SigningKeyError(RecordError):
    """The instance's signing key is missing, malformed or readable by others."""


class ExportError(RecordError):
    """An exported directory is missing a file or is not an export at all."""


class TamperError(RecordError):
    """Verification found the record altered; ``index`` names the first entry affected."""

    def __init__(self, message: str, *, index: int | None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.index = index
