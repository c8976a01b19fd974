"""What an activity or a closed interaction becomes in the grid: the values of a new row
of ACTIVITIES, in its order (pending.py adds `deleted` and `changed_position`)."""

from __future__ import annotations

from projections.engine.base import Recorded

CHANNEL_TYPES = {"email": "email", "sms": "sms", "whatsapp": "whatsapp", "phone": "call"}


def activity_row(r: Recorded, contact_name: str | None) -> tuple:
    """A logged activity's row; `contact_name`: the one it gives, else the contact's."""
    d = r.event.details
    return (
        r.meta.workspace_id,
        r.event.activity_id,
        r.position,
        d.type,
        _id(d.contact),
        contact_name,
        _id(d.lead),
        _name(d.lead),
        _id(d.account),
        _name(d.account),
        d.summary,
        d.direction,
        _id(d.agent),
        _name(d.agent),
        d.source,
        d.first_message,
        r.meta.occurred_at,
        r.meta.team_id,
        None,  # an activity's channel is its type
    )


def interaction_row(r: Recorded, conversation: tuple) -> tuple:
    """A closed interaction's row; `conversation`: (contact id, contact name, agent id,
    owning team, channel) when it closed."""
    e = r.event
    contact_id, contact_name, agent_id, team_id, channel = conversation
    summary = (
        f"Interaction on {e.channel} in {e.queue}" if e.queue else f"Interaction on {e.channel}"
    ) + f", {e.message_count} messages"
    return (
        r.meta.workspace_id,
        f"interaction-{e.conversation_id}-{r.position}",
        r.position,
        CHANNEL_TYPES.get(e.channel, "chat"),
        contact_id,
        contact_name,
        None,
        None,
        None,
        None,
        summary,
        "inbound",
        agent_id,
        None,
        "interaction",
        e.first_message,
        r.meta.occurred_at,
        team_id,
        channel,
    )


def _id(ref) -> str | None:
    return ref.id if ref else None


def _name(ref) -> str | None:
    return ref.name if ref else None
