"""Who may do what on the bus, written as nats-server users and permissions.

The bus is a trust boundary: no anonymous connection, and every user may publish and
subscribe on its own subjects only.
- Chronicle's services each have an identity: only `chronicle-relay` publishes stored
  events, only `chronicle-ingest` consumes the ingest stream (and answers producers);
  `chronicle-admin` (migrations, the command line) manages the streams.
- A producer publishes on `audit.ingest.<ws>.>` and `audit.request.<ws>.>` of its own
  workspaces and reads their `audit.rejected.<ws>`; its replies come to its own inbox
  prefix, `_INBOX.<user>.` (the client sets it), which nobody else may read.
- A reader gets the stored events of its workspaces: live (`audit.events.*.*.<ws>.>`) or
  through one durable JetStream consumer per workspace, named `<user>-<ws>` and filtered to
  it (created with the filter in the request subject, which the server checks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from adapters.bus import (
    EVENTS_STREAM,
    EVENTS_SUBJECTS,
    INGEST_STREAM,
    INGEST_SUBJECTS,
    REJECTED_STREAM,
    REJECTED_SUBJECTS,
    REQUEST_SUBJECTS,
    WINDOW_OFF,
    ingest_subject,
    rejected_subject,
    request_subject,
    workspace_events,
)

API = "$JS.API"
STREAMS = (INGEST_STREAM, EVENTS_STREAM, REJECTED_STREAM, WINDOW_OFF)


def _stream_info() -> list[str]:
    """A service checks at start that Chronicle's streams exist, as migrated."""
    return [f"{API}.STREAM.INFO.{s}" for s in STREAMS]


def _consumer(stream: str, name: str = "*") -> list[str]:
    return [
        f"{API}.CONSUMER.CREATE.{stream}.{name}",
        f"{API}.CONSUMER.CREATE.{stream}.{name}.>",
        f"{API}.CONSUMER.DURABLE.CREATE.{stream}.{name}",
        f"{API}.CONSUMER.INFO.{stream}.{name}",
        f"{API}.CONSUMER.MSG.NEXT.{stream}.{name}",
        f"$JS.ACK.{stream}.{name}.>",
    ]


@dataclass(frozen=True)
class BusUser:
    """One nats-server user: a name, its password (plain, or a bcrypt hash) and what it may
    publish and subscribe to (`None`: anything)."""

    name: str
    password: str
    publish: list[str] | None = field(default_factory=list)
    subscribe: list[str] | None = field(default_factory=list)

    def as_config(self) -> dict:
        entry: dict = {"user": self.name, "password": self.password}
        if self.publish is not None or self.subscribe is not None:
            entry["permissions"] = {
                "publish": {"allow": self.publish if self.publish is not None else [">"]},
                "subscribe": {"allow": self.subscribe if self.subscribe is not None else [">"]},
            }
        return entry


INBOX = "_INBOX.>"

# What each of Chronicle's own identities may do (publish, subscribe).
SERVICES: dict[str, tuple[list[str] | None, list[str] | None]] = {
    "chronicle-admin": (None, None),
    "chronicle-ingest": (
        [
            INGEST_SUBJECTS,  # the request gateway forwards into the ingest stream
            REJECTED_SUBJECTS,
            INBOX,  # verdicts, to producers' own inboxes
            *_stream_info(),
            *_consumer(INGEST_STREAM),
            f"{API}.STREAM.MSG.GET.{INGEST_STREAM}",  # a delivery lost on the way, read again
        ],
        [REQUEST_SUBJECTS, INBOX],
    ),
    "chronicle-relay": (
        [
            EVENTS_SUBJECTS,
            *_stream_info(),
            f"{API}.STREAM.MSG.GET.{EVENTS_STREAM}",
        ],
        [INBOX],
    ),
    "chronicle-projectors": (
        [*_stream_info(), *_consumer(EVENTS_STREAM)],
        [INBOX],
    ),
    "chronicle-mail": (  # the email sender and poller tell Chronicle what happened
        [INGEST_SUBJECTS, REQUEST_SUBJECTS, *_stream_info()],
        [INBOX],
    ),
}


def service_users(passwords: dict[str, str]) -> list[BusUser]:
    return [BusUser(name, passwords[name], *SERVICES[name]) for name in SERVICES]


def producer_user(name: str, password: str, workspaces: list[str]) -> BusUser:
    return BusUser(
        name,
        password,
        [s for ws in workspaces for s in (ingest_subject(ws), request_subject(ws))],
        [f"_INBOX.{name}.>", *(rejected_subject(ws) for ws in workspaces)],
    )


def reader_user(name: str, password: str, workspaces: list[str]) -> BusUser:
    publish = []
    for ws in workspaces:
        consumer = f"{name}-{ws}"
        publish += [
            f"{API}.CONSUMER.CREATE.{EVENTS_STREAM}.{consumer}.{workspace_events(ws)}",
            f"{API}.CONSUMER.INFO.{EVENTS_STREAM}.{consumer}",
            f"{API}.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.{consumer}",
            f"$JS.ACK.{EVENTS_STREAM}.{consumer}.>",
        ]
    subscribe = [f"_INBOX.{name}.>", *(workspace_events(ws) for ws in workspaces)]
    return BusUser(name, password, publish, subscribe)


def server_config(
    port: int,
    store_dir: str,
    pid_file: str,
    users: list[BusUser],
    host: str = "127.0.0.1",
    monitor_port: int | None = None,
) -> str:
    """A nats-server configuration (JSON is valid nats-server config) with JetStream, and
    authorization on: no user, no connection. `monitor_port`: HTTP monitoring there."""
    config = {
        "host": host,
        "port": port,
        "pid_file": pid_file,
        "jetstream": {"store_dir": store_dir},
        "authorization": {"users": [u.as_config() for u in users]},
        # /healthz for containers; /connz for tests that count connections
        "http_port": monitor_port or (8222 if host != "127.0.0.1" else None),
    }
    config = {k: v for k, v in config.items() if v is not None}
    return json.dumps(config, indent=2)
