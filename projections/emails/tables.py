"""The emails read model's tables (schema `rm_emails`)."""

from __future__ import annotations

from projections.shared.tables import Table

SCHEMA = "rm_emails"

# One row per outgoing email, its current status.
OUTGOING = Table(
    SCHEMA,
    "outgoing",
    """workspace_id text NOT NULL, email_id text NOT NULL, mailbox_id text NOT NULL,
    owner_user_id text, team_id text, status text NOT NULL, subject text NOT NULL,
    recipients jsonb NOT NULL, content text NOT NULL, content_type text NOT NULL,
    link_type text, link_id text, message_id text NOT NULL,
    attempts int NOT NULL DEFAULT 0, in_doubt boolean NOT NULL DEFAULT false,
    error text, drafted_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
    position bigint NOT NULL""",
    key="workspace_id, email_id",
)
# Every change of an outgoing email.
HISTORY = Table(
    SCHEMA,
    "history",
    """workspace_id text NOT NULL, email_id text NOT NULL, position bigint NOT NULL,
    type text NOT NULL, status text NOT NULL, occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL, actor_type text NOT NULL,
    actor_id text NOT NULL, actor_name text, summary text NOT NULL,
    details jsonb NOT NULL""",
    key="workspace_id, email_id, position",
)
# One row per received email (per mailbox and Message-ID).
INCOMING = Table(
    SCHEMA,
    "incoming",
    """workspace_id text NOT NULL, id text NOT NULL, mailbox_id text NOT NULL,
    message_id text NOT NULL, sender_address text NOT NULL, sender_name text,
    subject text, snippet text NOT NULL, body text NOT NULL,
    body_truncated boolean NOT NULL, sent_at timestamptz,
    occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL,
    team_id text, contact_ids text[] NOT NULL, via text NOT NULL,
    position bigint NOT NULL, summary text NOT NULL, details jsonb NOT NULL""",
    key="workspace_id, id",
)
# Which emails concern which contact (recipients matched when drafted and when sent;
# senders when received), for a contact's email history and its search.
CONTACT_EMAILS = Table(
    SCHEMA,
    "contact_emails",
    """workspace_id text NOT NULL, contact_id text NOT NULL, direction text NOT NULL,
    email_key text NOT NULL, position bigint NOT NULL,
    occurred_at timestamptz NOT NULL, team_id text, search_text text NOT NULL""",
    key="workspace_id, contact_id, direction, email_key",
)
# Addresses that sent email no contact had; an address leaves when a contact gets it.
UNKNOWN_SENDERS = Table(
    SCHEMA,
    "unknown_senders",
    """workspace_id text NOT NULL, address text NOT NULL, name text,
    emails bigint NOT NULL, first_seen_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL, last_subject text, last_email text NOT NULL,
    mailbox_id text NOT NULL, team_id text, position bigint NOT NULL""",
    key="workspace_id, address",
)
TABLES = (OUTGOING, HISTORY, INCOMING, CONTACT_EMAILS, UNKNOWN_SENDERS)
INDEXES = (
    OUTGOING.index(
        "outgoing_by_status", "workspace_id, mailbox_id, status, updated_at DESC, email_id"
    ),
    OUTGOING.index("outgoing_queued", "position", where="status = 'queued'"),
    CONTACT_EMAILS.index(
        "contact_emails_newest", "workspace_id, contact_id, occurred_at DESC, position DESC"
    ),
    UNKNOWN_SENDERS.index("unknown_senders_newest", "workspace_id, last_seen_at DESC, address"),
)


def ddl(schema: str) -> list[str]:
    return [*(t.create(schema) for t in TABLES), *(i.create(schema) for i in INDEXES)]
