"""Data subjects' keys, kept outside the log (crypto-shredding, docs/auditing.md "Erasure").

`subject_keys` holds one live AES-256 key per (workspace, subject); `chronicle erase`
destroys keys (the row stays, `key` NULL, `erased_at` set). Stored events name the keys
their sealed values use by id, so a destroyed key makes those values read as erased and
changes no stored byte.

- Writing: a `Keyring` keeps live keys in an LRU; `ensure` creates the missing ones for a
  whole batch in one statement, committed before the batch's events (a crash leaves an
  unused key, never an event without its key).
- Reading: `Keys` is what one read of `subject_keys` found for the ids a batch of stored
  events names (`fetch_keys`, `Keyring.keys`): always fresh, never a cache, so no process
  reads with a key destroyed since.
- Erasures bump `erasure_epoch`. A writer checks it in its insert transaction (locking
  the row FOR SHARE, which an erasure's UPDATE waits for): if it moved since the writer's
  keys and aggregates were cached, the batch fails with `KeysErased` and is redone from
  the store, so nothing cached before an erasure is ever written again under a new key.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from psycopg.rows import tuple_row

KEYS_DDL = [
    """
    CREATE TABLE IF NOT EXISTS subject_keys (
        id bigserial PRIMARY KEY,
        workspace_id text NOT NULL,
        subject_id text NOT NULL,
        key bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz,
        CHECK ((key IS NULL) = (erased_at IS NOT NULL))
    )
    """,
    "CREATE UNIQUE INDEX IF NOT EXISTS subject_keys_live ON subject_keys "
    "(workspace_id, subject_id) WHERE erased_at IS NULL",
    "CREATE TABLE IF NOT EXISTS erasure_epoch (one boolean PRIMARY KEY DEFAULT true "
    "CHECK (one), epoch bigint NOT NULL)",
    "INSERT INTO erasure_epoch (epoch) VALUES (0) ON CONFLICT DO NOTHING",
]
EPOCH_CHECK = "SELECT epoch FROM erasure_epoch FOR SHARE"

_ENSURE = """
    WITH wanted AS (
        SELECT * FROM unnest(%s::text[], %s::text[], %s::bytea[]) AS w(ws, subject, key)
    ), created AS (
        INSERT INTO subject_keys (workspace_id, subject_id, key)
        SELECT ws, subject, key FROM wanted
        ON CONFLICT (workspace_id, subject_id) WHERE erased_at IS NULL DO NOTHING
        RETURNING id, workspace_id, subject_id, key
    )
    SELECT id, workspace_id, subject_id, key FROM created
    UNION ALL
    SELECT k.id, k.workspace_id, k.subject_id, k.key FROM subject_keys k
    JOIN wanted w ON k.workspace_id = w.ws AND k.subject_id = w.subject
    WHERE k.erased_at IS NULL
"""
_FETCH = "SELECT id, key FROM subject_keys WHERE id = ANY(%s)"

Subject = tuple[str, str]  # (workspace id, subject id)


class KeysErased(Exception):
    """Keys were destroyed since this writer cached keys or aggregates: redo the batch
    from the store (the writer's caches are stale)."""


class KeysNotLoaded(LookupError):
    """A stored event names a key that was not read for it (a reader forgot to fetch)."""


def cipher_of(keys: list[bytes], ids: str) -> AESGCM:
    """The cipher of a value sealed under these keys (one subject: its key; several: a
    key derived from all of them, so destroying any one of them erases the value)."""
    if len(keys) == 1:
        return AESGCM(keys[0])
    derived = HKDF(hashes.SHA256(), 32, salt=None, info=b"chronicle.e1:" + ids.encode())
    return AESGCM(derived.derive(b"".join(keys)))


class Keys:
    """The keys one read found, by id (None: destroyed, or never existed)."""

    def __init__(self, raw: Mapping[int, bytes | None]) -> None:
        self.raw = dict(raw)
        self._ciphers: dict[str, AESGCM | None] = {}

    def cipher(self, ids: str) -> AESGCM | None:
        """The cipher for `ids` ("12" or "12.57"); None if any of those keys is gone."""
        found = self._ciphers.get(ids, False)
        if found is not False:
            return found
        try:
            keys = [self.raw[int(i)] for i in ids.split(".")]
        except KeyError as missing:
            raise KeysNotLoaded(f"key {missing} was not read for this event") from None
        found = None if any(k is None for k in keys) else cipher_of(keys, ids)
        self._ciphers[ids] = found
        return found


async def fetch_keys(conn: Any, ids: Iterable[int]) -> Keys:
    """The keys `ids` name, read now (an async psycopg connection)."""
    wanted = sorted(set(ids))
    if not wanted:
        return Keys({})
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_FETCH, (wanted,))
        found = dict(await cur.fetchall())
    return Keys({i: (bytes(found[i]) if found.get(i) is not None else None) for i in wanted})


def read_keys(conn: Any, ids: Iterable[int]) -> Keys:
    """The keys `ids` name, read now (a sync psycopg connection)."""
    wanted = sorted(set(ids))
    if not wanted:
        return Keys({})
    with conn.cursor(row_factory=tuple_row) as cur:
        found = dict(cur.execute(_FETCH, (wanted,)).fetchall())
    return Keys({i: (bytes(found[i]) if found.get(i) is not None else None) for i in wanted})


