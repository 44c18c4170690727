"""The public record: an append-only, verifiable log of everything said and decided.

A pure library: canonical entry encoding, the RFC 9162 Merkle tree and its proofs, C2SP
signed checkpoints and cosignatures, redaction tombstones, and export verification. It imports
nothing else of Rada and no framework; storage lives in ``rada.store``.

The stable API for others to build on is :func:`verify_inclusion`, :func:`verify_consistency`
and :class:`ProofError`.
"""

from rada.record.checkpoint import Checkpoint, cosign_checkpoint, open_checkpoint, sign_checkpoint
from rada.record.encoding import Entry, EntryKind, canonical_json, decode_entry, encode_entry
from rada.record.errors import (
    EncodingError,
    EntryNotFoundError,
    ExportError,
    InconsistentCheckpointError,
    MalformedProofError,
    NoteError,
    ProofError,
    RecordError,
    RedactionError,
    RootMismatchError,
    SignatureError,
    SigningKeyError,
    TamperError,
)
from rada.record.export import StoredEntry, VerifyReport, verify_export, write_export
from rada.record.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
)
from rada.record.note import Signer, Verifier
from rada.record.proofs import verify_consistency, verify_inclusion
from rada.record.redaction import Redaction, Tombstone, read_redaction, redaction_entry
from rada.record.tiles import TilePath, TilePathError, root_from_tiles
from rada.record.witness import CosignatureQuorumError, WitnessRefusal, verify_cosigned

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "CompactRange",
    "CosignatureQuorumError",
    "EncodingError",
    "Entry",
    "EntryKind",
    "EntryNotFoundError",
    "ExportError",
    "InconsistentCheckpointError",
    "MalformedProofError",
    "NoteError",
    "ProofError",
    "RecordError",
    "Redaction",
    "RedactionError",
    "RootMismatchError",
    "SignatureError",
    "Signer",
    "SigningKeyError",
    "StoredEntry",
    "TamperError",
    "TilePath",
    "TilePathError",
    "Tombstone",
    "Verifier",
    "VerifyReport",
    "WitnessRefusal",
    "canonical_json",
    "consistency_proof",
    "cosign_checkpoint",
    "decode_entry",
    "encode_entry",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "read_redaction",
    "redaction_entry",
    "root_from_tiles",
    "root_of",
    "sign_checkpoint",
    "verify_consistency",
    "verify_cosigned",
    "verify_export",
    "verify_inclusion",
    "write_export",
]
