"""Phase 4, queries on a rebuilt store: each `QuerySpec` timed many times, server-side
(the query class on one connection: SQL plus building the rows) and through HTTP (the API
process, one client, keep-alive). A spec this build lacks is reported as such."""

from __future__ import annotations

import asyncio
import importlib
import time
from pathlib import Path

import httpx
import psycopg

from adapters.bus import auth as bus_auth
from adapters.embedded import free_port
from chronicle_tools.bench import query_context
from chronicle_tools.bench.config import Config
from chronicle_tools.bench.infra import Infra
from chronicle_tools.bench.measure import Figure, progress
from chronicle_tools.bench.queries import QUERIES, QuerySpec
from chronicle_tools.bench.stack import Services
from chronicle_tools.demo.run import wait_for_api
from projections.shared import cursor as cursors
from services.api.app import ROUTERS
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


async def _time(call, n: int, bar) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
        bar.update(1)
    return out


async def _measure(database_url: str, api: str, token, config: Config, size: str, data_dir: Path):
    figures: list[Figure] = []
    # The deep pages' cursors are made here, so sealed with the API's key (its data folder's)
    cursors.configure(bus_auth.load_key(data_dir, None, "api"))
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        ctx = await query_context.build(conn)
        headers = {"Authorization": f"Bearer {token(ctx.workspace)}"}
        async with httpx.AsyncClient(base_url=api, headers=headers, timeout=30) as client:
            # the API's own routes (its /openapi.json is served only when asked for)
            routes = {route.path for router in ROUTERS for route in router.routes}
            total = len(QUERIES) * (config.query_calls + config.http_calls)
            bar = progress(total, f"queries at {size}", unit="call")
            for spec in QUERIES:
                figures += await _one(spec, conn, client, ctx, routes, config, size, bar)
            bar.close()
    return figures


async def _one(spec: QuerySpec, conn, client, ctx, routes, config: Config, size: str, bar):
    def figure(side: str, ms: list[float] | None, **kw) -> Figure:
        f = Figure(f"{spec.name} [{side}]", group="query", extra={"size": size}, **kw)
        if ms is None:
            f.note = UNAVAILABLE
            return f
        f.count, f.seconds = len(ms), sum(ms) / 1000
        f.latency = f"per call, {side}"
        return f.with_latencies(ms)

    out = []
    if spec.server is not None and _has(spec.needs):
        await spec.server(conn, ctx)  # warm: plans cached, pages in memory
        ms = await _time(lambda: spec.server(conn, ctx), config.query_calls, bar)
        out.append(figure("server", ms, target=spec.target))
    else:
        out.append(figure("server", None, target=spec.target))
    if spec.http is not None and spec.route in routes:

        async def call():
            method, path, params, body = spec.http(ctx)
            response = await client.request(method, path, params=params, json=body)
            if response.status_code != 200:
                raise RuntimeError(f"{spec.name}: HTTP {response.status_code} {response.text}")

        await call()
        out.append(figure("HTTP", await _time(call, config.http_calls, bar)))
    else:
        out.append(figure("HTTP", None))
    return out


def run(infra: Infra, config: Config, database_url: str, scratch: Path, size: str) -> list[Figure]:
    port = free_port()
    services = Services(database_url, infra.nats_url, ["api"], scratch, port)

    def token(workspace: str) -> str:
        with psycopg.connect(database_url, autocommit=True) as conn:
            return create_token(conn, workspace, "u_17", "admin", label="bench")

    with services:
        # a store of 10M events may keep a cold API's first health check waiting
        wait_for_api(services.api, services.supervisor.log_dir, timeout=300)
        return asyncio.run(_measure(database_url, services.api, token, config, size, scratch))
