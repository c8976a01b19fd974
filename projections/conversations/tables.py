"""The conversations read model's tables (schema `rm_conversations`)."""

from __future__ import annotations

from projections.shared.tables import Table

SCHEMA = "rm_conversations"

# One row per conversation: the summary the inbox shows.
CONVERSATIONS = Table(
    SCHEMA,
    "conversations",
    """workspace_id text NOT NULL, conversation_id text NOT NULL,
    contact_id text, channel text NOT NULL, queue text, subject text,
    status text NOT NULL, team_id text, assignee_id text,
    message_count int NOT NULL DEFAULT 0, first_message text,
    merged_into text, opened_at timestamptz NOT NULL""",
    key="workspace_id, conversation_id",
)
# Its messages in order, with delivery status and deleted attachments; a merged-in
# conversation's messages are copied into the target, marked with their origin.
MESSAGES = Table(
    SCHEMA,
    "messages",
    """workspace_id text NOT NULL, conversation_id text NOT NULL,
    message_id text NOT NULL, position bigint NOT NULL,
    direction text NOT NULL, channel text NOT NULL, body text NOT NULL,
    attachments jsonb NOT NULL, sender_type text NOT NULL, sender_id text NOT NULL,
    sender_name text, occurred_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'sent', origin_conversation_id text""",
    key="workspace_id, conversation_id, message_id",
)
# Who viewed which message when (viewed indicators).
VIEWS = Table(
    SCHEMA,
    "views",
    """workspace_id text NOT NULL, conversation_id text NOT NULL,
    message_id text NOT NULL, viewer_type text NOT NULL, viewer_id text NOT NULL,
    viewer_name text, viewed_at timestamptz NOT NULL""",
    key="workspace_id, conversation_id, message_id, viewer_type, viewer_id",
)
TABLES = (CONVERSATIONS, MESSAGES, VIEWS)
MESSAGES_ORDER = MESSAGES.index("messages_order", "workspace_id, conversation_id, position")


def ddl(schema: str) -> list[str]:
    return [*(t.create(schema) for t in TABLES), MESSAGES_ORDER.create(schema)]
