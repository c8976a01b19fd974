"""Blue/green rebuilds: the swap holds back live writes and hands them to the new schema;
a dead rebuild resumes; one rebuild per projection; other versions are never written."""

import asyncio

import psycopg
import pytest

from adapters.schema import REBUILD_DDL
from chronicle_tools.workload import demo_workload
from projections.engine.base import VersionMismatch
from projections.engine.bluegreen import target
from projections.engine.group import GroupRunner
from projections.engine.runner import ProjectionRunner
from projections.engine.source import read_batches
from projections.registry import PROJECTIONS, projection
from projections.timeline import Timeline
from services.cli import main
from services.operate.checks import compare_with_rebuild
from services.operate.rebuild import RebuildBusy, rebuild, rebuild_each
from tests.support.store import ingest
from tests.support.waiting import until

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(store):
    return ingest(store, demo_workload(5, "ws_r", "r"))


async def connect(url: str) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(url, autocommit=True)


async def position_of(url: str, schema: str) -> int:
    async with await connect(url) as conn:
        return await projection("timeline", schema).position(conn)


async def waiting_on_a_lock(url: str, query_start: str) -> bool:
    async with await connect(url) as conn:
        cur = await conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            (query_start + "%",),
        )
        return (await cur.fetchone())[0] > 0


async def events_after(conn, runner, after: int) -> list[tuple]:
    found = [e async for batch in read_batches(conn, runner.mapper, 0, 10**9) for e in batch]
    pairs = list(zip([0] + [e.position for e in found], found, strict=False))
    return [(prev, e) for prev, e in pairs if e.position > after]


async def test_a_write_held_back_by_the_swap_goes_to_the_new_schema(database_url, stored, store):
    live = projection("timeline")
    async with await connect(database_url) as setup:
        await live.create(setup)
        await ProjectionRunner(live).catch_up(setup)
    ingest(store, demo_workload(6, "ws_s", "s"))  # not yet applied by the live projector
    before_swap = await position_of(database_url, "rm_timeline")

    in_flight, held_back = await connect(database_url), await connect(database_url)
    held_back.prepare_threshold = 0  # prepared statements, as a long-lived projector has
    projector = ProjectionRunner(projection("timeline"))
    pending = await events_after(held_back, projector, before_swap)
    await projector.apply(held_back, pending[:0])  # prepares the tracking statement
    try:
        transaction = in_flight.transaction()
        await transaction.__aenter__()  # a projector write in flight: it holds the row lock
        await in_flight.execute(
            "SELECT position FROM rm_timeline.tracking WHERE projection = 'timeline' FOR UPDATE"
        )
        swap = asyncio.create_task(rebuild(database_url, Timeline, progress=False, keep_old=True))
        await until(lambda: waiting_on_a_lock(database_url, "LOCK TABLE"), what="the swap")
        write = asyncio.create_task(projector.apply(held_back, pending))
        await until(lambda: waiting_on_a_lock(database_url, "SELECT position, partitions, version"))
        await transaction.__aexit__(None, None, None)  # the write in flight commits
        done = await swap
        assert await write == done.position  # it read the new schema's position...
    finally:
        await in_flight.close()
        await held_back.close()
    assert done.position > before_swap
    assert await position_of(database_url, done.retired) == before_swap  # ...not the old one's
    ingest(store, demo_workload(7, "ws_t", "t"))
    async with await connect(database_url) as conn:
        later = await events_after(conn, projector, done.position)
        assert await projector.apply(conn, later) == later[-1][1].position
    assert await position_of(database_url, done.retired) == before_swap
    (result,) = await compare_with_rebuild(database_url, ["timeline"])
    assert result.equal and result.position == later[-1][1].position


