"""Langflow's log routes: ``GET /logs`` and ``GET /logs-stream`` (superusers only).

``/logs`` answers ``{"<timestamp ms>": "<line>", ...}`` oldest first, as Langflow does (records
logged in the same millisecond share one key, their lines joined by newlines, so none is lost
to a key collision).
``/logs-stream`` is ``text/event-stream`` framed as Langflow frames it: one JSON object
``{"<timestamp ms>": "<line>"}`` per record followed by a blank line, and ``keepalive`` after
:data:`~flowql.resolvers.logs.RECHECK_SECONDS` without a record; it runs until the client
disconnects or the caller is no longer an active superuser (checked again as often).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from flowql.logs import LogEntry
from flowql.resolvers import logs
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.sse import EVENT_STREAM

router = APIRouter(tags=["Log"])


def _lines(entries: list[LogEntry]) -> dict[str, str]:
    """Langflow's ``{timestamp: line}``; records of the same millisecond share one key, their
    lines joined by newlines (oldest first)."""
    lines: dict[str, str] = {}
    for entry in entries:
        key = str(entry.timestamp)
        lines[key] = f"{lines[key]}\n{entry.line}" if key in lines else entry.line
    return lines


@router.get("/logs")
async def get_logs(
    ctx: Ctx,
    lines_before: Annotated[
        int, Query(ge=0, description="The number of logs before the timestamp or the last log")
    ] = 0,
    lines_after: Annotated[int, Query(ge=0, description="The number of logs after the timestamp")] = 0,
    timestamp: Annotated[int, Query(ge=0, description="The timestamp to start getting logs from")] = 0,
) -> dict[str, str]:
    """Log lines from the server's buffer (Langflow ``GET /logs``; see
    :func:`flowql.resolvers.logs.read_logs`). 401 without credentials, 403 for an ordinary
    user, 422 for a negative number, for ``lines_before`` with ``lines_after`` or ``lines_after``
    without ``timestamp``."""
    entries = logs.read_logs(ctx, lines_before=lines_before, lines_after=lines_after, timestamp=timestamp)
    return _lines(entries)


async def _frames(source: AsyncIterator[LogEntry | None]) -> AsyncIterator[str]:
    async for entry in source:
        if entry is None:
            yield "keepalive\n\n"
        else:
            yield f"{json.dumps({str(entry.timestamp): entry.line})}\n\n"


@router.get("/logs-stream", responses={200: {"description": "The log stream", "content": {EVENT_STREAM: {}}}})
async def stream_logs(ctx: Ctx) -> StreamingResponse:
    """The records logged from now on, live (Langflow ``GET /logs-stream``; framing in the
    module docstring). 401 without credentials, 403 for an ordinary user; ends when the caller
    is demoted or deactivated."""
    source = logs.follow_logs(ctx)
    return StreamingResponse(_frames(source), media_type=EVENT_STREAM)
