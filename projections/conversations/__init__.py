"""The conversations read model: a conversation as the inbox shows it, its messages in
order and who viewed them.

tables.py     its tables (rm_conversations): conversations, messages, views
projector.py  Conversations: the handlers, by event class; batch.py: one batch in memory
erasure.py    the rewrite after an erasure
queries.py    summary, messages, views (GET /v1/conversations/{id}/messages,
              /views; the audit trail's visibility)
Specs: tests/projections/conversations/.
"""

from projections.conversations.projector import Conversations

__all__ = ["Conversations"]
