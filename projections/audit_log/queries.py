"""The workspace's audit log, a page at a time (the route: GET /v1/audit/events,
services/api/routes/audit_log.py): the read model finds the positions that match; the
route reads their events from the store, raw, with their chain links. Auditors see the
log whole, so there is no team or email narrowing here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import AsyncConnection

from projections.audit_log.tables import EVENTS


@dataclass(frozen=True)
class LogFilter:
    """What an auditor asks for; None is any."""

    workspace_id: str
    actor_id: str | None = None
    actor_type: str | None = None
    type: str | None = None  # a wire name without its version, or an aggregate's family
    aggregate_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    newest_first: bool = True
    beyond: int | None = None  # the previous page's last position

    def where(self) -> tuple[str, list]:
        where, params = ["workspace_id = %s"], [self.workspace_id]
        for column, value in (
            (EVENTS.c.actor_id, self.actor_id),
            (EVENTS.c.actor_type, self.actor_type),
            (EVENTS.c.aggregate_id, self.aggregate_id),
        ):
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        if self.type is not None:
            where.append("(type = %s OR split_part(type, '.', 1) = %s)")
            params += [self.type, self.type]
        if self.since is not None:
            where.append("recorded_at >= %s")
            params.append(self.since)
        if self.until is not None:
            where.append("recorded_at <= %s")
            params.append(self.until)
        if self.beyond is not None:
            where.append("position < %s" if self.newest_first else "position > %s")
            params.append(self.beyond)
        return " AND ".join(where), params


async def positions(conn: AsyncConnection, wanted: LogFilter, limit: int) -> list[int]:
    where, params = wanted.where()
    order = "DESC" if wanted.newest_first else "ASC"
    cur = await conn.execute(
        f"SELECT position FROM {EVENTS} WHERE {where} ORDER BY position {order} LIMIT %s",
        (*params, limit),
    )
    return [p for (p,) in await cur.fetchall()]
