"""How every Chronicle service is hosted: a FastStream app around four lifecycle hooks."""

from __future__ import annotations

from faststream import FastStream
from faststream.nats import NatsBroker


class HostedService:
    """A service with a FastStream NATS broker and four hooks around its start and stop.

    `chronicle run` hosts it as a FastStream app (signals, lifecycle); tests and the
    in-process stack call `start()` / `stop()`, which run the same hooks in the same order.
    """

    broker: NatsBroker

    async def prepare(self) -> None:
        """Before the broker starts: databases, streams."""

    async def begin(self) -> None:
        """After the broker started: consumers, loops."""

    async def finish(self) -> None:
        """Before the broker stops."""

    async def close(self) -> None:
        """After the broker stopped."""

    async def start(self) -> None:
        await self.prepare()
        await self.broker.start()
        await self.begin()

    async def stop(self) -> None:
        await self.finish()
        await self.broker.stop()
        await self.close()

    def app(self) -> FastStream:
        return FastStream(
            self.broker,
            logger=None,
            on_startup=[self.prepare],
            after_startup=[self.begin],
            on_shutdown=[self.finish],
            after_shutdown=[self.close],
        )


def broker(url: str, name: str) -> NatsBroker:
    return NatsBroker(url, name=name, max_reconnect_attempts=-1, logger=None)
