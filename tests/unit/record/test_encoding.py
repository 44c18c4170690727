"""The canonical encoding: equal entries encode equally, and nothing else decodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rada.record import Entry, EntryKind, canonical_json, decode_entry, encode_entry
from rada.record.encoding import parse_canonical_json
from rada.record.errors import EncodingError

WHEN = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
NONCE = bytes(range(16))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=("Cs",)), max_size=5), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@given(json_values)
def test_canonical_json_round_trips_and_is_a_fixed_point(value: object) -> None:
    data = canonical_json(value)
    assert canonical_json(parse_canonical_json(data)) == data


@given(st.dictionaries(st.text(max_size=4), st.integers(0, 9), max_size=6))
def test_equal_objects_encode_equally_whatever_their_key_order(value: dict[str, int]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert canonical_json(value) == canonical_json(reordered)


def test_keys_are_sorted_by_utf16_code_units_as_rfc8785_requires() -> None:
    # U+FB01 sorts after U+1F600 in code points but before it in UTF-16 code units.
    assert canonical_json({"\U0001f600": 1, "\ufb01": 2}) == '{"😀":1,"ﬁ":2}'.encode()


def test_strings_escape_only_what_rfc8785_escapes() -> None:
    assert canonical_json('a"\\\n\x01é/') == b'"a\\"\\\\\\n\\u0001\xc3\xa9/"'


@pytest.mark.parametrize("value", [1.5, float("nan"), 2**53, {1: "x"}, "\ud800", b"bytes"])
def test_values_without_a_canonical_encoding_are_refused(value: object) -> None:
    with pytest.raises(EncodingError):
        canonical_json(value)


@pytest.mark.parametrize(
    "data", [b'{"a": 1}', b'{"b":1,"a":2}', b'{"a":1.0}', b'{"a":1,"a":1}', b"\xff", b'"\\u0041"']
)
def test_non_canonical_bytes_do_not_decode(data: bytes) -> None:
    with pytest.raises(EncodingError):
        parse_canonical_json(data)


def test_equal_entries_encode_equally() -> None:
    first = Entry(EntryKind.POST, WHEN, {"text": "hi", "n": 1}, author="ana", nonce=NONCE)
    second = Entry(EntryKind.POST, WHEN, {"n": 1, "text": "hi"}, author="ana", nonce=NONCE)
    assert encode_entry(first, index=4) == encode_entry(second, index=4)


def test_the_same_moment_in_another_time_zone_encodes_equally() -> None:
    kyiv = WHEN.astimezone(timezone(timedelta(hours=2)))
    first = Entry(EntryKind.POST, WHEN, {}, nonce=NONCE)
    second = Entry(EntryKind.POST, kyiv, {}, nonce=NONCE)
    assert encode_entry(first, index=0) == encode_entry(second, index=0)


def test_entries_differing_in_any_field_encode_differently() -> None:
    base = Entry(EntryKind.POST, WHEN, {"text": "hi"}, author="ana", nonce=NONCE)
    variants = [
        Entry(EntryKind.PROPOSAL, WHEN, {"text": "hi"}, author="ana", nonce=NONCE),
        Entry(
            EntryKind.POST,
            WHEN + timedelta(microseconds=1),
            {"text": "hi"},
            author="ana",
            nonce=NONCE,
        ),
        Entry(EntryKind.POST, WHEN, {"text": "ho"}, author="ana", nonce=NONCE),
        Entry(EntryKind.POST, WHEN, {"text": "hi"}, author="bo", nonce=NONCE),
        Entry(EntryKind.POST, WHEN, {"text": "hi"}, author="ana", links=(0,), nonce=NONCE),
        Entry(EntryKind.POST, WHEN, {"text": "hi"}, author="ana", nonce=bytes(16)),
    ]
    encodings = {encode_entry(e, index=3) for e in [base, *variants]}
    assert len(encodings) == 1 + len(variants)
    assert encode_entry(base, index=3) != encode_entry(base, index=4)


def test_an_entry_decodes_to_itself_and_its_index() -> None:
    entry = Entry(EntryKind.VOTE, WHEN, {"choice": "for"}, author="ana", links=(0, 2))
    assert decode_entry(encode_entry(entry, index=7)) == (7, entry)


def test_a_ballot_is_anonymous() -> None:
    with pytest.raises(EncodingError, match="anonymous"):
        Entry(EntryKind.BALLOT, WHEN, {"ranking": [1, 2]}, author="ana")
    ballot = Entry(EntryKind.BALLOT, WHEN, {"ranking": [1, 2]})
    assert b'"author":null' in encode_entry(ballot, index=0)


def test_an_entry_links_only_to_earlier_entries() -> None:
    with pytest.raises(EncodingError, match="earlier"):
        encode_entry(Entry(EntryKind.VOTE, WHEN, {}, links=(5,)), index=5)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(EncodingError, match="time zone"):
        Entry(EntryKind.POST, datetime(2024, 1, 1), {})


def test_an_entry_with_an_unknown_field_does_not_decode() -> None:
    data = encode_entry(Entry(EntryKind.POST, WHEN, {}, nonce=NONCE), index=0)
    forged = data.replace(b'"author":null', b'"author":null,"extra":1')
    with pytest.raises(EncodingError):
        decode_entry(forged)
