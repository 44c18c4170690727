"""How each change becomes an entry of the public record.

Every body names the council it concerns (``council``), so that a council's redaction can be
limited to its own entries and a reader can filter by council. Authors are ``person/<id>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rada.record.encoding import Entry, EntryKind


def author(person_id: int) -> str:
    """The record's name for a person."""
    return f"person/{person_id}"


def entry(
    kind: EntryKind,
    /,
    *,
    council: int,
    event: str,
    at: datetime,
    by: int | None,
    links: tuple[int, ...] = (),
    **body: Any,
) -> Entry:
    """An entry of ``kind`` about ``council``, with ``event`` and the rest of ``body``."""
    content: dict[str, Any] = {"council": council, "event": event}
    content.update({k: _plain(v) for k, v in body.items()})
    return Entry(
        kind,
        at,
        content,
        author=None if by is None else author(by),
        links=tuple(sorted(set(links))),
    )


def _plain(value: Any) -> Any:
    """Values the canonical encoding takes: ints, strings, bools, None, lists and objects."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, float):
        # Floats have no canonical form: record them as their shortest decimal string.
        return repr(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
