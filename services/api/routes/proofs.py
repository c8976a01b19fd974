"""Transparency-log proofs for auditors (docs/auditing.md, "Proofs"): an event's inclusion
in its workspace's log, the log's consistency between two sizes, and the signed tree heads.
The answers are the proof documents `chronicle verify-proof` checks offline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from services.api.deps import Conn, ErrorOut
from services.api.routes.audit import Auditor
from services.api.routes.audit import router as audit_router
from services.audit import proofs
from services.audit.tree_heads import heads

router = APIRouter(
    tags=["audit"],
    responses={
        **audit_router.responses,
        409: {"model": ErrorOut, "description": "No signed tree head covers what was asked yet"},
    },
)


class TreeHead(BaseModel):
    workspace_id: str
    tree_size: int = Field(description="Entries of the workspace's log the tree covers")
    root_hash: str = Field(description="RFC 9162 Merkle tree hash (hex)")
    signed_at: str | None = Field(None, description="When it was signed (ISO 8601, UTC)")
    key_id: str | None = Field(None, description="The signing key's id")
    signature: str | None = Field(
        None, description="ed25519 over the tree head statement (hex); null: not signed"
    )


class ProvenEvent(BaseModel):
    position: int
    aggregate_id: str
    version: int
    wire_name: str
    stored: str = Field(description="The stored bytes, exactly as hashed into the leaf")


class InclusionProof(BaseModel):
    format: str
    type: str = Field(description="inclusion")
    workspace_id: str
    leaf_index: int = Field(description="The event's place in the workspace's log, from 0")
    tree_size: int
    leaf_hash: str = Field(description="The stored leaf hash (hex); the event must hash to it")
    inclusion_path: list[str] = Field(description="RFC 9162 inclusion path, leaf first (hex)")
    tree_head: TreeHead
    event: ProvenEvent


class ConsistencyProof(BaseModel):
    format: str
    type: str = Field(description="consistency")
    workspace_id: str
    first: TreeHead
    second: TreeHead
    consistency_path: list[str] = Field(description="RFC 9162 consistency path (hex)")


class TreeHeads(BaseModel):
    tree_heads: list[TreeHead] = Field(description="Newest first")
    next_below: int | None = Field(description="Pass as `below` for the next page")


def _failed(error: proofs.ProofError) -> HTTPException:
    return HTTPException(error.status, error.detail)


@router.get(
    "/v1/audit/proofs/inclusion",
    response_model=InclusionProof,
    summary="Proof that an event is in the workspace's log under a signed tree head",
)
async def inclusion(
    conn: Conn,
    scope: Auditor,
    event: Annotated[int, Query(ge=1, description="The event's position")],
    tree_size: Annotated[
        int | None,
        Query(ge=1, description="The tree to prove it in (default: the newest signed head's)"),
    ] = None,
) -> dict:
    try:
        return await proofs.inclusion(conn, scope.workspace_id, event, tree_size)
    except proofs.ProofError as error:
        raise _failed(error) from None


@router.get(
    "/v1/audit/proofs/consistency",
    response_model=ConsistencyProof,
    summary="Proof that the workspace's log of `second` entries extends that of `first`",
)
async def consistency(
    conn: Conn,
    scope: Auditor,
    first: Annotated[int, Query(ge=1, description="The earlier tree size (a head you hold)")],
    second: Annotated[
        int | None,
        Query(ge=1, description="The later tree size (default: the newest signed head's)"),
    ] = None,
) -> dict:
    try:
        return await proofs.consistency(conn, scope.workspace_id, first, second)
    except proofs.ProofError as error:
        raise _failed(error) from None


@router.get(
    "/v1/audit/tree-heads",
    response_model=TreeHeads,
    summary="The workspace's signed tree heads, newest first",
)
async def tree_heads(
    conn: Conn,
    scope: Auditor,
    below: Annotated[int | None, Query(ge=1, description="Only heads of smaller trees")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Heads per page")] = 100,
) -> TreeHeads:
    found = await heads(conn, scope.workspace_id, below=below, limit=limit + 1)
    page = found[:limit]
    more = len(found) > limit
    return TreeHeads(
        tree_heads=[TreeHead(**h) for h in page],
        next_below=page[-1]["tree_size"] if more else None,
    )
