"""The ``logs`` subscription: the server's log lines as they are logged (as REST
``GET /logs-stream``). Superusers only; every line was redacted before it was stored."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from strawberry.types import Info

from flowql.resolvers import logs as log_resolvers


async def logs(info: Info) -> AsyncGenerator[str, None]:
    """``logs``: each record logged from now on, as one line (``<time> <LEVEL> <logger>:
    <message> key=value …``), until the client stops or the caller is no longer an active
    superuser (checked again every few seconds; the subscription then completes). An ordinary
    user's subscription is an error with code FORBIDDEN."""
    entries = log_resolvers.follow_logs(info.context.ctx)
    async for entry in entries:
        if entry is not None:
            yield entry.line
