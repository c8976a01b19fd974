"""`chronicle erase CONTACT`: crypto-shred a contact's personal data (docs/auditing.md).

What is erased: the contact, every contact merged into it (they are the same person), the
leads converted into them, and every email address they have had (the address index).
Their keys are destroyed, so every value sealed under them reads as `[erased]` wherever
it is read from the log; no stored byte changes, so every chain still verifies.

In one transaction, after taking the erasure epoch's row lock (which waits for writers
that are storing sealed data, and holds back the next ones, adapters/keys.py): the keys
are destroyed, the address index forgets the contacts, the raw input kept for them
(rejects, ingest dead letters) is redacted, and `contact.erased` is recorded, naming the
keys and the positions of the events that held data under them. The projectors rewrite
exactly those events' rows when they apply it (projections/erasure.py).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
import nats
import psycopg
from nats.js.errors import NotFoundError

from adapters import bus
from adapters.eventstore import EventStore, history
from adapters.sealing import MARK_BYTES, key_ids
from domain import personal
from domain.contact import Contact
from domain.shared import Actor, EventMeta

REDACTED = b'{"erased": "personal data of an erased contact"}'
_LIVE = (
    "SELECT id FROM subject_keys WHERE workspace_id = %s AND subject_id = ANY(%s) "
    "AND erased_at IS NULL ORDER BY id"
)
_MATCHES = "EXISTS (SELECT 1 FROM unnest(%s::bytea[]) AS i(x) WHERE position(i.x IN payload) > 0)"


# The envelopes whose events are among the positions (an envelope's events are consecutive
# and its row keeps the last one's position).
_ENVELOPES = (
    "SELECT stream_seq FROM ingest_envelopes e WHERE workspace_id = %s AND position IS NOT "
    "NULL AND EXISTS (SELECT 1 FROM unnest(%s::bigint[]) AS p(n) "
    "WHERE p.n <= e.position AND p.n > e.position - e.event_count)"
)


class Changed(Exception):
    """Keys or events of the subjects appeared while the erasure was prepared: redo."""


@dataclass
class Erasure:
    workspace_id: str
    contact_id: str
    contacts: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    scanned: int = 0  # the positions are of the log up to here
    identifiers: list[bytes] = field(default_factory=list)
    position: int | None = None  # of contact.erased
    rejects: int = 0
    dead_letters: int = 0
    stream_seqs: list[int] = field(default_factory=list)  # their raw input on the bus
    purged: int | None = None  # of those, deleted from the ingest stream (None: not asked)

    def report(self) -> dict[str, Any]:
        return {
            "workspace_id": self.workspace_id,
            "contact_id": self.contact_id,
            "contacts": self.contacts,
            "subjects": len(self.subjects) + len(self.addresses),
            "keys_destroyed": len(self.keys),
            "events": len(self.positions),
            "position": self.position,
            "rejects_redacted": self.rejects,
            "dead_letters_redacted": self.dead_letters,
            "ingest_stream_deleted": self.purged,
        }


def _people(store: EventStore, workspace_id: str, contact: Contact) -> list[Contact]:
    """The contact and every contact merged into it, at any depth."""
    found, todo = {contact.contact_id: contact}, list(contact.merged_from)
    while todo:
        contact_id = todo.pop()
        if contact_id not in found:
            merged = store.repository.get(Contact.id_for(workspace_id, contact_id))
            found[contact_id] = merged
            todo.extend(merged.merged_from)
    return list(found.values())


def _identifiers(people: list[Contact], addresses: list[str]) -> list[bytes]:
    """What marks raw input as theirs: ids (as JSON strings), addresses, phones, handles."""
    found = {f'"{c.contact_id}"'.encode() for c in people} | {a.encode() for a in addresses}
    for c in people:
        values = [*c.emails, *(c.fields.get("phones") or ())]
        values += [h.split(":", 1)[1] for h in c.fields.get("handles") or () if ":" in h]
        found.update(v.encode() for v in values if isinstance(v, str) and len(v) >= 5)
        found.update(v.lower().encode() for v in c.emails if len(v) >= 5)
    return sorted(found - {personal.ERASED.encode()})


def prepare(store: EventStore, workspace_id: str, contact_id: str) -> Erasure:
    """Who and what an erasure of `contact_id` covers, as the store stands now."""
    contact = store.repository.get(Contact.id_for(workspace_id, contact_id))
    people = _people(store, workspace_id, contact)
    erasure = Erasure(workspace_id, contact_id, contacts=[c.contact_id for c in people])
    erasure.subjects = [personal.contact(c.contact_id) for c in people]
    erasure.subjects += [personal.lead(lead) for c in people for lead in sorted(c.leads)]
    with store.datastore.get_connection() as conn:
        rows = conn.execute(
            "SELECT DISTINCT address FROM contact_addresses WHERE workspace_id = %s "
            "AND contact_id = ANY(%s) ORDER BY address",
            (workspace_id, erasure.contacts),
        ).fetchall()
        erasure.addresses = [r["address"] for r in rows]
        subjects = erasure.subjects + [personal.address(a) for a in erasure.addresses]
        erasure.keys = [r["id"] for r in conn.execute(_LIVE, (workspace_id, subjects))]
        with conn.cursor() as curs:
            _scan(curs, erasure)
    erasure.identifiers = _identifiers(people, erasure.addresses)
    return erasure


def _scan(curs: Any, erasure: Erasure) -> list[int]:
    """Positions after the last scan holding values sealed under the erasure's keys."""
    wanted, found = set(erasure.keys), []
    for row in history.holding(curs, erasure.workspace_id, erasure.scanned, MARK_BYTES):
        erasure.scanned = max(erasure.scanned, row["notification_id"])
        if wanted & key_ids(bytes(row["state"])):
            found.append(row["notification_id"])
    erasure.positions += found
    return found


