"""The one place where events become entries of the public record, and entries events again.

An event's body is ``{"event": <its event_name>, "council": <id or null>, ...its fields}``;
its time is the entry's time, its author (``by``) the entry's author (``person/<id>``), its
links the entry's links. Times inside a body are ISO 8601 text; floats, which the canonical
encoding refuses, are kept as their shortest decimal text. :func:`event_of` reads an entry
back into the very event it was made from, which is what the projection replays.

A redaction keeps what of its target is not content (:func:`kept_of`): the target's kind,
author, time, links and its body without the fields the event class calls ``redactable``.
:func:`redacted_event` rebuilds the target's event from that, with those fields empty.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, fields
from datetime import datetime
from typing import Any, TypeVar, cast

from rada.councils import events as ev
from rada.councils.errors import CouncilError, TooLarge
from rada.councils.text import msg
from rada.record.encoding import MAX_ENTRY_BYTES, Entry, EntryKind, EntryTooLarge
from rada.services.indexing import index_events
from rada.services.notifying import notify
from rada.services.ports import UnitOfWork

__all__ = [
    "EVENT_TYPES",
    "UnknownEvent",
    "author",
    "event_of",
    "kept_of",
    "links_to",
    "person_of",
    "plain",
    "record",
    "redacted_event",
    "to_entry",
]

E = TypeVar("E", bound=ev.Event)

_BASE = frozenset({"council", "at", "by", "links"})


def _event_types() -> dict[tuple[str, str], type[ev.Event]]:
    """Every concrete event class (one with both a kind and a name, whose entry is written
    here), by (entry kind, event name)."""
    found: dict[tuple[str, str], type[ev.Event]] = {}
    pending: list[type[ev.Event]] = [ev.Event]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        kind, name = getattr(cls, "entry_kind", None), getattr(cls, "event_name", None)
        if kind is None or name is None or cls.own_form:
            continue
        if found.setdefault((kind, name), cls) is not cls:
            raise TypeError(f"two event classes record as {(kind, name)}")
    return found


#: Every event class, by (entry kind, event name).
EVENT_TYPES: Mapping[tuple[str, str], type[ev.Event]] = _event_types()


class UnknownEvent(CouncilError):
    """An entry that no event class reads (from another version of Rada, or forged)."""


def author(person_id: int) -> str:
    """The record's name for a person."""
    return f"person/{person_id}"


def links_to(*indexes: int | None) -> tuple[int, ...]:
    """The links of an entry to earlier ones, leaving out those not recorded (None).

    >>> links_to(4, None, 2)
    (4, 2)
    """
    return tuple(i for i in indexes if i is not None)


def person_of(name: str | None) -> int | None:
    """The person id behind a record author name (None for none)."""
    if name is None:
        return None
    prefix, _, number = name.partition("/")
    if prefix != "person" or not number.isdigit():
        raise UnknownEvent(msg("%(author)r is not an author Rada writes", author=name))
    return int(number)


def plain(value: Any) -> Any:
    """Values the canonical encoding takes: ints, strings, bools, None, lists and objects."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, float):
        # Floats have no canonical form: record them as their shortest decimal string.
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def body_of(event: ev.Event) -> dict[str, Any]:
    """The entry body an event is recorded as."""
    body: dict[str, Any] = {"event": event.event_name, "council": event.council}
    for f in fields(event):
        if f.name not in _BASE:
            body[f.name] = plain(getattr(event, f.name))
    return body


def to_entry(event: ev.Event) -> Entry:
    """The record entry for ``event``."""
    return Entry(
        EntryKind(event.entry_kind),
        event.at,
        body_of(event),
        author=None if event.by is None else author(event.by),
        links=tuple(sorted(set(event.links))),
    )


def record(uow: UnitOfWork, events: Iterable[ev.Event]) -> range:
    """Append the events to the record, in the caller's transaction, tell whom they concern
    (:func:`rada.services.notifying.notify`) and keep the search index in step
    (:func:`rada.services.indexing.index_events`); their indexes. An event whose entry
    would be over the record's limit is refused (TooLarge) and nothing is kept."""
    listed = list(events)
    try:
        indexes = uow.record.append([to_entry(e) for e in listed])
    except EntryTooLarge as exc:
        raise TooLarge(
            msg(
                "this would make a record entry of %(size)s bytes; an entry holds at most "
                "%(limit)s",
                size=exc.size,
                limit=MAX_ENTRY_BYTES,
            ),
            hint=msg("shorten the text or the details"),
        ) from exc
    notify(uow, listed, indexes)
    index_events(uow, listed, indexes)
    return indexes


