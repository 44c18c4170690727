"""Entries and their canonical encoding.

The encoding is canonical JSON: RFC 8785 (JCS) restricted to integers. Concretely, the
bytes are UTF-8; objects have string keys sorted by their UTF-16 code units, with no
duplicates; there is no whitespace; strings escape only ``"``, ``\\``, and control characters
(``\\b \\f \\n \\r \\t``, others as ``\\u00xx`` in lower-case hex); numbers are integers
within ±(2**53 - 1), so that every JSON reader parses them exactly. Floats, NaN and lone
surrogates are refused. Equal values therefore encode to equal bytes, and decoding insists on
the canonical form (re-encoding must give back the same bytes).

An entry is the object ``{"author", "body", "index", "kind", "links", "nonce", "time", "v"}``.
``index`` is the entry's position in the log, so an entry moved elsewhere no longer fits;
``nonce`` is 16 random bytes, so that nobody can confirm a guess at a redacted entry's
content by hashing it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from rada.record.errors import EncodingError

__all__ = [
    "ENCODING_VERSION",
    "MAX_ENTRY_BYTES",
    "Entry",
    "EntryKind",
    "EntryTooLarge",
    "canonical_json",
    "canonical_json_reference",
    "check_entry_size",
    "decode_entry",
    "encode_entry",
    "parse_canonical_json",
]

ENCODING_VERSION = 1
#: The largest entry a log takes, in bytes (8 MiB). What people write is bounded far below it
#: (a request body is at most 1 MiB); a planning round of a national economy is not, and its
#: ``planned`` entry holds every target. Entries over 65,535 bytes cannot go in a tlog-tiles
#: entry bundle (a 16-bit length): they are served with their proof instead (docs/record.md).
MAX_ENTRY_BYTES = 8 << 20
MAX_SAFE_INTEGER = 2**53 - 1
NONCE_SIZE = 16


class EntryKind(StrEnum):
    """What an entry records."""

    COUNCIL = "council"
    PERSON = "person"
    POST = "post"
    PROPOSAL = "proposal"
    VOTE = "vote"
    PARTICIPATION = "participation"
    BALLOT = "ballot"
    DECISION = "decision"
    MEMBERSHIP = "membership"
    PLAN = "plan"
    REDACTION = "redaction"


# A secret ballot's anonymous half: never signed with a name.
ANONYMOUS_KINDS = frozenset({EntryKind.BALLOT})


def _escape(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodingError("a string holds a lone surrogate, which is not valid UTF-8") from exc
    # json.dumps with ensure_ascii=False escapes exactly what RFC 8785 escapes, the same way.
    return json.dumps(text, ensure_ascii=False)


def _write(value: object, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise EncodingError(f"integer {value} is outside ±(2**53 - 1)")
        out.append(str(value))
    elif isinstance(value, str):
        out.append(_escape(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise EncodingError("object keys must be strings")
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if i:
                out.append(",")
            out.append(_escape(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise EncodingError(f"{type(value).__name__} has no canonical encoding (floats neither)")


def canonical_json_reference(value: object) -> bytes:
    """The canonical encoding by a plain recursive writer: the reference :func:`canonical_json`
    is tested against, and what it falls back on for anything unusual.

    Examples
    --------
    >>> canonical_json_reference({"b": [1, True, None], "a": "ü\\n"})
    b'{"a":"\\xc3\\xbc\\\\n","b":[1,true,null]}'
    """
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode("utf-8")


# The C encoder with these options writes exactly the canonical form, except that it sorts keys
# by code point (RFC 8785 wants UTF-16 code units: they differ only beyond the BMP) and accepts
# values RFC 8785-with-integers does not (floats, big integers, non-string keys).
_fast_dumps = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
).encode
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


class _NotPlain(Exception):
    """Raised while re-reading the fast encoding: the reference writer must decide."""


def _plain_int(text: str) -> int:
    number = int(text)
    if abs(number) > MAX_SAFE_INTEGER:
        raise _NotPlain
    return number


def _not_plain(_text: str) -> object:
    raise _NotPlain


_reread = json.JSONDecoder(parse_int=_plain_int, parse_float=_not_plain, parse_constant=_not_plain)


def canonical_json(value: object) -> bytes:
    """Encode a JSON value (None, bool, int, str, list, tuple, str-keyed mapping) canonically.

    The C encoder does the work; its output is read back and must equal ``value`` with only
    safe integers and no character beyond the BMP, or :func:`canonical_json_reference` decides
    (and raises for what has no canonical encoding).

    Examples
    --------
    >>> canonical_json({"b": [1, True, None], "a": "ü\\n"})
    b'{"a":"\\xc3\\xbc\\\\n","b":[1,true,null]}'
    """
    try:
        text = _fast_dumps(value)
        data = text.encode("utf-8")
        # Equality also catches what the C encoder coerces: tuples, non-string keys, 1.0 == 1
        # needs no care since floats never re-read.
        if _BEYOND_BMP.search(text) is None and _reread.decode(text) == value:
            return data
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError, _NotPlain):
        pass
    return canonical_json_reference(value)


def _canonical_parsed(value: object) -> bytes:
    """The canonical encoding of a value that :func:`_loads` produced (so plain by construction)."""
    try:
        text = _fast_dumps(value)
        if _BEYOND_BMP.search(text) is None:
            return text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        pass
    return canonical_json_reference(value)


def _refuse(token: str) -> object:
    raise EncodingError(f"{token} has no canonical encoding")


def _safe_int(text: str) -> int:
    number = int(text)
    if abs(number) > MAX_SAFE_INTEGER:
        raise EncodingError(f"integer {text} is outside ±(2**53 - 1)")
    return number


# Parsed values hold only str-keyed dicts, lists, str, safe int, bool and None. A duplicate key
# needs no hook: the dict keeps one, so re-encoding never gives back the bytes, which every
# caller checks.
_strict = json.JSONDecoder(parse_int=_safe_int, parse_float=_refuse, parse_constant=_refuse)


def _loads(data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
        try:
            # Without decode()'s whitespace handling, when the value fills the text (as
            # canonical JSON does); decode() judges (and words the error for) the rest.
            value, end = _strict.raw_decode(text)
            if end == len(text):
                return value
        except json.JSONDecodeError:
            pass
        return _strict.decode(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EncodingError(f"the bytes are not JSON: {exc}") from exc


def parse_canonical_json(data: bytes) -> Any:
    """Decode bytes that must be canonical JSON; refuse anything else.

    Examples
    --------
    >>> parse_canonical_json(b'{"a":1}')
    {'a': 1}
    >>> parse_canonical_json(b'{"a": 1}')
    Traceback (most recent call last):
    ...
    rada.record.errors.EncodingError: the bytes are valid JSON but not in canonical form
    """
    value = _loads(data)
    if _canonical_parsed(value) != data:
        raise EncodingError("the bytes are valid JSON but not in canonical form")
    return value


def _format_time(moment: datetime) -> str:
    # isoformat writes a four-digit year, and every field zero-padded, as the canonical form
    # wants; only the "+00:00" of UTC becomes "Z".
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


_TIME_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def _parse_time(text: object) -> datetime:
    if not isinstance(text, str) or _TIME_SHAPE.fullmatch(text) is None:
        raise EncodingError(f"time {text!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        # The shape is fixed above, so the C parser has only the ranges left to check, and
        # the text is the canonical form of the moment it parses to (decode_entry re-encodes).
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise EncodingError(f"time {text!r} is not a valid time") from exc


@dataclass(frozen=True)
class Entry:
    """One entry of the record, before it has a place in the log.

    ``author`` is who made it (None for anonymous kinds, such as a secret ballot's ballot);
    ``links`` are the indexes of earlier entries it answers or refers to; ``body`` is the
    entry's own content as a JSON object.
    """

    kind: EntryKind
    time: datetime
    body: Mapping[str, Any]
    author: str | None = None
    links: tuple[int, ...] = ()
    nonce: bytes = field(default_factory=lambda: secrets.token_bytes(NONCE_SIZE))

    def __post_init__(self) -> None:
        if not isinstance(self.kind, EntryKind):
            raise EncodingError(f"unknown entry kind {self.kind!r}")
        if self.time.tzinfo is None:
            raise EncodingError("an entry's time must carry its time zone")
        if self.kind in ANONYMOUS_KINDS and self.author is not None:
            raise EncodingError(f"a {self.kind} entry is anonymous and cannot name an author")
        if self.author is not None and not self.author:
            raise EncodingError("an author, when given, must not be empty")
        if any(not isinstance(i, int) or isinstance(i, bool) or i < 0 for i in self.links):
            raise EncodingError("links are indexes of earlier entries (non-negative integers)")
        if len(self.nonce) != NONCE_SIZE:
            raise EncodingError(f"the nonce must be {NONCE_SIZE} bytes")


class EntryTooLarge(EncodingError):
    """An entry over :data:`MAX_ENTRY_BYTES`: the log refuses it before storing anything."""

    def __init__(self, size: int, *, index: int) -> None:
        super().__init__(
            f"entry {index} would be {size:,} bytes; a log entry holds at most {MAX_ENTRY_BYTES:,}",
            hint="record less in one entry",
        )
        self.size = size


def check_entry_size(data: bytes, *, index: int) -> bytes:
    """The encoded entry, unless it is over :data:`MAX_ENTRY_BYTES` (:class:`EntryTooLarge`)."""
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(len(data), index=index)
    return data


def encode_entry(entry: Entry, *, index: int) -> bytes:
    """The canonical bytes of ``entry`` placed at ``index``: the data its leaf hash covers.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> e = Entry(EntryKind.POST, datetime(2024, 5, 1, tzinfo=UTC), {"text": "hi"},
    ...           author="ana", nonce=bytes(16))
    >>> encode_entry(e, index=0)[:40]
    b'{"author":"ana","body":{"text":"hi"},"in'
    """
    return canonical_json(_entry_value(entry, index))


def _entry_value(entry: Entry, index: int) -> dict[str, Any]:
    if index < 0:
        raise EncodingError(f"index {index} is negative")
    if any(link >= index for link in entry.links):
        raise EncodingError(f"entry {index} may link only to earlier entries")
    return {
        "v": ENCODING_VERSION,
        "index": index,
        "kind": str(entry.kind),
        "time": _format_time(entry.time),
        "author": entry.author,
        "links": list(entry.links),
        "body": dict(entry.body),
        "nonce": base64.b64encode(entry.nonce).decode("ascii"),
    }


_FIELDS = frozenset({"v", "index", "kind", "time", "author", "links", "body", "nonce"})
_KINDS = {str(kind): kind for kind in EntryKind}


def decode_entry(data: bytes) -> tuple[int, Entry]:
    """Decode canonical entry bytes into ``(index, entry)``; refuse anything not canonical.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> e = Entry(EntryKind.VOTE, datetime(2024, 5, 1, tzinfo=UTC), {"choice": "yes"},
    ...           author="ana", links=(0,))
    >>> decode_entry(encode_entry(e, index=3)) == (3, e)
    True
    """
    value = _loads(data)
    if not isinstance(value, dict) or value.keys() != _FIELDS:
        raise EncodingError("not an entry: the fields are not those of an entry")
    if value["v"] != ENCODING_VERSION or value["v"] is True:
        raise EncodingError(f"unknown entry encoding version {value['v']!r}")
    index, links, body = value["index"], value["links"], value["body"]
    if not isinstance(index, int) or isinstance(index, bool):
        raise EncodingError("an entry's index must be an integer")
    if not isinstance(links, list) or not isinstance(body, dict):
        raise EncodingError("an entry's links must be a list and its body an object")
    kind = _KINDS.get(value["kind"]) if isinstance(value["kind"], str) else None
    if kind is None:
        raise EncodingError(f"entry {index}: {value['kind']!r} is not a valid EntryKind")
    try:
        nonce = binascii.a2b_base64(value["nonce"], strict_mode=True)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise EncodingError(f"entry {index}: {exc}") from exc
    author = value["author"]
    if author is not None and not isinstance(author, str):
        raise EncodingError(f"entry {index}: the author must be a string or null")
    entry = Entry(
        kind=kind,
        time=_parse_time(value["time"]),
        body=body,
        author=author,
        links=tuple(links),
        nonce=nonce,
    )
    # What encode_entry would refuse or write otherwise: a negative index, a link forward, a
    # nonce in a base64 spelling that is not its own (the time's form the parser pinned down).
    if index < 0 or any(link >= index for link in links):
        raise EncodingError(f"entry {index} has a negative index or links forward")
    if base64.b64encode(nonce).decode("ascii") != value["nonce"]:
        raise EncodingError(f"entry {index}: its nonce is not in canonical base64")
    # So the entry re-encodes to the canonical encoding of the value parsed, which must be the
    # bytes given (the value came from the strict parser: no re-reading needed).
    if _canonical_parsed(value) != data:
        raise EncodingError(f"entry {index} is not in canonical form")
    return index, entry
