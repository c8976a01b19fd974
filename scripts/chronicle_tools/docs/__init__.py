"""The documents generated from the code, so they cannot drift (scripts/docs writes them,
tests/unit/test_docs.py compares the committed copies): `generate.py` lists them; the
AsyncAPI document, the envelopes' JSON Schemas and the producer package's models are built
from the contracts described in `asyncapi_messages.py` and `asyncapi_headers.py`."""