class KeyBackend:
    """Where keys live: PostgreSQL (`PostgresKeys`) or memory (tests, dry runs)."""

    def ensure(self, wanted: list[tuple[str, str, bytes]]) -> dict[Subject, tuple[int, bytes]]:
        raise NotImplementedError

    def fetch(self, ids: list[int]) -> dict[int, bytes | None]:
        raise NotImplementedError

    def epoch(self) -> int:
        raise NotImplementedError


class PostgresKeys(KeyBackend):
    def __init__(self, connect: Callable[[], AbstractContextManager[Any]]) -> None:
        self.connect = connect

    def ensure(self, wanted: list[tuple[str, str, bytes]]) -> dict[Subject, tuple[int, bytes]]:
        columns = [list(c) for c in zip(*wanted, strict=True)]
        with self.connect() as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(_ENSURE, columns, prepare=True)
            rows = cur.fetchall()
        return {(ws, subject): (key_id, bytes(key)) for key_id, ws, subject, key in rows}

    def fetch(self, ids: list[int]) -> dict[int, bytes | None]:
        with self.connect() as conn, conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(_FETCH, (ids,), prepare=True)
            return {i: bytes(k) if k is not None else None for i, k in cur.fetchall()}

    def epoch(self) -> int:
        with self.connect() as conn, conn.cursor(row_factory=tuple_row) as cur:
            cur.execute("SELECT epoch FROM erasure_epoch")
            return cur.fetchone()[0]


class MemoryKeys(KeyBackend):
    def __init__(self) -> None:
        self.keys: dict[int, tuple[Subject, bytes | None]] = {}
        self.live: dict[Subject, int] = {}
        self.erasures = 0

    def ensure(self, wanted: list[tuple[str, str, bytes]]) -> dict[Subject, tuple[int, bytes]]:
        for ws, subject, key in wanted:
            if (ws, subject) not in self.live:
                self.live[(ws, subject)] = key_id = len(self.keys) + 1
                self.keys[key_id] = ((ws, subject), key)
        return {
            (ws, s): (self.live[(ws, s)], self.keys[self.live[(ws, s)]][1]) for ws, s, _ in wanted
        }

    def fetch(self, ids: list[int]) -> dict[int, bytes | None]:
        return {i: self.keys[i][1] for i in ids if i in self.keys}

    def epoch(self) -> int:
        return self.erasures

    def erase(self, workspace_id: str, subject: str) -> None:
        key_id = self.live.pop((workspace_id, subject))
        self.keys[key_id] = ((workspace_id, subject), None)
        self.erasures += 1


class Keyring:
    """A writer's live keys, most recently used first, and the erasure epoch they hold at."""

    def __init__(self, backend: KeyBackend, size: int = 200_000) -> None:
        self.backend = backend
        self.size = size
        self.epoch: int | None = None
        self._live: OrderedDict[Subject, int] = OrderedDict()
        self._raw: dict[int, bytes] = {}
        self._ciphers: dict[str, AESGCM] = {}

    def sync_epoch(self) -> None:
        """Hold at the current epoch: call before caching anything derived from the store."""
        self.epoch = self.backend.epoch()

    def forget(self) -> None:
        """Drop every cached key (after an erasure) and hold at the epoch now."""
        self._live.clear()
        self._raw.clear()
        self._ciphers.clear()
        self.sync_epoch()

    def ensure(self, subjects: Iterable[Subject]) -> None:
        """Have a live key for each subject, creating the missing ones (one statement)."""
        missing = [s for s in set(subjects) if s not in self._live]
        if not missing:
            return
        if self.epoch is None:
            self.sync_epoch()
        found = self.backend.ensure([(ws, s, os.urandom(32)) for ws, s in missing])
        while set(missing) - set(found):  # created concurrently by another writer
            found.update(self.backend.ensure([(ws, s, os.urandom(32)) for ws, s in missing]))
        for subject, (key_id, raw) in found.items():
            self._live[subject] = key_id
            self._raw[key_id] = raw
        while len(self._live) > self.size:
            self._raw.pop(self._live.popitem(last=False)[1], None)
        if len(self._ciphers) > self.size:
            self._ciphers.clear()

    def key_id(self, subject: Subject) -> int:
        key_id = self._live.get(subject)
        if key_id is None:
            self.ensure([subject])
            key_id = self._live[subject]
        else:
            self._live.move_to_end(subject)
        return key_id

    def cipher(self, ids: list[int]) -> tuple[str, AESGCM]:
        """The key-id text and cipher of a value sealed under these live keys."""
        text = ".".join(map(str, ids))
        found = self._ciphers.get(text)
        if found is None:
            found = self._ciphers[text] = cipher_of([self._raw[i] for i in ids], text)
        return text, found

    def keys(self, ids: Iterable[int]) -> Keys:
        """The keys `ids` name, read now from the backend (for readers without an async
        connection: the event store, exports)."""
        wanted = sorted(set(ids))
        found = self.backend.fetch(wanted) if wanted else {}
        return Keys({i: found.get(i) for i in wanted})