def record_one(uow: UnitOfWork, event: ev.Event) -> int:
    """Append one event; its index."""
    (index,) = record(uow, [event])
    return index


_HINTS: dict[type[ev.Event], dict[str, Any]] = {}


def _is_time(hint: Any) -> bool:
    if hint is datetime:
        return True
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return datetime in typing.get_args(hint)
    return False


def _time_fields(cls: type[ev.Event]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        resolved = typing.get_type_hints(cls)
        hints = _HINTS[cls] = {name: _is_time(h) for name, h in resolved.items()}
    return hints


def _build(
    cls: type[E],
    body: Mapping[str, Any],
    *,
    at: datetime,
    by: int | None,
    links: tuple[int, ...],
    where: str,
) -> E:
    times = _time_fields(cls)
    values: dict[str, Any] = {"council": body.get("council"), "at": at, "by": by, "links": links}
    for f in fields(cls):
        if f.name in _BASE:
            continue
        if f.name not in body:
            if f.default is not MISSING or f.default_factory is not MISSING:
                continue  # an optional field, absent: its default
            raise UnknownEvent(
                msg("%(where)s: the %(field)s field is missing", where=where, field=f.name)
            )
        value = body[f.name]
        if times.get(f.name) and isinstance(value, str):
            value = datetime.fromisoformat(value)
        values[f.name] = value
    return cls(**values)


def event_of(entry: Entry, *, index: int | None = None) -> ev.Event:
    """The event an entry records. Raises UnknownEvent for an entry no event class reads."""
    where = "a record entry" if index is None else f"record entry {index}"
    name = entry.body.get("event")
    cls = EVENT_TYPES.get((str(entry.kind), name)) if isinstance(name, str) else None
    if cls is None:
        raise UnknownEvent(
            msg(
                "%(where)s: %(kind)s entries have no event %(event)r",
                where=where,
                kind=str(entry.kind),
                event=name,
            )
        )
    return _build(
        cls, entry.body, at=entry.time, by=person_of(entry.author), links=entry.links, where=where
    )


def kept_of(entry: Entry) -> dict[str, Any]:
    """What a redaction of ``entry`` keeps of it: everything but its redactable content."""
    cls = EVENT_TYPES.get((str(entry.kind), entry.body.get("event", "")))
    redactable = cls.redactable if cls is not None else ()
    body = {k: v for k, v in entry.body.items() if k not in redactable}
    for path in redactable:
        # "details.reason": a free-text field inside a structured one, emptied in place.
        outer, _, inner = path.partition(".")
        if inner and isinstance(body.get(outer), Mapping) and inner in body[outer]:
            body[outer] = {**body[outer], inner: ""}
    return {
        "kind": str(entry.kind),
        "author": entry.author,
        "time": entry.time.isoformat(),
        "links": list(entry.links),
        "body": body,
    }


def redacted_event(kept: Mapping[str, Any], *, where: str) -> ev.Event:
    """The event of a redacted entry, rebuilt from what its redaction kept, its redactable
    fields empty ("" for text, {} for an object, None otherwise)."""
    kind, body = kept.get("kind"), kept.get("body")
    if not isinstance(kind, str) or not isinstance(body, Mapping):
        raise UnknownEvent(msg("%(where)s: the redaction kept nothing to rebuild", where=where))
    name = body.get("event")
    cls = EVENT_TYPES.get((kind, name)) if isinstance(name, str) else None
    if cls is None:
        raise UnknownEvent(
            msg("%(where)s: %(kind)s entries have no event %(event)r", where=where, kind=kind,
                event=name)
        )  # fmt: skip
    full = dict(body)
    hints = typing.get_type_hints(cls)
    for name in cls.redactable:
        if "." in name:
            continue  # emptied inside its object when the redaction kept it
        hint = hints.get(name)
        origin = typing.get_origin(hint) or hint
        if hint is str:
            full[name] = ""
        elif origin is dict:
            full[name] = {}
        else:
            full[name] = None
    return _build(
        cls,
        full,
        at=datetime.fromisoformat(str(kept["time"])),
        by=person_of(cast(str | None, kept.get("author"))),
        links=tuple(int(i) for i in kept.get("links", ())),
        where=where,
    )
