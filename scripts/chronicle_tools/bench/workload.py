"""A realistic, seeded workload at any size: many workspaces and contacts, conversations
across channels interleaved in time, a mix of event types, and skew.

Skew is Zipf-like at two levels: a few workspaces carry most of the traffic, and within a
workspace a few contacts are very busy (the first contact of the first workspace has tens
of thousands of timeline entries at a million events), which is what makes deep timeline
pages and filtered grids worth measuring. The same seed and size give the same envelopes.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chronicle_tools.bench.actions import Actions, person
from chronicle_tools.workload import Producer, Published, conversation_story

OPEN_STORIES = 64  # conversations in progress at once, their envelopes interleaved
SINGLE = 0.3  # share of steps that are a one-envelope action instead of a story's next step
SKEW = 1.1  # Zipf exponent over workspaces and over contacts


def zipf_weights(n: int, s: float = SKEW) -> list[float]:
    return list(itertools.accumulate(1 / (rank + 1) ** s for rank in range(n)))


@dataclass
class Workspace:
    id: str
    actions: Actions
    producer: Producer
    added: set[int] = field(default_factory=set)
    conversations: int = 0


class BenchWorkload:
    """`iter(w)` yields `Published` envelopes, oldest first, spread over `days` up to now."""

    def __init__(
        self,
        seed: int,
        envelopes: int,
        *,
        workspaces: int = 50,
        contacts: int = 5000,
        days: int = 90,
        run: str = "bench",
        now: datetime | None = None,
        tag: str = "",
    ) -> None:
        self.rng = random.Random(seed)
        self.envelopes, self.run = envelopes, run
        self.contacts = contacts
        self.end = (now or datetime.now(UTC)) - timedelta(hours=1)
        self.start = self.end - timedelta(days=days)
        self.spaces = []
        for i in range(workspaces):
            workspace_id = f"{run}-ws{i:03d}"
            producer = Producer(workspace_id, f"{run}{tag}-{i}")  # tag: other envelope ids
            self.spaces.append(Workspace(workspace_id, Actions(self.rng, producer), producer))
        self._space_weights = zipf_weights(workspaces)
        self._contact_weights = zipf_weights(contacts)

    @staticmethod
    def busiest(run: str = "bench") -> tuple[str, str]:
        """The workspace and contact with the most traffic, for the query phase."""
        return f"{run}-ws000", "c_0"

    def _pick(self) -> Workspace:
        return self.rng.choices(self.spaces, cum_weights=self._space_weights)[0]

    def _contact(self, space: Workspace, at: datetime, out: list[Published]) -> tuple[str, int]:
        """A contact of the workspace by popularity, added first if it is new."""
        index = self.rng.choices(range(self.contacts), cum_weights=self._contact_weights)[0]
        contact_id = f"c_{index}"
        if index not in space.added:
            space.added.add(index)
            out.append(space.actions.added(contact_id, index, at))
        return contact_id, index

    def _single(self, space: Workspace, at: datetime) -> list[Published]:
        out: list[Published] = []
        contact_id, index = self._contact(space, at, out)
        roll, a = self.rng.random(), space.actions
        if roll < 0.55:
            out.append(a.activity(contact_id, index, at))
        elif roll < 0.80:
            out.append(a.updated(contact_id, index, at))
        elif roll < 0.88:
            out.append(a.connected(contact_id, at))
        elif roll < 0.93:
            out.append(a.ticket(contact_id, at))
        elif roll < 0.97:
            out.append(a.widget_chat(at))
        elif roll < 0.995:
            out.extend(m for m in [a.deleted(at)] if m is not None)
        else:
            out.extend(a.merged(contact_id, index, at))
        return out

    def _story(self, space: Workspace, at: datetime) -> tuple[list[Published], list[Published]]:
        """(what is published now: the contact if new, the conversation's envelopes)."""
        now: list[Published] = []
        contact_id, index = self._contact(space, at, now)
        space.conversations += 1
        conv_id = f"conv_{space.conversations}"
        contact = (contact_id, person(index))
        return now, conversation_story(self.rng, space.producer, contact, conv_id, at)

    def __iter__(self) -> Iterator[Published]:
        stories: list[list[Published]] = []
        span = (self.end - self.start) / max(self.envelopes, 1)
        emitted = 0
        while emitted < self.envelopes:
            at = self.start + span * emitted
            if len(stories) < OPEN_STORIES:
                batch, story = self._story(self._pick(), at)
                stories.append(story)
            elif self.rng.random() < SINGLE:
                batch = self._single(self._pick(), at)
            else:
                index = self.rng.randrange(len(stories))
                story = stories[index]
                batch = [story.pop(0)]
                if not story:
                    stories[index] = stories[-1]
                    stories.pop()
            yield from batch[: self.envelopes - emitted]
            emitted += len(batch)
