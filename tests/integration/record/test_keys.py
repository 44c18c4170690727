"""The instance's signing key: generated once, owner-only, its public half published."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rada.record import SigningKeyError, Verifier
from rada.store.keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    load_or_create_signing_key,
    public_key,
)


def test_the_key_is_created_at_first_start_readable_only_by_its_owner(tmp_path: Path) -> None:
    signer = load_or_create_signing_key(tmp_path / "data", origin="example.org/log")
    mode = stat.S_IMODE((tmp_path / "data" / PRIVATE_KEY_FILE).stat().st_mode)
    assert mode == 0o600
    assert signer.name == "example.org/log"


def test_the_public_key_is_published_as_a_verifier_key(tmp_path: Path) -> None:
    signer = load_or_create_signing_key(tmp_path, origin="example.org/log")
    published = (tmp_path / PUBLIC_KEY_FILE).read_text().strip()
    assert published == public_key(tmp_path) == signer.verifier.vkey()
    assert Verifier.from_vkey(published).public_key == signer.verifier.public_key


def test_the_same_key_is_loaded_on_every_later_start(tmp_path: Path) -> None:
    first = load_or_create_signing_key(tmp_path)
    assert load_or_create_signing_key(tmp_path).private_key() == first.private_key()


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_or_create_signing_key(tmp_path)
    (tmp_path / PRIVATE_KEY_FILE).chmod(0o644)
    with pytest.raises(SigningKeyError, match="accessible to other users") as caught:
        load_or_create_signing_key(tmp_path)
    assert caught.value.hint is not None
    assert "chmod 600" in caught.value.hint


def test_the_origin_is_fixed_once_the_key_exists(tmp_path: Path) -> None:
    load_or_create_signing_key(tmp_path, origin="example.org/a")
    with pytest.raises(SigningKeyError, match="origin"):
        load_or_create_signing_key(tmp_path, origin="example.org/b")
