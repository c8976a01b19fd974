"""Phase 4, queries on a rebuilt store: each `QuerySpec` timed many times, server-side
(the query class on one connection: SQL plus building the rows) and through HTTP (the API
process, one client, keep-alive). A spec this build lacks is reported as such. Stores of
several sizes are queried side by side, alternating (`_measure`)."""

from __future__ import annotations

import asyncio
import importlib
import shutil
import time
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from adapters.bus import auth as bus_auth
from adapters.embedded import free_port
from adapters.processes import garbage_collector_quieted
from adapters.settings import Settings
from chronicle_tools.bench import query_context
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra
from chronicle_tools.bench.measure import Figure, progress
from chronicle_tools.bench.queries import QUERIES, QuerySpec
from chronicle_tools.bench.stack import Services
from chronicle_tools.demo.run import wait_for_api
from projections.shared import cursor as cursors
from services.api.app import ROUTERS
from services.api.deps import session
from services.api.tokens import create_token

UNAVAILABLE = "not available in this build"


def _has(needs: str | None) -> bool:
    if not needs:
        return True
    module, _, attribute = needs.partition(":")
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ImportError:
        return False


@dataclass
class Side:
    """One store as the queries see it: its API, a connection, a client, its context."""

    size: str
    conn: psycopg.AsyncConnection
    client: httpx.AsyncClient
    ctx: query_context.Context


async def _time(call, bar) -> float:
    """One call's milliseconds."""
    started = time.perf_counter()
    await call()
    bar.update(1)
    return (time.perf_counter() - started) * 1000


async def _measure(stores: list[tuple[str, str, str]], token, config: Config, key: bytes):
    """Every query on each store (size, database, API). With more than one store, each
    query's calls alternate between them call by call, so a machine whose speed drifts (by
    a quarter within an hour, here) or stalls for a moment slows each store's calls alike."""
    figures: list[Figure] = []
    # The deep pages' cursors are made here, so sealed with the APIs' key (their data folders')
    cursors.configure(key)
    # connections set up as the API's pooled ones are (no JIT, its statement timeout)
    timeout = Settings.model_fields["api_statement_timeout"].default
    async with AsyncExitStack() as stack:
        sides = []
        for size, database_url, api in stores:
            conn = await psycopg.AsyncConnection.connect(database_url, **session(timeout))
            await stack.enter_async_context(conn)
            ctx = await query_context.build(conn)
            headers = {"Authorization": f"Bearer {token(database_url, ctx.workspace)}"}
            client = httpx.AsyncClient(base_url=api, headers=headers, timeout=30)
            sides.append(Side(size, conn, await stack.enter_async_context(client), ctx))
        # the API's own routes (its /openapi.json is served only when asked for)
        routes = {route.path for router in ROUTERS for route in router.routes}
        total = len(QUERIES) * (config.query_calls + config.http_calls) * len(sides)
        bar = progress(total, f"queries at {', '.join(s.size for s in sides)}", unit="call")
        # the collector quieted as in the API's process (services/hosted/run.py): the
        # server-side calls run here, and a full collection of this process's heap would
        # land on whichever call it met
        with garbage_collector_quieted():
            for spec in QUERIES:
                figures += await _one(spec, sides, routes, config, bar)
        bar.close()
    return sorted(figures, key=lambda f: [s.size for s in sides].index(f.extra["size"]))


async def _alternate(sides: list[Side], call, calls: int, bar) -> dict[str, list[float]]:
    """`calls` timed calls on each side, interleaved: one on each side in turn, the first
    side alternating. A stall of the machine (a checkpoint, another process's burst) then
    falls on both sides' calls alike; in rounds of hundreds of calls it fell on one side's
    and moved a sub-millisecond p99 by 2x either way."""
    ms: dict[str, list[float]] = {s.size: [] for s in sides}
    for n in range(calls):
        for side in sides if n % 2 == 0 else reversed(sides):
            ms[side.size].append(await _time(lambda side=side: call(side), bar))
    return ms


async def _one(spec: QuerySpec, sides: list[Side], routes, config: Config, bar):
    def figure(side: str, size: str, ms: list[float] | None, **kw) -> Figure:
        f = Figure(f"{spec.name} [{side}]", group="query", extra={"size": size}, **kw)
        if ms is None:
            f.note = UNAVAILABLE
            return f
        f.count, f.seconds = len(ms), sum(ms) / 1000
        f.latency = f"per call, {side}"
        return f.with_latencies(ms)

    out = []
    if spec.server is not None and _has(spec.needs):

        async def server(side: Side):
            return await spec.server(side.conn, side.ctx)

        for side in sides:
            await server(side)  # warm: plans cached, pages in memory
        timed = await _alternate(sides, server, config.query_calls, bar)
        out += [figure("server", s, ms, target=spec.target) for s, ms in timed.items()]
    else:
        out += [figure("server", s.size, None, target=spec.target) for s in sides]
    if spec.http is not None and spec.route in routes:

        async def call(side: Side):
            method, path, params, body = spec.http(side.ctx)
            response = await side.client.request(method, path, params=params, json=body)
            if response.status_code != 200:
                raise RuntimeError(f"{spec.name}: HTTP {response.status_code} {response.text}")

        for side in sides:
            await call(side)
        timed = await _alternate(sides, call, config.http_calls, bar)
        out += [figure("HTTP", s, ms) for s, ms in timed.items()]
    else:
        out += [figure("HTTP", s.size, None) for s in sides]
    return out


def run(infra: Infra, config: Config, stores: list[tuple[str, str]], scratch: Path) -> list[Figure]:
    """The queries on each store (size label, database), side by side: an API process
    each, all sharing one cursor key."""
    key = bus_auth.load_key(scratch / "queries-key", None, "api")

    def token(database_url: str, workspace: str) -> str:
        with psycopg.connect(database_url, autocommit=True) as conn:
            return create_token(conn, workspace, "u_17", "admin", label="bench")

    with ExitStack() as stack:
        apis = []
        for size, database_url in stores:
            data_dir = scratch / f"queries-{size}"
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(scratch / "queries-key" / "api.key", data_dir / "api.key")
            services = Services(database_url, infra.nats_url, ["api"], data_dir, free_port())
            apis.append((size, database_url, stack.enter_context(services)))
        for _, _, services in apis:
            # a store of 10M events may keep a cold API's first health check waiting
            wait_for_api(services.api, services.supervisor.log_dir, timeout=300)
        measured = [(size, url, services.api) for size, url, services in apis]
        return asyncio.run(_measure(measured, token, config, key))
