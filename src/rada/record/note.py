"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A note is text ending in a newline, a blank line, then signature lines
``— <key name> <base64(key ID || signature)>``. The key ID is
``SHA-256(key name || 0x0A || type || public key)[:4]``; type ``0x01`` is a plain Ed25519
signature over the text, type ``0x04`` a timestamped cosignature (c2sp.org/tlog-cosignature)
over ``cosignature/v1\\ntime <T>\\n`` followed by the text, whose signature bytes are the
8-byte big-endian timestamp then the Ed25519 signature.

Keys are written as the Go ``sumdb/note`` strings: a verifier key
``<name>+<hex key ID>+<base64(type || public key)>`` and a private key
``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rada.record.errors import NoteError, SignatureError

__all__ = [
    "COSIGNATURE_TYPE",
    "ED25519_TYPE",
    "Note",
    "NoteSignature",
    "Signer",
    "Verifier",
    "format_note",
    "key_id",
    "open_note",
    "parse_note",
]

ED25519_TYPE = 0x01
COSIGNATURE_TYPE = 0x04
_TYPES = (ED25519_TYPE, COSIGNATURE_TYPE)
_DASH = "\u2014 "
# Verifiers must accept at least 16 signatures; refusing more than 100 bounds the work.
MAX_SIGNATURES = 100


def _check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(
            f"key name {name!r} must be non-empty, with no spaces and no '+'",
            hint="use a schema-less URL such as example.org/rada",
        )
    return name


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """The 4-byte key ID of a named public key of the given signature type.

    Examples
    --------
    The Go ``sumdb/note`` test key ``PeterNeumann`` has the ID ``c74f20a3``:

    >>> public_key = base64.b64decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")[1:]
    >>> key_id("PeterNeumann", ED25519_TYPE, public_key).hex()
    'c74f20a3'
    """
    return hashlib.sha256(
        _check_name(name).encode() + b"\n" + bytes([key_type]) + public_key
    ).digest()[:4]


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the key ID and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, without its newline."""
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}"


@dataclass(frozen=True)
class Note:
    """A note's text (ending in a newline) and its signatures."""

    text: str
    signatures: tuple[NoteSignature, ...]


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note must not contain control characters other than newline")


def format_note(note: Note) -> str:
    """Write a note: its text, a blank line, then one line per signature.

    Examples
    --------
    >>> format_note(Note("hello\\n", (NoteSignature("a.example", b"1234", b"sig"),)))
    'hello\\n\\n— a.example MTIzNHNpZw==\\n'
    """
    _check_text(note.text)
    if not note.signatures:
        raise NoteError("a signed note needs at least one signature")
    return note.text + "\n" + "".join(sig.line() + "\n" for sig in note.signatures)


def parse_note(message: str) -> Note:
    """Split a signed note into text and signatures; check the syntax, not the signatures.

    Examples
    --------
    >>> parse_note('hello\\n\\n— a.example MTIzNHNpZw==\\n').signatures[0].signature
    b'sig'
    """
    _check_text(message)
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("a signed note needs a blank line before its signatures")
    text, lines = message[: split + 1], message[split + 2 :].splitlines()
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a signed note needs 1 to {MAX_SIGNATURES} signature lines")
    signatures = []
    for line in lines:
        if not line.startswith(_DASH):
            raise NoteError(f"malformed signature line {line!r}")
        name, _, encoded = line[len(_DASH) :].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError(f"signature of {name!r} is not base64") from exc
        if len(raw) < 5:
            raise NoteError(f"signature of {name!r} is too short")
        signatures.append(NoteSignature(_check_name(name), raw[:4], raw[4:]))
    return Note(text, tuple(signatures))


def _decode_key(text: str, prefix: str) -> tuple[str, int, bytes]:
    if not text.startswith(prefix):
        raise NoteError("malformed key string", hint=f"a key string starts with {prefix!r}")
    parts = text[len(prefix) :].strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("malformed key string: expected name+keyid+key")
    name, hex_id, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        claimed_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("malformed key string: bad key ID or base64") from exc
    if len(raw) != 33 or raw[0] not in _TYPES or len(claimed_id) != 4:
        raise NoteError("malformed key string: not an Ed25519 key")
    return _check_name(name), raw[0], raw[1:]