async def test_a_group_write_held_back_by_the_swap_goes_to_the_new_schema(
    database_url, stored, store
):
    """The host's group locks every model's row in one statement: the swap of one of them
    holds it back, and it then writes that model's new schema, the others' as before."""
    models = [projection("timeline"), projection("audit_trail")]
    async with await connect(database_url) as setup:
        for model in models:
            await model.create(setup)
        await GroupRunner(models).catch_up(setup)
    ingest(store, demo_workload(6, "ws_g", "g"))
    before_swap = await position_of(database_url, "rm_timeline")

    in_flight, held_back = await connect(database_url), await connect(database_url)
    held_back.prepare_threshold = 0  # prepared statements, as a long-lived host has
    group = GroupRunner([projection("timeline"), projection("audit_trail")])
    pending = await events_after(held_back, group.runners[0], before_swap)
    await group.apply(held_back, [])  # prepares the locking statement
    try:
        transaction = in_flight.transaction()
        await transaction.__aenter__()
        await in_flight.execute(
            "SELECT position FROM rm_timeline.tracking WHERE projection = 'timeline' FOR UPDATE"
        )
        swap = asyncio.create_task(rebuild(database_url, Timeline, progress=False, keep_old=True))
        await until(lambda: waiting_on_a_lock(database_url, "LOCK TABLE"), what="the swap")
        write = asyncio.create_task(group.apply(held_back, pending))
        await until(lambda: waiting_on_a_lock(database_url, "WITH m0 AS"), what="the group")
        await transaction.__aexit__(None, None, None)
        done = await swap
        positions = await write
    finally:
        await in_flight.close()
        await held_back.close()
    head = pending[-1][1].position
    assert done.position > before_swap
    assert positions == {"audit_trail": head, "timeline": max(done.position, head)}
    assert await position_of(database_url, done.retired) == before_swap
    for result in await compare_with_rebuild(database_url, ["timeline", "audit_trail"]):
        assert result.equal and result.position == head


class Flaky(Timeline):
    """The timeline, failing after its first batches: a rebuild that dies midway."""

    batches = 0

    async def apply(self, cur, events):
        Flaky.batches += 1
        if Flaky.batches > 2:
            raise RuntimeError("the rebuild's process died")
        await super().apply(cur, events)


async def test_a_rebuild_that_died_is_resumed_where_it_stopped(database_url, stored):
    with pytest.raises(RuntimeError):
        await rebuild(database_url, Flaky, batch=20, close_enough=0, progress=False)
    done = await rebuild(database_url, Timeline, batch=20, close_enough=0, progress=False)
    assert done.resumed_from == 40 and done.position == stored
    assert done.events == stored - 40
    (result,) = await compare_with_rebuild(database_url, ["timeline"])
    assert result.equal and result.rows["entries"] > 0


async def test_one_rebuild_of_a_projection_at_a_time(database_url, stored):
    async with await connect(database_url) as other:
        await other.execute("SELECT pg_advisory_lock(7114, hashtext('timeline'))")
        with pytest.raises(RebuildBusy):
            await rebuild(database_url, Timeline, progress=False)
        await rebuild(database_url, projection("audit_trail").__class__, progress=False)


class TimelineV2(Timeline):
    version = Timeline.version + 1


async def test_code_of_one_version_never_writes_a_schema_of_another(database_url, stored, store):
    await rebuild(database_url, TimelineV2, progress=False)
    more = ingest(store, demo_workload(6, "ws_s", "s"))
    old_code = ProjectionRunner(projection("timeline"))
    async with await connect(database_url) as conn:
        events = await events_after(conn, old_code, stored)
        with pytest.raises(VersionMismatch, match=f"holds version {TimelineV2.version}"):
            await old_code.apply(conn, events)

        async def park(*_):
            raise AssertionError("a version mismatch must not park events as dead letters")

        with pytest.raises(VersionMismatch):
            await old_code.apply_isolating(conn, stored + more, park)
    assert await position_of(database_url, "rm_timeline") == stored


