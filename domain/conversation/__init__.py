"""The Conversation aggregate, its events and values."""

from domain.conversation.aggregate import Conversation
from domain.conversation.values import Attachment, Message, Reminder, Viewer

__all__ = ["Attachment", "Conversation", "Message", "Reminder", "Viewer"]
