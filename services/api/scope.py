"""What a caller may see, decided in this one place.

Every read query (projections/*/queries.py) takes its WHERE clause from `Scope.where`, so
no endpoint can forget the workspace, and team limits apply the same way everywhere:
- the workspace of the token, always;
- agents see rows their teams own, and rows no team owns; other roles see the workspace;
- email content (subject, body, addresses) only for callers with email access; others
  see that an email happened, when, and in which direction (seed 000). What email
  content is: projections/shared/visibility.py, the one rule; `redact` hides it from an
  answer, `text_filter` keeps text filters off it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.shared.visibility import HIDDEN, hidden
from services.api.tokens import Principal

__all__ = ["HIDDEN", "Scope"]


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

    def may_read(self, email: bool) -> bool:
        """May the caller read content that is (`email`) or is not email content?"""
        return self.email_access or not email

    def redact(self, email: bool, summary: str, details: dict[str, Any]) -> tuple[str, dict]:
        """An entry without its content when it is email content (`email`: the rule of
        projections/shared/visibility.py) and the caller has no email access."""
        if self.may_read(email):
            return summary, details
        return HIDDEN, hidden(details)

    def text_filter(self, condition: str, email: str) -> str:
        """A text filter (`condition`, SQL) that never matches content the caller may not
        read: `email` is the rule as SQL over the same rows (visibility.is_email_sql)."""
        return condition if self.email_access else f"({condition} AND NOT {email})"
