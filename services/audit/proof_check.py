"""`chronicle verify-proof`: check a proof file offline, with nothing but the file, the
signer's public key and, optionally, tree heads kept elsewhere (a witness, an earlier
download). No database, no export, no trust in the operator beyond its public key.

A proof holds only if every signed head of its sizes that we are shown verifies, they all
agree, and the proof's hashes lead to their root. Two validly signed heads of one size
with different roots are the operator caught signing two histories (equivocation).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from adapters import merkle
from services.audit.tree_heads import signature_holds


@dataclass
class Verdict:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def fail(self, why: str) -> Verdict:
        self.ok = False
        self.lines.append(f"FAILED: {why}")
        return self


def _anchor(
    verdict: Verdict, ws: str, size: int, shown: Sequence[dict | None], key: Ed25519PublicKey
) -> dict | None:
    """The signed head of (ws, size) that the shown heads agree on, or None (and why)."""
    signed = [
        h
        for h in shown
        if h and h.get("signature") and h.get("workspace_id") == ws and h.get("tree_size") == size
    ]
    valid = [h for h in signed if signature_holds(h, key)]
    if len(valid) < len(signed):
        verdict.fail(f"a tree head of size {size} does not verify with this key (forged?)")
        return None
    if not valid:
        verdict.fail(
            f"no signed tree head of {ws} of size {size}: give one with --tree-head "
            "(a witness's copy, or one kept earlier)"
        )
        return None
    if len({h["root_hash"] for h in valid}) > 1:
        verdict.fail(
            f"two validly signed heads of {ws} of size {size} have different roots: "
            "the operator signed two histories"
        )
        return None
    return valid[0]


def _leaf(verdict: Verdict, proof: dict[str, Any]) -> bytes | None:
    event, claimed = proof.get("event"), proof.get("leaf_hash")
    if event is None:
        return bytes.fromhex(claimed) if claimed else verdict.fail("no event and no leaf hash")
    stored = event["stored"].encode()
    if json.loads(stored).get("meta", {}).get("workspace_id") != proof["workspace_id"]:
        verdict.fail("the event is not of the proof's workspace")
        return None
    leaf = merkle.event_leaf(
        event["position"], UUID(event["aggregate_id"]), event["version"], event["wire_name"], stored
    )
    if claimed and leaf.hex() != claimed:
        verdict.fail("the event does not hash to the proof's leaf: it is not the event logged")
        return None
    return leaf


def check_inclusion(proof: dict, key: Ed25519PublicKey, held: Sequence[dict] = ()) -> Verdict:
    verdict, ws = Verdict(), proof["workspace_id"]
    index, size = int(proof["leaf_index"]), int(proof["tree_size"])
    leaf = _leaf(verdict, proof)
    head = _anchor(verdict, ws, size, [proof.get("tree_head"), *held], key)
    if leaf is None or head is None:
        return verdict
    path = [bytes.fromhex(h) for h in proof["inclusion_path"]]
    if not merkle.verify_inclusion(index, size, leaf, path, bytes.fromhex(head["root_hash"])):
        return verdict.fail(
            f"the inclusion path does not lead to the root of the signed head of size {size}"
        )
    event = proof.get("event")
    what = (
        f"the event at position {event['position']} ({event['wire_name']}, aggregate "
        f"{event['aggregate_id']} version {event['version']})"
        if event
        else f"the entry with leaf hash {leaf.hex()}"
    )
    verdict.lines.append(
        f"OK: {what} is entry {index} of {ws}'s log of {size} entries, "
        f"signed at {head['signed_at']} by key {head['key_id']}"
    )
    return verdict


def check_consistency(proof: dict, key: Ed25519PublicKey, held: Sequence[dict] = ()) -> Verdict:
    verdict, ws = Verdict(), proof["workspace_id"]
    first, second = int(proof["first"]["tree_size"]), int(proof["second"]["tree_size"])
    old = _anchor(verdict, ws, first, [proof["first"], *held], key)
    new = _anchor(verdict, ws, second, [proof["second"], *held], key)
    if old is None or new is None:
        return verdict
    path = [bytes.fromhex(h) for h in proof["consistency_path"]]
    roots = bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"])
    if not merkle.verify_consistency(first, second, *roots, path):
        return verdict.fail(
            f"the log of {second} entries does not extend the signed log of {first}: "
            "its history was rewritten (or the proof was altered)"
        )
    verdict.lines.append(
        f"OK: {ws}'s log of {second} entries (signed at {new['signed_at']}) extends its log "
        f"of {first} entries (signed at {old['signed_at']}): nothing before was changed, "
        "removed, reordered or inserted"
    )
    return verdict


def check(proof: dict, key: Ed25519PublicKey, held: Sequence[dict] = ()) -> Verdict:
    """Verify a proof document (`services.audit.proofs`); `held` are heads kept elsewhere."""
    try:
        if proof.get("type") == "inclusion":
            return check_inclusion(proof, key, held)
        if proof.get("type") == "consistency":
            return check_consistency(proof, key, held)
        return Verdict().fail(f"not a Chronicle proof: type {proof.get('type')!r}")
    except (KeyError, TypeError, ValueError) as error:
        return Verdict().fail(f"malformed proof: {error!r}")
