"""DDL of Chronicle's own tables beside the event store (created idempotently)."""

INGEST_DDL = [
    # Every envelope accepted once: the durable idempotency record. Committed in the
    # same transaction as the envelope's events, so a crash can't separate the two.
    """
    CREATE TABLE IF NOT EXISTS ingest_envelopes (
        workspace_id text NOT NULL,
        envelope_id text NOT NULL,
        type text NOT NULL,
        stream_seq bigint,
        position bigint,
        event_count int NOT NULL DEFAULT 0,
        repeats int NOT NULL DEFAULT 0,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, envelope_id)
    )
    """,
    # Every message that was not accepted, with the reason, never dropped.
    """
    CREATE TABLE IF NOT EXISTS ingest_rejects (
        id bigserial PRIMARY KEY,
        stream_seq bigint UNIQUE,
        workspace_id text,
        envelope_id text,
        subject text NOT NULL,
        type text,
        reason jsonb NOT NULL,
        payload bytea NOT NULL,
        headers jsonb,
        rejected_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX IF NOT EXISTS ingest_rejects_ws_idx ON ingest_rejects (workspace_id, id)",
    # What we failed to apply, after bounded retries: listed and replayed from the CLI.
    """
    CREATE TABLE IF NOT EXISTS dead_letters (
        id bigserial PRIMARY KEY,
        consumer text NOT NULL,
        stream_seq bigint,
        position bigint,
        workspace_id text,
        envelope_id text,
        subject text,
        type text,
        payload bytea,
        headers jsonb,
        error text NOT NULL,
        attempts int NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz,
        UNIQUE (consumer, stream_seq),
        UNIQUE (consumer, position)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS relay_position (
        name text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS api_tokens (
        token_hash text PRIMARY KEY,
        workspace_id text NOT NULL,
        user_id text NOT NULL,
        teams text[] NOT NULL DEFAULT '{}',
        role text NOT NULL,
        email_access boolean NOT NULL DEFAULT false,
        label text,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
    )
    """,
    # Tokens expire (NULL: made before expiry existed, or made with none), and have an id
    # to be listed and revoked by, without their plaintext.
    "ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS expires_at timestamptz",
    "ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS id bigserial",
    "CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_id ON api_tokens (id)",
]

# Blue/green rebuilds of read models (services/operate/rebuild.py): one row per rebuild; its id
# names the schema it builds (rm_<projection>__b<id>).
REBUILD_DDL = [
    """
    CREATE TABLE IF NOT EXISTS projection_rebuilds (
        id bigserial PRIMARY KEY,
        projection text NOT NULL,
        schema text NOT NULL,
        version int NOT NULL,
        state text NOT NULL DEFAULT 'building',
        started_at timestamptz NOT NULL DEFAULT now(),
        swapped_at timestamptz,
        position bigint,
        events bigint,
        seconds double precision,
        retired_schema text,
        retired_dropped boolean
    )
    """,
]
