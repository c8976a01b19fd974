"""Running Chronicle: `up`, `run`, `migrate`."""

from __future__ import annotations

import argparse
import socket
import sys

import structlog

from adapters.embedded import infrastructure
from adapters.logging import configure_logging
from adapters.settings import Settings
from services.cli.failures import ConfigFailure, Failure


def free_run(start: int, count: int) -> int:
    """The first port from `start` (in steps of `count`) with `count` free ports from it."""
    for base in range(start, 65535 - count, count):
        try:
            for port in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise Failure("no free ports for the ops endpoints: set CHRONICLE_METRICS_PORT")


def api_port_free(host: str, port: int) -> None:
    """Stop before starting anything when the API's port is taken: the API would fail to
    bind again and again while the banner pointed at whatever holds the port."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigFailure(
                f"the API's address {host}:{port} is taken ({error.strerror}): "
                "set CHRONICLE_API_PORT (or CHRONICLE_API_HOST)"
            ) from None


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    from services.hosted.run import migrate
    from services.hosted.supervisor import Supervisor, service_commands

    api_port_free(settings.api_host, settings.api_port)
    with infrastructure(settings.database_url, settings.nats_url, settings.data_dir) as servers:
        db, nats = servers.database_url, servers.nats_url
        settings = settings.model_copy(update={"database_url": db, "nats_url": nats})
        migrate(settings)
        env = {"CHRONICLE_DATABASE_URL": db, "CHRONICLE_NATS_URL": nats}
        commands = service_commands(settings.ingest_partitions, settings.projector_partitions)
        # Every process's ops endpoint (/metrics, /health, /readyz) is on whenever `up`
        # runs: given a base port, or the first free run of ports from 9100.
        base = settings.metrics_port or free_run(9100, len(commands))
        env["CHRONICLE_METRICS_PORT"] = str(base)
        supervisor = Supervisor(
            env,
            ingest_partitions=settings.ingest_partitions,
            projector_partitions=settings.projector_partitions,
            nats_url_for=servers.url_for if servers.nats else None,
        )
        supervisor.start()
        where = servers.nats.address if servers.nats else "as configured"
        ops = "  ".join(
            f"{name} :{supervisor.own_env(name)['CHRONICLE_METRICS_PORT']}"
            for name in supervisor.commands
        )
        print(
            f"Chronicle is up: API http://{settings.api_host}:{settings.api_port}  "
            f"NATS {where} (authorization on; `chronicle producer create` for producers)  "
            "(Ctrl-C stops)\n"
            f"Ops endpoints (/metrics /health /readyz on {settings.metrics_host}): {ops}",
            file=sys.stderr,
        )
        why: list[str] = []

        def trouble() -> bool:
            found = _trouble(servers, supervisor)
            if found:
                why.append(found)
            return bool(found)

        try:
            supervisor.run_until(trouble)
        except KeyboardInterrupt:
            pass
        finally:
            supervisor.stop()
        if why:
            raise Failure(f"stopped: {why[0]}")
    return 0


def _trouble(servers, supervisor) -> str | None:
    """Why `chronicle up` must stop, if it must: a service that keeps failing, or a private
    server that is gone and cannot be started again. A private nats-server that died is
    started again, on the same port with the same data."""
    if supervisor.gave_up:
        names = ", ".join(sorted(supervisor.gave_up))
        logs = f" (see {supervisor.log_dir})" if supervisor.log_dir else ""
        return f"{names} kept failing at start{logs}"
    if servers.nats and servers.nats.process.poll() is not None:
        log = structlog.get_logger()
        log.error("up.nats_server_died", exit_code=servers.nats.process.returncode)
        try:
            servers.nats.restart()
        except (OSError, TimeoutError) as error:
            return f"the private nats-server died and did not start again: {error}"
        log.info("up.nats_server_restarted", port=servers.nats.port)
    if servers.postgres_gone():
        return "the private PostgreSQL is gone (see its log in the data folder's pgdata)"
    return None


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if args.service != "projectors" and args.names:
        raise SystemExit(f"`run {args.service}` takes no names (only `run projectors` does)")
    if args.partition is not None:
        field = "projector_partition" if args.service == "projectors" else "ingest_partition"
        settings = settings.model_copy(update={field: args.partition})
    from services.hosted.run import run

    name = args.service
    if args.names:
        name += "-" + "-".join(args.names)
    if args.partition is not None:
        name += f"-p{args.partition}"
    configure_logging(settings, name)
    run(settings, args.service, args.names)
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from services.cli.common import database, unset
    from services.hosted.run import migrate

    if not settings.nats_url:
        raise unset("CHRONICLE_NATS_URL", settings, " (the admin identity's, docs/security.md)")
    migrate(settings.model_copy(update={"database_url": database(settings)}))
    print("store, read models and streams are up to date", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    up = sub.add_parser("up", help="run every service (private PostgreSQL/NATS unless configured)")
    up.set_defaults(handler=cmd_up, hosts_services=True)
    migrate = sub.add_parser(
        "migrate",
        help="create or update the store's tables, the read models' schemas and the streams "
        "(before services start; `up` does it itself)",
    )
    migrate.set_defaults(handler=cmd_migrate)
    run = sub.add_parser("run", help="run one service in this process")
    run.add_argument(
        "service",
        choices=["ingest", "relay", "projectors", "api", "sender", "poller"],
        help="the service to run in this process",
    )
    run.add_argument(
        "names",
        nargs="*",
        help="for `run projectors`: the read models to host (default: all of them)",
    )
    run.add_argument(
        "--partition",
        type=int,
        help="for `run ingest` / `run projectors`: the partition to consume",
    )
    run.set_defaults(handler=cmd_run)
