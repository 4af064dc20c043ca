"""Reading the server's log buffer (Langflow ``GET /logs`` and ``GET /logs-stream``; GraphQL
``logs`` subscription). Superusers only; every record was redacted before it was stored
(:mod:`flowql.logs`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import select

from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.db.models import User
from flowql.errors import FieldProblem, InvalidInput, PermissionDenied
from flowql.logs import LogEntry, log_buffer
from flowql.resolvers.users import NOT_ENOUGH_PRIVILEGES

#: Records ``GET /logs`` answers when no count is given (as Langflow).
DEFAULT_LINES = 10
#: Seconds between two checks that a follower is still an active superuser; also the longest
#: wait for a record before :func:`follow_logs` yields an idle tick (``None``).
RECHECK_SECONDS = 5.0
#: Records queued for a slow follower (past that, it catches up from the buffer).
FOLLOW_QUEUE = 1000


def require_superuser(ctx: Context) -> None:
    """Raises Unauthenticated without a caller, PermissionDenied ("The user doesn't have enough
    privileges", as Langflow answers) for an ordinary user."""
    if not ctx.require_principal().is_superuser:
        raise PermissionDenied(NOT_ENOUGH_PRIVILEGES)


def read_logs(
    ctx: Context, *, lines_before: int = 0, lines_after: int = 0, timestamp: int = 0
) -> list[LogEntry]:
    """Records of the buffer, oldest first, chosen as Langflow's ``GET /logs`` does:

    - no ``timestamp`` (``<= 0``): the newest ``lines_before`` records (default 10);
    - ``timestamp`` (epoch ms) and ``lines_before``: that many records before it;
    - ``timestamp`` and ``lines_after``: that many records at or after it;
    - ``timestamp`` alone: the 10 records before it.

    Raises Unauthenticated / PermissionDenied (:func:`require_superuser`); InvalidInput (422)
    for both ``lines_before`` and ``lines_after``, or ``lines_after`` without ``timestamp``
    (Langflow answers 400 for these).
    """
    require_superuser(ctx)
    buffer = log_buffer()
    if lines_before > 0 and lines_after > 0:
        raise InvalidInput(
            "Cannot request logs before and after the timestamp",
            [FieldProblem("lines_after", "not with lines_before")],
        )
    if timestamp <= 0:
        if lines_after > 0:
            raise InvalidInput(
                "Timestamp is required when requesting logs after the timestamp",
                [FieldProblem("timestamp", "required with lines_after")],
            )
        return buffer.last(lines_before if lines_before > 0 else DEFAULT_LINES)
    if lines_before > 0:
        return buffer.before(timestamp, lines_before)
    if lines_after > 0:
        return buffer.after(timestamp, lines_after)
    return buffer.before(timestamp, DEFAULT_LINES)


async def still_allowed(ctx: Context, principal: Principal) -> bool:
    """Whether ``principal``'s user is still an active superuser (read from the database)."""
    async with ctx.sessions() as session:
        flag = await session.scalar(
            select(User.is_superuser).where(User.id == principal.user_id, User.is_active.is_(True))
        )
    return bool(flag)


def follow_logs(ctx: Context) -> AsyncIterator[LogEntry | None]:
    """The records logged from now on, live, until the consumer stops — or until the caller
    is no longer an active superuser: that is checked again every :data:`RECHECK_SECONDS`
    (demoted or deactivated, the stream ends). ``None`` is an idle tick: no record for
    :data:`RECHECK_SECONDS` (REST sends ``keepalive``). Raises Unauthenticated /
    PermissionDenied at once (:func:`require_superuser`), before anything is followed."""
    require_superuser(ctx)
    return _follow(ctx, ctx.require_principal(), RECHECK_SECONDS)


async def _pump(queue: asyncio.Queue[LogEntry]) -> None:
    async for entry in log_buffer().follow():
        await queue.put(entry)


async def _follow(ctx: Context, principal: Principal, every: float) -> AsyncIterator[LogEntry | None]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[LogEntry] = asyncio.Queue(maxsize=FOLLOW_QUEUE)
    pump = asyncio.create_task(_pump(queue))
    checked = loop.time()
    try:
        while True:
            try:
                entry: LogEntry | None = await asyncio.wait_for(queue.get(), every)
            except TimeoutError:
                entry = None
            if entry is None or loop.time() - checked >= every:
                if not await still_allowed(ctx, principal):
                    return
                checked = loop.time()
            yield entry
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
