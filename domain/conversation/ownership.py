"""Who owns a conversation after each of its events: the one rule the aggregate and every
read model follow (team scoping of what agents see depends on it).

- `conversation.opened`: the team the conversation was opened in (`meta.team_id`), no agent;
- `conversation.reassigned`: the team and agent it names, either of which may be none;
- `conversation.chatbot_handed_over`: the team and agent it names, keeping the current
  ones where it names none (a bot hands over to whom it knows);
- any other event: unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.conversation.lifecycle import Opened
from domain.conversation.work import ChatbotHandedOver, Reassigned

# The events that can change the owner; every other event leaves it as it is.
TRANSFERS = (Opened, Reassigned, ChatbotHandedOver)


@dataclass(frozen=True, slots=True)
class Owner:
    """A conversation's owning team and assigned agent (either may be none)."""

    team_id: str | None = None
    agent_id: str | None = None


NOBODY = Owner()


def owner_after(event: Any, before: Owner = NOBODY, kind: type | None = None) -> Owner:
    """The conversation's owner after `event`, given its owner `before` it.

    `event` is a conversation event, or, with `kind` naming its class, any object with the
    event's fields as attributes (a read model's stored copy of them)."""
    kind = kind or type(event)
    if kind is Reassigned:
        return Owner(event.to_team_id, event.to_agent_id)
    if kind is ChatbotHandedOver:
        return Owner(event.to_team_id or before.team_id, event.to_agent_id or before.agent_id)
    if kind is Opened:
        return Owner(event.meta.team_id)
    return before


def team_after(event: Any, team_id: str | None) -> str | None:
    """The owning team after `event`, given the team before it (agents aside)."""
    if type(event) not in TRANSFERS:  # the common case, cheaply
        return team_id
    return owner_after(event, Owner(team_id)).team_id
