"""The package's one seam with eventsourcing's internals.

Chronicle writes a batch's ledger rows, hash chain and Merkle leaves in the very
transaction that inserts its events, under the library's table lock (which keeps
notification ids in commit order). The library offers no public hook for that, so
`LibraryRecorder` overrides three private methods of its PostgreSQL recorder and calls
two more, and turns them into named hooks (`before_insert`, `write_events`,
`after_insert`). Nothing else in Chronicle overrides or calls a private member of the
library. These are not its public API: a release may rename or reshape them, which is why
pyproject pins `eventsourcing<9.6`, and why tests/unit/test_eventstore_seam.py compares
`OVERRIDDEN` and `CALLED` with the installed library and
tests/integration/test_eventstore_seam.py checks that a real store calls each hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

# The library's private methods we override or call -> their parameters in the version
# we were written against (eventsourcing 9.5), as tests/unit/test_eventstore_seam.py
# spells a signature.
OVERRIDDEN = {
    "_insert_events": "(self, curs, stored_events, **_)",
    "_insert_stored_events": "(self, curs, stored_events, **kwargs)",
    "_fetch_ids_after_insert_events": "(self, curs, stored_events, **_)",
}
CALLED = {
    "_lock_table": "(self, curs)",
    "_notify_channel": "(self, curs)",
}


class LibraryRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL application recorder with named insert hooks.

    In `insert_events`, in one transaction and pipeline, the library calls
    `_insert_events` (-> `before_insert`), then `_insert_stored_events` (the table lock,
    the NOTIFY of the channel `channel_name`, -> `write_events`), then syncs and calls
    `_fetch_ids_after_insert_events` (-> `after_insert`). Keyword arguments given to
    `insert_events` reach every hook.
    """

    def before_insert(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        """Statements that go out before the events (always called, even with none)."""

    def write_events(self, curs: Any, stored_events: Sequence[StoredEvent]) -> None:
        """Insert the events with `RETURNING notification_id` (the table is locked and its
        channel notified by then). A subclass's: the library's own would lock again."""
        raise NotImplementedError

    def after_insert(
        self, curs: Any, stored_events: Sequence[StoredEvent], ids: Sequence[int], **kwargs: Any
    ) -> None:
        """Statements that need the events' notification ids (`ids`, in order)."""

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        self.before_insert(curs, stored_events, **kwargs)
        super()._insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        self.write_events(curs, stored_events)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        self.after_insert(curs, stored_events, ids or (), **kwargs)
        return ids
