"""`chronicle verify` and `chronicle checkpoint`: prove the stored log is intact.

verify walks every event in position order with its chain row, per workspace, and reports:
- `changed`: the event no longer hashes to its chain row (edited in place);
- `reordered`: two events hash to each other's places (positions swapped);
- `missing`: a chain row whose event is gone (deleted);
- `broken_link`: a chain row whose previous hash is not its predecessor's (events before
  it deleted together with their chain rows, or moved);
- `unchained`: an event with no chain row (inserted behind Chronicle's back);
- `rewritten`: a signed checkpoint that the chain no longer passes through (the chain was
  recomputed after an edit: only a signature the attacker cannot forge catches that);
- `truncated`: a signed checkpoint beyond the chain's end (its last events were removed,
  chain rows and all);
- `bad_signature`: a checkpoint whose signature does not verify.

The walk also rebuilds each workspace's Merkle tree from its events and checks signed tree
heads (the store's, and any kept elsewhere) and the stored tree: services/audit/tree_check.py.
The same walk runs over an export file (`verify_export`), without any database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from adapters import signing
from adapters.chain import genesis, link
from adapters.eventstore import history
from services.audit import tree_check
from services.audit.tree_heads import stored_heads_sync


@dataclass
class Problem:
    kind: str
    position: int
    workspace_id: str | None
    detail: str = ""


@dataclass
class Report:
    events: int = 0
    workspaces: set[str] = field(default_factory=set)
    checkpoints: int = 0
    tree_heads: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def first(self) -> dict[str, Problem]:
        """The first problem of each workspace: where its chain first breaks."""
        found: dict[str, Problem] = {}
        for p in self.problems:
            found.setdefault(p.workspace_id or "?", p)
        return found


def verify(
    database_url: str,
    workspace: str | None = None,
    public_key: Ed25519PublicKey | None = None,
    external_checkpoints: list[dict] | None = None,
    tree_heads: list[dict] = (),
) -> Report:
    """Walk the stored log (one workspace's chain, or every chain) and its checkpoints:
    those kept in the database, or `external_checkpoints` an auditor kept elsewhere; and
    the signed tree heads kept in the database and `tree_heads` (witnessed, kept)."""

    # Checkpoints first: one signed while we walk could be past the end the walk saw.
    checkpoints = (
        external_checkpoints
        if external_checkpoints is not None
        else stored_checkpoints(database_url, workspace)
    )
    heads = tree_check.unique([*stored_heads_sync(database_url, workspace), *tree_heads], workspace)
    with psycopg.connect(database_url) as conn:
        sizes = tree_check.stored_sizes(conn, workspace)
        trees = tree_check.TreeWalk(tree_check.wanted(heads, sizes), sizes)
        report, stored = walk(history.walk(conn, workspace), trees)
        _check_all(report, checkpoints, stored, public_key, workspace)
        broken = {p.workspace_id for p in report.problems}
        damaged = tree_check.stored_problems(conn, trees, broken)
    _check_trees(report, heads, trees, public_key, damaged)
    return report


def _check_trees(report: Report, heads: list[dict], trees, public_key, damaged=()) -> None:
    report.tree_heads += len(heads)
    found = [*tree_check.head_problems(heads, trees, public_key), *damaged]
    report.problems.extend(Problem(kind, position, ws, why) for kind, position, ws, why in found)


def verify_export(
    source: IO[bytes],
    workspace: str | None = None,
    public_key: Ed25519PublicKey | None = None,
    checkpoints: list[dict] | None = None,
    tree_heads: list[dict] = (),
) -> Report:
    """The same walk over an export file, without a database: an auditor holding signed
    checkpoints proves that a later export is the log they were signed over."""

    def lines() -> Iterator[tuple]:
        for line in source:
            if not line.strip():
                continue
            r = json.loads(line)
            if workspace is not None and r["workspace_id"] != workspace:
                continue
            yield (
                r["position"],
                UUID(r["aggregate_id"]),
                r["version"],
                r["wire_name"],
                r["stored"].encode(),
                r["workspace_id"],
                bytes.fromhex(r["prev"]) if r["prev"] else None,
                bytes.fromhex(r["hash"]) if r["hash"] else None,
            )

    heads = tree_check.unique(tree_heads, workspace)
    trees = tree_check.TreeWalk(tree_check.wanted(heads, {}))
    report, stored = walk(lines(), trees)
    _check_all(report, checkpoints or [], stored, public_key, workspace)
    _check_trees(report, heads, trees, public_key)
    return report


def walk(
    found: Iterable[tuple], trees: tree_check.TreeWalk | None = None
) -> tuple[Report, dict[tuple[str, int], bytes]]:
    """Check every link of rows (position, aggregate, version, wire name, state,
    workspace, prev, hash), in position order; return the report and each chain's hashes.
    Each chained event is also added to its workspace's tree in `trees`."""
    report = Report()
    heads: dict[str, bytes] = {}
    stored: dict[tuple[str, int], bytes] = {}
    changed: dict[int, tuple] = {}
    for position, agg, version, topic, state, ws, prev, chained in found:
        report.events += agg is not None
        if chained is None:
            report.problems.append(
                Problem("unchained", position, None, "an event with no chain row")
            )
            continue
        prev, chained = bytes(prev), bytes(chained)
        report.workspaces.add(ws)
        stored[(ws, position)] = chained
        if prev != heads.get(ws, genesis(ws)):
            report.problems.append(
                Problem("broken_link", position, ws, "its previous hash is not its predecessor's")
            )
        heads[ws] = chained
        if trees is not None and agg is not None:
            trees.add(ws, position, agg, version, topic, bytes(state))
        if agg is None:
            report.problems.append(Problem("missing", position, ws, "the event was deleted"))
        elif link(prev, position, agg, version, topic, bytes(state)) != chained:
            changed[position] = (ws, prev, chained, agg, version, topic, bytes(state))
            report.problems.append(
                Problem("changed", position, ws, "it no longer hashes to its chain row")
            )
    _find_swaps(report, changed)
    return report, stored


def _check_all(
    report: Report,
    checkpoints: list[dict],
    stored: dict,
    public_key: Ed25519PublicKey | None,
    workspace: str | None,
) -> None:
    ends: dict[str, int] = {}
    for ws, position in stored:
        ends[ws] = max(ends.get(ws, 0), position)
    for c in checkpoints:
        if workspace is not None and c["workspace_id"] != workspace:
            continue
        report.checkpoints += 1
        _check(report, c, stored, ends, public_key)


def _find_swaps(report: Report, changed: dict[int, tuple]) -> None:
    """Two changed events that each hash correctly at the other's place were swapped."""
    for p, (_, prev, chained, *_) in changed.items():
        for q, (_, _, _, *content) in changed.items():
            if q != p and link(prev, p, *content) == chained:
                for problem in report.problems:
                    if problem.position == q and problem.kind == "changed":
                        problem.kind, problem.detail = "reordered", f"it belongs at {p}"


def _check(
    report: Report, c: dict, stored: dict, ends: dict, public_key: Ed25519PublicKey | None
) -> None:
    ws, position, chain_hash = c["workspace_id"], c["position"], bytes.fromhex(c["hash"])
    if public_key is not None:
        try:
            public_key.verify(
                bytes.fromhex(c["signature"]), signing.statement(ws, position, chain_hash)
            )
        except InvalidSignature:
            report.problems.append(
                Problem("bad_signature", position, ws, "the checkpoint's signature does not verify")
            )
            return
    if position > ends.get(ws, 0):
        report.problems.append(
            Problem(
                "truncated",
                position,
                ws,
                f"the chain ends at {ends.get(ws, 0)}, before a signed checkpoint "
                "(events after it were removed)",
            )
        )
    elif stored.get((ws, position)) != chain_hash:
        report.problems.append(
            Problem(
                "rewritten", position, ws, "the chain no longer passes through a signed checkpoint"
            )
        )


# Each workspace's chain head, by a loose index scan over event_chain_head (one probe per
# workspace, not a read of the whole chain), unless this key already signed that head.
_UNSIGNED_HEADS = """
WITH RECURSIVE workspaces(ws) AS (
    SELECT min(workspace_id) FROM event_chain
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM event_chain WHERE workspace_id > ws)
    FROM workspaces WHERE ws IS NOT NULL
)
SELECT ws, head.notification_id, head.hash FROM workspaces
CROSS JOIN LATERAL (
    SELECT notification_id, hash FROM event_chain WHERE workspace_id = ws
    ORDER BY notification_id DESC LIMIT 1
) AS head
WHERE ws IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM chain_checkpoints c
    WHERE c.workspace_id = ws AND c.position = head.notification_id AND c.key_id = %s
)
ORDER BY ws
"""


def checkpoint(database_url: str, key: Ed25519PrivateKey) -> list[dict]:
    """Sign every workspace's chain head that this key has not signed yet (a head that did
    not move needs no second signature); return the new checkpoints (auditors keep a copy)."""
    public = key.public_key()
    kid = signing.key_id(public)
    made = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        heads = conn.execute(_UNSIGNED_HEADS, (kid,)).fetchall()
        for ws, position, chain_hash in heads:
            signature = key.sign(signing.statement(ws, position, bytes(chain_hash)))
            conn.execute(
                "INSERT INTO chain_checkpoints (workspace_id, position, hash, key_id, signature) "
                "VALUES (%s, %s, %s, %s, %s)",
                (ws, position, chain_hash, kid, signature),
            )
            made.append(
                {
                    "workspace_id": ws,
                    "position": position,
                    "hash": bytes(chain_hash).hex(),
                    "key_id": kid,
                    "signature": signature.hex(),
                }
            )
    return made


def stored_checkpoints(database_url: str, workspace: str | None = None) -> list[dict]:
    with psycopg.connect(database_url) as conn:
        return [
            {
                "workspace_id": w,
                "position": p,
                "hash": bytes(h).hex(),
                "key_id": k,
                "signature": bytes(s).hex(),
                "signed_at": t.isoformat(),
            }
            for w, p, h, k, s, t in conn.execute(
                "SELECT workspace_id, position, hash, key_id, signature, signed_at "
                "FROM chain_checkpoints WHERE %s::text IS NULL OR workspace_id = %s ORDER BY id",
                (workspace, workspace),
            )
        ]


def load_checkpoints(path: str) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]
