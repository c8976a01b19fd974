"""Every read model Chronicle maintains, by name."""

from __future__ import annotations

from projections.activity_grid import ActivityGrid
from projections.audit_log import AuditLog
from projections.audit_trail import AuditTrail
from projections.communication import Communication
from projections.contacts_report import ContactsReport
from projections.conversations import Conversations
from projections.emails import Emails
from projections.engine.base import Projection
from projections.timeline import Timeline
from projections.workspace import WorkspaceDirectory

PROJECTIONS: dict[str, type[Projection]] = {
    cls.name: cls for cls in (Timeline, AuditTrail, Conversations, ActivityGrid, Emails)
}
# Reports: the workspace directory they read, the contacts report, communication analytics.
PROJECTIONS.update({cls.name: cls for cls in (WorkspaceDirectory, ContactsReport, Communication)})
# The workspace-wide log auditors filter (GET /v1/audit/events).
PROJECTIONS[AuditLog.name] = AuditLog


def projection(name: str, schema: str | None = None) -> Projection:
    try:
        return PROJECTIONS[name](schema)
    except KeyError:
        known = ", ".join(sorted(PROJECTIONS))
        raise SystemExit(f"unknown projection {name!r} (known: {known})") from None
