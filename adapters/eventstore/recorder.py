"""Chronicle's recorder: in the transaction that inserts a batch's events (under the
library's table lock, which keeps notification ids in commit order) it also records the
envelopes those events came from, rejects and dead letters, the contact address index,
each workspace's hash chain and Merkle tree. Events with sealed personal data check the
erasure epoch there first (adapters/keys.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL

from adapters import chain
from adapters.eventstore import address_index, merkle_store, table
from adapters.eventstore.records import (
    INSERT_DEAD_LETTER,
    INSERT_REJECT,
    DeadLetter,
    EnvelopeRecord,
    RejectRecord,
    dead_letter_row,
    record_envelopes,
    reject_row,
)
from adapters.eventstore.seam import LibraryRecorder
from adapters.keys import EPOCH_CHECK, KEYS_DDL, KeysErased
from adapters.schema import INGEST_DDL


class ChronicleRecorder(LibraryRecorder):
    def __init__(self, datastore: Any, *, events_table_name: str = table.EVENTS_TABLE) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements.extend(
            SQL(ddl)
            for ddl in [
                *INGEST_DDL,
                *chain.CHAIN_DDL,
                *merkle_store.TREE_DDL,
                *address_index.ADDRESS_DDL,
                *KEYS_DDL,
            ]
        )
        self.trees = merkle_store.TreeAppender()

    def write_events(self, curs: Any, stored_events: Sequence[StoredEvent]) -> None:
        table.insert(curs, stored_events)

    def before_insert(
        self,
        curs: Any,
        stored_events: Sequence[StoredEvent],
        *,
        envelopes: Sequence[EnvelopeRecord] = (),
        rejects: Sequence[RejectRecord] = (),
        repeats: Sequence[tuple[str, str]] = (),
        dead_letters: Sequence[DeadLetter] = (),
        addresses: Sequence[tuple[str, str, str]] = (),
        erasure_epoch: int | None = None,
        erasure: Callable[[Any], None] | None = None,
        **_: Any,
    ) -> None:
        if erasure is not None:  # destroys keys in the transaction that records it
            erasure(curs)
        if erasure_epoch is not None:  # first: an erasure locks this row, then the table
            curs.execute(EPOCH_CHECK, prepare=True)
            now = curs.fetchone()["epoch"]
            if now != erasure_epoch:
                raise KeysErased(f"keys were erased (epoch {erasure_epoch} -> {now})")
        for dead in dead_letters:
            curs.execute(INSERT_DEAD_LETTER, dead_letter_row(dead), prepare=True)
        if not stored_events:  # else written with their positions, after the events
            record_envelopes(curs, envelopes, repeats, ())
        for reject in rejects:
            curs.execute(INSERT_REJECT, reject_row(reject), prepare=True)
        address_index.index(curs, addresses)

    def after_insert(
        self,
        curs: Any,
        stored_events: Sequence[StoredEvent],
        ids: Sequence[int],
        *,
        envelopes: Sequence[EnvelopeRecord] = (),
        repeats: Sequence[tuple[str, str]] = (),
        **_: Any,
    ) -> None:
        # Each envelope row is written once, with its position (before: an insert, then an
        # update of every row), and before the chain, whose head query syncs the pipeline:
        # a concurrent writer's duplicate envelope still surfaces here, as IntegrityError.
        record_envelopes(curs, envelopes, repeats, ids)
        workspaces = chain.extend(curs, stored_events, ids)
        self.trees.extend(curs, stored_events, ids, workspaces)  # merkle_store.py
