"""What several subcommands need."""

from __future__ import annotations

from datetime import datetime

from adapters.settings import Settings


def database(settings: Settings) -> str:
    """The configured PostgreSQL URL; commands that work on an existing store need one."""
    if not settings.database_url:
        raise SystemExit("set CHRONICLE_DATABASE_URL")
    return settings.database_url


def moment(text: str) -> datetime:
    """An ISO 8601 time from the command line; one without a zone is UTC."""
    from services.audit.time_travel import aware

    return aware(datetime.fromisoformat(text))
