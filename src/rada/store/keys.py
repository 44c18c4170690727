"""The instance's signing key for the public record, kept in the data directory.

The key is generated at first start into ``record-signing.key`` (mode 0600, in the C2SP/Go
``PRIVATE+KEY+...`` form) and its public half is published beside it in
``record-signing.pub`` as a signed-note verifier key. A private key file that others can read
is refused, as ssh refuses one.
"""

from __future__ import annotations

import os
import secrets
import socket
import stat
from pathlib import Path

from rada.record.errors import NoteError, SigningKeyError
from rada.record.note import Signer

__all__ = [
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "default_name",
    "load_or_create_signing_key",
    "public_key",
    "read_private_key",
    "write_private_key",
]

PRIVATE_KEY_FILE = "record-signing.key"
PUBLIC_KEY_FILE = "record-signing.pub"


def default_name(kind: str) -> str:
    """A key name for this machine: its host name and ``kind`` with a random suffix."""
    host = "".join(c for c in socket.gethostname() if c.isalnum() or c in ".-") or "localhost"
    return f"{host}/{kind}-{secrets.token_hex(4)}"


def read_private_key(path: Path, *, what: str = "signing key") -> Signer:
    """A private key file, refused (as ssh refuses one) when others may read it."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(
            f"the {what} {path} is accessible to other users (mode {stat.filemode(mode)})",
            hint=f"run `chmod 600 {path}`, and replace the key if others may have read it",
        )
    try:
        return Signer.from_private_key(path.read_text("ascii"))
    except (NoteError, UnicodeDecodeError) as exc:
        raise SigningKeyError(f"the {what} {path} is malformed: {exc}") from exc


def write_private_key(path: Path, signer: Signer) -> None:
    """Write a new private key file, mode 0600, durably. Raises FileExistsError when one is
    there already (O_EXCL: if two processes start at once, only one key is ever written)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(signer.private_key() + "\n")
        out.flush()
        os.fsync(out.fileno())


def _create(path: Path, origin: str | None) -> Signer:
    signer = Signer.generate(origin or default_name("rada"))
    write_private_key(path, signer)
    return signer


def load_or_create_signing_key(data_dir: Path, *, origin: str | None = None) -> Signer:
    """The instance's signing key, generated on first use; its public key is published.

    Parameters
    ----------
    data_dir
        The data directory (created if missing, mode 0700).
    origin
        The log's origin, used only when the key is first created (default: host name and a
        random suffix). Once created the origin is fixed: it is the key's name.

    Raises
    ------
    SigningKeyError
        If the key file is readable by others, malformed, or has another origin.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     first = load_or_create_signing_key(Path(d), origin="example.org/log")
    ...     again = load_or_create_signing_key(Path(d))
    ...     first.verifier.vkey() == again.verifier.vkey() == public_key(Path(d))
    True
    """
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / PRIVATE_KEY_FILE
    try:
        signer = _create(path, origin)
    except FileExistsError:
        signer = read_private_key(path)
    if origin is not None and signer.name != origin:
        raise SigningKeyError(
            f"the log's key is for origin {signer.name!r}, not {origin!r}",
            hint="a log's origin is fixed when its key is created",
        )
    published = data_dir / PUBLIC_KEY_FILE
    vkey = signer.verifier.vkey() + "\n"
    if not published.is_file() or published.read_text("ascii") != vkey:
        published.write_text(vkey, "ascii")
        published.chmod(0o644)
    return signer


def public_key(data_dir: Path) -> str:
    """The published verifier key of the instance's log."""
    path = data_dir / PUBLIC_KEY_FILE
    if not path.is_file():
        raise SigningKeyError(
            f"no public key at {path}", hint="run `rada record checkpoint` once to create the key"
        )
    return path.read_text("ascii").strip()
