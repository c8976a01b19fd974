"""One token, or one workspace, cannot take a process's whole allowance of live streams
and lock everyone else out: past its own cap it gets 429, and others still get theirs."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.test_live import Workspace
from tests.support.bus import publish_all
from tests.support.sse import LiveStream
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
PATH = "/v1/contacts/c_ann/timeline/live"


async def test_live_streams_are_capped_per_token_and_per_workspace(settings):
    settings = settings.model_copy(update={"live_max_per_token": 2, "live_max_per_workspace": 3})
    ws, other = Workspace("ws_caps"), Workspace("ws_other")
    async with Stack(settings) as stack:
        await publish_all(settings.nats_url, [ws.contact("c_ann"), other.contact("c_ann")])
        await until(stack.settled, what="the contacts")
        greedy, fair, neighbour = (stack.token(w) for w in ("ws_caps", "ws_caps", "ws_other"))
        async with contextlib.AsyncExitStack() as streams:
            clients = {}
            for name, token in (("greedy", greedy), ("fair", fair), ("neighbour", neighbour)):
                clients[name] = await streams.enter_async_context(stack.client(token))
            opened = [
                await streams.enter_async_context(LiveStream(clients["greedy"], PATH))
                for _ in range(3)
            ]
            fair_first = await streams.enter_async_context(LiveStream(clients["fair"], PATH))
            fair_second = await streams.enter_async_context(LiveStream(clients["fair"], PATH))
            elsewhere = await streams.enter_async_context(LiveStream(clients["neighbour"], PATH))
            statuses = [s.status for s in (*opened, fair_first, fair_second, elsewhere)]
    assert statuses == [200, 200, 429, 200, 429, 200]  # per token 2; per workspace 3
