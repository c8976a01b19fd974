"""Conversation commands about messages (a mixin of Conversation)."""

from __future__ import annotations

from datetime import datetime

from domain.conversation.values import Message, Viewer
from domain.shared import EventMeta
from domain.shared import rule as _rule


class MessageCommands:
    def receive_message(self, meta: EventMeta, message: Message) -> bool:
        return self._message(self.MessageReceived, "received", meta, message)

    def send_message(self, meta: EventMeta, message: Message) -> bool:
        return self._message(self.MessageSent, "sent", meta, message)

    def reply_and_archive(self, meta: EventMeta, message: Message) -> bool:
        """Reply and archive. Told again for a reply already recorded, the archive it asks
        for is still recorded (as `conversation.archived`) unless the conversation is
        archived already."""
        if self._repeated(message.message_id, "sent"):
            self.archive(meta)
            return False
        return self._message(self.RepliedAndArchived, "sent", meta, message)

    def reply_and_reopen(self, meta: EventMeta, message: Message) -> bool:
        """Reply and reopen. Told again for a reply already recorded, the reopening it asks
        for is still recorded (as `conversation.reopened`) unless the conversation is open."""
        if self._repeated(message.message_id, "sent"):
            if self.status != "open":
                self._record(self.Reopened, meta)
            return False
        return self._message(self.RepliedAndReopened, "sent", meta, message)

    def _message(self, event_class: type, kind: str, meta: EventMeta, message: Message) -> bool:
        """Record a message; False when it is already in the conversation (a repeat)."""
        if self._repeated(message.message_id, kind):
            return False
        self._record(event_class, meta, message=message)
        return True

    def _repeated(self, message_id: str, kind: str) -> bool:
        """Whether this message is recorded already. A message id names one message: told
        as the other direction (a sent message with a received one's id), it is refused."""
        if message_id not in self.message_ids:
            return False
        recorded = self.message_kinds.get(message_id)  # unknown for merged-in messages
        _rule(
            recorded in (None, kind),
            "conversation.message_id_taken",
            f"message {message_id!r} is already in conversation {self.conversation_id!r} as "
            f"a {recorded} message; a {kind} message needs an id of its own",
            "data.message_id",
        )
        return True

    def customer_marks_spam(self, meta: EventMeta, message_id: str) -> None:
        self._known_message(message_id)
        if message_id not in self.spam_reports:
            self._record(self.CustomerMarkedSpam, meta, message_id=message_id)

    def delete_attachment(self, meta: EventMeta, message_id: str, name: str) -> None:
        self._known_message(message_id)
        self._record(self.AttachmentDeleted, meta, message_id=message_id, attachment_name=name)

    def delivery_failed(self, meta: EventMeta, message_id: str, reason: str) -> None:
        self._known_message(message_id)
        self._record(self.DeliveryFailed, meta, message_id=message_id, reason=reason)

    def bounce_detected(
        self, meta: EventMeta, message_id: str | None, recipient: str | None, reason: str
    ) -> None:
        if message_id is not None:
            self._known_message(message_id)
        self._record(
            self.BounceDetected, meta, message_id=message_id, recipient=recipient, reason=reason
        )

    def view_message(
        self, meta: EventMeta, message_id: str, viewer: Viewer, viewed_at: datetime
    ) -> None:
        """Record the first time `viewer` saw the message; later views repeat it."""
        self._known_message(message_id)
        _rule(
            viewer.type in ("customer", "teammate"),
            "conversation.viewer_type",
            f"viewer type must be customer or teammate, not {viewer.type!r}",
            "data.viewer.type",
        )
        if (message_id, viewer.type, viewer.id) not in self.views:
            self._record(
                self.MessageViewed, meta, message_id=message_id, viewer=viewer, viewed_at=viewed_at
            )

    def close_interaction(
        self,
        meta: EventMeta,
        *,
        queue: str | None,
        channel: str | None = None,
        message_count: int | None = None,
        first_message: str | None = None,
    ) -> None:
        """An interaction (one session of the conversation) ended; what the producer leaves
        out is taken from the conversation."""
        self._record(
            self.InteractionClosed,
            meta,
            queue=queue if queue is not None else self.inbox_id,
            channel=channel or self.channel,
            message_count=self.message_count if message_count is None else message_count,
            first_message=first_message if first_message is not None else self.first_message,
        )
