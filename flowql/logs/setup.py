"""Logging set-up: every record of the process — FlowQL's own (stdlib ``logging`` or
``structlog.get_logger()``), uvicorn's, SQLAlchemy's, httpx's — goes through one structlog
processor chain that redacts it (:class:`~flowql.logs.redact.Redactor`) once, and then to one
handler that stores it in the ring buffer (:class:`~flowql.logs.buffer.LogBuffer`) and prints the
same line on the console (stderr). Nothing reaches either before redaction. Requests are logged
once, by FlowQL's access log (:mod:`flowql.logs.access`): uvicorn's own access logger is off.

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

from flowql.logs.buffer import DEFAULT_MAX_CHARS, DEFAULT_SIZE, LogBuffer
from flowql.logs.redact import Redactor

#: Environment variables whose values are secrets redacted from every record.
SECRET_ENV_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "FLOWQL_SECRET_KEY", "LANGFLOW_SECRET_KEY")

#: Loggers that get ``FLOWQL_LOG_LEVEL``; uvicorn's are made to propagate to the root handlers.
APP_LOGGERS = ("flowql", "uvicorn", "uvicorn.error")
#: Loggers switched off: requests are logged by :class:`~flowql.logs.access.AccessLog` alone.
SILENCED_LOGGERS = ("uvicorn.access",)

_MARK = "_flowql_handler"

_redactor = Redactor()
_buffer = LogBuffer(DEFAULT_SIZE)


def redactor() -> Redactor:
    """The process's redactor (configured secrets accumulate; none is ever forgotten; values
    of flow runs are never added to it: :mod:`flowql.logs.run_secrets`)."""
    return _redactor


def log_buffer() -> LogBuffer:
    """The process's ring buffer of redacted records."""
    return _buffer


#: Record attribute set by the record factory: the event dict keys it already redacted.
_CLEAN = "_flowql_clean"
#: Record attribute set by the record factory: the redacted exception text.
_EXC = "_flowql_exc"
#: Event dict keys FlowQL's own processors fill with safe values (never redacted).
_SAFE_KEYS = frozenset({"timestamp", "level", "logger"})
#: Extras other tools put on records that are never part of a line.
_DROPPED = ("message", "asctime", "color_message", _CLEAN, _EXC)


def _pre_chain() -> list[Any]:
    """Processors that turn a stdlib record (or a structlog event) into a full event dict."""
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_formatter_leftovers,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        _exception_from_record,
    ]


def _drop_formatter_leftovers(_logger: Any, _method: str, event_dict: Any) -> Any:
    """``message`` / ``asctime`` are attributes other handlers' formatters set on a record, and
    ``color_message`` is uvicorn's coloured copy of the message, the others this module's
    notes on the record: not extras the caller gave."""
    for key in _DROPPED:
        event_dict.pop(key, None)
    return event_dict


def _exception_from_record(logger: Any, method: str, event_dict: Any) -> Any:
    """The exception text the record factory already redacted, else structlog's formatting."""
    record = event_dict.get("_record")
    text = getattr(record, _EXC, None)
    if "exc_info" in event_dict and isinstance(text, str):
        event_dict.pop("exc_info")
        event_dict["exception"] = text
        return event_dict
    return structlog.processors.format_exc_info(logger, method, event_dict)


def _stack_to_text(_logger: Any, _method: str, event_dict: Any) -> Any:
    """Exception and stack info as plain text fields (before redaction sees them)."""
    if "stack" in event_dict and not isinstance(event_dict["stack"], str):
        event_dict["stack"] = str(event_dict["stack"])
    return event_dict


def _redact_event(_logger: Any, _method: str, event_dict: Any) -> Any:
    """Redact what the record factory has not redacted yet (extras, exceptions formatted
    here), so each value is redacted once per record."""
    record = event_dict.get("_record")
    skip = _SAFE_KEYS | frozenset(getattr(record, _CLEAN, ()))
    meta = {key: event_dict[key] for key in ("_record", "_from_structlog") if key in event_dict}
    rest = {key: item for key, item in event_dict.items() if key not in meta}
    return {**_redactor.mapping(rest, skip=skip), **meta}


