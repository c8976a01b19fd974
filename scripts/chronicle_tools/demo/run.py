"""`scripts/demo`: start everything, publish a sample workload, show what it became."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import time
from pathlib import Path

import httpx
import nats
import psycopg
from tqdm import tqdm

from adapters import bus
from adapters.bus import credentials as bus_credentials
from adapters.embedded import Servers, free_port, infrastructure
from adapters.settings import Settings
from chronicle_tools.demo import showcase
from chronicle_tools.workload import Published, demo_workload
from services.api.tokens import create_token
from services.hosted.run import migrate
from services.hosted.supervisor import Supervisor
from services.ingest.service import DURABLE
from services.operate.status import from_store


async def publish(nats_url: str, messages: list[Published], inbox_prefix: str = "") -> None:
    """Publish as an outside producer would: JetStream, Nats-Msg-Id = envelope id.

    A message whose `envelope_id` is None goes without the header (a producer may omit
    it). Either way a repeat reaches Chronicle, whose ledger records it once.
    """
    options = {"inbox_prefix": inbox_prefix.encode()} if inbox_prefix else {}
    nc = await nats.connect(bus.servers(nats_url), name="demo-producer", **options)
    js = nc.jetstream()
    for m in tqdm(messages, desc="publishing", unit="msg", file=sys.stderr, mininterval=0.5):
        headers = {bus.MSG_ID: m.envelope_id} if m.envelope_id else None
        await js.publish(m.subject, m.body, headers=headers)
    await nc.close()


async def ingest_backlog(nats_url: str) -> int:
    """Messages the ingest consumer has not yet finished (pending + unacknowledged)."""
    nc = await bus.connect(nats_url, "demo-observer")
    try:
        info = await nc.jetstream().consumer_info(bus.INGEST_STREAM, DURABLE)
        return info.num_pending + info.num_ack_pending
    finally:
        await nc.close()


def wait_until_settled(
    nats_url: str, database_url: str, total: int, logs: Path, timeout: float = 120
) -> None:
    """Wait on checkpoints: the ingest consumer's backlog, then each read model's position
    (from the store, as `chronicle status` reads them)."""
    bar = tqdm(
        total=total, desc="ingested + projected", unit="msg", file=sys.stderr, mininterval=0.5
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        backlog = asyncio.run(ingest_backlog(nats_url))
        status = asyncio.run(from_store(database_url))
        behind = sum(c.lag_events for c in status.consumers)
        bar.update(max(total - backlog, 0) - bar.n)
        if backlog == 0 and behind == 0:
            bar.close()
            return
        time.sleep(0.1)
    raise SystemExit(f"the pipeline did not settle in time; see {logs}")


def wait_for_api(api: str, logs: Path | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the API did not start" + (f"; see {logs / 'api.log'}" if logs else ""))


def console_lines(
    api: str, token: str, workspace: str, kept_open: bool, data_dir: Path
) -> list[str]:
    """The demo's last lines: where the console and the API are, the token to sign in
    with, and what to do next (keep it running, more tokens, a producer credential)."""
    if kept_open:
        intro = "The demo keeps running until Ctrl-C:"
        then = "In another terminal (each command finds the running servers itself):"
        keep = []
    else:
        intro = "The demo stops now; these were its addresses:"
        then = "Next:"
        keep = [
            "  keep it running:   scripts/demo --keep-running   "
            "(or `chronicle up`: the services alone, same data)",
        ]
    return [
        f"\n{intro}",
        f"  API:     {api}  (every call: -H 'Authorization: Bearer <token>')",
        f"  Token:   {token}  (admin of {workspace}: paste it on the sign-in page)",
        f"  Console: {api}/console/",
        then,
        *keep,
        f"  try the API:       curl -H 'Authorization: Bearer {token}' "
        f"{api}/v1/contacts/c_ann/timeline" + ("" if kept_open else "   (while it runs)"),
        f"  another token:     chronicle token create --workspace {workspace} "
        "--user u_9 --role auditor",
        f"  publish your own:  chronicle producer create --workspace {workspace}   "
        "(docs/producers.md)",
        f"  data and logs:     {data_dir}  (logs in {data_dir / 'logs'})",
    ]


def producer_for(servers: Servers, workspace: str) -> tuple[str, str]:
    """The demo publishes as a producer of its workspace would: with a credential of its
    own (`chronicle producer create`), which may publish into that workspace only. On a
    NATS server that is not ours, as the configured user."""
    if servers.nats is None:
        return servers.nats_url, ""
    with psycopg.connect(servers.database_url, autocommit=True) as conn:
        made = bus_credentials.create(conn, "producer", [workspace], "demo")
    servers.reload_bus_users()
    url = servers.nats.address.replace("nats://", f"nats://{made.name}:{made.password}@")
    return url, made.inbox_prefix()


def demo(settings: Settings, seed: int = 7, keep_running: bool | None = None) -> int:
    """`keep_running`: serve until Ctrl-C after showing the result (default: when run in a
    terminal), so the console can be opened."""
    if keep_running is None:
        keep_running = sys.stdin.isatty()
    run = secrets.token_hex(3)
    workspace = f"acme-{run}"
    port = free_port()
    with infrastructure(settings.database_url, settings.nats_url, settings.data_dir) as servers:
        db, nats = servers.database_url, servers.nats_url
        settings = settings.model_copy(update={"database_url": db, "nats_url": nats})
        migrate(settings)
        supervisor = Supervisor(
            {
                "CHRONICLE_DATABASE_URL": db,
                "CHRONICLE_NATS_URL": nats,
                "CHRONICLE_API_PORT": str(port),
                "CHRONICLE_LOG_FORMAT": "json",
            },
            log_dir=settings.data_dir / "logs",
            nats_url_for=servers.url_for if servers.nats else None,
        )
        supervisor.start()
        try:
            api = f"http://127.0.0.1:{port}"
            wait_for_api(api, settings.data_dir / "logs")
            messages = demo_workload(seed, workspace, run) + showcase.bad_messages(workspace, run)
            producer_url, inbox = producer_for(servers, workspace)
            asyncio.run(publish(producer_url, messages, inbox))
            wait_until_settled(nats, db, len(messages), settings.data_dir / "logs")
            with psycopg.connect(db, autocommit=True) as conn:
                token = create_token(conn, workspace, "u_17", "admin", label="demo")
            showcase.show(api, token, db, workspace)
            print(
                "\n".join(console_lines(api, token, workspace, keep_running, settings.data_dir)),
                flush=True,
            )
            if keep_running:
                with contextlib.suppress(KeyboardInterrupt):
                    supervisor.run_until(lambda: False)
        finally:
            supervisor.stop()
    return 0
