"""The RFC 9162 Merkle tree: hashing, subtree addressing and proof generation.

Leaves are hashed as ``SHA-256(0x00 || data)`` and interior nodes as
``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1), so that no leaf can pass for a node.

Storage keeps only *perfect* subtrees, addressed ``(level, index)``: the node at level ``L``
and index ``i`` is the root of leaves ``[i * 2**L, (i + 1) * 2**L)``. Such a node never
changes once its last leaf is appended, so it can be stored append-only. Every subtree the
RFC's proofs name is a short run of perfect subtrees (:func:`range_nodes`), which is why a
proof needs O(log n) stored nodes. The functions here plan which nodes a proof needs; the
caller fetches them (from memory or a database) and folds them with :func:`fold`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

from rada.record.errors import MalformedProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "NodeAddress",
    "consistency_proof",
    "consistency_ranges",
    "fold",
    "inclusion_nodes",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "range_nodes",
    "root_of",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeAddress = tuple[int, int]
"""``(level, index)`` of a perfect subtree; level 0 holds the leaf hashes."""


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf's data with the leaf prefix ``0x00``.

    Examples
    --------
    >>> leaf_hash(b"").hex()[:16]
    '6e340b9cffb37a98'
    """
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes with the interior-node prefix ``0x01``.

    Examples
    --------
    >>> node_hash(leaf_hash(b""), leaf_hash(b"\\x00")).hex()[:16]
    'fac54203e7cc696c'
    """
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, size: int) -> list[NodeAddress]:
    """The perfect subtrees, left to right, whose fold is the RFC subtree ``[start, start+size)``.

    ``start`` must be a multiple of the power of two at or above ``size``, as every subtree
    in the RFC's proofs is; the nodes' sizes are then the binary digits of ``size``.

    Examples
    --------
    >>> range_nodes(0, 6)
    [(2, 0), (1, 2)]
    >>> range_nodes(8, 1)
    [(0, 8)]
    """
    if size & (size - 1) == 0 and size:
        level = size.bit_length() - 1
        return [(level, start >> level)]
    nodes: list[NodeAddress] = []
    position = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, position >> level))
            position += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of :func:`range_nodes` (same order) into the subtree's root.

    Examples
    --------
    >>> fold([]) == EMPTY_ROOT
    True
    >>> a, b = leaf_hash(b"a"), leaf_hash(b"b")
    >>> fold([a, b]) == node_hash(a, b)
    True
    """
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees ``(start, size)`` whose roots form the inclusion proof, leaf level first.

    Examples
    --------
    >>> inclusion_ranges(5, 8)
    [(4, 1), (6, 2), (0, 4)]
    """
    if not 0 <= index < size:
        raise MalformedProofError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            ranges.append((start + k, n - k))
            n = k
        else:
            ranges.append((start, k))
            start, m, n = start + k, m - k, n - k
    ranges.reverse()
    return ranges


@functools.lru_cache(maxsize=1024)
def _edge_nodes(start: int, size: int) -> tuple[NodeAddress, ...]:
    # The edge starts where index and size part, so a tree has one per level: worth keeping.
    return tuple(range_nodes(start, size - start))


def inclusion_nodes(index: int, size: int) -> list[tuple[NodeAddress, ...]]:
    """For each hash of the inclusion proof, leaf level first, the stored nodes that fold into it.

    The same proof as :func:`inclusion_ranges` followed by :func:`range_nodes`, planned
    bottom-up in O(log n) steps: below the level where the leaf's path leaves the perfect
    subtrees, every sibling is one stored node; at that level the sibling is the right edge of
    the tree (several nodes to fold); above it, the left siblings are stored nodes again.

    Examples
    --------
    >>> inclusion_nodes(5, 8)
    [((0, 4),), ((1, 3),), ((2, 0),)]
    >>> inclusion_nodes(2, 7)
    [((0, 3),), ((1, 0),), ((1, 2), (0, 6))]
    """
    if not 0 <= index < size:
        raise MalformedProofError(f"leaf index {index} is outside a tree of size {size}")
    # The highest bit where index and size differ is where the leaf's path meets the edge.
    inner = (index ^ size).bit_length() - 1
    plan: list[tuple[NodeAddress, ...]] = [
        ((level, (index >> level) ^ 1),) for level in range(inner)
    ]
    edge = ((index >> inner) + 1) << inner
    if edge < size:
        plan.append(_edge_nodes(edge, size))
    for level in range(inner + 1, size.bit_length()):
        if index >> level & 1:
            plan.append(((level, (index >> level) - 1),))
    return plan


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The subtrees ``(start, size)`` whose roots form the consistency proof (RFC 9162 §2.1.4.1).

    Examples
    --------
    >>> consistency_ranges(6, 8)
    [(4, 2), (6, 2), (0, 4)]
    >>> consistency_ranges(4, 4)
    []
    """
    if size1 <= 0:
        raise MalformedProofError(
            "a consistency proof from the empty tree proves nothing",
            hint="every tree is consistent with the empty tree; ask from size 1 or more",
        )
    if size2 < size1:
        raise MalformedProofError(f"the second tree ({size2}) is smaller than the first ({size1})")
    ranges: list[tuple[int, int]] = []
    start, m, n, whole = 0, size1, size2, True
    while m != n:
        k = _split(n)
        if m <= k:
            ranges.append((start + k, n - k))
            n = k
        else:
            ranges.append((start, k))
            start, m, n, whole = start + k, m - k, n - k, False
    if not whole:
        ranges.append((start, n))
    ranges.reverse()
    return ranges


