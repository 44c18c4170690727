"""Signed notes, checkpoints and cosignatures in the C2SP formats."""

from __future__ import annotations

import pytest

from rada.record import (
    Checkpoint,
    Signer,
    consistency_proof,
    cosign_checkpoint,
    leaf_hash,
    open_checkpoint,
    root_of,
    sign_checkpoint,
)
from rada.record.errors import (
    InconsistentCheckpointError,
    NoteError,
    ProofError,
    SignatureError,
)
from rada.record.note import COSIGNATURE_TYPE, Note, Verifier, format_note, open_note, parse_note

# The example of golang.org/x/mod/sumdb/note, a known answer from an independent implementation.
GO_PRIVATE = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"
    + "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ORIGIN = "example.org/rada"


def _tree(n: int) -> list[bytes]:
    return [leaf_hash(bytes([i])) for i in range(n)]


def test_signing_reproduces_the_go_reference_note_byte_for_byte() -> None:
    signer = Signer.from_private_key(GO_PRIVATE)
    assert signer.verifier.vkey() == GO_VKEY
    assert format_note(Note(GO_TEXT, (signer.sign(GO_TEXT),))) == GO_NOTE


def test_the_go_reference_note_opens_with_its_verifier_key() -> None:
    assert open_note(GO_NOTE, [Verifier.from_vkey(GO_VKEY)]).text == GO_TEXT


def test_a_note_with_an_altered_text_is_rejected() -> None:
    forged = GO_NOTE.replace("answer", "answers")
    with pytest.raises(SignatureError):
        open_note(forged, [Verifier.from_vkey(GO_VKEY)])


def test_a_note_signed_only_by_unknown_keys_is_rejected() -> None:
    with pytest.raises(SignatureError, match="trusted"):
        open_note(GO_NOTE, [Signer.generate("PeterNeumann").verifier])


def test_a_verifier_key_with_a_wrong_key_id_is_refused() -> None:
    with pytest.raises(NoteError):
        Verifier.from_vkey(GO_VKEY.replace("c74f20a3", "c74f20a4"))


@pytest.mark.parametrize("name", ["", "has space", "a+b"])
def test_key_names_with_spaces_or_plus_are_refused(name: str) -> None:
    with pytest.raises(NoteError):
        Signer.generate(name)


def test_a_checkpoint_note_has_origin_size_and_base64_root_then_a_signature() -> None:
    signer = Signer.generate(ORIGIN)
    root = root_of(_tree(3))
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, root), signer)
    lines = note.split("\n")
    assert lines[:4] == [ORIGIN, "3", Checkpoint(ORIGIN, 3, root).text().split("\n")[2], ""]
    assert lines[4].startswith(f"— {ORIGIN} ")
    assert open_checkpoint(note, signer.verifier) == Checkpoint(ORIGIN, 3, root)


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n03\n{'A' * 43}=\n",
        f"{ORIGIN}\n-1\n{'A' * 43}=\n",
        f"{ORIGIN}\n3\nAAAA\n",
        f"{ORIGIN}\n3\n",
        f"\n3\n{'A' * 43}=\n",
    ],
)
def test_malformed_checkpoint_texts_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, root_of(_tree(1))), Signer.generate(ORIGIN))
    with pytest.raises(SignatureError):
        open_checkpoint(note, Signer.generate(ORIGIN).verifier)


def test_a_cosigner_adds_a_verifiable_timestamped_cosignature_after_a_consistent_step() -> None:
    log = Signer.generate(ORIGIN)
    witness = Signer.generate("witness.example/w1", key_type=COSIGNATURE_TYPE)
    leaves = _tree(9)
    old = Checkpoint(ORIGIN, 5, root_of(leaves[:5]))
    note = sign_checkpoint(Checkpoint(ORIGIN, 9, root_of(leaves)), log)
    cosigned = cosign_checkpoint(
        note,
        log_key=log.verifier,
        cosigner=witness,
        previous=old,
        proof=consistency_proof(leaves, 5),
        timestamp=1_700_000_000,
    )
    assert len(parse_note(cosigned).signatures) == 2
    assert open_note(cosigned, [witness.verifier]).text == parse_note(note).text
    # Still a valid checkpoint for the log itself.
    assert open_checkpoint(cosigned, log.verifier).size == 9


def test_a_cosigner_refuses_a_checkpoint_that_rewrites_history() -> None:
    log = Signer.generate(ORIGIN)
    witness = Signer.generate("witness.example/w1", key_type=COSIGNATURE_TYPE)
    leaves = _tree(9)
    forged = [*leaves[:2], leaf_hash(b"rewritten"), *leaves[3:]]
    old = Checkpoint(ORIGIN, 5, root_of(leaves[:5]))
    note = sign_checkpoint(Checkpoint(ORIGIN, 9, root_of(forged)), log)
    with pytest.raises(ProofError):
        cosign_checkpoint(
            note,
            log_key=log.verifier,
            cosigner=witness,
            previous=old,
            proof=consistency_proof(forged, 5),
        )


def test_a_cosigner_refuses_a_rollback() -> None:
    log = Signer.generate(ORIGIN)
    witness = Signer.generate("witness.example/w1", key_type=COSIGNATURE_TYPE)
    leaves = _tree(9)
    note = sign_checkpoint(Checkpoint(ORIGIN, 4, root_of(leaves[:4])), log)
    with pytest.raises(InconsistentCheckpointError, match="went back"):
        cosign_checkpoint(
            note,
            log_key=log.verifier,
            cosigner=witness,
            previous=Checkpoint(ORIGIN, 9, root_of(leaves)),
            proof=[],
        )


def test_a_cosignature_over_another_time_does_not_verify() -> None:
    witness = Signer.generate("witness.example/w1", key_type=COSIGNATURE_TYPE)
    text = Checkpoint(ORIGIN, 1, root_of(_tree(1))).text()
    signature = witness.sign(text, timestamp=100)
    moved = type(signature)(
        signature.name, signature.key_id, (101).to_bytes(8, "big") + signature.signature[8:]
    )
    assert witness.verifier.verify(text, signature)
    assert not witness.verifier.verify(text, moved)
