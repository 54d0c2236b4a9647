"""Structured logs (structlog): JSON lines carrying the request id when there is one.

Tracebacks name each frame (file, line, function) and the exception, never the frames'
local variables: a crashed capture job has a whole EPCIS document in scope, and locals
would put it (and whatever partner data sits beside it) into the log.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import Processor


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Route stdlib and structlog output through one JSON (or console) renderer on stderr."""
    renderers: list[Processor]
    if json:
        renderers = [ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
                     structlog.processors.JSONRenderer()]
    else:  # structlog's default console traceback is rich's, with every frame's locals
        renderers = [structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback)]
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The RequestContext middleware logs each request once, with its request id and timing;
    # uvicorn's access line would log it a second time.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


@contextmanager
def quieted(name: str) -> Iterator[None]:
    """Only warnings from logger ``name`` meanwhile (a command that sums up its own work), then
    its level as it was."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger for ``name``."""
    return structlog.get_logger(name)
