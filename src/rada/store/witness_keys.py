"""The instance's witness key, kept in the data directory beside the log's signing key.

A witness cosigns other logs' checkpoints with a key of its own, of signed-note type 0x04
(c2sp.org/tlog-cosignature), never with the log's key: ``witness-signing.key`` (mode 0600,
``PRIVATE+KEY+...``) and its verifier key ``witness-signing.pub``. A private key file that
others can read is refused.
"""

from __future__ import annotations

from pathlib import Path

from rada.record.errors import SigningKeyError
from rada.record.note import COSIGNATURE_TYPE, Signer
from rada.store.keys import default_name, read_private_key, write_private_key

__all__ = [
    "WITNESS_KEY_FILE",
    "WITNESS_PUBLIC_FILE",
    "create_witness_key",
    "load_witness_key",
    "witness_public_key",
]

WITNESS_KEY_FILE = "witness-signing.key"
WITNESS_PUBLIC_FILE = "witness-signing.pub"


def create_witness_key(data_dir: Path, *, name: str | None = None) -> Signer:
    """Create the witness key (refused if one exists) and publish its verifier key.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     made = create_witness_key(Path(d), name="w.example")
    ...     load_witness_key(Path(d)).verifier.vkey() == witness_public_key(Path(d))
    True
    """
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    signer = Signer.generate(name or default_name("witness"), key_type=COSIGNATURE_TYPE)
    path = data_dir / WITNESS_KEY_FILE
    try:
        write_private_key(path, signer)
    except FileExistsError as exc:
        raise SigningKeyError(
            f"a witness key already exists at {path}",
            hint="`rada witness pubkey` prints it; a witness keeps its key for life",
        ) from exc
    public = data_dir / WITNESS_PUBLIC_FILE
    public.write_text(signer.verifier.vkey() + "\n", "ascii")
    public.chmod(0o644)
    return signer


def load_witness_key(data_dir: Path) -> Signer:
    """The witness key, as :func:`create_witness_key` wrote it."""
    path = data_dir / WITNESS_KEY_FILE
    if not path.is_file():
        raise SigningKeyError(
            f"no witness key at {path}", hint="create one with `rada witness init`"
        )
    signer = read_private_key(path, what="witness key")
    if signer.key_type != COSIGNATURE_TYPE:
        raise SigningKeyError(f"the witness key {path} is not a cosignature (0x04) key")
    return signer


def witness_public_key(data_dir: Path) -> str:
    """The witness's verifier key."""
    return load_witness_key(data_dir).verifier.vkey()
