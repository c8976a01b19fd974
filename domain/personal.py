"""Personal data in events: who it is about, and where it is.

Every event class that holds personal data declares where, as paths into its fields
(`"message.body"`, `"handles.handle"`: a path through a tuple reaches each element):

- `PERSONAL`: data about the event's data subjects (`meta.subjects`, set by the
  aggregate that records the event);
- `PERSONAL_BY_ADDRESS`: data that belongs to an email address (a recipient's address and
  name, a refusal naming it): each value belongs to the address beside it (the `address`
  member of the same object, or the value itself when it is the address), so erasing one
  recipient leaves the others' addresses readable.

A data subject is named `kind:id`: `contact:c_1`, `lead:l_1`, `account:a_1`,
`conversation:conv_1` (a conversation with no contact) or `address:<hash>` (an email
address, named by the SHA-256 of its lowercased form, so that neither the log nor the key
store holds the address itself). The adapters encrypt these values with a key per subject and, once
a subject's key is destroyed (`chronicle erase`), read them as `ERASED`. The domain only
says what is personal and whose it is; docs/auditing.md ("Erasure") has the table.
"""

from __future__ import annotations

import hashlib

from domain.email_values import address_key

ERASED = "[erased]"
"""What a personal value reads as once its subject's key is destroyed."""

CUSTOMER_ACTORS = ("customer",)
"""Actors whose name is personal data (the contact talking): `meta.actor.name` of their
events is encrypted like the event's own personal fields. A user's (an agent's) name is
the workspace's own directory, not a data subject's."""


def contact(contact_id: str | None) -> str | None:
    return f"contact:{contact_id}" if contact_id else None


def lead(lead_id: str | None) -> str | None:
    return f"lead:{lead_id}" if lead_id else None


def account(account_id: str | None) -> str | None:
    return f"account:{account_id}" if account_id else None


def conversation(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def address(value: str) -> str:
    return "address:" + hashlib.sha256(address_key(value).encode()).hexdigest()[:32]


def is_erased(value: object) -> bool:
    return value == ERASED
