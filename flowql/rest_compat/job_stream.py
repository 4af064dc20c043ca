"""Job events on the wire: Langflow's framing (``{"event": name, "data": {...}}`` lines) for
NDJSON streams, polling bodies and ``/run?stream=true``.

Every line is ``json.dumps({"event": ..., "data": ...})`` followed by a blank line, as the peer
sends it (``shared/peer/build_events_*.txt``, ``run_stream_prompt_flow.txt``). A polling body joins
those lines with one more ``"\\n"``, as the peer's polling answer does.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import anyio
from fastapi.responses import Response, StreamingResponse

from flowql.context import Context
from flowql.errors import DomainError, NotFound
from flowql.resolvers import jobs
from flowql.rest_compat.build_models import EventDelivery

log = logging.getLogger("flowql.http")

NDJSON = "application/x-ndjson"
EVENT_STREAM = "text/event-stream"
JOB_NOT_FOUND = "Job not found"
#: The events ``/run?stream=true`` forwards (the peer sends no build bookkeeping there).
RUN_STREAM_EVENTS = frozenset({"add_message", "token", "remove_message", "error", "end"})

Shape = Callable[["jobs.JobEventRecord"], "dict[str, Any] | None"]


def frame(event: str, data: dict[str, Any]) -> str:
    """One event as the peer writes it: ``{"event": ..., "data": ...}`` + ``"\\n\\n"``."""
    return json.dumps({"event": event, "data": data}) + "\n\n"


def build_line(record: jobs.JobEventRecord) -> dict[str, Any] | None:
    """A build stream carries every event unchanged."""
    return {"event": record.event, "data": record.data}


def run_line(record: jobs.JobEventRecord) -> dict[str, Any] | None:
    """``/run?stream=true`` carries ``add_message``, ``token`` (``remove_message``), ``error`` and
    ``end``; ``end``'s
    data is ``{"result": <the run response>}`` when the run produced one."""
    if record.event not in RUN_STREAM_EVENTS:
        return None
    if record.event == jobs.TERMINAL_EVENT and "result" in record.data:
        return {"event": record.event, "data": {"result": record.data["result"]}}
    return {"event": record.event, "data": record.data}


def polling_body(records: Sequence[jobs.JobEventRecord]) -> str:
    """The body of a ``polling`` answer: the events' lines joined by ``"\\n"``."""
    return "\n".join(frame(r.event, r.data) for r in records)


def _gone(job_id: uuid.UUID, last: int) -> list[jobs.JobEventRecord]:
    """The ``error`` and ``end`` events that close the stream of a job deleted while it was
    streamed (its flow or project was deleted)."""
    now = datetime.now(UTC)
    error = {"error": "The flow was deleted while it ran", "code": "NOT_FOUND"}
    return [
        jobs.JobEventRecord(job_id, last + 1, "error", error, now),
        jobs.JobEventRecord(job_id, last + 2, jobs.TERMINAL_EVENT, {}, now),
    ]


async def _cancel_quietly(ctx: Context, job_id: uuid.UUID, client_id: str | None) -> None:
    """Cancel the job even while this task is being cancelled (the client went away)."""
    with anyio.CancelScope(shield=True):
        try:
            await jobs.cancel_job(ctx, job_id=job_id, client_id=client_id)
        except DomainError:
            log.warning("cancelling job %s after a disconnect failed", job_id)


async def event_lines(
    ctx: Context,
    *,
    job_id: uuid.UUID,
    client_id: str | None = None,
    shape: Shape = build_line,
    cancel_on_drop: bool = False,
) -> AsyncIterator[str]:
    """The job's events (stored ones, then live ones) as framed lines, ending after the terminal
    event. With ``cancel_on_drop`` the job is cancelled when the stream stops before the terminal
    event (the client disconnected); otherwise the job keeps running."""
    finished = False
    last = 0
    events = jobs.watch_job(ctx, job_id=job_id, client_id=client_id)
    try:
        try:
            async for record in events:
                finished, last = record.terminal, record.sequence
                line = shape(record)
                if line is not None:
                    yield frame(line["event"], line["data"])
                if finished:
                    break
        except NotFound:  # deleted with its flow while streaming: end the stream, not the socket
            for record in _gone(job_id, last):
                line = shape(record)
                if line is not None:
                    yield frame(line["event"], line["data"])
            finished = True
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                await close()
        if cancel_on_drop and not finished:
            await _cancel_quietly(ctx, job_id, client_id)


async def stream_response(
    ctx: Context,
    *,
    job_id: uuid.UUID,
    client_id: str | None = None,
    media_type: str = NDJSON,
    shape: Shape = build_line,
    cancel_on_drop: bool = False,
) -> StreamingResponse:
    """A streaming answer of the job's events. The job's existence and ownership are checked
    first, so an unknown or foreign job is a 404 before anything is sent."""
    await jobs.get_job(ctx, job_id=job_id, client_id=client_id)
    lines = event_lines(ctx, job_id=job_id, client_id=client_id, shape=shape, cancel_on_drop=cancel_on_drop)
    return StreamingResponse(lines, media_type=media_type)


async def events_response(
    ctx: Context, *, job_id: uuid.UUID, delivery: EventDelivery, client_id: str | None = None
) -> Response:
    """``GET .../{job_id}/events``: ``polling`` answers the events since the previous poll in one
    NDJSON body (the terminal event again once the job has ended); ``streaming`` (and ``direct``,
    as Langflow treats it here) streams NDJSON until the terminal event. Dropping the stream does
    not cancel the job. NotFound for an unknown or foreign job."""
    if delivery == "polling":
        records = await jobs.poll_job_events(ctx, job_id=job_id, client_id=client_id)
        return Response(polling_body(records), media_type=NDJSON)
    return await stream_response(ctx, job_id=job_id, client_id=client_id)


def require_client_id(client_id: str | None) -> str:
    """A public job is reachable only with the ``client_id`` cookie that started it."""
    if not client_id:
        raise NotFound(JOB_NOT_FOUND)
    return client_id
