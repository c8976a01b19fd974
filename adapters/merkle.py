"""RFC 9162 (Certificate Transparency 2.0) Merkle trees: hashes, proofs, verification.

leaf = SHA-256(0x00 || leaf data), node = SHA-256(0x01 || left || right); the tree over n
leaves splits at the largest power of two below n (RFC 9162 section 2.1.1). A *complete
node* (level, index) is the perfect subtree over leaves [index * 2^level, (index+1) *
2^level): every hash a proof needs is a complete node or a right-edge range made of them,
so proofs are computed from a handful of stored nodes (`inclusion_ranges`,
`consistency_ranges`, `parts`), whatever stores them. Chronicle's leaf data is what the
workspace's hash chain covers, minus the link to the previous event (`event_leaf`).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Mapping, Sequence
from uuid import UUID

Node = tuple[int, int]  # (level, index): leaves [index << level, (index + 1) << level)
Range = tuple[int, int]  # leaves [lo, hi)
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf(
    position: int, aggregate_id: UUID, version: int, wire_name: str, state: bytes
) -> bytes:
    """The leaf hash of a stored event: its position, aggregate, version, wire name and
    stored bytes, length-prefixed as the chain hashes them (sealed values as stored)."""
    topic = wire_name.encode()
    return hashlib.sha256(
        b"\x00%b%b%b%b%b%b"
        % (
            _POSITION_VERSION(position, version),
            aggregate_id.bytes,
            len(topic).to_bytes(4, "big"),
            topic,
            len(state).to_bytes(8, "big"),
            state,
        )
    ).digest()


_POSITION_VERSION = struct.Struct(">qq").pack


def split(width: int) -> int:
    """The largest power of two below `width` (> 1): where RFC 9162 splits a tree."""
    return 1 << ((width - 1).bit_length() - 1)


def parts(lo: int, hi: int) -> list[Node]:
    """The complete nodes a range of a proof is made of, left to right (largest first)."""
    found = []
    while lo < hi:
        level = min((lo & -lo).bit_length() - 1 if lo else 63, (hi - lo).bit_length() - 1)
        found.append((level, lo >> level))
        lo += 1 << level
    return found


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its parts' hashes (largest first), as RFC 9162 defines it."""
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def perfect(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree from its 2^k bottom hashes, left to right."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (tests and small trees; stores use `parts` and stored nodes)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes are the inclusion proof of leaf `index` in a tree of `size`
    leaves (RFC 9162 2.1.3.1 PATH), in proof order: nearest the leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path, lo, hi = [], 0, size
    while hi - lo > 1:
        k = split(hi - lo)
        if index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
    return path[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes prove that the tree of `second` leaves extends the one of
    `first` (RFC 9162 2.1.4.1 PROOF/SUBPROOF), in proof order."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    path, lo, hi, whole = [], 0, second, True
    while first != hi - lo:
        k = split(hi - lo)
        if first <= k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo, first, whole = lo + k, first - k, False
    if not whole:
        path.append((lo, hi))
    return path[::-1]


def needed(ranges: Iterable[Range]) -> set[Node]:
    return {node for lo, hi in ranges for node in parts(lo, hi)}


def hashes_of(ranges: Iterable[Range], nodes: Mapping[Node, bytes]) -> list[bytes]:
    return [fold([nodes[n] for n in parts(lo, hi)]) for lo, hi in ranges]


def _sized(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 2.1.3.2); ValueError if malformed."""
    if not 0 <= index < size or not _sized(leaf, *proof):
        raise ValueError("malformed inclusion proof")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("inclusion proof too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    try:
        return _sized(expected_root) and root_from_inclusion(index, size, leaf, proof) == (
            expected_root
        )
    except ValueError:
        return False


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: does the tree of `second` leaves extend the one of `first`?"""
    if not 0 <= first <= second or not _sized(first_root, second_root, *proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
