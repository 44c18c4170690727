"""The canonical encoding: equal entries encode equally, and nothing else decodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rada.record import Entry, EntryKind, canonical_json, decode_entry, encode_entry
from rada.record.encoding import canonical_json_reference, parse_canonical_json
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


# Values the fast encoder must hand to the reference writer: floats, big integers, tuples,
# non-string keys, characters beyond the BMP (sorted differently in UTF-16), lone surrogates.
awkward_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["\U0001f600", "\ufb01", "\ud800", "é"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(
            st.text(max_size=3) | st.sampled_from(["\U0001f600", "\ufb01"]) | st.integers(0, 3),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


def _outcome(encode: object, value: object) -> bytes | str:
    try:
        return encode(value)  # type: ignore[operator, no-any-return]
    except EncodingError:
        return "refused"


@given(json_values | awkward_values)
def test_the_fast_encoder_agrees_with_the_reference_writer(value: object) -> None:
    assert _outcome(canonical_json, value) == _outcome(canonical_json_reference, value)


@given(json_values)
def test_decoding_accepts_exactly_the_reference_encoding(value: object) -> None:
    assert parse_canonical_json(canonical_json_reference(value)) == value


@pytest.mark.parametrize(
    "data", [b'{"a":1,"a":2}', b'{"a":{"b":1,"b":1}}', b'[{"x":1,"x":1}]', b'{"a":1} ']
)
def test_duplicate_keys_and_trailing_space_do_not_decode(data: bytes) -> None:
    with pytest.raises(EncodingError):
        parse_canonical_json(data)


@pytest.mark.parametrize(
    "time",
    [
        "2024-05-01T12:00:00.000000",
        "2024-05-01T12:00:00.000000+00:00",
        "2024-13-01T12:00:00.000000Z",
        "2024-05-01 12:00:00.000000Z",
        "2024-05-01T12:00:00Z",
        "２024-05-01T12:00:00.000000Z",
    ],
)
def test_an_entry_with_a_time_not_in_canonical_form_does_not_decode(time: str) -> None:
    data = encode_entry(Entry(EntryKind.POST, WHEN, {}, nonce=NONCE), index=0)
    tampered = data.replace(b"2024-03-01T12:30:00.000000Z", time.encode())
    with pytest.raises(EncodingError):
        decode_entry(tampered)


def test_an_entry_with_a_non_canonical_nonce_does_not_decode() -> None:
    data = encode_entry(Entry(EntryKind.POST, WHEN, {}, nonce=bytes(16)), index=0)
    # "AAAAAAAAAAAAAAAAAAAAAB==" decodes to the same 16 bytes, but is not their encoding.
    tampered = data.replace(b"AAAAAAAAAAAAAAAAAAAAAA==", b"AAAAAAAAAAAAAAAAAAAAAB==")
    assert tampered != data
    with pytest.raises(EncodingError):
        decode_entry(tampered)


_BASE = Entry(EntryKind.VOTE, WHEN, {"choice": "yes"}, author="ana", links=(1,), nonce=NONCE)
_FIELD_VARIANTS = {
    b'"v":1': [b'"v":true', b'"v":2', b'"v":"1"', b'"v":1.0', b'"v":01'],
    b'"index":3': [b'"index":-3', b'"index":true', b'"index":1', b'"index":3.0', b'"index":"3"'],
    b'"links":[1]': [b'"links":[3]', b'"links":[4]', b'"links":[true]', b'"links":[-1]'],
    b'"author":"ana"': [b'"author":""', b'"author":null', b'"author":1', b'"author":"an\\u0061"'],
    b'"kind":"vote"': [b'"kind":"Vote"', b'"kind":"ballot"', b'"kind":null', b'"kind":"post"'],
    b'"nonce":"AAECAwQFBgcICQoLDA0ODw=="': [
        b'"nonce":"AAECAwQFBgcICQoLDA0ODx=="',
        b'"nonce":"AAECAwQFBgcICQoLDA0ODw"',
        b'"nonce":"AAECAwQFBgcICQoLDA0O"',
        b'"nonce":"AAECAwQFBgcICQoLDA0ODw==\\n"',
    ],
    b'"time":"2024-03-01T12:30:00.000000Z"': [
        b'"time":"2024-03-01T12:30:00.000000+00:00"',
        b'"time":"2024-02-30T12:30:00.000000Z"',
        b'"time":"2024-03-01T24:00:00.000000Z"',
    ],
    b'"body":{"choice":"yes"}': [b'"body":[]', b'"body":{"choice":"yes","choice":"yes"}'],
}


@pytest.mark.parametrize(
    ("field", "variant"),
    [(field, variant) for field, variants in _FIELD_VARIANTS.items() for variant in variants],
)
def test_an_entry_decodes_only_if_it_re_encodes_to_the_same_bytes(
    field: bytes, variant: bytes
) -> None:
    data = encode_entry(_BASE, index=3)
    assert field in data
    changed = data.replace(field, variant)
    try:
        index, entry = decode_entry(changed)
    except EncodingError:
        return
    assert encode_entry(entry, index=index) == changed
