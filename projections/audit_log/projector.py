"""The audit log: one row per event of every aggregate, keyed by workspace and position,
indexed by actor, record and time (the auditor API's filters)."""

from __future__ import annotations

from psycopg import AsyncCursor

from domain.catalogue import AGGREGATES
from projections.audit_log.tables import EVENTS, ddl
from projections.engine.base import Recorded
from projections.engine.bulk import insert_many
from projections.shared.erasure import affected
from projections.shared.handlers import Model, handles


def row(r: Recorded) -> tuple:
    actor = r.meta.actor
    return (
        r.meta.workspace_id,
        r.position,
        r.type,
        r.aggregate_id,
        actor.type,
        actor.id,
        r.event.timestamp,
    )


class AuditLog(Model):
    name = "audit_log"
    cost = 1.5  # CPU seconds per 200k events of a rebuild (relative: engine/together.py)
    deferred_indexes = ("events_by_actor", "events_by_record", "events_by_time")

    def tables(self) -> list[str]:
        return ddl(self.schema)

    @handles(*(aggregate.Event for aggregate in AGGREGATES))
    def event(self, batch: list, r: Recorded) -> None:
        batch.append(row(r))

    async def end(self, cur: AsyncCursor, batch: list) -> None:
        if batch:
            await insert_many(
                cur,
                f"INSERT INTO {EVENTS.at(self.schema)} ({EVENTS.names()}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                batch,
            )

    async def erase(self, cur: AsyncCursor, erasure: Recorded) -> None:
        """Only an actor can be personal (a customer's id): each named event's again."""
        for r in await affected(cur, erasure):
            await cur.execute(
                f"UPDATE {EVENTS.at(self.schema)} SET actor_type = %s, actor_id = %s "
                "WHERE workspace_id = %s AND position = %s",
                (r.meta.actor.type, r.meta.actor.id, r.meta.workspace_id, r.position),
            )
