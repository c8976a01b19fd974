"""Chronicle's services: ingest, relay, projectors, HTTP API and the command line."""
