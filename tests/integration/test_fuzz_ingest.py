"""Hostile input at the ingest edge: every message gets one outcome, nothing crashes, and
the counts balance (what is accepted is in the ledger, what is rejected is kept)."""

import os
from datetime import UTC, datetime

import msgspec
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.eventstore import EventStore
from domain.shared import ACTOR_TYPES
from services.ingest.processor import IngestProcessor
from services.ingest.registry import COMMANDS
from services.ingest.validation import Incoming

pytestmark = [pytest.mark.integration, pytest.mark.slow]
WORKSPACES = ["ws_f", "ws_g"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)
times = st.one_of(
    st.datetimes(
        min_value=datetime(1960, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.isoformat()),
    st.sampled_from(["2999-01-01T00:00:00Z", "2026-11-20T09:00:00", "yesterday", ""]),
    st.integers(),
)
actors = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from([*ACTOR_TYPES, "robot"]), "id": st.text(max_size=6)},
        optional={"name": st.text(max_size=10) | st.integers()},
    ),
    json_values,
)


@st.composite
def data_for(draw, type_: str):
    """Mostly the registry's example of the type (so many are accepted), sometimes mutated,
    sometimes junk, sometimes huge."""
    command = COMMANDS.get(type_)
    base = dict(command.example) if command else {}
    kind = draw(st.sampled_from(["example", "mutated", "junk", "huge"]))
    if kind == "mutated" and base:
        key = draw(st.sampled_from(sorted(base)))
        base[key] = draw(json_values)
    elif kind == "junk":
        return draw(json_values)
    elif kind == "huge":
        base["body" if "body" in base else "blob"] = "x" * draw(st.integers(10_000, 400_000))
    return base


@st.composite
def envelope_message(draw):
    type_ = draw(
        st.sampled_from(list(COMMANDS))
        | st.sampled_from(["conversation.teleported", "contact", "x.y", ""])
    )
    workspace = draw(st.sampled_from(WORKSPACES) | st.text(max_size=70))
    body = {
        "id": draw(st.text(min_size=1, max_size=8) | st.integers() | st.text(max_size=250)),
        "type": type_,
        "workspace_id": workspace,
        "occurred_at": draw(times),
        "actor": draw(actors),
        "data": draw(data_for(type_)),
    }
    if draw(st.booleans()):
        body.pop(draw(st.sampled_from(sorted(body))))
    if draw(st.integers(0, 9)) == 0:
        body["unexpected"] = draw(json_values)
    subject_type = type_ if draw(st.integers(0, 4)) else draw(st.sampled_from(list(COMMANDS)))
    subject_ws = workspace if draw(st.integers(0, 4)) else draw(st.sampled_from(WORKSPACES))
    subject = draw(
        st.sampled_from(
            [
                f"audit.ingest.{subject_ws}.{subject_type}",
                f"audit.ingest.{subject_ws}",
                "audit.ingest.a.b.c.d.e",
            ]
        )
    )
    return Incoming(subject, msgspec.json.encode(body))


@st.composite
def valid_sequence(draw):
    """A type's prerequisites then its example, with fresh ids and any times (late, early,
    out of order): the part of the input that should be accepted."""
    command = COMMANDS[draw(st.sampled_from(list(COMMANDS)))]
    workspace = draw(st.sampled_from(WORKSPACES))
    out = []
    for type_, data in (*command.given, (command.type, command.example)):
        when = draw(
            st.datetimes(
                min_value=datetime(1990, 1, 1),
                max_value=datetime(2026, 1, 1),
                timezones=st.just(UTC),
            )
        )
        body = {
            "id": str(draw(st.uuids())),
            "type": type_,
            "workspace_id": workspace,
            "occurred_at": when.isoformat(),
            "actor": {"type": "user", "id": "u"},
            "data": data,
        }
        out.append(Incoming(f"audit.ingest.{workspace}.{type_}", msgspec.json.encode(body)))
    return out


raw_message = st.builds(
    Incoming,
    st.just("audit.ingest.ws_f.contact.added"),
    st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"[" * 5000, b'{"id":' * 3000, b"\xff\xfe\x00", b"1e999999", b"null"]),
    ),
)


def test_no_input_crashes_ingest_and_every_message_is_kept(database_url):
    totals = {"sent": 0, "accepted": 0, "duplicate": 0, "rejected": 0}
    store = EventStore(database_url)
    processor = IngestProcessor(store)
    messages = (envelope_message() | raw_message).map(lambda m: [m]) | valid_sequence()

    @settings(
        max_examples=int(os.environ.get("CHRONICLE_FUZZ_EXAMPLES", "200")),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(st.lists(messages, min_size=1, max_size=8).map(lambda gs: [m for g in gs for m in g]))
    def run(batch):
        outcomes = processor.process(batch)
        assert len(outcomes) == len(batch)
        for outcome in outcomes:
            assert outcome.status in ("accepted", "duplicate", "rejected"), outcome.reply()
            if outcome.status == "rejected":
                assert outcome.reasons and all(r["field"] and r["problem"] for r in outcome.reasons)
            totals[outcome.status] += 1
        totals["sent"] += len(batch)

    try:
        run()
    finally:
        store.close()
    with psycopg.connect(database_url) as conn:
        kept = conn.execute("SELECT count(*) FROM ingest_rejects").fetchone()[0]
        ledger = conn.execute(
            "SELECT count(*), coalesce(sum(repeats), 0) FROM ingest_envelopes"
        ).fetchone()
    assert totals["sent"] == totals["accepted"] + totals["duplicate"] + totals["rejected"]
    assert kept == totals["rejected"]
    assert ledger == (totals["accepted"], totals["duplicate"])
    # both paths were exercised, and plenty of each
    assert totals["accepted"] > totals["sent"] / 10 and totals["rejected"] > totals["sent"] / 10
    print(f"\nfuzzed ingest: {totals}")
