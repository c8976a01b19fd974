"""What several subcommands need."""

from __future__ import annotations

from adapters.settings import Settings


def database(settings: Settings) -> str:
    """The configured PostgreSQL URL; commands that work on an existing store need one."""
    if not settings.database_url:
        raise SystemExit("set CHRONICLE_DATABASE_URL")
    return settings.database_url
