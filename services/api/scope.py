"""What a caller may see, decided in this one place.

Every read query (projections/*/queries.py) takes its WHERE clause from `Scope.where`, so
no endpoint can forget the workspace, and team limits apply the same way everywhere:
- the workspace of the token, always;
- agents see rows their teams own, and rows no team owns; other roles see the workspace;
- email content (subject, body, addresses) only for callers with email access; others
  see that an email happened, when, and in which direction (seed 000).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.api.tokens import Principal

HIDDEN = "Email (content hidden: needs email permission)"
EMAIL_KEEP = ("direction", "status", "channel")


@dataclass(frozen=True)
class Scope:
    principal: Principal

    @property
    def workspace_id(self) -> str:
        return self.principal.workspace_id

    @property
    def team_limited(self) -> bool:
        return self.principal.role == "agent"

    @property
    def email_access(self) -> bool:
        return self.principal.email_access

    def view_key(self) -> tuple:
        """What of the caller decides what a query returns (not who the caller is)."""
        p = self.principal
        return (
            p.workspace_id,
            self.team_limited,
            p.teams if self.team_limited else (),
            p.email_access,
        )

    def where(self, alias: str = "", team_column: str | None = "team_id") -> tuple[str, list]:
        """SQL predicate and parameters restricting rows to what the caller may see."""
        prefix = f"{alias}." if alias else ""
        sql, params = f"{prefix}workspace_id = %s", [self.workspace_id]
        if team_column and self.team_limited:
            column = f"{prefix}{team_column}"
            sql += f" AND ({column} IS NULL OR {column} = ANY(%s))"
            params.append(list(self.principal.teams))
        return sql, params

    def may_see_team(self, team_id: str | None) -> bool:
        return not self.team_limited or team_id is None or team_id in self.principal.teams

    def redact(self, category: str, summary: str, details: dict[str, Any]) -> tuple[str, dict]:
        """An email entry without its content, unless the caller has email access."""
        if category != "email" or self.email_access:
            return summary, details
        kept = {k: v for k, v in _flat(details).items() if k in EMAIL_KEEP}
        return HIDDEN, kept


def _flat(details: dict[str, Any]) -> dict[str, Any]:
    inner = details.get("details")
    return {**details, **inner} if isinstance(inner, dict) else details
