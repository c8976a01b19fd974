"""What several subcommands need."""

from __future__ import annotations

import argparse
import re
from datetime import datetime

from adapters.settings import Settings
from services.cli.failures import ConfigFailure
from services.ingest.envelope import WORKSPACE_PATTERN

_WORKSPACE = re.compile(WORKSPACE_PATTERN)


def unset(variable: str, settings: Settings, why: str = "") -> ConfigFailure:
    """The failure of a command that needs `variable`: with it unset, commands take it
    from a `chronicle up` running on the data folder."""
    return ConfigFailure(
        f"set {variable}{why}, or run this beside `chronicle up` (none is running on the "
        f"data folder {settings.data_dir})"
    )


def database(settings: Settings) -> str:
    """The configured PostgreSQL URL; commands that work on an existing store need one."""
    if not settings.database_url:
        raise unset("CHRONICLE_DATABASE_URL", settings)
    return settings.database_url


def moment(text: str) -> datetime:
    """An ISO 8601 time from the command line; one without a zone is UTC."""
    from services.audit.time_travel import aware

    return aware(datetime.fromisoformat(text))


def workspace_id(text: str) -> str:
    """A workspace id from the command line (argparse `type`): one a producer may publish
    for (letters, digits, `_` and `-`, up to 64), else the command line is wrong."""
    if not _WORKSPACE.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a workspace id (letters, digits, _ and -, 1 to 64 of them)"
        )
    return text
