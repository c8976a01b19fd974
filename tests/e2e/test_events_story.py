"""docs/events.md's examples run as written: read from the committed document itself, in
document order, each published (with an envelope id of its own) into an empty workspace
as a producer would, every one is accepted and stores exactly the events its Records
line names."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import msgspec
import nats
import psycopg
import pytest

from adapters import bus
from services.ingest.service import IngestService

pytestmark = pytest.mark.e2e
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "events.md"
EXAMPLE = re.compile(r"^Records: (?P<records>.+?)\n\n```json\n(?P<envelope>.+?)\n```", re.M | re.S)


def examples() -> list[tuple[dict, list[str]]]:
    found = [
        (json.loads(m["envelope"]), re.findall(r"`([^`]+)`", m["records"]))
        for m in EXAMPLE.finditer(DOCUMENT.read_text())
    ]
    assert len(found) >= 60, "the document's examples were not found"
    return found


async def test_every_example_of_the_catalogue_in_document_order_is_accepted_as_recorded(
    settings,
):
    workspace = f"ws_story_{uuid.uuid4().hex[:8]}"
    service = IngestService(settings)
    await service.start()
    nc = await nats.connect(settings.nats_url)
    verdicts = []
    try:
        for envelope, _ in examples():
            envelope = {**envelope, "id": str(uuid.uuid4()), "workspace_id": workspace}
            reply = await nc.request(
                f"audit.request.{workspace}.{envelope['type']}",
                msgspec.json.encode(envelope),
                headers={bus.MSG_ID: envelope["id"]},
                timeout=10,
            )
            verdicts.append((envelope, msgspec.json.decode(reply.data)))
    finally:
        await nc.close()
        await service.stop()
    with psycopg.connect(settings.database_url) as conn:
        topics = dict(conn.execute("SELECT notification_id, topic FROM chronicle_events"))
    wrong = []
    for (envelope, verdict), (_, records) in zip(verdicts, examples(), strict=True):
        stored = (
            [
                topics[p]
                for p in range(verdict["position"] - verdict["events"] + 1, verdict["position"] + 1)
            ]
            if verdict["status"] == "accepted" and verdict["events"]
            else []
        )
        if verdict["status"] != "accepted" or stored != records:
            wrong.append((envelope["type"], verdict, stored, records))
    assert not wrong, "examples not accepted as documented:\n" + "\n".join(map(str, wrong))
