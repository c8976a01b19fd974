"""Watching Chronicle: `status` (every consumer's lag at a glance) and `health` (a
process's health endpoint, for container health checks)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.error
import urllib.request

import msgspec

from adapters.settings import Settings
from services.cli.common import database


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from services.operate.status import from_store, render, with_streams

    async def gather():
        status = await from_store(database(settings))
        if settings.nats_url and not args.no_streams:
            try:
                await with_streams(status, settings.nats_url)
            except Exception as error:  # the store's view is still worth showing
                print(f"(streams unavailable: {error!r})", file=sys.stderr)
        return status

    status = asyncio.run(gather())
    # times as RFC 3339 (…T…Z), as every other --json output
    print(json.dumps(msgspec.to_builtins(status.as_dict())) if args.json else render(status))
    behind = [c.name for c in status.consumers if c.lag_events > args.max_lag]
    if any(c.error for c in status.consumers):
        return 2  # a consumer past the store's head: wrong, whatever the lag says
    return 1 if args.max_lag >= 0 and behind else 0


def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    if args.url:
        url = args.url
    elif settings.metrics_port is not None:
        url = f"http://127.0.0.1:{settings.metrics_port}/health"
    else:
        url = f"http://127.0.0.1:{settings.api_port}/health"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            print(response.read().decode())
            return 0
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1


def register(sub: argparse._SubParsersAction) -> None:
    status = sub.add_parser("status", help="each projection's lag at a glance (store + streams)")
    status.add_argument("--json", action="store_true", help="machine-readable")
    status.add_argument("--no-streams", action="store_true", help="only what the store says")
    status.add_argument(
        "--max-lag",
        type=int,
        default=-1,
        help="exit 1 if any consumer is more than this many events behind (default: never)",
    )
    status.set_defaults(handler=cmd_status)
    health = sub.add_parser("health", help="ask a service's /health (exit 1 unless healthy)")
    health.add_argument("--url", help="default: this process's CHRONICLE_METRICS_PORT or the API")
    health.add_argument(
        "--timeout", type=float, default=3.0, help="seconds to wait for an answer (default 3)"
    )
    health.set_defaults(handler=cmd_health)
