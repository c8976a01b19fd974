"""Transparency-log proofs: `prove`, `verify-proof`, `tree-heads` (docs/auditing.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from adapters import signing
from adapters.settings import Settings
from services.cli.common import database, workspace_id


def _write(document: dict[str, Any], output: str | None) -> None:
    text = json.dumps(document, indent=2) + "\n"
    if output:
        with open(output, "w") as f:
            f.write(text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


async def _prove(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from psycopg import AsyncConnection

    from services.audit import proofs
    from services.audit.signing_round import signing_round

    url = database(settings)
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        ws = args.workspace or await _workspace_of(conn, args.event)
        for attempt in (1, 2):
            try:
                if args.consistency:
                    first, *second = args.consistency
                    return await proofs.consistency(conn, ws, first, second[0] if second else None)
                return await proofs.inclusion(
                    conn, ws, args.event, args.tree_size, with_event=not args.hash_only
                )
            except proofs.ProofError as error:
                # Not yet under a signed head: sign now, as `chronicle checkpoint` would.
                if error.status != 409 or attempt == 2 or args.tree_size:
                    raise SystemExit(f"cannot prove: {error.detail}") from None
                key = signing.private_key(settings.data_dir, settings.signing_key)
                made = await signing_round(url, key, settings.witnesses)
                print(f"signed {len(made)} tree heads first", file=sys.stderr)
    raise AssertionError("unreachable")


async def _workspace_of(conn: Any, position: int | None) -> str:
    if position is None:
        raise SystemExit("give --workspace")
    row = await (
        await conn.execute(
            "SELECT workspace_id FROM event_chain WHERE notification_id = %s", (position,)
        )
    ).fetchone()
    if row is None:
        raise SystemExit(f"no event at position {position}")
    return row[0]


def cmd_prove(settings: Settings, args: argparse.Namespace) -> int:
    if (args.event is None) == (args.consistency is None):
        raise SystemExit("give an EVENT position, or --consistency M [N]")
    _write(asyncio.run(_prove(settings, args)), args.output)
    return 0


def load_heads(paths: list[str] | None) -> list[dict]:
    """Tree heads from JSON Lines files (`tree-heads` output, a witness's file)."""
    found = []
    for path in paths or ():
        with open(path) as f:
            found += [json.loads(line) for line in f if line.strip()]
    return found


def cmd_verify_proof(settings: Settings, args: argparse.Namespace) -> int:
    from services.audit.proof_check import check

    with open(args.file) as f:
        proof = json.load(f)
    verdict = check(proof, signing.public_from_text(args.public_key), load_heads(args.tree_head))
    for line in verdict.lines:
        print(line)
    return 0 if verdict.ok else 1


def cmd_tree_heads(settings: Settings, args: argparse.Namespace) -> int:
    from services.audit.signing_round import signing_round
    from services.audit.tree_heads import stored_heads_sync

    if args.witnessed:
        from services.audit.witness import witnesses

        async def held() -> list[dict]:
            return [h for w in witnesses(settings.witnesses) for h in await w.held()]

        kept = asyncio.run(held())
    else:
        if args.sign:
            key = signing.private_key(settings.data_dir, settings.signing_key)
            made = asyncio.run(signing_round(database(settings), key, settings.witnesses))
            print(f"signed {len(made)} tree heads", file=sys.stderr)
        kept = stored_heads_sync(database(settings), args.workspace)
    for head in kept:
        if args.workspace in (None, head["workspace_id"]):
            print(json.dumps(head))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    prove = sub.add_parser("prove", help="an inclusion or consistency proof, as a JSON file")
    prove.add_argument("event", nargs="?", type=int, help="the event's position")
    prove.add_argument(
        "--consistency",
        nargs="+",
        type=int,
        metavar="SIZE",
        help="M [N]: the log of N entries (default: the newest signed head) extends that of M",
    )
    prove.add_argument("--workspace", type=workspace_id, help="(default: the event's)")
    prove.add_argument("--tree-size", type=int, help="default: the newest signed tree head")
    prove.add_argument("--hash-only", action="store_true", help="the leaf hash, not the event")
    prove.add_argument("-o", "--output", help="a file (default: standard output)")
    prove.set_defaults(handler=cmd_prove)
    check = sub.add_parser("verify-proof", help="check a proof file offline")
    check.add_argument("file", help="a proof file (`chronicle prove`)")
    check.add_argument("--public-key", required=True, help="the signer's public key (base64)")
    check.add_argument(
        "--tree-head", action="append", help="tree heads kept elsewhere (JSON Lines; repeatable)"
    )
    check.set_defaults(handler=cmd_verify_proof)
    heads = sub.add_parser("tree-heads", help="the signed tree heads (JSON Lines, to keep)")
    heads.add_argument(
        "--workspace", type=workspace_id, help="only this workspace's (default: all)"
    )
    heads.add_argument("--sign", action="store_true", help="sign and witness grown trees first")
    heads.add_argument(
        "--witnessed", action="store_true", help="what the configured witnesses hold instead"
    )
    heads.set_defaults(handler=cmd_tree_heads)
