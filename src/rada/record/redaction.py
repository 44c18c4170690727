"""Redaction without silence: content may be replaced by a tombstone, never a leaf hash.

A council that decides (by an adopted proposal, recorded as a ``decision`` entry) to remove
some content appends a ``redaction`` entry naming the target entry, the target's leaf hash,
the decision and the reason. Only then is the target's stored content replaced by a
:class:`Tombstone` naming that redaction. The target's leaf hash stays in the tree, so every
proof and checkpoint still verifies; what can no longer be checked is the content itself, and
a verifier reports exactly that.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rada.record.encoding import Entry, EntryKind, canonical_json, parse_canonical_json
from rada.record.errors import EncodingError

__all__ = ["Redaction", "Tombstone", "read_redaction", "redaction_entry"]


@dataclass(frozen=True)
class Tombstone:
    """What stands in place of redacted content."""

    redaction: int
    decision: int
    reason: str

    def encode(self) -> bytes:
        """Canonical bytes of the tombstone.

        Examples
        --------
        >>> Tombstone(redaction=9, decision=7, reason="personal data").encode()
        b'{"redacted":{"decision":7,"reason":"personal data","redaction":9}}'
        """
        return canonical_json(
            {
                "redacted": {
                    "redaction": self.redaction,
                    "decision": self.decision,
                    "reason": self.reason,
                }
            }
        )

    @classmethod
    def decode(cls, data: bytes) -> Tombstone:
        """Read a tombstone's canonical bytes.

        Examples
        --------
        >>> Tombstone.decode(Tombstone(9, 7, "x").encode())
        Tombstone(redaction=9, decision=7, reason='x')
        """
        value = parse_canonical_json(data)
        inner = value.get("redacted") if isinstance(value, dict) and len(value) == 1 else None
        if not isinstance(inner, dict) or set(inner) != {"redaction", "decision", "reason"}:
            raise EncodingError("not a tombstone")
        redaction, decision, reason = inner["redaction"], inner["decision"], inner["reason"]
        if not (_is_index(redaction) and _is_index(decision) and isinstance(reason, str)):
            raise EncodingError("a tombstone names two entry indexes and a reason")
        return cls(redaction, decision, reason)


@dataclass(frozen=True)
class Redaction:
    """What a ``redaction`` entry orders: which entry, with which leaf hash, why."""

    target: int
    target_leaf_hash: bytes
    decision: int
    reason: str
    #: What of the target the redaction keeps (its shape without its content), when given.
    kept: Mapping[str, Any] | None = None


def _is_index(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def redaction_entry(
    *,
    target: int,
    target_leaf_hash: bytes,
    decision: int,
    reason: str,
    time: datetime,
    kept: Mapping[str, Any] | None = None,
) -> Entry:
    """The entry that records a redaction ordered by ``decision``; ``kept``, when given, is
    what of the target is not content (the application decides what that is).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> e = redaction_entry(target=3, target_leaf_hash=bytes(32), decision=5,
    ...                     reason="personal data", time=datetime(2024, 1, 1, tzinfo=UTC))
    >>> read_redaction(e).target
    3
    """
    if not reason.strip():
        raise EncodingError("a redaction must give its reason")
    body: dict[str, Any] = {
        "target": target,
        "target_leaf_hash": base64.b64encode(target_leaf_hash).decode("ascii"),
        "decision": decision,
        "reason": reason,
    }
    if kept is not None:
        body["kept"] = dict(kept)
    return Entry(EntryKind.REDACTION, time, body, links=(decision, target))


def read_redaction(entry: Entry) -> Redaction:
    """Read what a ``redaction`` entry orders."""
    body = entry.body
    if entry.kind is not EntryKind.REDACTION or set(body) - {"kept"} != {
        "target",
        "target_leaf_hash",
        "decision",
        "reason",
    }:
        raise EncodingError("not a redaction entry")
    kept = body.get("kept")
    if kept is not None and not isinstance(kept, dict):
        raise EncodingError("what a redaction keeps must be an object")
    try:
        leaf = base64.b64decode(body["target_leaf_hash"], validate=True)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise EncodingError("a redaction's target leaf hash is not base64") from exc
    target, decision, reason = body["target"], body["decision"], body["reason"]
    if not (_is_index(target) and _is_index(decision) and isinstance(reason, str)):
        raise EncodingError("a redaction names two entry indexes and a reason")
    return Redaction(target, leaf, decision, reason, kept)
