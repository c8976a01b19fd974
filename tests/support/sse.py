"""A real HTTP client of a live stream: httpx streaming, parsed as Server-Sent Events."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.waiting import until


@dataclass
class Event:
    event: str
    data: str
    id: str | None

    @property
    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class LiveStream:
    """Reads one stream in the background; `events` grows as they arrive."""

    client: httpx.AsyncClient
    path: str
    params: dict = field(default_factory=dict)
    last_event_id: str | None = None
    events: list[Event] = field(default_factory=list)
    status: int | None = None
    ended: bool = False

    async def __aenter__(self) -> LiveStream:
        self._task = asyncio.create_task(self._read())
        await until(self._started, what=f"{self.path} to answer")
        return self

    async def _started(self) -> bool:
        if self._task.done() and self._task.exception():
            raise self._task.exception()
        return self.status is not None and (self.status != 200 or bool(self.events))

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        """Drop the connection, as a client that goes away does."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _read(self) -> None:
        headers = {"Last-Event-ID": self.last_event_id} if self.last_event_id else {}
        timeout = httpx.Timeout(10, read=None)
        async with self.client.stream(
            "GET", self.path, params=self.params, headers=headers, timeout=timeout
        ) as response:
            self.status = response.status_code
            if response.status_code != 200:
                await response.aread()
                self.ended = True
                return
            fields: dict[str, list[str]] = {}
            async for line in response.aiter_lines():
                if line == "":
                    if "data" in fields:
                        self.events.append(
                            Event(
                                fields.get("event", ["message"])[-1],
                                "\n".join(fields["data"]),
                                fields.get("id", [None])[-1],
                            )
                        )
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields.setdefault(name, []).append(value.removeprefix(" "))
            self.ended = True

    def of(self, kind: str = "entry") -> list[Event]:
        return [e for e in self.events if e.event == kind]

    async def wait_for(self, count: int, kind: str = "entry") -> list[Event]:
        async def enough() -> bool:
            if self.status not in (None, 200):
                raise AssertionError(f"{self.path} answered {self.status}")
            return len(self.of(kind)) >= count

        try:
            await until(enough, what=f"{count} {kind} events on {self.path}")
        except AssertionError as timeout:
            seen = [(e.event, e.id, e.data[:120]) for e in self.events[-10:]]
            raise AssertionError(f"{timeout}; the last received: {seen}") from None
        return self.of(kind)
