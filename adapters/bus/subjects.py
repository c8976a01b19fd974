"""Every subject Chronicle publishes, consumes or grants, and how one reads: the only place
that spells `audit.…` (the producer package, clients/python, spells its own: it installs
without Chronicle).

A type is `<aggregate>.<action>` (an envelope's `type`, a wire name's first two parts), so
`ingest_subject("ws_acme", "contact.added")` is `audit.ingest.ws_acme.contact.added`;
`">"` for a type is every type of that workspace (a filter, a permission).
"""

from __future__ import annotations

from typing import NamedTuple

INGEST_SUBJECTS = "audit.ingest.>"
REQUEST_SUBJECTS = "audit.request.>"
EVENTS_SUBJECTS = "audit.events.>"
REJECTED_SUBJECTS = "audit.rejected.>"
PARTITIONED = "audit.partitioned"  # how AUDIT_INGEST stores a subject when partitioned
WINDOW_OFF_SUBJECT = "audit.internal.window-off"  # never published on (adapters/bus/streams)
_INGEST, _REQUEST = "audit.ingest.", "audit.request."


def ingest_subject(workspace_id: str, type_: str = ">") -> str:
    """Where a producer publishes an envelope of `type_` for `workspace_id`."""
    return f"{_INGEST}{workspace_id}.{type_}"


def request_subject(workspace_id: str, type_: str = ">") -> str:
    """The same, as a core-NATS request answered with Chronicle's verdict."""
    return f"{_REQUEST}{workspace_id}.{type_}"


def ingest_of_request(subject: str) -> str:
    """The ingest subject the gateway forwards a request to (same workspace and type)."""
    return _INGEST + subject.removeprefix(_REQUEST)


def rejected_subject(workspace_id: str | None) -> str:
    """Where the notice of a reject goes: the workspace on the subject it came on."""
    return f"audit.rejected.{workspace_id or '_unknown'}"


def event_subject(wire_name: str, workspace_id: str, aggregate_id_hex: str) -> str:
    """`audit.events.<aggregate>.<action>.<workspace>.<aggregate id>`.

    The trailing tokens let consumers filter by workspace and partition by aggregate.
    """
    aggregate, action = wire_name.split(".")[:2]
    return f"audit.events.{aggregate}.{action}.{workspace_id}.{aggregate_id_hex}"


def workspace_events(workspace_id: str) -> str:
    """Every stored event of one workspace (a reader's filter and permission)."""
    return f"audit.events.*.*.{workspace_id}.>"


class IngestSubject(NamedTuple):
    workspace_id: str
    type: str  # `<aggregate>.<action>`


def parse_ingest_subject(subject: str) -> IngestSubject | None:
    """The workspace and type an ingest subject names, as published or as AUDIT_INGEST
    stores it when partitioned (`audit.partitioned.<p>.<ws>.<agg>.<action>`); None when
    it is not `audit.ingest.<workspace>.<aggregate>.<action>`."""
    parts = subject.split(".")
    if len(parts) == 6 and parts[:2] == ["audit", "partitioned"]:
        parts = ["audit", "ingest", *parts[3:]]
    if len(parts) != 5 or parts[:2] != ["audit", "ingest"]:
        return None
    return IngestSubject(parts[2], f"{parts[3]}.{parts[4]}")


def subject_workspace_token(subject: str) -> str | None:
    """The workspace token of an ingest subject with at least one, malformed after it or
    not (a reject still belongs to the workspace its producer published for)."""
    parts = subject.split(".")
    if len(parts) >= 4 and parts[:2] == ["audit", "partitioned"]:
        parts = ["audit", "ingest", *parts[3:]]
    if len(parts) >= 3 and parts[:2] == ["audit", "ingest"]:
        return parts[2]
    return None
