"""The tlog-witness protocol without a network: requests, the witness's decision, answers.

The example request body is the one c2sp.org/tlog-witness gives.
"""

from __future__ import annotations

import pytest

from rada.record.checkpoint import Checkpoint, sign_checkpoint
from rada.record.merkle import consistency_proof, leaf_hash, root_of
from rada.record.note import COSIGNATURE_TYPE, Signer, parse_note
from rada.record.witness import (
    MAX_REQUEST_BYTES,
    AddCheckpoint,
    CosignatureQuorumError,
    WitnessRefusal,
    add_cosignatures,
    check_add_checkpoint,
    cosign,
    parse_add_checkpoint,
    read_cosignatures,
    verify_cosigned,
)

SPEC_EXAMPLE = (
    """old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

"""
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+"
    "ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+"
    "zyWE+xeMcTOAYQ8=\n"
    "— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZd"
    "XNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5"
    "Rovnzv++qbSzm9Q=\n"
)

ORIGIN = "example.org/log"
LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(40)]


@pytest.fixture(scope="module")
def log() -> Signer:
    return Signer.generate(ORIGIN)


def _note(log: Signer, size: int, leaves: list[bytes] = LEAVES) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, root_of(leaves[:size])), log)


def _head(size: int, leaves: list[bytes] = LEAVES) -> Checkpoint:
    return Checkpoint(ORIGIN, size, root_of(leaves[:size]))


def test_the_specifications_example_request_reads_and_writes_back() -> None:
    request = parse_add_checkpoint(SPEC_EXAMPLE.encode())
    assert request.old_size == 20852014
    assert len(request.proof) == 4
    assert request.note.startswith("example.com/behind-the-sofa\n20852163\n")
    assert len(parse_note(request.note).signatures) == 2
    assert request.encode() == SPEC_EXAMPLE.encode()


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        (b"", "no blank line"),
        (b"old 1\n", "no blank line"),
        (b"new 1\n\nx\n", "'old <size>'"),
        (b"old 01\n\nx\n", "leading zeroes"),
        (b"old -1\n\nx\n", "leading zeroes"),
        (b"old 99999999999999999999\n\nx\n", "too large"),
        (b"old 1\nnot base64!\n\nx\n", "not base64"),
        (b"old 1\nAAAA\n\nx\n", "32-byte hash"),
        (b"old 1\n" + b"A" * 43 + b"=\n" * 64 + b"\nx\n", "63"),
        (b"\xff\xfe\n\n", "UTF-8"),
    ],
)
def test_a_malformed_request_is_refused_with_400_naming_the_fault(body: bytes, fault: str) -> None:
    with pytest.raises(WitnessRefusal, match=fault) as caught:
        parse_add_checkpoint(body)
    assert caught.value.status == 400


def test_an_oversized_request_is_refused() -> None:
    with pytest.raises(WitnessRefusal) as caught:
        parse_add_checkpoint(b"x" * (MAX_REQUEST_BYTES + 1))
    assert caught.value.status == 413


def _decide(log: Signer, request: AddCheckpoint, latest: Checkpoint | None) -> Checkpoint:
    return check_add_checkpoint(request, log_keys=[log.verifier], latest=latest)


def test_a_consistent_checkpoint_is_accepted(log: Signer) -> None:
    proof = tuple(consistency_proof(LEAVES[:30], 10))
    accepted = _decide(log, AddCheckpoint(10, proof, _note(log, 30)), _head(10))
    assert accepted == _head(30)
    assert _decide(log, AddCheckpoint(0, (), _note(log, 30)), None) == _head(30)
    assert _decide(log, AddCheckpoint(30, (), _note(log, 30)), _head(30)) == _head(30)


def _refusal(log: Signer, request: AddCheckpoint, latest: Checkpoint | None) -> WitnessRefusal:
    with pytest.raises(WitnessRefusal) as caught:
        _decide(log, request, latest)
    return caught.value


def test_an_unknown_log_is_404_and_a_bad_signature_403(log: Signer) -> None:
    other = Signer.generate("elsewhere.example/log")
    note = sign_checkpoint(Checkpoint(other.name, 1, LEAVES[0]), other)
    assert _refusal(log, AddCheckpoint(0, (), note), None).status == 404
    impostor = Signer.generate(ORIGIN)
    assert _refusal(log, AddCheckpoint(0, (), _note(impostor, 3)), None).status == 403
    assert _refusal(log, AddCheckpoint(0, (), "not a note"), None).status == 400


def test_a_wrong_old_size_is_409_with_the_known_size(log: Signer) -> None:
    refusal = _refusal(log, AddCheckpoint(0, (), _note(log, 30)), _head(10))
    assert (refusal.status, refusal.known_size) == (409, 10)
    refusal = _refusal(log, AddCheckpoint(5, (), _note(log, 30)), None)
    assert (refusal.status, refusal.known_size) == (409, 0)


def test_an_old_size_above_the_new_is_400(log: Signer) -> None:
    assert _refusal(log, AddCheckpoint(20, (), _note(log, 10)), _head(20)).status == 400


def test_a_bad_proof_is_422(log: Signer) -> None:
    proof = list(consistency_proof(LEAVES[:30], 10))
    proof[0] = bytes(32)
    assert _refusal(log, AddCheckpoint(10, tuple(proof), _note(log, 30)), _head(10)).status == 422
    assert _refusal(log, AddCheckpoint(10, (), _note(log, 30)), _head(10)).status == 422


def test_a_fork_is_refused_at_equal_and_at_larger_sizes(log: Signer) -> None:
    forked = [*LEAVES[:5], *(leaf_hash(b"forged %d" % i) for i in range(35))]
    same_size = _refusal(log, AddCheckpoint(10, (), _note(log, 10, forked)), _head(10))
    assert (same_size.status, same_size.known_size) == (409, 10)
    proof = tuple(consistency_proof(forked[:30], 10))
    assert _refusal(log, AddCheckpoint(10, proof, _note(log, 30, forked)), _head(10)).status == 422


def test_cosignatures_are_read_back_and_counted_toward_a_quorum(log: Signer) -> None:
    w1 = Signer.generate("w1.example", key_type=COSIGNATURE_TYPE)
    w2 = Signer.generate("w2.example", key_type=COSIGNATURE_TYPE)
    head = _head(30)
    lines = read_cosignatures(cosign(head, w1), checkpoint=head, witness_key=w1.verifier)
    note = add_cosignatures(_note(log, 30), lines)
    witnesses = [w1.verifier, w2.verifier]
    assert verify_cosigned(note, log_key=log.verifier, witnesses=witnesses, quorum=1) == head
    with pytest.raises(CosignatureQuorumError, match="1 of the trusted witnesses; 2"):
        verify_cosigned(note, log_key=log.verifier, witnesses=witnesses, quorum=2)
    # A cosignature on another checkpoint is no cosignature of this one.
    other = cosign(_head(31), w2)
    with pytest.raises(Exception, match="no valid cosignature"):
        read_cosignatures(other, checkpoint=head, witness_key=w2.verifier)
