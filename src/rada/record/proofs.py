"""Verification of inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2).

These two functions are Rada's stable API for anyone checking the record independently.
They follow the reference verifier (transparency-dev/merkle), and decide two policy cases
explicitly:

- An empty hash is rejected wherever a hash is expected (:class:`MalformedProofError`).
- A consistency proof from a tree of size 0 is an error, even to another empty tree: every
  tree extends the empty one, so such a proof would prove nothing.

Proof hashes and the leaf hash must be exactly 32 bytes. A root of the wrong length simply
fails to match. When both sizes are equal the proof must be empty and the roots compared
byte for byte, as the reference verifier does.
"""

from __future__ import annotations

from collections.abc import Sequence

from rada.record.errors import MalformedProofError, RootMismatchError
from rada.record.merkle import HASH_SIZE, consistency_ranges, inclusion_ranges, node_hash

__all__ = ["verify_consistency", "verify_inclusion"]


def _require_bytes(name: str, value: object) -> bytes:
    if not isinstance(value, bytes):
        raise MalformedProofError(f"{name} must be bytes, not {type(value).__name__}")
    if not value:
        raise MalformedProofError(f"{name} is empty", hint="an empty hash is never a valid hash")
    return value


def _require_hash(name: str, value: object) -> bytes:
    data = _require_bytes(name, value)
    if len(data) != HASH_SIZE:
        raise MalformedProofError(f"{name} has {len(data)} bytes, not {HASH_SIZE}")
    return data


def _require_size(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedProofError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def _proof_hashes(proof: Sequence[bytes], expected: int) -> list[bytes]:
    if len(proof) != expected:
        raise MalformedProofError(f"the proof has {len(proof)} hashes; it should have {expected}")
    return [_require_hash(f"proof hash {i}", p) for i, p in enumerate(proof)]


def verify_inclusion(
    *, leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    Parameters
    ----------
    leaf_hash
        The leaf's hash, ``SHA-256(0x00 || data)``, 32 bytes.
    index
        The leaf's 0-based index.
    size
        The number of leaves in the tree.
    proof
        The audit path, from the leaf level upwards.
    root
        The tree's root hash.

    Returns
    -------
    None
        When the proof holds.

    Raises
    ------
    MalformedProofError
        If an input is malformed: index out of range, wrong proof length, empty hash, a leaf
        or proof hash not 32 bytes.
    RootMismatchError
        If the proof is well formed but does not reproduce ``root``.

    Examples
    --------
    >>> from rada.record.merkle import inclusion_proof, leaf_hash, root_of
    >>> leaves = [leaf_hash(bytes([i])) for i in range(7)]
    >>> verify_inclusion(leaf_hash=leaves[3], index=3, size=7,
    ...                  proof=inclusion_proof(leaves, 3), root=root_of(leaves))
    """
    leaf = _require_hash("leaf hash", leaf_hash)
    expected_root = _require_bytes("root", root)
    _require_size("index", index)
    _require_size("size", size)
    path = _proof_hashes(proof, len(inclusion_ranges(index, size)))
    fn, sn = index, size - 1
    result = leaf
    for sibling in path:
        if sn == 0:
            raise MalformedProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MalformedProofError("the proof is shorter than the tree is deep")
    if result != expected_root:
        raise RootMismatchError(f"leaf {index} is not included in this tree of size {size}")


def verify_consistency(
    *, size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``size2`` leaves with ``root2`` extends the one of ``size1``.

    Parameters
    ----------
    size1, size2
        The sizes of the older and the newer tree; ``0 < size1 <= size2``.
    root1, root2
        Their root hashes.
    proof
        The consistency proof (RFC 9162 §2.1.4.1).

    Returns
    -------
    None
        When the proof holds.

    Raises
    ------
    MalformedProofError
        If ``size1`` is 0, ``size2 < size1``, a hash is empty, the proof has the wrong length
        (it must be empty when the sizes are equal) or a proof hash is not 32 bytes.
    RootMismatchError
        If the proof is well formed but does not reproduce both roots.

    Examples
    --------
    >>> from rada.record.merkle import consistency_proof, leaf_hash, root_of
    >>> leaves = [leaf_hash(bytes([i])) for i in range(8)]
    >>> verify_consistency(size1=3, size2=8, root1=root_of(leaves[:3]),
    ...                    root2=root_of(leaves), proof=consistency_proof(leaves, 3))
    """
    _require_size("size1", size1)
    _require_size("size2", size2)
    first = _require_bytes("root1", root1)
    second = _require_bytes("root2", root2)
    ranges = consistency_ranges(size1, size2)
    if size1 == size2:
        if len(proof) != 0:
            raise MalformedProofError("a consistency proof between equal sizes must be empty")
        if first != second:
            raise RootMismatchError(f"two different roots for the same tree size {size1}")
        return
    path = _proof_hashes(proof, len(ranges))
    if size1 & (size1 - 1) == 0:
        # The old tree is a perfect subtree of the new one: the RFC starts from its root.
        path = [first, *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old = new = path[0]
    for node in path[1:]:
        if sn == 0:
            raise MalformedProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            old = node_hash(node, old)
            new = node_hash(node, new)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            new = node_hash(new, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MalformedProofError("the proof is shorter than the tree is deep")
    if old != first or new != second:
        raise RootMismatchError(f"the tree of size {size2} does not extend the one of size {size1}")
