"""A changed projection (a new column) is rolled out by a blue/green rebuild while
producers publish and the API serves; the old projector stops writing at the swap, the
new one takes over, and the result equals a rebuild: nothing lost, nothing twice."""

import asyncio

import psycopg
import pytest

from chronicle_tools.workload import demo_workload
from projections.registry import PROJECTIONS, projection
from projections.timeline import Timeline
from services.operate.checks import compare_with_rebuild
from services.operate.rebuild import rebuild
from services.projector import ProjectorHost
from tests.support.bus import publish_all
from tests.support.stack import Stack
from tests.support.waiting import until

pytestmark = pytest.mark.e2e


class TimelineWithWords(Timeline):
    """The timeline's next version: each entry also counts the words it can be found by."""

    version = Timeline.version + 1

    def tables(self) -> list[str]:
        return [
            *super().tables(),
            f"ALTER TABLE {self.schema}.entries ADD COLUMN IF NOT EXISTS words int",
            f"CREATE INDEX IF NOT EXISTS entries_position ON {self.schema}.entries (position)",
        ]

    async def apply(self, cur, events) -> None:
        await super().apply(cur, events)
        await cur.execute(
            f"UPDATE {self.schema}.entries SET words = "
            "cardinality(string_to_array(search_text, ' ')) WHERE position = ANY(%s)",
            ([e.position for e in events],),
        )


def sql(url: str, query: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


COLUMN = (
    "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s "
    "AND table_name = 'entries' AND column_name = 'words'"
)


async def test_a_new_column_is_rolled_out_without_downtime(settings):
    url = settings.database_url
    stack = Stack(settings)
    await stack.__aenter__()
    try:
        await publish_all(settings.nats_url, demo_workload(1, "ws_live", "live"))
        await until(stack.settled, what="the first workload")
        assert sql(url, COLUMN, "rm_timeline") == 0  # the old shape serves
        swapped, stop = asyncio.Event(), asyncio.Event()
        reads: list[tuple[bool, int, int]] = []  # (after the swap?, status, entries)

        async def read() -> None:
            async with stack.client(stack.token("ws_live")) as api:
                while not stop.is_set():
                    page = await api.get("/v1/contacts/c_ann/timeline", params={"limit": 100})
                    entries = len(page.json()["entries"]) if page.status_code == 200 else -1
                    reads.append((swapped.is_set(), page.status_code, entries))
                    await asyncio.sleep(0.01)  # ok-sleep: paces a reader sharing the loop

        async def produce() -> None:
            for i in range(8):
                if i == 5:
                    await swapped.wait()  # the last workspaces arrive after the swap
                await publish_all(settings.nats_url, demo_workload(10 + i, f"ws_p{i}", f"p{i}"))

        reader, producer = asyncio.create_task(read()), asyncio.create_task(produce())
        head = sql(url, "SELECT max(notification_id) FROM chronicle_events")
        await until(
            lambda: _above(url, head), what="producers to be writing while the rebuild starts"
        )
        done = await rebuild(
            url, TimelineWithWords, batch=50, close_enough=20, progress=False, keep_old=True
        )
        swapped.set()
        old_host = stack.projectors
        at_swap = sql(url, f"SELECT position FROM {done.retired}.tracking")
        await producer
        await until(lambda: _true(old_host.superseded), what="the old projectors to stand down")
        await old_host.stop()
        models = [TimelineWithWords() if n == "timeline" else projection(n) for n in old_host.names]
        stack.projectors = ProjectorHost(stack.settings, models, list(PROJECTIONS))
        await stack.projectors.start()
        await until(stack.settled, what="the new projector to catch up")
        await until(lambda: _true(sum(after for after, _, _ in reads) >= 3), what="reads after")
        stop.set()
        await reader
    finally:
        await stack.__aexit__(None, None, None)

    assert {status for _, status, _ in reads} == {200}  # served throughout
    assert any(not after for after, _, _ in reads)
    assert sql(url, COLUMN, "rm_timeline") == 1
    assert sql(url, "SELECT count(*) FROM rm_timeline.entries WHERE words IS NULL") == 0
    head = sql(url, "SELECT max(notification_id) FROM chronicle_events")
    assert done.position < head  # events kept coming after the swap...
    assert sql(url, f"SELECT position FROM {done.retired}.tracking") == at_swap <= done.position
    (result,) = await compare_with_rebuild(
        url, ["timeline"], classes={"timeline": TimelineWithWords}
    )
    assert result.equal and result.position == head  # ...and all of them went to the new one


async def _above(url: str, head: int) -> bool:
    return sql(url, "SELECT max(notification_id) FROM chronicle_events") > head


async def _true(value) -> bool:
    return bool(value)
