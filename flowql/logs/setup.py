"""Logging set-up: every record of the process — FlowQL's own (stdlib ``logging`` or
``structlog.get_logger()``), uvicorn's, SQLAlchemy's, httpx's — goes through one structlog
processor chain that redacts it (:class:`~flowql.logs.redact.Redactor`) and then to two handlers:
the ring buffer (:class:`~flowql.logs.buffer.LogBuffer`) and the console (stderr). Nothing
reaches either before redaction.

Why structlog rather than loguru: structlog plugs into the standard library instead of
replacing it — ``ProcessorFormatter`` runs the same processors over stdlib records ("foreign"
ones, from libraries that know nothing of structlog) and over structlog's own, so one redaction
step covers both; it keeps records as key-value event dicts (the buffer stores fields, not only
text); it ships type hints for ``mypy --strict``; and it needs no process-wide sink that
replaces the standard handlers (loguru would need an intercept handler to pull stdlib records
in and its own global logger to push them out).

:func:`install_logging` is idempotent: it replaces the handlers it installed before, so tests
and the CLI may call it once per app.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from flowql.logs.buffer import DEFAULT_SIZE, LogBuffer
from flowql.logs.redact import Redactor

#: Environment variables whose values are secrets redacted from every record.
SECRET_ENV_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "FLOWQL_SECRET_KEY", "LANGFLOW_SECRET_KEY")

#: Loggers that get ``FLOWQL_LOG_LEVEL``; uvicorn's are made to propagate to the root handlers.
APP_LOGGERS = ("flowql", "uvicorn", "uvicorn.error", "uvicorn.access")

_MARK = "_flowql_handler"

_redactor = Redactor()
_buffer = LogBuffer(DEFAULT_SIZE)


def redactor() -> Redactor:
    """The process's redactor (configured secrets accumulate; none is ever forgotten)."""
    return _redactor


def log_buffer() -> LogBuffer:
    """The process's ring buffer of redacted records."""
    return _buffer


def _pre_chain() -> list[Any]:
    """Processors that turn a stdlib record (or a structlog event) into a full event dict."""
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_formatter_leftovers,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        structlog.processors.format_exc_info,
    ]


def _drop_formatter_leftovers(_logger: Any, _method: str, event_dict: Any) -> Any:
    """``message`` / ``asctime`` are attributes other handlers' formatters set on a record, not
    extras the caller gave."""
    event_dict.pop("message", None)
    event_dict.pop("asctime", None)
    return event_dict


def _stack_to_text(_logger: Any, _method: str, event_dict: Any) -> Any:
    """Exception and stack info as plain text fields (before redaction sees them)."""
    if "stack" in event_dict and not isinstance(event_dict["stack"], str):
        event_dict["stack"] = str(event_dict["stack"])
    return event_dict


def _console_renderer() -> Any:
    return structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)


def render_line(event: dict[str, Any]) -> str:
    """One record as one line: ``<iso time> <LEVEL> <logger>: <message> key=value …`` (the
    ``exception`` field, when present, on the lines that follow)."""
    rest = {k: v for k, v in event.items() if k not in ("timestamp", "level", "logger", "event", "exception")}
    parts = [
        str(event.get("timestamp", "")),
        str(event.get("level", "")).upper(),
        f"{event.get('logger', '')}:",
    ]
    parts.append(str(event.get("event", "")))
    parts.extend(f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}" for k, v in rest.items())
    line = " ".join(p for p in parts if p)
    exception = event.get("exception")
    return f"{line}\n{exception}" if exception else line


def _formatter(renderer: Any) -> structlog.stdlib.ProcessorFormatter:
    """Both handlers' formatter: stdlib and structlog records alike get exception text,
    redaction, then ``renderer``."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_pre_chain(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _stack_to_text,
            _redactor,
            renderer,
        ],
    )


class _BufferHandler(logging.Handler):
    """Stores each record, processed and redacted, in the ring buffer."""

    def __init__(self) -> None:
        super().__init__()
        setattr(self, _MARK, True)
        self.setFormatter(_formatter(structlog.processors.JSONRenderer(default=str)))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event: dict[str, Any] = json.loads(self.format(record))
            fields = {k: v for k, v in event.items() if k not in ("timestamp", "level", "logger", "event")}
            _buffer.append(
                time_ms=int(record.created * 1000),
                level=str(event.get("level", record.levelname.lower())),
                logger=str(event.get("logger", record.name)),
                message=str(event.get("event", "")),
                line=render_line(event),
                fields=fields,
            )
        except Exception:
            self.handleError(record)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The console: ``sys.stderr`` looked up at each record (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()
        setattr(self, _MARK, True)
        self.setFormatter(_formatter(_console_renderer()))

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        return None


def _redacting_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """A log record factory that redacts each record as it is made, so that every handler —
    also those FlowQL did not install (a test runner's, an embedding program's) — only ever
    sees redacted text: the message (arguments merged in), a structlog event dict, the
    exception text."""

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            if isinstance(record.msg, dict):
                kept = {k: record.msg[k] for k in ("exc_info", "stack_info") if k in record.msg}
                record.msg = {**_redactor.mapping(record.msg), **kept}
            else:
                record.msg = _redactor.text(record.getMessage())
                record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = _redactor.text(logging.Formatter().formatException(record.exc_info))
        except Exception:  # a record that cannot be rendered is left to the handlers' own errors
            return record
        return record

    setattr(make, _MARK, True)
    return make


def _install_record_factory() -> None:
    current = logging.getLogRecordFactory()
    if not getattr(current, _MARK, False):
        logging.setLogRecordFactory(_redacting_factory(current))


def _database_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return make_url(url).password
    except (ArgumentError, ValueError):
        return None


def register_secrets(*values: str | None) -> None:
    """Redact these values literally from every later record (see
    :meth:`~flowql.logs.redact.Redactor.add_secret`)."""
    for value in values:
        _redactor.add_secret(value)


def install_logging(
    *,
    level: str = "INFO",
    buffer_size: int = DEFAULT_SIZE,
    secrets: tuple[str | None, ...] = (),
    database_url: str | None = None,
    console: bool = True,
) -> LogBuffer:
    """Route every record through redaction into the buffer and (``console``) stderr.

    ``level`` applies to FlowQL's and uvicorn's loggers (the root logger keeps its level, so
    libraries log warnings and up); ``secrets`` and the password of ``database_url`` join the
    configured secrets, as do the values of :data:`SECRET_ENV_VARS`. uvicorn's loggers lose
    their own handlers and propagate, so the server's console lines are redacted too. Returns
    the buffer. Raises ValueError for an unknown level name.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    register_secrets(
        *secrets, _database_password(database_url), *(os.environ.get(n) for n in SECRET_ENV_VARS)
    )
    _buffer.resize(buffer_size)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _install_record_factory()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
    root.addHandler(_BufferHandler())
    if console:
        root.addHandler(_StderrHandler())
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(numeric)
        if name.startswith("uvicorn"):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
            logger.disabled = False
    return _buffer
