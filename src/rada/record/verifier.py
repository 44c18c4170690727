"""Checking entries one by one, in log order, as a verifier reads them.

:class:`EntryChecker` holds what must be remembered between entries: the kinds of earlier
entries (a redaction must be ordered by a decision) and the tombstones still waiting for the
redaction entry that explains them.
"""

from __future__ import annotations

from typing import Any

from rada.record.encoding import EntryKind, decode_entry
from rada.record.errors import EncodingError, TamperError
from rada.record.merkle import leaf_hash
from rada.record.redaction import Tombstone, read_redaction

__all__ = ["EntryChecker"]


class EntryChecker:
    """Check each entry's content against its leaf hash, and each redaction against its order.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from rada.record.encoding import Entry, encode_entry
    >>> data = encode_entry(Entry(EntryKind.POST, datetime(2024, 1, 1, tzinfo=UTC), {}), index=0)
    >>> checker = EntryChecker()
    >>> checker.content(0, leaf_hash(data), data)
    >>> checker.finish()
    """

    def __init__(self) -> None:
        self._kinds: list[EntryKind | None] = []
        self._pending: dict[int, tuple[Tombstone, bytes]] = {}
        self.redacted: list[dict[str, Any]] = []

    def content(self, position: int, leaf: bytes, data: bytes) -> None:
        """Check an entry that still has its content."""
        index, entry = decode_entry(data)
        if index != position:
            raise TamperError(
                f"entry {position} holds the entry recorded as index {index}: "
                "entries were deleted, reordered or inserted",
                index=position,
            )
        if leaf_hash(data) != leaf:
            raise TamperError(
                f"entry {position}: its content does not match its leaf hash", index=position
            )
        if entry.kind is EntryKind.REDACTION:
            self._redaction(position, read_redaction(entry))
        self._kinds.append(entry.kind)

    def tombstone(self, position: int, leaf: bytes, fields: object) -> None:
        """Check a redacted entry: its tombstone must be explained by a later redaction."""
        if not isinstance(fields, dict):
            raise EncodingError("its tombstone is malformed")
        try:
            tombstone = Tombstone(
                redaction=fields["redaction"], decision=fields["decision"], reason=fields["reason"]
            )
            Tombstone.decode(tombstone.encode())
        except (KeyError, TypeError) as exc:
            raise EncodingError("its tombstone is malformed") from exc
        if tombstone.redaction <= position:
            raise EncodingError("its tombstone names a redaction that does not come after it")
        self._pending[position] = (tombstone, leaf)
        self._kinds.append(None)

    def _redaction(self, position: int, order: Any) -> None:
        target, decision = order.target, order.decision
        if target >= position or decision >= position:
            raise TamperError(
                f"entry {position}: a redaction may only name earlier entries", index=position
            )
        if self._kinds[decision] is None:
            # The decision is the redaction's trail: with it gone, nobody could see who
            # ordered the removal, or why.
            raise TamperError(
                f"entry {position}: the decision that ordered this redaction (entry "
                f"{decision}) is itself redacted: a redaction's trail cannot be removed",
                index=decision,
            )
        if self._kinds[decision] is not EntryKind.DECISION:
            raise TamperError(
                f"entry {position}: redaction ordered by entry {decision}, which is not a decision",
                index=position,
            )
        pending = self._pending.pop(target, None)
        if pending is None:
            raise TamperError(
                f"entry {target} was ordered redacted by entry {position} but is not redacted",
                index=target,
            )
        tombstone, target_leaf = pending
        expected = Tombstone(redaction=position, decision=decision, reason=order.reason)
        if tombstone != expected or order.target_leaf_hash != target_leaf:
            raise TamperError(
                f"entry {target}: its tombstone does not match redaction entry {position}",
                index=target,
            )
        self.redacted.append(
            {"index": target, "redaction": position, "decision": decision, "reason": order.reason}
        )

    def finish(self) -> None:
        """Check that every tombstone was explained by a redaction entry."""
        if self._pending:
            first = min(self._pending)
            raise TamperError(
                f"entry {first} is redacted, but no redaction entry orders it", index=first
            )
