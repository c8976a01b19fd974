"""structlog setup: JSON lines in production, readable output on a terminal.

The correlation id is bound with `structlog.contextvars`, so every line logged while one
message is handled carries it, from the bus to the read model.
"""

from __future__ import annotations

import logging
import sys

import structlog

from adapters.settings import Settings


def configure_logging(settings: Settings, service: str) -> None:
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    as_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not sys.stderr.isatty()
    )
    renderer = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    logging.basicConfig(level=max(level, logging.WARNING), stream=sys.stderr)
