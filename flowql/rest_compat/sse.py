"""Server-sent events over a job's events, for the run surfaces that speak SSE
(``/api/v2/workflows`` streams, ``/api/v1/responses``, ``/api/v1/chat/completions``).

:func:`job_sse` follows a job (stored events, then live ones) until its terminal event and
renders each event into zero or more SSE blocks; dropping the connection before the end
cancels the job (the stream is its only consumer).
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import anyio
from fastapi.responses import StreamingResponse

from flowql.context import Context
from flowql.errors import DomainError
from flowql.resolvers import jobs

log = logging.getLogger("flowql.http")

EVENT_STREAM = "text/event-stream"

#: Turns one job event into the SSE blocks to send (none to skip it).
Render = Callable[[jobs.JobEventRecord], Iterable[str]]


def sse(data: Any, event: str | None = None) -> str:
    """One SSE block: ``event: <name>`` (when given) and ``data: <json>`` (a ``str`` is sent
    as is, e.g. ``[DONE]``), then a blank line."""
    body = data if isinstance(data, str) else json.dumps(data)
    return (f"event: {event}\n" if event else "") + f"data: {body}\n\n"


async def _lines(ctx: Context, job_id: uuid.UUID, render: Render) -> AsyncIterator[str]:
    finished = False
    events = jobs.watch_job(ctx, job_id=job_id)
    try:
        async for record in events:
            finished = record.terminal
            for block in render(record):
                yield block
            if finished:
                break
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                await close()
        if not finished:
            with anyio.CancelScope(shield=True):
                try:
                    await jobs.cancel_job(ctx, job_id=job_id)
                except DomainError:
                    log.warning("cancelling job %s after a disconnect failed", job_id)


async def job_sse(
    ctx: Context, job_id: uuid.UUID, render: Render, headers: dict[str, str] | None = None
) -> StreamingResponse:
    """A ``text/event-stream`` answer of the caller's job ``job_id`` rendered by ``render``
    (see the module docstring), with ``headers`` added. NotFound for an unknown or foreign
    job, before anything is sent."""
    await jobs.get_job(ctx, job_id=job_id)
    return StreamingResponse(_lines(ctx, job_id, render), media_type=EVENT_STREAM, headers=headers)