def _subtree_root(leaves: Sequence[bytes], start: int, size: int) -> bytes:
    """The RFC's recursive MTH over ``leaves[start:start+size]`` (the reference version)."""
    if size == 0:
        return EMPTY_ROOT
    if size == 1:
        return leaves[start]
    k = _split(size)
    return node_hash(_subtree_root(leaves, start, k), _subtree_root(leaves, start + k, size - k))


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The root of a tree over the given leaf hashes, by the RFC's recursive definition.

    Examples
    --------
    >>> root_of([]) == EMPTY_ROOT
    True
    >>> root_of([leaf_hash(b"x")]) == leaf_hash(b"x")
    True
    """
    return _subtree_root(leaves, 0, len(leaves))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof for ``leaves[index]`` in the tree over all ``leaves`` (in memory).

    Examples
    --------
    >>> leaves = [leaf_hash(bytes([i])) for i in range(5)]
    >>> len(inclusion_proof(leaves, 4))
    1
    """
    return [_subtree_root(leaves, s, n) for s, n in inclusion_ranges(index, len(leaves))]


def consistency_proof(leaves: Sequence[bytes], size1: int) -> list[bytes]:
    """The consistency proof from the first ``size1`` leaves to all of ``leaves`` (in memory).

    Examples
    --------
    >>> leaves = [leaf_hash(bytes([i])) for i in range(8)]
    >>> len(consistency_proof(leaves, 6))
    3
    """
    return [_subtree_root(leaves, s, n) for s, n in consistency_ranges(size1, len(leaves))]


class CompactRange:
    """The right edge of a growing tree: the perfect subtrees covering ``[0, size)``.

    Appending a leaf returns every node it completes, so a store can write them append-only.

    Examples
    --------
    >>> tree = CompactRange()
    >>> [(level, index) for level, index, _ in tree.append(leaf_hash(b"a"))]
    [(0, 0)]
    >>> [(level, index) for level, index, _ in tree.append(leaf_hash(b"b"))]
    [(0, 1), (1, 0)]
    >>> tree.root() == node_hash(leaf_hash(b"a"), leaf_hash(b"b"))
    True
    """

    __slots__ = ("_hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise MalformedProofError(
                f"a compact range of size {size} needs {size.bit_count()} hashes, not {len(hashes)}"
            )
        self.size = size
        self._hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the ``(level, index, hash)`` of every node completed."""
        index = self.size
        current = leaf
        completed = [(0, index, current)]
        level = 0
        while index & 1:
            current = node_hash(self._hashes.pop(), current)
            index >>= 1
            level += 1
            completed.append((level, index, current))
        self._hashes.append(current)
        self.size += 1
        return completed

    def push(self, leaf: bytes) -> None:
        """Add one leaf hash, like :meth:`append`, without listing the nodes it completes."""
        hashes = self._hashes
        index = self.size
        while index & 1:
            leaf = hashlib.sha256(b"\x01" + hashes.pop() + leaf).digest()
            index >>= 1
        hashes.append(leaf)
        self.size += 1

    def root(self) -> bytes:
        """The root hash of the tree so far."""
        return fold(self._hashes)

    def hashes(self) -> list[bytes]:
        """The perfect-subtree hashes, in the order of ``range_nodes(0, size)``."""
        return list(self._hashes)
