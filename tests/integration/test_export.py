"""Export and re-import: one aggregate, one workspace, one type, a time range; whole logs
come back as the same log, and an export is checked against signed checkpoints offline."""

import io
import json

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters import signing
from chronicle_tools.workload import demo_workload
from domain.contact import Contact
from services.audit.export import ImportError_, export, import_
from services.audit.verify import checkpoint, stored_checkpoints, verify, verify_export
from services.cli import main
from tests.support.store import ingest

pytestmark = pytest.mark.integration
KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def log(database_url, store):
    """Two workspaces, ingested in three steps; the recorded time each step ended."""
    ends = []
    for messages in (demo_workload(1, "ws_a", "a1"), demo_workload(2, "ws_b", "b"), renames()):
        ingest(store, messages)
        ends.append(max(as_time(e["recorded_at"]) for e in exported(database_url)))
    return ends


def renames():
    from datetime import UTC, datetime

    from chronicle_tools.workload import Producer

    p = Producer("ws_a", "a2")
    return [
        p.envelope(
            "contact.updated",
            {"contact_id": contact, "field": "name", "new": name},
            ("user", "u_17", "Dana"),
            datetime.now(UTC),
        )
        for contact, name in (("c_ann", "Ann Lee-Smith"), ("c_bo", "Bo Chen-Li"))
    ]


@pytest.fixture
def other(postgres):
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


