"""The Merkle tree: RFC roots, the policy cases, and proofs for random sizes."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rada.record import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from rada.record.errors import MalformedProofError, RootMismatchError
from rada.record.merkle import fold, inclusion_nodes, inclusion_ranges, range_nodes

# The RFC 6962 reference leaves and the roots of their prefixes (tlog-vectors README).
RFC_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
RFC_ROOTS = [
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
    "+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=",
    "rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=",
    "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
    "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
    "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
    "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw=",
    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
]


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@pytest.mark.parametrize("size", range(9))
def test_root_of_each_rfc_prefix_matches_the_published_root(size: int) -> None:
    leaves = [leaf_hash(data) for data in RFC_LEAVES[:size]]
    assert base64.b64encode(root_of(leaves)).decode() == RFC_ROOTS[size]


def test_the_empty_tree_has_the_hash_of_the_empty_string() -> None:
    assert base64.b64encode(EMPTY_ROOT).decode() == RFC_ROOTS[0]


@pytest.mark.parametrize("size", range(40))
def test_compact_range_gives_the_same_roots_and_nodes_as_the_reference(size: int) -> None:
    leaves = _leaves(size)
    tree = CompactRange()
    stored: dict[tuple[int, int], bytes] = {}
    for leaf in leaves:
        for level, index, digest in tree.append(leaf):
            stored[(level, index)] = digest
    assert tree.root() == root_of(leaves)
    assert fold([stored[a] for a in range_nodes(0, size)]) == root_of(leaves)
    resumed = CompactRange(size, tree.hashes())
    assert resumed.root() == tree.root()


def test_an_empty_leaf_hash_is_rejected() -> None:
    with pytest.raises(MalformedProofError, match="empty"):
        verify_inclusion(leaf_hash=b"", index=0, size=1, proof=[], root=EMPTY_ROOT)


def test_an_empty_root_is_rejected_even_when_sizes_are_equal() -> None:
    with pytest.raises(MalformedProofError, match="empty"):
        verify_consistency(size1=1, size2=1, root1=b"", root2=b"", proof=[])


def test_an_empty_proof_hash_is_rejected() -> None:
    leaves = _leaves(2)
    with pytest.raises(MalformedProofError, match="empty"):
        verify_inclusion(leaf_hash=leaves[0], index=0, size=2, proof=[b""], root=root_of(leaves))


def test_a_consistency_proof_from_size_zero_is_an_error() -> None:
    with pytest.raises(MalformedProofError, match="empty tree"):
        verify_consistency(size1=0, size2=0, root1=EMPTY_ROOT, root2=EMPTY_ROOT, proof=[])
    with pytest.raises(MalformedProofError, match="empty tree"):
        verify_consistency(size1=0, size2=3, root1=EMPTY_ROOT, root2=root_of(_leaves(3)), proof=[])


def test_a_leaf_index_beyond_the_tree_is_malformed() -> None:
    leaves = _leaves(4)
    with pytest.raises(MalformedProofError):
        verify_inclusion(leaf_hash=leaves[0], index=4, size=4, proof=[], root=root_of(leaves))


def test_a_shrinking_tree_is_not_consistent() -> None:
    leaves = _leaves(4)
    with pytest.raises(MalformedProofError):
        verify_consistency(size1=4, size2=3, root1=root_of(leaves), root2=b"x" * 32, proof=[])


sizes = st.integers(min_value=1, max_value=300)


@given(data=st.data(), size=sizes)
def test_generated_inclusion_proofs_verify(data: st.DataObject, size: int) -> None:
    leaves = _leaves(size)
    index = data.draw(st.integers(0, size - 1))
    verify_inclusion(
        leaf_hash=leaves[index],
        index=index,
        size=size,
        proof=inclusion_proof(leaves, index),
        root=root_of(leaves),
    )


@given(data=st.data(), size=st.integers(min_value=2, max_value=300))
def test_an_inclusion_proof_with_one_flipped_bit_fails(data: st.DataObject, size: int) -> None:
    leaves = _leaves(size)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(leaves, index)
    which = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    proof[which] = bytes(
        b ^ (1 << (bit % 8)) if i == bit // 8 else b for i, b in enumerate(proof[which])
    )
    with pytest.raises(RootMismatchError):
        verify_inclusion(
            leaf_hash=leaves[index], index=index, size=size, proof=proof, root=root_of(leaves)
        )


@given(data=st.data(), size2=sizes)
def test_generated_consistency_proofs_verify(data: st.DataObject, size2: int) -> None:
    leaves = _leaves(size2)
    size1 = data.draw(st.integers(1, size2))
    verify_consistency(
        size1=size1,
        size2=size2,
        root1=root_of(leaves[:size1]),
        root2=root_of(leaves),
        proof=consistency_proof(leaves, size1),
    )


@given(data=st.data(), size2=st.integers(min_value=2, max_value=300))
def test_a_consistency_proof_for_a_rewritten_prefix_fails(data: st.DataObject, size2: int) -> None:
    leaves = _leaves(size2)
    size1 = data.draw(st.integers(1, size2 - 1))
    changed = data.draw(st.integers(0, size1 - 1))
    forged = list(leaves)
    forged[changed] = leaf_hash(b"forged")
    with pytest.raises(RootMismatchError):
        verify_consistency(
            size1=size1,
            size2=size2,
            root1=root_of(leaves[:size1]),
            root2=root_of(forged),
            proof=consistency_proof(forged, size1),
        )


def _planned_by_ranges(index: int, size: int) -> list[tuple[tuple[int, int], ...]]:
    return [tuple(range_nodes(start, n)) for start, n in inclusion_ranges(index, size)]


@pytest.mark.parametrize("size", range(1, 70))
def test_inclusion_nodes_plan_the_proof_of_every_leaf_as_the_rfc_ranges_do(size: int) -> None:
    for index in range(size):
        assert inclusion_nodes(index, size) == _planned_by_ranges(index, size)


@given(st.data(), st.integers(1, 2**48))
def test_inclusion_nodes_agree_with_the_rfc_ranges_in_huge_trees(
    data: st.DataObject, size: int
) -> None:
    index = data.draw(st.integers(0, size - 1))
    assert inclusion_nodes(index, size) == _planned_by_ranges(index, size)


def test_inclusion_nodes_refuse_a_leaf_outside_the_tree() -> None:
    with pytest.raises(MalformedProofError):
        inclusion_nodes(7, 7)


@pytest.mark.parametrize("size", range(40))
def test_pushing_leaves_gives_the_same_tree_as_appending_them(size: int) -> None:
    pushed, appended = CompactRange(), CompactRange()
    for leaf in _leaves(size):
        pushed.push(leaf)
        appended.append(leaf)
        assert (pushed.size, pushed.root()) == (appended.size, appended.root())
    assert pushed.hashes() == appended.hashes()