def _destroy(erasure: Erasure, curs: Any) -> None:
    """In the transaction that records contact.erased, before its event is inserted."""
    curs.execute("UPDATE erasure_epoch SET epoch = epoch + 1")  # waits for sealing writers
    subjects = erasure.subjects + [personal.address(a) for a in erasure.addresses]
    curs.execute(_LIVE + " FOR UPDATE", (erasure.workspace_id, subjects))
    if [r["id"] for r in curs.fetchall()] != erasure.keys or _scan(curs, erasure):
        raise Changed("new keys or events of these subjects since the erasure was prepared")
    curs.execute(
        "UPDATE subject_keys SET key = NULL, erased_at = now() WHERE id = ANY(%s)",
        (erasure.keys,),
    )
    curs.execute(
        "DELETE FROM contact_addresses WHERE workspace_id = %s AND contact_id = ANY(%s)",
        (erasure.workspace_id, erasure.contacts),
    )
    ws, ids = erasure.workspace_id, erasure.identifiers
    curs.execute(
        # Input kept with no workspace (a subject naming none, a body not JSON) may hold
        # their data too: their identifiers decide, whatever workspace it came for.
        "UPDATE ingest_rejects SET payload = %s WHERE (workspace_id = %s OR workspace_id IS "
        f"NULL) AND {_MATCHES} RETURNING id, stream_seq, reason",
        (REDACTED, ws, ids),
    )
    found = curs.fetchall()
    rejected = [r["stream_seq"] for r in found]
    for r in found:  # a reason may quote the input it refused
        reason = _redacted_reason(r["reason"], ids)
        if reason != r["reason"]:
            curs.execute(
                "UPDATE ingest_rejects SET reason = %s::jsonb WHERE id = %s",
                (json.dumps(reason), r["id"]),
            )
    curs.execute(
        "UPDATE dead_letters SET payload = %s WHERE consumer = 'ingest' AND "
        f"(workspace_id = %s OR workspace_id IS NULL) AND {_MATCHES} RETURNING stream_seq",
        (REDACTED, ws, ids),
    )
    parked = [r["stream_seq"] for r in curs.fetchall()]
    erasure.rejects, erasure.dead_letters = len(rejected), len(parked)
    curs.execute(_ENVELOPES, (ws, erasure.positions))
    accepted = [r["stream_seq"] for r in curs.fetchall()]
    erasure.stream_seqs = sorted({s for s in (*rejected, *parked, *accepted) if s is not None})


def _redacted_reason(reasons: list[dict], identifiers: list[bytes]) -> list[dict]:
    texts = [i.decode().strip('"') for i in identifiers]
    redacted = []
    for reason in reasons:
        reason = dict(reason)
        for key in ("field", "problem"):
            for text in texts:
                reason[key] = reason[key].replace(text, personal.ERASED)
        redacted.append(reason)
    return redacted


def erase_contact(
    database_url: str, workspace_id: str, contact_id: str, actor: Actor | None = None
) -> Erasure:
    """Erase the contact's personal data (see the module's docstring); retried if its
    subjects gain keys or events while it is prepared."""
    actor = actor or Actor("system", "chronicle-erase")
    with EventStore(database_url, pool_size=2) as store:
        for _ in range(10):
            erasure = prepare(store, workspace_id, contact_id)
            contact = store.repository.get(Contact.id_for(workspace_id, contact_id))
            meta = EventMeta(workspace_id, actor, datetime.now(UTC), f"erase-{uuid.uuid4()}")
            contact.erased(
                meta,
                tuple(erasure.subjects),
                len(erasure.addresses),
                erasure.keys,
                erasure.positions,
            )
            try:
                [recording] = store.save(contact, erasure=lambda c, e=erasure: _destroy(e, c))
            except Changed:
                continue
            erasure.position = recording.notification.id
            return erasure
    raise RuntimeError(f"contact {contact_id!r} kept changing; erasure not done")


async def purge_ingest_stream(nats_url: str, erasure: Erasure) -> int:
    """Delete (and overwrite: JetStream's secure delete) the contact's raw envelopes still
    in the ingest stream's retention. Each was applied already, so nothing is lost."""

    nc = await nats.connect(bus.servers(nats_url), name="chronicle-erase")
    deleted = 0
    try:
        js = nc.jetstream()
        for seq in erasure.stream_seqs:
            try:
                deleted += bool(await js.delete_msg(bus.INGEST_STREAM, seq))
            except NotFoundError:  # aged out of the stream already
                continue
    finally:
        await nc.close()
    erasure.purged = deleted
    return deleted


def reapply(database_url: str) -> int:
    """Destroy again every key a recorded erasure names: after keys were restored from a
    backup taken before an erasure. Returns how many keys it destroyed (then rebuild the
    read models restored with them: `chronicle rebuild --all`)."""

    with psycopg.connect(database_url) as conn, conn.transaction():
        conn.execute("UPDATE erasure_epoch SET epoch = epoch + 1")  # writers drop caches
        states = history.states(conn, Contact.Erased.TOPIC)
        ids = sorted({i for state in states for i in msgspec.json.decode(state)["keys"]})
        return conn.execute(
            "UPDATE subject_keys SET key = NULL, erased_at = coalesce(erased_at, now()) "
            "WHERE id = ANY(%s) AND key IS NOT NULL",
            (ids,),
        ).rowcount