def exported(database_url, **filters) -> list[dict]:
    out = io.BytesIO()
    export(database_url, out, progress=False, **filters)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def table(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def as_time(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_one_aggregate_one_workspace_one_type_and_a_time_range(database_url, log):
    everything = exported(database_url)
    ann = Contact.id_for("ws_a", "c_ann")
    assert {r["aggregate_id"] for r in exported(database_url, aggregate=ann)} == {str(ann)}
    assert [r["version"] for r in exported(database_url, aggregate=ann)] == sorted(
        r["version"] for r in everything if r["aggregate_id"] == str(ann)
    )
    ws_b = exported(database_url, workspace="ws_b")
    assert ws_b == [r for r in everything if r["workspace_id"] == "ws_b"] and ws_b
    added = exported(database_url, type_="contact.added")
    assert added == exported(database_url, type_="contact.added.v1")
    assert added == [r for r in everything if r["wire_name"] == "contact.added.v1"] and added
    first_end, second_end, _ = log
    second_step = exported(database_url, since=first_end, until=second_end)
    assert second_step == [
        r for r in everything if first_end <= as_time(r["recorded_at"]) <= second_end
    ]
    assert {r["workspace_id"] for r in second_step} >= {"ws_b"}
    naive = first_end.replace(tzinfo=None)  # a time without a zone is UTC
    assert exported(database_url, since=naive) == exported(database_url, since=first_end)


def test_an_export_reimported_by_an_auditor_is_the_same_log_and_verifies(
    database_url, log, other, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("CHRONICLE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHRONICLE_DATABASE_URL", database_url)
    file = tmp_path / "log.jsonl"
    assert main(["export", "-q", "-o", str(file)]) == 0
    monkeypatch.setenv("CHRONICLE_DATABASE_URL", other)
    assert main(["import", "-q", str(file)]) == 0
    assert main(["verify"]) == 0
    assert "intact" in capsys.readouterr().out
    for sql in (
        "SELECT * FROM chronicle_events ORDER BY notification_id",
        "SELECT * FROM event_chain ORDER BY notification_id",
    ):
        assert table(database_url, sql) == table(other, sql)
    ingest_next = "SELECT nextval(pg_get_serial_sequence('chronicle_events', 'notification_id'))"
    assert table(other, ingest_next)[0][0] == exported(database_url)[-1]["position"] + 1


def test_one_workspace_exported_alone_reimports_as_that_workspace_chain(database_url, log, other):
    out = io.BytesIO()
    export(database_url, out, progress=False, workspace="ws_a")
    assert import_(other, io.BytesIO(out.getvalue()), progress=False) > 0
    report = verify(other)
    assert report.intact and report.workspaces == {"ws_a"}
    sql = (
        "SELECT e.*, c.* FROM chronicle_events e JOIN event_chain c USING (notification_id) "
        "WHERE c.workspace_id = 'ws_a' ORDER BY e.notification_id"
    )
    assert table(database_url, sql) == table(other, sql)


def test_a_line_left_out_of_an_export_is_refused_on_import_and_found_offline(
    database_url, log, other
):
    out = io.BytesIO()
    export(database_url, out, progress=False)
    lines = out.getvalue().splitlines(keepends=True)
    gone = json.loads(lines[10])
    short = b"".join(lines[:10] + lines[11:])
    with pytest.raises(ImportError_, match="line is missing or moved"):
        import_(other, io.BytesIO(short), progress=False)
    report = verify_export(io.BytesIO(short))
    (problem,) = report.problems
    assert problem.kind == "broken_link" and problem.workspace_id == gone["workspace_id"]
    assert problem.position > gone["position"]


def test_a_partial_export_imports_only_when_said_to(database_url, log, other):
    out = io.BytesIO()
    export(database_url, out, progress=False, aggregate=Contact.id_for("ws_a", "c_bo"))
    with pytest.raises(ImportError_):
        import_(other, io.BytesIO(out.getvalue()), progress=False)
    assert import_(other, io.BytesIO(out.getvalue()), progress=False, partial=True) > 0


def test_signed_checkpoints_prove_a_later_export_matches(database_url, log, store):
    signed = checkpoint(database_url, KEY)
    ingest(store, demo_workload(4, "ws_c", "c"))  # the log grows after the checkpoint
    later = io.BytesIO()
    export(database_url, later, progress=False)
    report = verify_export(io.BytesIO(later.getvalue()), None, KEY.public_key(), signed)
    assert report.intact and report.checkpoints == 2 and "ws_c" in report.workspaces

    # Someone edits an event of ws_a in the file (names are sealed: they change what a
    # rename renamed) and recomputes every hash.
    forged = _recompute(later.getvalue(), "ws_a", b'"field":"name"', b'"field":"nick"')
    assert b"nick" in forged and b"nick" not in later.getvalue()
    assert verify_export(io.BytesIO(forged)).intact  # the chain alone cannot tell...
    problems = verify_export(io.BytesIO(forged), None, KEY.public_key(), signed).problems
    assert [(p.kind, p.workspace_id) for p in problems] == [("rewritten", "ws_a")]  # ...this can

    # Only one workspace's events handed over: checked against that workspace's checkpoint.
    ws_b = io.BytesIO()
    export(database_url, ws_b, progress=False, workspace="ws_b")
    report = verify_export(io.BytesIO(ws_b.getvalue()), "ws_b", KEY.public_key(), signed)
    assert report.intact and report.checkpoints == 1


def test_the_last_events_removed_with_their_chain_rows_are_caught_by_a_checkpoint(
    database_url, log
):
    checkpoint(database_url, KEY)
    with psycopg.connect(database_url, autocommit=True) as conn:
        tail = conn.execute(
            "SELECT notification_id FROM event_chain WHERE workspace_id = 'ws_a' "
            "ORDER BY notification_id DESC LIMIT 3"
        ).fetchall()
        positions = [p for (p,) in tail]
        conn.execute("DELETE FROM chronicle_events WHERE notification_id = ANY(%s)", (positions,))
        conn.execute("DELETE FROM event_chain WHERE notification_id = ANY(%s)", (positions,))
    report = verify(database_url, public_key=KEY.public_key())
    assert [(p.kind, p.position, p.workspace_id) for p in report.problems] == [
        ("truncated", max(positions), "ws_a")
    ]


def test_the_checkpoints_kept_can_be_listed_for_an_auditor_to_keep(
    database_url, log, tmp_path, monkeypatch, capsys
):
    made = checkpoint(database_url, KEY)
    monkeypatch.setenv("CHRONICLE_DATABASE_URL", database_url)
    monkeypatch.setenv("CHRONICLE_DATA_DIR", str(tmp_path))
    assert main(["checkpoint", "--list", "--workspace", "ws_b"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [c["signature"] for c in listed] == [
        c["signature"] for c in made if c["workspace_id"] == "ws_b"
    ]
    assert stored_checkpoints(database_url) and listed[0]["key_id"] == signing.key_id(
        KEY.public_key()
    )


def _recompute(export_bytes: bytes, workspace: str, old: bytes, new: bytes) -> bytes:
    """What a forger with the algorithm does to an export: edit, then rehash every chain."""
    from uuid import UUID

    from adapters.chain import genesis, link

    heads: dict[str, bytes] = {}
    out = []
    for line in export_bytes.splitlines():
        r = json.loads(line)
        ws = r["workspace_id"]
        if ws == workspace:
            r["stored"] = r["stored"].replace(old.decode(), new.decode())
        prev = heads.get(ws, genesis(ws))
        heads[ws] = link(
            prev,
            r["position"],
            UUID(r["aggregate_id"]),
            r["version"],
            r["wire_name"],
            r["stored"].encode(),
        )
        r["prev"], r["hash"] = prev.hex(), heads[ws].hex()
        out.append(json.dumps(r).encode())
    return b"\n".join(out) + b"\n"