class Verifier:
    """A named Ed25519 public key that checks note signatures of one type."""

    def __init__(self, name: str, public_key: bytes, *, key_type: int = ED25519_TYPE) -> None:
        if key_type not in _TYPES or len(public_key) != 32:
            raise NoteError("a verifier needs a 32-byte Ed25519 key of type 0x01 or 0x04")
        self.name = _check_name(name)
        self.key_type = key_type
        self.public_key = public_key
        self.key_id = key_id(name, key_type, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Read a verifier key string ``<name>+<hex id>+<base64(type || key)>``."""
        name, key_type, public_key = _decode_key(vkey, "")
        verifier = cls(name, public_key, key_type=key_type)
        if verifier.vkey() != vkey.strip():
            raise NoteError("the verifier key's ID does not match its name and key")
        return verifier

    def vkey(self) -> str:
        """The verifier key string others use to check this key's signatures."""
        material = base64.b64encode(bytes([self.key_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    def matches(self, signature: NoteSignature) -> bool:
        """Whether a signature line claims to be made by this key (same name and key ID)."""
        return signature.name == self.name and signature.key_id == self.key_id

    def verify(self, text: str, signature: NoteSignature) -> bool:
        """Whether ``signature`` is this key's valid signature over ``text``."""
        if not self.matches(signature):
            return False
        message, raw = text.encode(), signature.signature
        if self.key_type == COSIGNATURE_TYPE:
            if len(raw) != 72:
                return False
            (timestamp,) = struct.unpack(">Q", raw[:8])
            message, raw = _cosigned_message(text, timestamp), raw[8:]
        try:
            self._key.verify(raw, message)
        except InvalidSignature:
            return False
        return True


class Signer:
    """A named Ed25519 private key that signs notes (type 0x01) or cosigns them (type 0x04)."""

    def __init__(self, name: str, seed: bytes, *, key_type: int = ED25519_TYPE) -> None:
        if key_type not in _TYPES or len(seed) != 32:
            raise NoteError("a signer needs a 32-byte Ed25519 seed of type 0x01 or 0x04")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self._seed = seed
        public = self._key.public_key().public_bytes_raw()
        self.verifier = Verifier(name, public, key_type=key_type)
        self.name = self.verifier.name
        self.key_type = key_type

    @classmethod
    def generate(cls, name: str, *, key_type: int = ED25519_TYPE) -> Signer:
        """A new random key with this name."""
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(name, seed, key_type=key_type)

    @classmethod
    def from_private_key(cls, text: str) -> Signer:
        """Read a private key string ``PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>``."""
        name, key_type, seed = _decode_key(text, "PRIVATE+KEY+")
        signer = cls(name, seed, key_type=key_type)
        if signer.private_key() != text.strip():
            raise NoteError("the private key's ID does not match its name and key")
        return signer

    def private_key(self) -> str:
        """The private key string; keep it secret."""
        material = base64.b64encode(bytes([self.key_type]) + self._seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{material}"

    def sign(self, text: str, *, timestamp: int | None = None) -> NoteSignature:
        """Sign a note's text; a cosigner (type 0x04) needs the POSIX ``timestamp``."""
        _check_text(text)
        if self.key_type == COSIGNATURE_TYPE:
            if timestamp is None or not 0 <= timestamp < 2**63:
                raise NoteError("a cosignature needs a timestamp between 0 and 2**63 - 1")
            raw = self._key.sign(_cosigned_message(text, timestamp))
            return NoteSignature(
                self.name, self.verifier.key_id, struct.pack(">Q", timestamp) + raw
            )
        return NoteSignature(self.name, self.verifier.key_id, self._key.sign(text.encode()))


def open_note(message: str, verifiers: Sequence[Verifier]) -> Note:
    """Parse a note and check it: every signature from a known key must verify, and one must.

    Signatures from unknown keys are ignored, as the signed-note specification requires.

    Examples
    --------
    >>> signer = Signer.generate("example.org/log")
    >>> message = format_note(Note("hello\\n", (signer.sign("hello\\n"),)))
    >>> open_note(message, [signer.verifier]).text
    'hello\\n'
    """
    note = parse_note(message)
    verified = False
    for signature in note.signatures:
        for verifier in verifiers:
            if verifier.matches(signature):
                if not verifier.verify(note.text, signature):
                    raise SignatureError(f"the signature of {signature.name} does not verify")
                verified = True
    if not verified:
        raise SignatureError(
            "no signature on the note is from a trusted key",
            hint="check that you are using the log's published public key",
        )
    return note
