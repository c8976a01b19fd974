"""The single-envelope things producers report besides conversations: activities, contact
changes, tickets, widget chats, deletions and merges (what `BenchWorkload` mixes in)."""

from __future__ import annotations

import random
from collections import deque
from datetime import datetime

from chronicle_tools.workload import AGENTS, CHANNELS, PEOPLE, SOURCES, TEAMS, Producer, Published

ACTIVITY_TYPES = ("call", "note", "meeting", "task", "email", "sms", "whatsapp")
ACCOUNTS = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay")
FIELDS = ("lifecycle_stage", "company", "assignee_id", "custom.plan", "custom.region")
VALUES = ("lead", "customer", "churned", "Acme", "u_21", "pro", "eu", "us", "trial")


def person(index: int) -> str:
    return f"{PEOPLE[index % len(PEOPLE)]} {index}"


class Actions:
    """One workspace's non-conversation traffic; `recent` remembers activities to delete."""

    def __init__(self, rng: random.Random, producer: Producer) -> None:
        self.rng, self.p = rng, producer
        self.recent: deque[str] = deque(maxlen=500)
        self.count = 0

    def _agent(self) -> tuple[str, str, str]:
        agent_id, name = self.rng.choice(AGENTS)
        return ("user", agent_id, name)

    def added(self, contact_id: str, index: int, at: datetime) -> Published:
        name = person(index)
        data = {"contact_id": contact_id, "name": name, "source": self.rng.choice(SOURCES)}
        if self.rng.random() < 0.6:
            data["emails"] = [f"{contact_id}@example.com"]
        return self.p.envelope("contact.added", data, self._agent(), at)

    def activity(self, contact_id: str, index: int, at: datetime) -> Published:
        self.count += 1
        kind = self.rng.choice(ACTIVITY_TYPES)
        activity_id = f"act_{self.count}"
        self.recent.append(activity_id)
        actor = self._agent()
        data = {
            "activity_id": activity_id,
            "type": kind,
            "summary": f"{kind.title()} with {person(index)} about the renewal",
            "direction": self.rng.choice(("inbound", "outbound")),
            "source": self.rng.choice(("manual", "manual", "external", "campaign")),
            "contact_id": contact_id,
            "contact_name": person(index),
        }
        if self.rng.random() < 0.3:
            data.update(account_id=f"acc_{index % 50}", account_name=self.rng.choice(ACCOUNTS))
        return self.p.envelope("activity.logged", data, actor, at, self.rng.choice(TEAMS))

    def updated(self, contact_id: str, index: int, at: datetime) -> Published:
        field = "name" if self.rng.random() < 0.02 else self.rng.choice(FIELDS)
        new = f"{person(index)} Jr" if field == "name" else self.rng.choice(VALUES)
        data = {"contact_id": contact_id, "field": field, "new": new}
        return self.p.envelope("contact.updated", data, self._agent(), at)

    def connected(self, contact_id: str, at: datetime) -> Published:
        data = {"contact_id": contact_id, "channel": self.rng.choice(CHANNELS), "source": "api"}
        return self.p.envelope("contact.connected", data, ("system", "sync", "Sync"), at)

    def ticket(self, contact_id: str, at: datetime) -> Published:
        self.count += 1
        data = {"ticket_id": f"T-{self.count}", "contact_id": contact_id, "subject": "Refund"}
        return self.p.envelope("activity.ticket_created", data, self._agent(), at)

    def widget_chat(self, at: datetime) -> Published:
        self.count += 1
        data = {
            "chat_id": f"w_{self.count}",
            "contact_id": f"visitor_{self.count}",
            "visitor_name": f"Visitor {self.count}",
            "first_message": "Do you ship to Norway?",
        }
        return self.p.envelope("activity.widget_chat_started", data, ("customer", "v", None), at)

    def deleted(self, at: datetime) -> Published | None:
        if not self.recent:
            return None
        data = {"activity_id": self.recent.popleft()}
        return self.p.envelope("activity.deleted", data, self._agent(), at)

    def merged(self, primary_id: str, index: int, at: datetime) -> list[Published]:
        """A duplicate of the contact is added, then merged into it (and never used again)."""
        self.count += 1
        duplicate = f"dup_{self.count}"
        data = {"contact_id": duplicate, "name": person(index), "source": "import"}
        return [
            self.p.envelope("contact.added", data, self._agent(), at),
            self.p.envelope(
                "contact.merged",
                {"contact_id": primary_id, "merged_contact_ids": [duplicate]},
                self._agent(),
                at,
            ),
        ]
