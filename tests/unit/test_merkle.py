"""RFC 9162 Merkle trees: the Certificate Transparency test vectors, and properties.

The vectors are the ones Certificate Transparency's implementations share (RFC 6962's
reference code, kept in transparency-dev/merkle: rfc6962 and proof tests): hashes of an
empty tree, an empty leaf, a leaf and a node; the roots of the trees over eight leaves;
inclusion and consistency proofs among them, and the corruptions a verifier must refuse.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters import merkle
from adapters.merkle_edge import Edge, reads, resolve

pytestmark = pytest.mark.unit

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243")] + [
    bytes.fromhex("5051525354555657"),
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]


def hx(*hashes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hashes]


# (leaf index, tree size, proof)
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        hx(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        5,
        8,
        hx(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (2, 3, hx("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        1,
        5,
        hx(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]
# (first size, second size, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        hx(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        hx(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        hx(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        hx(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
LEAF_HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]


class MemoryTree:
    """A tree stored the way PostgreSQL stores it (leaves and levels 4, 8, ...), in a dict."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.edge, self.stored = Edge(), {}
        for leaf in leaves:
            for level, index, h in self.edge.append(leaf):
                self.stored[(level, index)] = h

    def hashes(self, ranges: list[merkle.Range]) -> list[bytes]:
        nodes = merkle.needed(ranges)
        wanted = {(level, i) for level, lo, hi in reads(nodes) for i in range(lo, hi)}
        return merkle.hashes_of(ranges, resolve(nodes, {k: self.stored[k] for k in wanted}))

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return self.hashes(merkle.inclusion_ranges(index, size))

    def consistency(self, first: int, second: int) -> list[bytes]:
        return self.hashes(merkle.consistency_ranges(first, second))

    def root(self, size: int) -> bytes:
        return self.hashes([(0, size)])[0] if size else merkle.EMPTY_ROOT


