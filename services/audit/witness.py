"""Witnesses: append-only places outside Chronicle's control that keep its tree heads.

A rewritten history needs new heads; any head a witness kept then contradicts it
(`chronicle verify` compares them with the store, `verify-proof --tree-head` with a
proof). CHRONICLE_WITNESSES lists them, comma-separated:

- `file:/path/heads.jsonl`: one head a line, appended and fsynced (a mount of an object
  store or another host's disk: what matters is that Chronicle's operator cannot rewrite it);
- `nats-kv:BUCKET@nats://user:password@host:4222`: a JetStream key-value bucket, best in
  an account of the auditor's (its owner creates the bucket, with history, and lets
  Chronicle only write); each head is created under `<workspace>.<size>`, never
  overwritten: a second, different head of a size is refused and reported, and every
  revision a key has is read back.

Heads are delivered after each signing round; a witness that fails is retried next round
(`witnessed_heads` records what each one acknowledged).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import structlog
from psycopg import AsyncConnection

from services.audit.tree_heads import head_of

log = structlog.get_logger()
_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


class Witness(Protocol):
    name: str

    async def send(self, heads: list[dict[str, Any]]) -> None: ...

    async def held(self) -> list[dict[str, Any]]: ...


def _line(head: dict[str, Any]) -> bytes:
    return json.dumps(head, sort_keys=True).encode()


class FileWitness:
    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.name = f"file:{path}"

    def _append(self, heads: list[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b"".join(_line(h) + b"\n" for h in heads))
            os.fsync(fd)
        finally:
            os.close(fd)

    async def send(self, heads: list[dict[str, Any]]) -> None:
        await asyncio.to_thread(self._append, heads)

    async def held(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        text = await asyncio.to_thread(self.path.read_text)
        return [json.loads(line) for line in text.splitlines() if line.strip()]


class Equivocation(Exception):
    """A witness already holds a different head of that workspace and size."""


def kv_key(head: dict[str, Any]) -> str:
    ws = head["workspace_id"]
    token = ws if _SAFE.match(ws) else "=" + ws.encode().hex()  # '=' is never in a safe id
    return f"{token}.{head['tree_size']}"


class NatsKvWitness:
    def __init__(self, bucket: str, url: str) -> None:
        self.bucket, self.url = bucket, url
        parts = urlsplit(url)
        self.name = f"nats-kv:{bucket}@{parts.hostname}:{parts.port or 4222}"

    async def _kv(self):
        import nats

        nc = await nats.connect(self.url, name="chronicle-witness", connect_timeout=5)
        return nc, await nc.jetstream().key_value(self.bucket)

    async def send(self, heads: list[dict[str, Any]]) -> None:
        from nats.js.errors import KeyWrongLastSequenceError

        nc, kv = await self._kv()
        try:
            for head in heads:
                try:
                    await kv.create(kv_key(head), _line(head))
                except KeyWrongLastSequenceError:  # sent before (a retried round)?
                    kept = await kv.get(kv_key(head))
                    if kept.value != _line(head):
                        raise Equivocation(f"{self.name} holds another {kv_key(head)}") from None
        finally:
            await nc.close()

    async def held(self) -> list[dict[str, Any]]:
        """Every head the bucket holds, every revision, read from its stream up to the last
        message it had when asked. Not nats-py's `keys()` and `history()`: their watchers
        can end the replay before it is done when the server is busy, and a witness would
        then seem to hold nothing (nats-io/nats.py#842)."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        nc, _ = await self._kv()
        js, stream = nc.jetstream(), f"KV_{self.bucket}"
        try:
            last = (await js.stream_info(stream)).state.last_seq
            config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL)
            reader = await js.pull_subscribe(f"$KV.{self.bucket}.>", stream=stream, config=config)
            held, seq = [], 0
            while seq < last:
                try:
                    batch = await reader.fetch(256, timeout=5)
                except TimeoutError:  # the rest up to `last` was removed meanwhile
                    break
                for msg in batch:
                    seq = msg.metadata.sequence.stream
                    if msg.data:  # a deletion or purge marker holds nothing
                        held.append(json.loads(msg.data))
            await reader.unsubscribe()
            return held
        finally:
            await nc.close()


def witnesses(spec: str | None) -> list[Witness]:
    """The witnesses a CHRONICLE_WITNESSES value names (ValueError: one it cannot read)."""
    found: list[Witness] = []
    for item in (part.strip() for part in (spec or "").split(",")):
        if not item:
            continue
        kind, _, rest = item.partition(":")
        if kind == "file" and rest:
            found.append(FileWitness(rest))
        elif kind == "nats-kv" and "@" in rest:
            bucket, _, url = rest.partition("@")
            found.append(NatsKvWitness(bucket, url))
        else:
            raise ValueError(
                f"CHRONICLE_WITNESSES: cannot read {item!r} (file:PATH or nats-kv:BUCKET@URL)"
            )
    return found


async def deliver(conn: AsyncConnection, targets: list[Witness], batch: int = 1000) -> int:
    """Send each witness the signed heads it has not acknowledged; how many were sent.
    A witness that fails keeps its heads for the next round (logged)."""
    sent = 0
    for witness in targets:
        while True:
            rows = await (
                await conn.execute(
                    "SELECT h.id, h.workspace_id, h.tree_size, h.root_hash, h.signed_at, "
                    "h.key_id, h.signature FROM tree_heads h WHERE NOT EXISTS (SELECT 1 FROM "
                    "witnessed_heads w WHERE w.witness = %s AND w.head_id = h.id) "
                    "ORDER BY h.id LIMIT %s",
                    (witness.name, batch),
                )
            ).fetchall()
            if not rows:
                break
            try:
                await witness.send([head_of(row) for row in rows])
            except Exception as error:  # retried at the next round
                log.warning("witness.failed", witness=witness.name, error=repr(error))
                break
            await conn.execute(
                "INSERT INTO witnessed_heads (witness, head_id) SELECT %s, unnest(%s::bigint[]) "
                "ON CONFLICT DO NOTHING",
                (witness.name, [row[0] for row in rows]),
            )
            sent += len(rows)
    return sent
