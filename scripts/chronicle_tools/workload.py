"""Realistic producer traffic: contacts and conversations across channels (seeded)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from adapters import bus

CHANNELS = ("email", "whatsapp", "webchat", "sms", "messenger", "instagram")
AGENTS = (("u_17", "Dana"), ("u_21", "Sam"), ("u_33", "Priya"), ("u_40", "Mateo"))
TEAMS = ("support", "sales", "billing")
PEOPLE = (
    "Ann Lee",
    "Bo Chen",
    "Carla Diaz",
    "Dev Patel",
    "Eva Novak",
    "Femi Ade",
    "Gus Berg",
    "Hana Sato",
    "Ivan Petrov",
    "Jo Kim",
)
SOURCES = (
    "user",
    "import",
    "api",
    "incoming_message",
    "echo_message",
    "zapier",
    "make",
    "click_to_chat_ad",
)
CUSTOMER_LINES = (
    "Hi, I was charged twice this month.",
    "Where is my order #4411?",
    "Can I change the delivery address?",
    "The app logs me out every day.",
    "Do you ship to Norway?",
    "Thanks, that worked!",
)
AGENT_LINES = (
    "Sorry about that, I've refunded the duplicate charge.",
    "It left our warehouse yesterday; tracking link sent.",
    "Done, the new address is on the order.",
    "Could you try updating to 4.2?",
    "Yes, we ship to Norway in 3 to 5 days.",
    "Glad to help!",
)


@dataclass(frozen=True)
class Published:
    subject: str
    body: bytes
    envelope_id: str | None  # None: published without a Nats-Msg-Id header


class Producer:
    """Builds envelopes the way an outside service would publish them."""

    def __init__(self, workspace_id: str, run: str) -> None:
        self.workspace_id = workspace_id
        self.run = run
        self.count = 0

    def envelope(
        self,
        type_: str,
        data: dict[str, Any],
        actor: tuple[str, str, str | None],
        at: datetime,
        team_id: str | None = None,
    ) -> Published:
        self.count += 1
        envelope_id = f"{self.run}-{self.count:06d}"
        body = {
            "id": envelope_id,
            "type": type_,
            "workspace_id": self.workspace_id,
            "occurred_at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "actor": {"type": actor[0], "id": actor[1], "name": actor[2]},
            "data": data,
        }
        if team_id:
            body["team_id"] = team_id
        return Published(
            bus.ingest_subject(self.workspace_id, type_), msgspec.json.encode(body), envelope_id
        )


def conversation_story(
    rng: random.Random, p: Producer, contact: tuple[str, str], conv_id: str, start: datetime
) -> list[Published]:
    contact_id, name = contact
    customer = ("customer", contact_id, name)
    agent_id, agent_name = rng.choice(AGENTS)
    agent = ("user", agent_id, agent_name)
    team = rng.choice(TEAMS)
    channel = rng.choice(CHANNELS)
    at = start
    out = [
        p.envelope(
            "conversation.opened",
            {
                "conversation_id": conv_id,
                "channel": channel,
                "contact_id": contact_id,
                "inbox_id": f"inbox_{channel}",
                "subject": rng.choice(CUSTOMER_LINES)[:40],
            },
            customer,
            at,
        )
    ]
    for turn in range(rng.randint(1, 3)):
        at += timedelta(minutes=rng.randint(1, 30))
        out.append(
            p.envelope(
                "conversation.message_received",
                {
                    "conversation_id": conv_id,
                    "message_id": f"{conv_id}-in{turn}",
                    "body": rng.choice(CUSTOMER_LINES),
                },
                customer,
                at,
            )
        )
        if turn == 0:
            at += timedelta(minutes=1)
            out.append(
                p.envelope(
                    "conversation.reassigned",
                    {"conversation_id": conv_id, "to_agent_id": agent_id, "to_team_id": team},
                    ("system", "router", "Auto-assign"),
                    at,
                    team,
                )
            )
            out.append(
                p.envelope(
                    "conversation.tag_added",
                    {"conversation_id": conv_id, "tag": rng.choice(("billing", "shipping", "vip"))},
                    agent,
                    at,
                    team,
                )
            )
        at += timedelta(minutes=rng.randint(1, 20))
        out.append(
            p.envelope(
                "conversation.message_sent",
                {
                    "conversation_id": conv_id,
                    "message_id": f"{conv_id}-out{turn}",
                    "body": rng.choice(AGENT_LINES),
                },
                agent,
                at,
                team,
            )
        )
    at += timedelta(minutes=5)
    out.append(p.envelope("conversation.resolved", {"conversation_id": conv_id}, agent, at, team))
    out.append(
        p.envelope(
            "conversation.interaction_closed",
            {"conversation_id": conv_id, "queue": f"inbox_{channel}"},
            ("system", "router", "Auto-assign"),
            at,
            team,
        )
    )
    if rng.random() < 0.3:
        at += timedelta(hours=2)
        out.append(p.envelope("conversation.reopened", {"conversation_id": conv_id}, customer, at))
    return out


def demo_workload(
    seed: int, workspace_id: str, run: str, now: datetime | None = None
) -> list[Published]:
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    p = Producer(workspace_id, run)
    messages: list[Published] = []
    contacts = [(f"c_{name.split()[0].lower()}", name) for name in PEOPLE[:8]]
    for index, (contact_id, name) in enumerate(contacts):
        start = now - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 23))
        first, last = name.split()
        messages.append(
            p.envelope(
                "contact.added",
                {
                    "contact_id": contact_id,
                    "name": name,
                    "emails": [f"{first}.{last}@example.com".lower()],
                    "source": SOURCES[index % len(SOURCES)],
                },
                ("user", "u_17", "Dana"),
                start,
            )
        )
        if rng.random() < 0.5:
            agent_id, agent_name = rng.choice(AGENTS)
            messages.append(
                p.envelope(
                    "activity.logged",
                    {
                        "activity_id": f"call-{contact_id}",
                        "type": "call",
                        "direction": "outbound",
                        "source": "manual",
                        "summary": f"Called {first} about the account",
                        "contact_id": contact_id,
                        "contact_name": name,
                    },
                    ("user", agent_id, agent_name),
                    start + timedelta(minutes=30),
                )
            )
        for n in range(rng.randint(1, 2)):
            conv_id = f"conv_{1000 + index * 10 + n}"
            messages += conversation_story(
                rng, p, (contact_id, name), conv_id, start + timedelta(hours=n * 5 + 1)
            )
        messages += email_story(p, index, (contact_id, name), start)
    return messages


def email_story(
    p: Producer, index: int, contact: tuple[str, str], start: datetime
) -> list[Published]:
    """An email from every other contact, matched to them by address (any case)."""
    contact_id, name = contact
    address = name.replace(" ", ".").lower() + "@example.com"
    out = []
    if index % 2 == 0:
        received = {
            "mailbox_id": "mb_support",
            "message_id": f"<{contact_id}-1@example.com>",
            "sender": {"address": address.capitalize(), "name": name},
            "to": [{"address": "support@acme.test"}],
            "subject": f"Question from {name.split()[0]}",
            "body": CUSTOMER_LINES[index % len(CUSTOMER_LINES)],
        }
        customer = ("customer", contact_id, name)
        out.append(p.envelope("email.received", received, customer, start + timedelta(hours=3)))
    return out
