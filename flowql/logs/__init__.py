"""FlowQL's logs: structured records (structlog over the standard library), redacted of API
keys, tokens, passwords and configured secrets before they are stored or printed, kept in an
in-memory ring buffer for ``GET /logs``, ``GET /logs-stream`` and the GraphQL ``logs``
subscription (superusers only).

- :func:`install_logging` — route every record through redaction to the buffer and stderr;
- :func:`log_buffer` — the process's :class:`LogBuffer`;
- :class:`Redactor` / :func:`redactor` — the redaction rules (:mod:`flowql.logs.redact`);
- :func:`register_secrets` — configured secrets, redacted literally from every record;
- :func:`start_run_secrets` / :class:`RunSecrets` — the variables resolved for one flow run,
  redacted from the records logged within that run only (:mod:`flowql.logs.run_secrets`);
- :class:`AccessLog` — ASGI middleware logging one record per HTTP request.
"""

from flowql.logs.access import AccessLog
from flowql.logs.buffer import LogBuffer, LogEntry
from flowql.logs.redact import Redactor
from flowql.logs.run_secrets import RunSecrets, current_run_secrets, start_run_secrets
from flowql.logs.setup import install_logging, log_buffer, redactor, register_secrets

__all__ = [
    "AccessLog",
    "LogBuffer",
    "LogEntry",
    "Redactor",
    "RunSecrets",
    "current_run_secrets",
    "install_logging",
    "log_buffer",
    "redactor",
    "register_secrets",
    "start_run_secrets",
]
