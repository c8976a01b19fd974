"""The conversations read model: a conversation as the inbox shows it, its messages in
order and who viewed them.

tables.py     its tables (rm_conversations): conversations, messages, views
projector.py  Conversations: the handlers, by event class; batch.py: one batch in memory
erasure.py    the rewrite after an erasure
queries.py    summary (also the audit trail's visibility), messages, views
Shown at ENDPOINTS (below); specs: tests/projections/conversations/.
"""

from projections.conversations.projector import Conversations

# The API endpoints that show this read model (tests/unit/test_docs.py checks they exist)
ENDPOINTS = (
    "GET /v1/conversations/{conversation_id}/messages",
    "GET /v1/conversations/{conversation_id}/views",
)
__all__ = ["ENDPOINTS", "Conversations"]
