"""Langflow's log routes: ``GET /logs`` and ``GET /logs-stream`` (superusers only).

``/logs`` answers ``{"<timestamp ms>": "<line>", ...}`` oldest first, as Langflow does (a
record's timestamp is unique in the buffer, so no line is lost to a key collision).
``/logs-stream`` is ``text/event-stream`` framed as Langflow frames it: one JSON object
``{"<timestamp ms>": "<line>"}`` per record followed by a blank line, and ``keepalive`` after
:data:`KEEPALIVE_SECONDS` without a record; it runs until the client disconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
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

#: Seconds without a record before the stream sends ``keepalive`` (Langflow: five 1 s polls).
KEEPALIVE_SECONDS = 5.0


def _lines(entries: list[LogEntry]) -> dict[str, str]:
    return {str(entry.timestamp): entry.line for entry in entries}


@router.get("/logs")
async def get_logs(
    ctx: Ctx,
    lines_before: Annotated[
        int, Query(description="The number of logs before the timestamp or the last log")
    ] = 0,
    lines_after: Annotated[int, Query(description="The number of logs after the timestamp")] = 0,
    timestamp: Annotated[int, Query(description="The timestamp to start getting logs from")] = 0,
) -> dict[str, str]:
    """Log lines from the server's buffer (Langflow ``GET /logs``; see
    :func:`flowql.resolvers.logs.read_logs`). 401 without credentials, 403 for an ordinary
    user, 422 for ``lines_before`` with ``lines_after`` or ``lines_after`` without
    ``timestamp``."""
    entries = logs.read_logs(ctx, lines_before=lines_before, lines_after=lines_after, timestamp=timestamp)
    return _lines(entries)


async def _pump(source: AsyncIterator[LogEntry], queue: asyncio.Queue[LogEntry]) -> None:
    async for entry in source:
        await queue.put(entry)


async def _frames(source: AsyncIterator[LogEntry]) -> AsyncIterator[str]:
    queue: asyncio.Queue[LogEntry] = asyncio.Queue(maxsize=1000)
    pump = asyncio.create_task(_pump(source, queue))
    try:
        while True:
            try:
                entry = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield "keepalive\n\n"
                continue
            yield f"{json.dumps({str(entry.timestamp): entry.line})}\n\n"
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump


@router.get("/logs-stream", responses={200: {"description": "The log stream", "content": {EVENT_STREAM: {}}}})
async def stream_logs(ctx: Ctx) -> StreamingResponse:
    """The records logged from now on, live (Langflow ``GET /logs-stream``; framing in the
    module docstring). 401 without credentials, 403 for an ordinary user."""
    source = logs.follow_logs(ctx)
    return StreamingResponse(_frames(source), media_type=EVENT_STREAM)