def test_the_hashes_are_rfc_6962s():
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert merkle.leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert merkle.node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_the_roots_of_the_reference_trees(size):
    assert merkle.root(LEAF_HASHES[:size]) == ROOTS[size - 1]
    assert MemoryTree(LEAF_HASHES[:size]).root(size) == ROOTS[size - 1]
    assert MemoryTree(LEAF_HASHES).root(size) == ROOTS[size - 1]  # a later tree's past root


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_are_the_reference_ones_and_verify(index, size, proof):
    assert MemoryTree(LEAF_HASHES).inclusion(index, size) == proof
    assert merkle.verify_inclusion(index, size, LEAF_HASHES[index], proof, ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_are_the_reference_ones_and_verify(first, second, proof):
    assert MemoryTree(LEAF_HASHES).consistency(first, second) == proof
    assert merkle.verify_consistency(first, second, ROOTS[first - 1], ROOTS[second - 1], proof)


def corrupted_inclusions(index, size, proof, root, leaf):
    """What the reference verifier's tests try: every one must be refused."""
    probes = [
        (index - 1, size, root, leaf, proof),
        (index + 1, size, root, leaf, proof),
        (index ^ 2, size, root, leaf, proof),
        (index, size * 2, root, leaf, proof),
        (index, size // 2, root, leaf, proof),
        (index, size, root, b"WrongLeaf", proof),
        (index, size, merkle.EMPTY_ROOT, leaf, proof),
        (index, size, SOME_HASH, leaf, proof),
        (index, size, root, leaf, [*proof, b""]),
        (index, size, root, leaf, [*proof, root]),
        (index, size, root, leaf, [b"", *proof]),
        (index, size, root, leaf, [root, *proof]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, root, leaf, flipped))
    if proof:
        probes.append((index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append((index, size, root, leaf, [proof[0], SOME_HASH, *proof[1:]]))
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_corrupted_inclusion_proofs_are_refused(index, size, proof):
    root, leaf = ROOTS[size - 1], LEAF_HASHES[index]
    for i, s, r, lf, p in corrupted_inclusions(index, size, proof, root, leaf):
        assert not merkle.verify_inclusion(i, s, lf, p, r), (i, s, r.hex(), lf, p)


@pytest.mark.parametrize(("first", "second", "proof"), [c for c in CONSISTENCY if c[2]])
def test_corrupted_consistency_proofs_are_refused(first, second, proof):
    r1, r2 = ROOTS[first - 1], ROOTS[second - 1]
    probes = [
        (first - 1, second, r1, r2, proof),
        (first + 1, second, r1, r2, proof),
        (first ^ 2, second, r1, r2, proof),
        (first, second * 2, r1, r2, proof),
        (first, second // 2, r1, r2, proof),
        (first, second, b"WrongRoot", r2, proof),
        (first, second, r1, b"WrongRoot", proof),
        (first, second, r2, r1, proof),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*proof, b""]),
        (first, second, r1, r2, [*proof, r1]),
        (first, second, r1, r2, [*proof, r2]),
        (first, second, r1, r2, [b"", *proof]),
        (first, second, r1, r2, [r1, *proof]),
        (first, second, r1, r2, [r2, *proof]),
        (first, second, r1, r2, [proof[0], *proof]),
        (first, second, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((first, second, r1, r2, flipped))
    for f, s, a, b, p in probes:
        assert not merkle.verify_consistency(f, s, a, b, p), (f, s, a.hex(), b.hex(), p)


def test_the_reference_edge_cases_of_consistency():
    one, two = b"1" * 32, b"2" * 32
    assert merkle.verify_consistency(0, 0, one, one, [])
    assert merkle.verify_consistency(0, 1, one, two, [])
    assert merkle.verify_consistency(1, 1, two, two, [])
    assert not merkle.verify_consistency(1, 1, one, two, [])
    assert not merkle.verify_consistency(1, 0, one, two, [])
    assert not merkle.verify_consistency(2, 1, one, two, [])
    assert not merkle.verify_consistency(1, 2, one, two, [])
    assert not merkle.verify_consistency(0, 0, one, one, [merkle.EMPTY_ROOT])
    assert not merkle.verify_consistency(1, 1, one, one, [merkle.EMPTY_ROOT])


def test_a_single_leaf_tree_and_malformed_hashes():
    h = merkle.leaf_hash(b"data")
    assert merkle.verify_inclusion(0, 1, h, [], h)
    assert not merkle.verify_inclusion(0, 1, b"", [], h)
    assert not merkle.verify_inclusion(0, 1, h, [], b"")
    assert not merkle.verify_inclusion(0, 1, b"", [], b"")
    for index, size in ((0, 0), (1, 0), (2, 1)):
        assert not merkle.verify_inclusion(index, size, SOME_HASH, [], merkle.EMPTY_ROOT)


def leaves_of(count: int, salt: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(f"{salt}:{i}".encode()).digest()) for i in range(count)]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_proof_from_stored_nodes_verifies_against_every_later_root(count, data):
    leaves = leaves_of(count)
    tree = MemoryTree(leaves)
    assert tree.edge.root() == merkle.root(leaves)
    sizes = sorted(data.draw(st.sets(st.integers(1, count), min_size=1, max_size=6)) | {count})
    roots = {n: merkle.root(leaves[:n]) for n in sizes}
    assert all(tree.root(n) == roots[n] for n in sizes)
    for n in sizes:
        for index in data.draw(st.sets(st.integers(0, n - 1), max_size=8)):
            assert merkle.verify_inclusion(
                index, n, leaves[index], tree.inclusion(index, n), roots[n]
            )
        for m in sizes:
            if m <= n:
                proof = tree.consistency(m, n)
                assert merkle.verify_consistency(m, n, roots[m], roots[n], proof)


def test_the_edge_read_back_from_stored_rows_is_the_edge_kept():
    leaves = leaves_of(1000)
    kept = MemoryTree([])
    for n, leaf in enumerate(leaves, start=1):
        for level, index, h in kept.edge.append(leaf):
            kept.stored[(level, index)] = h
        read = Edge.of(n, kept.stored)
        assert read.root() == kept.edge.root() == merkle.root(leaves[:n])
        assert {k: v for k, v in kept.edge.groups.items() if v} == read.groups
    assert len(kept.stored) == 1000 + 1000 // 16 + 1000 // 256  # leaves and levels 4, 8


REWRITES = {
    "changed": lambda ls, i: [*ls[:i], merkle.leaf_hash(b"forged"), *ls[i + 1 :]],
    "inserted": lambda ls, i: [*ls[:i], merkle.leaf_hash(b"forged"), *ls[i:]],
    "deleted": lambda ls, i: ls[:i] + ls[i + 1 :],
    "reordered": lambda ls, i: [*ls[:i], ls[i + 1], ls[i], *ls[i + 2 :]],
}


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 200), st.sampled_from(sorted(REWRITES)), st.data())
def test_any_rewrite_fails_the_affected_proofs_against_earlier_roots(count, how, data):
    leaves = leaves_of(count)
    where = data.draw(st.integers(0, count - 2))
    forged = REWRITES[how](leaves, where)
    tree = MemoryTree(forged)
    honest_size = data.draw(st.integers(where + 1, count))  # a head signed after `where`
    honest_root = merkle.root(leaves[:honest_size])
    # the forged log cannot prove any size-`honest_size` tree it serves is the signed one
    if honest_size <= len(forged):
        assert tree.root(honest_size) != honest_root
        # the entry at `where` as the forged log has it is not in the honest tree
        proof = tree.inclusion(where, honest_size)
        assert not merkle.verify_inclusion(where, honest_size, forged[where], proof, honest_root)
    # nor that its present tree extends the signed one
    proof = tree.consistency(min(honest_size, len(forged)), len(forged))
    assert not merkle.verify_consistency(
        honest_size, len(forged), honest_root, tree.root(len(forged)), proof
    )
    # while every untouched entry before `where` still proves against the signed head
    for index in range(min(where, 5)):
        honest_proof = MemoryTree(leaves).inclusion(index, honest_size)
        assert merkle.verify_inclusion(index, honest_size, leaves[index], honest_proof, honest_root)
