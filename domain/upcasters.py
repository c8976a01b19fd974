"""Older shapes of stored events, and how each reads as the next version.

Stored events are never rewritten. When an event's fields change, its class gets the next
wire name (`contact.lead_converted.v2`) and the old wire name gets an upcaster here: a pure
function from the old stored fields to (next wire name, fields of that version). The
mapper runs them on decode, one step at a time (v1 -> v2 -> v3 ...), so every reader — an
aggregate being loaded, a projector, an export, time travel — only ever sees the current
shape, while the stored bytes and their hash chain stay exactly as they were written.
The procedure is in docs/auditing.md ("Schema evolution").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

State = dict[str, Any]


def lead_converted_v1(state: State) -> tuple[str, State]:
    """v1 named the lead by `lead_id` and `lead_name`; v2 holds a Ref like other events."""
    lead_id, lead_name = state.pop("lead_id"), state.pop("lead_name", None)
    state["lead"] = {"type": "lead", "id": lead_id, "name": lead_name}
    return "contact.lead_converted.v2", state


UPCASTERS: dict[str, Callable[[State], tuple[str, State]]] = {
    "contact.lead_converted.v1": lead_converted_v1,
}
