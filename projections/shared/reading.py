"""What every read model's queries share: who asks (a Scope), rows as dicts, LIKE text.

The read models answer the HTTP API (services/api), which decides what a caller may see
in one place (services/api/scope.py): every query takes its WHERE clause from the
caller's scope, so none can forget the workspace or the caller's teams.
"""

from __future__ import annotations

from typing import Any, Protocol

from psycopg import AsyncConnection
from psycopg.rows import dict_row


class Scope(Protocol):
    """What a caller may see (services/api/scope.py is the one the API uses)."""

    @property
    def workspace_id(self) -> str: ...

    @property
    def team_limited(self) -> bool: ...

    @property
    def email_access(self) -> bool: ...

    def where(self, alias: str = "", team_column: str | None = "team_id") -> tuple[str, list]:
        """SQL predicate and parameters restricting rows to what the caller may see."""
        ...

    def may_see_team(self, team_id: str | None) -> bool: ...

    def may_read(self, email: bool) -> bool:
        """May the caller read content that is (`email`) or is not email content?"""
        ...

    def redact(self, email: bool, summary: str, details: dict[str, Any]) -> tuple[str, dict]:
        """An entry without its content when it is email content the caller may not read."""
        ...

    def text_filter(self, condition: str, email: str) -> str:
        """A text filter that never matches email content the caller may not read."""
        ...

    def view_key(self) -> tuple:
        """What of the caller decides what a query returns (not who the caller is)."""
        ...


async def rows(conn: AsyncConnection, sql: str, params: tuple | list) -> list[dict]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


def like(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, its own % and _ taken literally."""
    return "%" + escape(text) + "%"


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