def render_line(event: dict[str, Any]) -> str:
    """One record as one line: ``<iso time> <LEVEL> <logger>: <message> key=value …`` (the
    ``exception`` field, when present, on the lines that follow). Values arrive redacted and
    with their control characters escaped."""
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


def _formatter() -> structlog.stdlib.ProcessorFormatter:
    """The handler's formatter: stdlib and structlog records alike get exception text,
    redaction, then JSON (parsed back by the handler)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_pre_chain(),
        processors=[
            _exception_from_record,
            _stack_to_text,
            _drop_formatter_leftovers,
            _redact_event,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(default=str),
        ],
    )


class _Handler(logging.Handler):
    """Formats and redacts each record once, then stores it in the ring buffer and (unless
    ``console`` is off) prints its line on ``sys.stderr`` (looked up at each record: test
    runners swap it)."""

    def __init__(self, *, console: bool) -> None:
        super().__init__()
        setattr(self, _MARK, True)
        self.console = console
        self.setFormatter(_formatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            event: dict[str, Any] = json.loads(self.format(record))
            fields = {k: v for k, v in event.items() if k not in ("timestamp", "level", "logger", "event")}
            line = render_line(event)
            _buffer.append(
                time_ms=int(record.created * 1000),
                level=str(event.get("level", record.levelname.lower())),
                logger=str(event.get("logger", record.name)),
                message=str(event.get("event", "")),
                line=line,
                fields=fields,
            )
            if self.console:
                stream = sys.stderr
                stream.write(line + "\n")
                stream.flush()
        except Exception:
            self.handleError(record)


def _redacting_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """A log record factory that redacts each record as it is made, so that every handler —
    also those FlowQL did not install (a test runner's, an embedding program's) — only ever
    sees redacted text: the message (arguments merged in), a structlog event dict, the
    exception text. It notes on the record what it redacted, so FlowQL's handler does not
    redact it again."""

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            if isinstance(record.msg, dict):
                kept = {k: record.msg[k] for k in ("exc_info", "stack_info") if k in record.msg}
                cleaned = _redactor.mapping({k: v for k, v in record.msg.items() if k not in kept})
                record.msg = {**cleaned, **kept}
                clean = set(cleaned)
            else:
                record.msg = _redactor.text(record.getMessage())
                record.args = None
                clean = {"event"}
            if record.exc_info and not record.exc_text:
                text = _redactor.text(logging.Formatter().formatException(record.exc_info), multiline=True)
                record.exc_text = text
                setattr(record, _EXC, text)
            setattr(record, _CLEAN, frozenset(clean))
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
    """Redact these configured values literally from every later record, for the life of the
    process (see :meth:`~flowql.logs.redact.Redactor.add_secret`)."""
    for value in values:
        _redactor.add_secret(value)


def install_logging(
    *,
    level: str = "INFO",
    buffer_size: int = DEFAULT_SIZE,
    buffer_chars: int = DEFAULT_MAX_CHARS,
    secrets: tuple[str | None, ...] = (),
    database_url: str | None = None,
    console: bool = True,
) -> LogBuffer:
    """Route every record through redaction into the buffer and (``console``) stderr.

    ``level`` applies to FlowQL's and uvicorn's loggers (the root logger keeps its level, so
    libraries log warnings and up); ``secrets`` and the password of ``database_url`` join the
    configured secrets, as do the values of :data:`SECRET_ENV_VARS`. The buffer keeps
    ``buffer_size`` records within ``buffer_chars`` characters. uvicorn's loggers lose their own
    handlers and propagate, so the server's console lines are redacted too; its access logger is
    switched off (:data:`SILENCED_LOGGERS`). Returns the buffer. Raises ValueError for an unknown level name.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    register_secrets(
        *secrets, _database_password(database_url), *(os.environ.get(n) for n in SECRET_ENV_VARS)
    )
    _buffer.resize(buffer_size, buffer_chars)
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
    root.addHandler(_Handler(console=console))
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(numeric)
        if name.startswith("uvicorn"):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
            logger.disabled = False
    for name in SILENCED_LOGGERS:
        logging.getLogger(name).disabled = True
    return _buffer
