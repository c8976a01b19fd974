"""The headers Chronicle reads and writes on its messages (docs/asyncapi.json lists them
for producers, services/asyncapi_headers.py)."""

MSG_ID = "Nats-Msg-Id"
EXPECTED_LAST_MSG_ID = "Nats-Expected-Last-Msg-Id"
EXPECTED_LAST_SEQUENCE = "Nats-Expected-Last-Sequence"
POSITION = "Chronicle-Position"
PREVIOUS_POSITION = "Chronicle-Previous-Position"
WIRE_NAME = "Chronicle-Type"
AGGREGATE_ID = "Chronicle-Aggregate-Id"
VERSION = "Chronicle-Version"
CORRELATION_ID = "Chronicle-Correlation-Id"
REPLY_TO = "Chronicle-Reply-To"
ANSWERED_SUBJECT = "Chronicle-Subject"  # on verdicts and notices: the subject answered
INGEST_SEQUENCE = "Chronicle-Ingest-Seq"  # ...and its sequence on AUDIT_INGEST (the PubAck's)
PARTITION = "Chronicle-Partition"  # "<p>/<n>": the events-stream partition the relay meant
