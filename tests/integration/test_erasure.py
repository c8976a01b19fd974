"""Erasure by crypto-shredding: personal data is stored sealed; `erase` destroys the keys,
the log still verifies and counts the same, and every read model shows it erased."""

import io
import json

import psycopg
import pytest

from adapters.eventstore import EventStore
from domain.personal import ERASED
from projections.engine.group import GroupRunner
from projections.engine.runner import ProjectionRunner
from projections.registry import PROJECTIONS, projection
from services.audit.erasure import erase_contact
from services.audit.export import export, import_
from services.audit.verify import verify
from services.ingest.processor import IngestProcessor
from services.ingest.validation import Incoming
from services.operate.checks import compare_with_rebuild
from tests.support.erasure_scenario import (
    OTHERS_KEPT,
    WS,
    ZED_SECRETS,
    erasure_scenario,
    rejected_about_zed,
)

pytestmark = pytest.mark.integration
COUNTS = {  # tables whose rows are counts: they must not move
    "timeline": ["badges"],
    "contacts_report": ["counts", "user_counts"],
    "communication": ["volume", "responses"],
}


@pytest.fixture
def stored(database_url):
    with EventStore(database_url) as store:
        outcomes = IngestProcessor(store).process(
            [Incoming(m.subject, m.body, stream_seq=n) for n, m in enumerate(erasure_scenario(), 1)]
            + [
                Incoming(m.subject, m.body, stream_seq=9000 + n)
                for n, m in enumerate(rejected_about_zed())
            ]
        )
    assert [o.status for o in outcomes].count("rejected") == 2, [
        o.reply() for o in outcomes if o.status not in ("accepted",)
    ]
    return outcomes


