"""Every envelope type of the catalogue, each in a workspace of its own, after the
envelopes that must come before it."""

from datetime import UTC, datetime, timedelta

from chronicle_tools.workload import Producer
from services.ingest.registry import COMMANDS

DANA = ("user", "u_17", "Dana")


def scenario_messages():
    """Each type in its own workspace: its prerequisites, then its example."""
    messages, examples = [], {}
    start = datetime.now(UTC) - timedelta(days=1)
    for n, (type_, command) in enumerate(COMMANDS.items()):
        producer = Producer(f"ws_t{n}", f"t{n}")
        steps = (*command.given, (type_, command.example))
        for i, (step_type, data) in enumerate(steps):
            messages.append(producer.envelope(step_type, data, DANA, start + timedelta(minutes=i)))
        examples[type_] = (f"ws_t{n}", messages[-1].envelope_id)
    return messages, examples
