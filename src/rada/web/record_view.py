"""The public record as the record page shows it: entries decoded, filtered and paged.

Filters are applied while reading the log, newest first, in batches: a page reads back from
where the previous one stopped until it has found a page of matching entries, and never reads
more than ``SCAN_LIMIT`` entries for one request (the page then offers to search on), so a
rare match in a long log costs several clicks rather than one slow request.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from rada.record.checkpoint import Checkpoint
from rada.record.encoding import EntryKind, decode_entry
from rada.record.errors import RecordError
from rada.record.export import StoredEntry
from rada.record.note import parse_note
from rada.record.redaction import Tombstone
from rada.store.record_repository import RecordRepository

__all__ = [
    "PAGE_SIZE",
    "SCAN_LIMIT",
    "EntryView",
    "Filters",
    "RecordPage",
    "find_entries",
    "latest_checkpoint",
    "view_entry",
]

PAGE_SIZE = 20
SCAN_LIMIT = 50_000
_BATCH = 500


@dataclass(frozen=True)
class Filters:
    """What the reader asked for: a kind, some text, and where to continue from."""

    kind: EntryKind | None = None
    text: str = ""
    before: int | None = None
    after: int | None = None

    def may_match(self, stored: StoredEntry) -> bool:
        """Whether the stored bytes can match, before decoding them (the text filter is then
        decided; the kind is certain only once decoded, as a body may hold the same bytes)."""
        if self.kind is not None and f'"kind":"{self.kind}"'.encode() not in stored.content:
            return False
        if self.text:
            haystack = stored.content.decode("utf-8", errors="replace").casefold()
            return self.text.casefold() in haystack
        return True

    def matches(self, view: EntryView) -> bool:
        """Whether a decoded entry that :meth:`may_match` passes the kind filter."""
        return self.kind is None or view.kind == self.kind


@dataclass(frozen=True)
class EntryView:
    """One entry, decoded for reading; a redacted one shows its tombstone."""

    index: int
    leaf_hash: str
    kind: str | None
    time: datetime | None
    author: str | None
    links: tuple[int, ...]
    body: str
    tombstone: Tombstone | None
    damaged: bool
    #: The body as read (empty for a tombstone or damaged content), for the entry's sentence.
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordPage:
    """A page of entries, newest first, with the cursors to the neighbouring pages."""

    entries: list[EntryView]
    size: int
    newer: int | None
    older: int | None
    #: When the scan limit stopped the search: the entries searched were ``scanned_to`` and up.
    scanned_to: int | None
    #: How many entries were read for this page.
    scanned: int


def view_entry(stored: StoredEntry) -> EntryView:
    """Decode a stored entry for the page (content the store damaged is shown as such)."""
    leaf = base64.b64encode(stored.leaf_hash).decode()
    try:
        if stored.redacted:
            tombstone = Tombstone.decode(stored.content)
            return EntryView(stored.index, leaf, None, None, None, (), "", tombstone, False)
        _, entry = decode_entry(stored.content)
    except RecordError:
        body = stored.content.decode("utf-8", errors="replace")
        return EntryView(stored.index, leaf, None, None, None, (), body, None, True)
    body = json.dumps(dict(entry.body), indent=2, ensure_ascii=False, sort_keys=True)
    return EntryView(
        stored.index,
        leaf,
        str(entry.kind),
        entry.time,
        entry.author,
        entry.links,
        body,
        None,
        False,
        dict(entry.body),
    )


def _backwards(repository: RecordRepository, end: int) -> Iterator[StoredEntry]:
    """Entries with index below ``end``, newest first."""
    while end > 0:
        start = max(0, end - _BATCH)
        chunk = list(islice(repository.entries(start, batch=end - start), end - start))
        yield from reversed(chunk)
        end = start


def _scan(
    source: Iterator[StoredEntry], filters: Filters, page_size: int
) -> tuple[list[EntryView], int | None, int]:
    """Matching entries, until a page is full or ``SCAN_LIMIT`` entries have been read; the
    index of the last entry read (None when there was none); how many were read."""
    found: list[EntryView] = []
    last_read, read = None, 0
    for stored in islice(source, SCAN_LIMIT):
        last_read, read = stored.index, read + 1
        if not filters.may_match(stored):
            continue
        view = view_entry(stored)
        if filters.matches(view):
            found.append(view)
            if len(found) == page_size:
                break
    return found, last_read, read


def find_entries(
    repository: RecordRepository, filters: Filters, *, page_size: int = PAGE_SIZE
) -> RecordPage:
    """The page of matching entries the filters point to, newest first.

    Without cursors, the newest entries; ``before=N``: those below index N; ``after=N`` (and
    no ``before``): those just above index N. The neighbouring pages' cursors are set when
    entries remain on that side (with filters, they may hold no match).
    """
    size = repository.size()
    if filters.after is not None and filters.before is None:
        start = min(filters.after + 1, size)
        source = repository.entries(start, batch=_BATCH)
        found, last_read, read = _scan(source, filters, page_size)
        newer = last_read if last_read is not None and last_read < size - 1 else None
        oldest = found[0].index if found else start
        found.reverse()
        return RecordPage(found, size, newer, oldest if oldest > 0 else None, None, read)
    end = size if filters.before is None else min(filters.before, size)
    found, last_read, read = _scan(_backwards(repository, end), filters, page_size)
    older = last_read if last_read is not None and last_read > 0 else None
    newer = None
    if end < size:
        # Entries from ``end`` up are newer: that page starts after the newest one shown here.
        newer = found[0].index if found else end - 1
    limited = older is not None and len(found) < page_size
    return RecordPage(found, size, newer, older, older if limited else None, read)


def latest_checkpoint(repository: RecordRepository) -> tuple[str, Checkpoint] | None:
    """The latest signed checkpoint's note and what it says (not yet its signature)."""
    note = repository.latest_checkpoint()
    if note is None:
        return None
    return note, Checkpoint.parse(parse_note(note).text)