async def project_all(database_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for name in PROJECTIONS:
            p = projection(name)
            await p.create(conn)
            await ProjectionRunner(p).catch_up(conn)


def read_model_texts(database_url: str) -> dict[str, list[str]]:
    """Every row of every table of every registered projection, as text."""
    found = {}
    with psycopg.connect(database_url) as conn:
        for name in PROJECTIONS:
            p = projection(name)
            for table in p.table_names():
                rows = conn.execute(f"SELECT t::text FROM {p.schema}.{table} t").fetchall()
                found[f"{p.schema}.{table}"] = [r[0] for r in rows]
    return found


def leaks(texts: dict[str, list[str]], secrets=ZED_SECRETS) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for table, rows in texts.items():
        for row in rows:
            low = row.lower()
            hits = {s for s in (*secrets, "quill") if s.lower() in low}
            if hits:
                found.setdefault(table, set()).update(hits)
    return found


def table_counts(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        return {
            f"{p.schema}.{t}": conn.execute(f"SELECT count(*) FROM {p.schema}.{t}").fetchone()[0]
            for p in map(projection, PROJECTIONS)
            for t in p.table_names()
        }


def count_rows(database_url: str) -> dict[str, list]:
    with psycopg.connect(database_url) as conn:
        return {
            f"{name}.{t}": sorted(conn.execute(f"SELECT * FROM rm_{name}.{t}").fetchall(), key=repr)
            for name, tables in COUNTS.items()
            for t in tables
        }


def stored_bytes(database_url: str) -> bytes:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT state FROM chronicle_events ORDER BY notification_id")
        return b"\n".join(bytes(r[0]) for r in rows)


def test_personal_data_is_never_stored_in_plain_text(database_url, stored):
    log = stored_bytes(database_url).decode().lower()
    assert [s for s in (*ZED_SECRETS, "quill") if s.lower() in log] == []
    assert "c_zed" in log and "\u00a7e1:" in log  # ids stay readable; the values are sealed


async def test_an_erased_contact_reads_as_erased_everywhere_and_still_counts(database_url, stored):
    await project_all(database_url)
    before = read_model_texts(database_url)
    assert set(ZED_SECRETS) | {"quill"} == set().union(*leaks(before).values())  # all shown
    counts, tables = count_rows(database_url), table_counts(database_url)

    erasure = erase_contact(database_url, WS, "c_zed")
    await project_all(database_url)

    after = read_model_texts(database_url)
    assert leaks(after) == {}
    kept = "\n".join(row for rows in after.values() for row in rows)
    assert all(other in kept for other in OTHERS_KEPT)
    assert ERASED in kept
    assert count_rows(database_url) == counts
    changed = {t: (tables[t], n) for t, n in table_counts(database_url).items() if n != tables[t]}
    # The erasure is an entry of Zed's timeline and of the audit log; the unknown sender
    # that was his old address is no longer listed.
    assert changed == {
        "rm_timeline.entries": (tables["rm_timeline.entries"], tables["rm_timeline.entries"] + 1),
        "rm_audit_log.events": (tables["rm_audit_log.events"], tables["rm_audit_log.events"] + 1),
        "rm_emails.unknown_senders": (1, 0),
    }
    assert verify(database_url).intact
    assert sorted(erasure.contacts) == ["c_zed", "c_zq_old", "c_zq_visitor"]
    assert erasure.rejects == 2 and len(erasure.keys) >= 5 and erasure.positions
    for result in await compare_with_rebuild(database_url):
        assert result.equal, (result.name, result.differences)


async def test_a_rebuild_after_the_erasure_stays_erased(database_url, stored):
    erase_contact(database_url, WS, "c_zed")
    await project_all(database_url)  # built from the log only after the erasure
    assert leaks(read_model_texts(database_url)) == {}


async def test_models_fed_together_rewrite_what_they_held_when_the_erasure_comes(
    database_url, stored
):
    """Given every model fed as one group (as the projector host and `rebuild --all` feed
    them) while Zed's keys exist, and a twin workspace with the same ids and envelope ids,
    when Zed is erased in one, then each model rewrites what it held there: nothing of
    that Zed is left, the twin's Zed is all there, and the counts did not move."""
    twin = "ws_twin"
    with EventStore(database_url) as store:
        messages = erasure_scenario(twin)
        IngestProcessor(store).process(
            [Incoming(m.subject, m.body, stream_seq=20_000 + n) for n, m in enumerate(messages)]
        )
    built = [projection(name) for name in PROJECTIONS]

    def held(ws: str) -> dict[str, set[str]]:
        """Zed's secrets in the rows of `ws` (rows whose first column, the workspace, is it)."""
        texts = read_model_texts(database_url)
        return leaks({table: [r for r in rows if f"({ws}," in r] for table, rows in texts.items()})

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for p in built:
            await p.create(conn)
        await GroupRunner(built).catch_up(conn)
        before = held(WS)
        assert before and held(twin) == before  # both held their Zed's data
        counts = count_rows(database_url)
        erase_contact(database_url, WS, "c_zed")
        await GroupRunner(built).catch_up(conn)
    assert held(WS) == {}
    assert held(twin) == before
    assert count_rows(database_url) == counts


def test_the_log_export_keeps_ciphertext_and_reimports_as_the_same_chain(
    database_url, stored, postgres
):
    erase_contact(database_url, WS, "c_zed")
    out = io.BytesIO()
    export(database_url, out, progress=False)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    text = out.getvalue().decode().lower()
    assert [s for s in (*ZED_SECRETS, "quill") if s.lower() in text] == []
    ann = [
        r
        for r in lines
        if r["wire_name"] == "contact.added.v1" and r["data"]["contact_id"] == "c_ann"
    ]
    assert ann[0]["data"]["name"] == "Ann Lee" and "Ann Lee" not in ann[0]["stored"]
    other = postgres.create_database()
    try:
        assert import_(other, io.BytesIO(out.getvalue()), progress=False) == len(lines)
        assert verify(other).intact
        with psycopg.connect(database_url) as a, psycopg.connect(other) as b:
            query = "SELECT * FROM event_chain ORDER BY notification_id"
            assert a.execute(query).fetchall() == b.execute(query).fetchall()
    finally:
        postgres.drop_database(other)


def test_the_rejected_input_about_the_contact_is_redacted(database_url, stored):
    """Also input kept with no workspace at all (a subject naming none, a body not JSON)."""
    erase_contact(database_url, WS, "c_zed")
    with psycopg.connect(database_url) as conn:
        kept = conn.execute(
            "SELECT workspace_id, payload, reason FROM ingest_rejects ORDER BY id"
        ).fetchall()
    assert [ws for ws, _, _ in kept] == [WS, None]
    for _, payload, reason in kept:
        assert b"zed.quill" not in bytes(payload) and b"erased" in bytes(payload)
        assert reason  # why it was rejected is kept


def test_ingest_never_writes_again_what_it_held_from_before_an_erasure(database_url):
    from datetime import UTC, datetime

    from chronicle_tools.workload import Producer
    from domain.contact import Contact
    from domain.conversation import Conversation

    p, now, dana = Producer(WS, "cache"), datetime.now(UTC), ("user", "u_17", "Dana")
    conv = {"conversation_id": "conv_c"}

    def incoming(*steps):
        return [Incoming(m.subject, m.body) for m in (p.envelope(*s, dana, now) for s in steps)]

    with EventStore(database_url) as store:
        processor = IngestProcessor(store)  # keeps Zed and his conversation in its cache
        processor.process(
            incoming(
                (
                    "contact.added",
                    {"contact_id": "c_zed", "phones": ["+44 7700 900431"], "source": "user"},
                ),
                ("conversation.opened", {**conv, "channel": "sms", "contact_id": "c_zed"}),
                (
                    "conversation.message_received",
                    {**conv, "message_id": "m", "body": "card ending 4111"},
                ),
            )
        )
        erase_contact(database_url, WS, "c_zed")
        # Both copy what the aggregate holds: the old phones, the first message.
        outcomes = processor.process(
            incoming(
                ("contact.updated", {"contact_id": "c_zed", "field": "phones", "new": ["+1 555"]}),
                ("conversation.interaction_closed", conv),
            )
        )
        assert [o.status for o in outcomes] == ["accepted", "accepted"]
        assert processor.erasures_seen == 1
        contact = store.repository.get(Contact.id_for(WS, "c_zed"))
        conversation = store.repository.get(Conversation.id_for(WS, "conv_c"))
        [updated] = [e for e in store.events.get(contact.id) if type(e).__name__ == "Updated"]
        [closed] = [e for e in store.events.get(conversation.id) if e.TOPIC.endswith("closed.v1")]
    assert updated.old == (ERASED,) and updated.new == ("+1 555",)  # new: a new key, readable
    assert closed.first_message == ERASED
    log = stored_bytes(database_url)
    assert b"900431" not in log and b"4111" not in log


def test_keys_restored_from_an_older_backup_are_destroyed_again(database_url, stored):
    from services.audit.erasure import reapply

    with psycopg.connect(database_url) as conn:
        backup = conn.execute("SELECT id, key FROM subject_keys WHERE key IS NOT NULL").fetchall()
    erasure = erase_contact(database_url, WS, "c_zed")
    with psycopg.connect(database_url, autocommit=True) as conn:  # the backup is restored
        for key_id, key in backup:
            conn.execute(
                "UPDATE subject_keys SET key = %s, erased_at = NULL WHERE id = %s", (key, key_id)
            )

    def zed_shown() -> bool:
        out = io.BytesIO()
        export(database_url, out, progress=False, workspace=WS)
        return b"Zed Quill" in out.getvalue()

    assert zed_shown()
    assert reapply(database_url) == len(erasure.keys)
    assert not zed_shown()
    assert reapply(database_url) == 0
