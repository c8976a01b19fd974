"""The bodies of the messages on Chronicle's bus, as models: what docs/asyncapi.json,
docs/schemas/ and the producer package (clients/python) are generated from.

Envelopes come from the ingest registry; answers mirror `Outcome.reply()` and stored events
the relay's messages (tests/e2e/test_asyncapi_messages.py checks real ones against the
document). Their headers: asyncapi_headers.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from domain.catalogue import event_classes
from domain.upcasters import UPCASTERS
from services.ingest.envelope import Envelope
from services.ingest.registry import Command


def envelope_model(command: Command) -> type[BaseModel]:
    """The envelope of one type: `type` fixed, `data` that type's model."""
    return create_model(
        "".join(part.title() for part in command.type.replace(".", "_").split("_")) + "Envelope",
        __base__=Envelope,
        __doc__=f"{command.summary} ({command.kind}).",
        type=(Literal[command.type], ...),  # type: ignore[valid-type]
        data=(command.data_model, ...),
    )


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    correlation_id: str = Field(
        description="The producer's Chronicle-Correlation-Id; else the envelope id; else, "
        "for a body with no readable id, `AUDIT_INGEST-<its sequence>`"
    )


class Accepted(Answer):
    """Stored: `position` is the store position of its last event."""

    status: Literal["accepted"]
    id: str = Field(description="The envelope id")
    position: int | None = Field(description="Null when it recorded no events")
    events: int = Field(ge=0, description="How many events it recorded")


class Duplicate(Answer):
    """This workspace recorded this envelope id before: nothing new was stored."""

    status: Literal["duplicate"]
    id: str = Field(description="The envelope id")
    position: int | None = Field(
        description="The original's position (null when the original recorded no events)"
    )
    events: Literal[0]


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(
        description="The exact path at fault: `data.emails.1`, `actor.name`, "
        "`headers.Nats-Msg-Id`, `subject`, `body` (when it is not JSON)"
    )
    problem: str = Field(description="What is wrong with it")
    rule: str | None = Field(None, description="The named domain rule broken (docs/events.md)")


class Error(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(description="Every reason in one line")
    reasons: list[Reason]


class Rejected(Answer):
    """Refused for good, with the reasons (also announced on `audit.rejected.<workspace>`);
    fix the data and send it with a new id."""

    status: Literal["rejected"]
    id: str | None = Field(description="The envelope id (null when it could not be read)")
    error: Error


class Parked(Answer):
    """Chronicle failed to apply valid input; kept as a dead letter for an operator to replay."""

    status: Literal["parked"]
    id: str | None = Field(description="The envelope id")
    error: Error


Verdict = Annotated[Accepted | Duplicate | Rejected | Parked, Field(discriminator="status")]
"""Chronicle's answer to a request."""
ANSWERS = (Accepted, Duplicate, Rejected, Parked)


class ActorOut(BaseModel):
    type: str
    id: str
    name: str | None = None


class Meta(BaseModel):
    workspace_id: str
    actor: ActorOut = Field(description="Who did it; `name` is sealed when the actor is a customer")
    occurred_at: datetime = Field(description="Producer clock")
    envelope_id: str = Field(description="The producer's envelope id it came from")
    team_id: str | None = Field(None, description="The team the envelope named")
    correlation_id: str | None = Field(
        None, description="The producer's Chronicle-Correlation-Id (else the envelope id)"
    )
    subjects: list[str] = Field(
        default_factory=list,
        description="Whose personal data the event holds (`contact:c_ann`, `address:…`): "
        "the keys its sealed values are sealed with belong to them",
    )


class StoredEvent(BaseModel):
    """An event as stored and relayed: `meta`, `timestamp`, `originator_topic` on creation
    events, and the fields of its wire name (docs/events.md, Stored events), as JSON.
    Personal values (docs/events.md lists them per wire name) are **sealed**: in place of
    the plain JSON string stands the string `"§e1:<key ids>:<base64>"` (key ids joined by
    `.`; the base64 of a 12-byte nonce and the AES-256-GCM ciphertext of the UTF-8 text,
    bound to the event's aggregate id and version). Only strings are sealed (a list of
    strings element by element), so the event keeps its shape and types. A reader of the
    bus holds no keys: it sees sealed strings, and should show them as hidden. Once
    `chronicle erase` destroyed a key, its values read as `[erased]` in Chronicle's own
    readers, while the stored bytes, and so the hash chain, stay as they were."""

    model_config = ConfigDict(extra="allow")
    meta: Meta
    timestamp: datetime = Field(description="Chronicle's clock: recorded at")
    originator_topic: str | None = Field(
        None,
        description="Only on an event that creates its aggregate: the aggregate's stable "
        "name (`chronicle.aggregate.conversation`, …)",
    )


def wire_names() -> list[str]:
    """Every wire name a stored event can carry: the current ones and older ones."""
    return sorted({*event_classes(), *UPCASTERS})