def test_rebuild_all_from_the_command_line(database_url, stored, monkeypatch, capsys):
    monkeypatch.setenv("CHRONICLE_DATABASE_URL", database_url)
    assert main(["rebuild", "--all", "-q"]) == 0
    out = capsys.readouterr().out
    # one pass over the store builds every read model; each is then resumed and swapped in
    assert f"{len(PROJECTIONS)} read models built together: {stored} events" in out, out
    said = {line.split(":")[0]: line for line in out.splitlines()}
    assert all("0 events" in said[n] and f"resumed at {stored}" in said[n] for n in PROJECTIONS)
    assert main(["rebuild", "timeline", "-q"]) == 0
    with psycopg.connect(database_url) as conn:
        schemas = {
            s for (s,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm_%'")
        }
        states = conn.execute(
            "SELECT projection, state, retired_dropped FROM projection_rebuilds ORDER BY id"
        ).fetchall()
    assert schemas == {f"rm_{name}" for name in PROJECTIONS}  # old generations dropped
    assert [s[0] for s in states] == [*PROJECTIONS, "timeline"]
    assert {s[1] for s in states} == {"swapped"}
    for result in asyncio.run(compare_with_rebuild(database_url)):
        assert result.equal and result.position == stored


async def test_a_swap_that_cannot_get_its_lock_changes_nothing_and_is_resumed_later(
    database_url, stored
):
    live = projection("timeline")
    async with await connect(database_url) as setup:
        await live.create(setup)
        await ProjectionRunner(live).catch_up(setup)
    reader = await connect(database_url)
    try:
        async with reader.transaction():  # a long report reading the live schema
            await reader.execute("SELECT count(*) FROM rm_timeline.tracking")
            with pytest.raises(RuntimeError, match="could not lock rm_timeline"):
                await rebuild(database_url, Timeline, progress=False, lock_timeout=0.05, attempts=2)
            with psycopg.connect(database_url) as conn:
                building = conn.execute("SELECT schema, state FROM projection_rebuilds").fetchall()
            assert building == [("rm_timeline__b1", "building")]
    finally:
        await reader.close()
    done = await rebuild(database_url, Timeline, progress=False)
    assert (done.schema, done.resumed_from, done.retired) == (
        "rm_timeline__b1",
        stored,
        "rm_timeline__old1",
    )
    (result,) = await compare_with_rebuild(database_url, ["timeline"])
    assert result.equal and result.position == stored


def indexes(url: str, schema: str) -> set[tuple[str, str]]:
    """(table, definition) of the schema's indexes, the schema's name left out."""
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT tablename, replace(indexdef, schemaname || '.', '') FROM pg_indexes "
            "WHERE schemaname = %s",
            (schema,),
        ).fetchall()
    return set(found)


async def test_a_rebuild_builds_without_the_readers_indexes_and_swaps_in_with_all_of_them(
    database_url, stored, monkeypatch
):
    async with await connect(database_url) as conn:
        for name in PROJECTIONS:
            await projection(name, f"fresh_{name}").create(conn)
        for ddl in REBUILD_DDL:
            await conn.execute(ddl)
        building = await target(conn, Timeline)
    names = {d.split(" ")[2] for _, d in indexes(database_url, building.schema)}
    assert "entries_newest" not in names and "entries_source" in names  # apply's own stays
    monkeypatch.setenv("CHRONICLE_DATABASE_URL", database_url)
    assert await asyncio.to_thread(main, ["rebuild", "--all", "-q"]) == 0
    for name in PROJECTIONS:
        assert indexes(database_url, f"rm_{name}") == indexes(database_url, f"fresh_{name}")
    assert sum(len(projection(n).deferred_indexes) for n in PROJECTIONS) >= 10


async def test_a_rebuilds_index_phase_shows_on_its_progress_bar(database_url, stored, capsys):
    await rebuild(database_url, projection("contacts_report").__class__, progress=True)
    err = capsys.readouterr().err
    built = len(projection("contacts_report").deferred_indexes)
    assert "rebuild contacts_report: indexes: 100%" in err and f"{built}/{built}" in err
    assert "logs_newest" in err  # which index it is on


async def test_read_models_are_finished_two_at_a_time_and_one_failing_stops_no_other(
    database_url, stored
):
    """`rebuild_each(..., at_once=2)`: the timeline's indexes wait until the audit log's
    have started (so one at a time would never finish), and the conversations fail."""
    started = {"timeline": asyncio.Event(), "audit_log": asyncio.Event()}

    def meeting(base: type, name: str, other: str) -> type:
        async def create_deferred_indexes(self, conn, building=None):
            started[name].set()
            await asyncio.wait_for(started[other].wait(), 60)
            await base.create_deferred_indexes(self, conn, building)

        return type(
            f"Waiting{base.__name__}",
            (base,),
            {"create_deferred_indexes": (create_deferred_indexes)},
        )

    class BrokenConversations(type(projection("conversations"))):
        async def create_deferred_indexes(self, conn, building=None):
            raise RuntimeError("broken")

    classes = [
        meeting(Timeline, "timeline", "audit_log"),
        BrokenConversations,
        meeting(type(projection("audit_log")), "audit_log", "timeline"),
    ]
    with pytest.raises(RuntimeError, match="broken"):
        await rebuild_each(database_url, classes, at_once=2, progress=False)
    async with await connect(database_url) as conn:
        cur = await conn.execute("SELECT projection, state FROM projection_rebuilds")
        states = dict(await cur.fetchall())
    assert states["timeline"] == states["audit_log"] == "swapped"
    assert states["conversations"] != "swapped"
    assert await position_of(database_url, "rm_timeline") == stored
