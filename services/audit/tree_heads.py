"""Signed tree heads: each workspace's tree size and root hash at a time, signed with the
checkpoint key (adapters/signing.py), as Certificate Transparency's signed tree heads.

The relay signs them on the checkpoint schedule, with the chain checkpoints; a tree that
did not grow since this key signed it is not signed again. A head is a plain dict, the
form proofs, witnesses and files carry: workspace_id, tree_size, root_hash (hex),
signed_at (ISO 8601, UTC), key_id, signature (hex, ed25519 over `tree_head_statement`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from psycopg import AsyncConnection

from adapters import signing
from adapters.merkle_reads import root_at

# Each workspace's tree size by a loose index scan over merkle_nodes' primary key (a probe
# per workspace), unless this key already signed a head of that size.
_UNSIGNED = """
WITH RECURSIVE workspaces(ws) AS (
    SELECT min(workspace_id) FROM merkle_nodes
    UNION ALL
    SELECT (SELECT min(workspace_id) FROM merkle_nodes WHERE workspace_id > ws)
    FROM workspaces WHERE ws IS NOT NULL
)
SELECT ws, size.n FROM workspaces
CROSS JOIN LATERAL (
    SELECT idx + 1 AS n FROM merkle_nodes WHERE workspace_id = ws AND level = 0
    ORDER BY idx DESC LIMIT 1
) AS size
WHERE ws IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM tree_heads h WHERE h.workspace_id = ws AND h.tree_size = size.n
    AND h.key_id = %s
)
ORDER BY ws
"""
_COLUMNS = "id, workspace_id, tree_size, root_hash, signed_at, key_id, signature"


def head_of(row: tuple) -> dict[str, Any]:
    _, ws, size, root, signed_at, key_id, signature = row
    return {
        "workspace_id": ws,
        "tree_size": size,
        "root_hash": bytes(root).hex(),
        "signed_at": signing.signed_at_text(signed_at),
        "key_id": key_id,
        "signature": bytes(signature).hex(),
    }


def signature_holds(head: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    """Does `public_key` sign this head as it stands (size, root and time)?"""
    try:
        statement = signing.tree_head_statement(
            head["workspace_id"],
            int(head["tree_size"]),
            bytes.fromhex(head["root_hash"]),
            head["signed_at"],
        )
        public_key.verify(bytes.fromhex(head["signature"] or ""), statement)
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False
    return True


async def sign_tree_heads(conn: AsyncConnection, key: Ed25519PrivateKey) -> list[dict]:
    """Sign every workspace's tree that this key has not signed at its present size."""
    kid = signing.key_id(key.public_key())
    made = []
    for ws, size in await (await conn.execute(_UNSIGNED, (kid,))).fetchall():
        root = await root_at(conn, ws, size)
        signed_at = signing.signed_at_text(datetime.now(UTC))
        signature = key.sign(signing.tree_head_statement(ws, size, root, signed_at))
        row = await (
            await conn.execute(
                f"INSERT INTO tree_heads (workspace_id, tree_size, root_hash, signed_at, key_id, "
                f"signature) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING "
                f"RETURNING {_COLUMNS}",
                (ws, size, root, datetime.fromisoformat(signed_at), kid, signature),
            )
        ).fetchone()
        if row:
            made.append(head_of(row))
    return made


async def heads(
    conn: AsyncConnection,
    workspace_id: str | None,
    *,
    size: int | None = None,
    below: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Signed heads, newest (largest) first: of one workspace (or all), of one tree size,
    or below a size (paging)."""
    rows = await (
        await conn.execute(
            f"SELECT {_COLUMNS} FROM tree_heads WHERE (%s::text IS NULL OR workspace_id = %s) "
            "AND (%s::bigint IS NULL OR tree_size = %s) AND (%s::bigint IS NULL OR tree_size < %s) "
            "ORDER BY workspace_id, tree_size DESC, id DESC LIMIT %s",
            (workspace_id, workspace_id, size, size, below, below, limit),
        )
    ).fetchall()
    return [head_of(row) for row in rows]


def stored_heads_sync(database_url: str, workspace_id: str | None = None) -> list[dict]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM tree_heads WHERE %s::text IS NULL OR workspace_id = %s "
            "ORDER BY id",
            (workspace_id, workspace_id),
        ).fetchall()
    return [head_of(row) for row in rows]
