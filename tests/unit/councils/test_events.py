"""Typed events: each is recorded as one entry and read back as the very same event, and the
projection replays every one of them."""

from __future__ import annotations

import typing
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import pytest

from rada.councils import events as ev
from rada.record.encoding import decode_entry, encode_entry
from rada.services.recording import (
    EVENT_TYPES,
    UnknownEvent,
    event_of,
    kept_of,
    redacted_event,
    to_entry,
)
from rada.store.projection import Projector

AT = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)

SAMPLES: dict[Any, Any] = {
    int: 7,
    str: "Bread for the whole street",
    bool: True,
    datetime: datetime(2026, 12, 5, 14, tzinfo=UTC),
}


def _value(hint: Any) -> Any:
    if hint in SAMPLES:
        return SAMPLES[hint]
    origin = typing.get_origin(hint)
    if origin is dict:
        return {"a": 1, "b": ["x", "y"]}
    if origin is list:
        return [{"key": "k", "label": "Label"}]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if args:
        return _value(args[0])
    return {"any": "thing"}


def _sample(cls: type[ev.Event]) -> ev.Event:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {"council": 3, "at": AT, "by": 5, "links": (1, 2)}
    if cls.entry_kind == "ballot":
        values["by"] = None  # a ballot is anonymous
    if cls is ev.PersonRegistered:
        values["council"] = None
    for f in fields(cls):
        if f.name not in values:
            values[f.name] = _value(hints[f.name])
    return cls(**values)


CLASSES = sorted(set(EVENT_TYPES.values()), key=lambda c: c.__name__)


def test_every_event_class_is_known_by_its_kind_and_name() -> None:
    exported = {getattr(ev, n) for n in ev.__all__} - {ev.Event}
    assert exported - {ev.Redacted} == set(CLASSES)
    assert len(EVENT_TYPES) == len(CLASSES)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_an_event_reads_back_from_its_entry_as_itself(cls: type[ev.Event]) -> None:
    event = _sample(cls)
    index, entry = decode_entry(encode_entry(to_entry(event), index=41))
    assert index == 41
    assert entry.body["event"] == cls.event_name
    assert event_of(entry) == event
    assert event_of(entry).links == (1, 2)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_the_projection_replays_every_event(cls: type[ev.Event]) -> None:
    projector = Projector(lookup=lambda i: pytest.fail("no lookup expected"))
    assert cls in projector._handlers


@pytest.mark.parametrize("cls", [c for c in CLASSES if c.redactable], ids=lambda c: c.__name__)
def test_a_redaction_keeps_the_shape_and_empties_the_content(cls: type[ev.Event]) -> None:
    event = _sample(cls)
    kept = kept_of(to_entry(event))
    rebuilt = redacted_event(kept, where="test")
    for name in cls.redactable:
        outer, _, inner = name.partition(".")
        value = getattr(rebuilt, outer)
        if inner:
            assert value.get(inner, "") == ""
        else:
            assert value in ("", {}, None)
    untouched = {f.name for f in fields(cls)} - {n.partition(".")[0] for n in cls.redactable}
    for name in untouched - {"links"}:
        assert getattr(rebuilt, name) == getattr(event, name), name


def test_an_entry_no_event_reads_is_named() -> None:
    entry = to_entry(_sample(ev.PostWritten))
    forged = type(entry)(entry.kind, entry.time, {**entry.body, "event": "erased"})
    with pytest.raises(UnknownEvent, match="post entries have no event 'erased'"):
        event_of(forged, index=12)


def test_an_entry_missing_a_field_is_named() -> None:
    entry = to_entry(_sample(ev.VoteCast))
    body = {k: v for k, v in entry.body.items() if k != "weight"}
    with pytest.raises(UnknownEvent, match="record entry 9: the weight field is missing"):
        event_of(type(entry)(entry.kind, entry.time, body, author=entry.author), index=9)
