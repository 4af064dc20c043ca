"""Jobs: start builds and run jobs, read their status and events, watch, poll and cancel them.

The contract every front door uses (REST ``/api/v1/build/...``, ``/run?stream=true``, GraphQL
``buildFlow`` / ``job`` / ``jobEvents`` / ``cancelJob``). A job is visible to its owner (the
principal) and, for a public build, to the ``client_id`` that started it; to anyone else it
does not exist (NotFound("Job not found")), checked in the query that fetches the job.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update

from flowql.context import Context
from flowql.db.models import Job, JobEvent
from flowql.errors import NotFound, Unauthenticated
from flowql.jobs import ACTIVE_STATUSES, ENDED_STATUSES, TERMINAL_EVENT, JobEventRecord
from flowql.jobs.recovery import end_orphaned_job
from flowql.resolvers.job_builds import BuildParams, start_build, start_public_build, start_run_job

JOB_NOT_FOUND = "Job not found"
#: Longest a poll waits for the first new event of a running job.
POLL_WAIT_SECONDS = 1.0
#: How often a watcher re-reads the store when the bus is quiet (events from other processes).
WATCH_RECHECK_SECONDS = 1.0

__all__ = [
    "JOB_NOT_FOUND",
    "TERMINAL_EVENT",
    "BuildParams",
    "JobEventRecord",
    "cancel_job",
    "get_job",
    "job_events",
    "poll_job_events",
    "start_build",
    "start_public_build",
    "start_run_job",
    "watch_job",
]


def _access(ctx: Context, client_id: str | None) -> ColumnElement[bool]:
    """Who may see a job: its owner, or the client that started a public build."""
    conditions: list[ColumnElement[bool]] = []
    if ctx.principal is not None:
        conditions.append(Job.user_id == ctx.principal.user_id)
    if client_id:
        conditions.append(Job.client_id == client_id)
    if not conditions:
        raise Unauthenticated("Not authenticated")
    return or_(*conditions)


async def get_job(ctx: Context, *, job_id: uuid.UUID, client_id: str | None = None) -> Job:
    """The job (status queued|running|completed|failed|cancelled, kind build|run, ``error``,
    ``result``, timestamps). Raises Unauthenticated without a principal or client id;
    NotFound("Job not found") for an unknown or foreign job."""
    access = _access(ctx, client_id)
    async with ctx.sessions() as session:
        job = await session.scalar(select(Job).where(Job.id == job_id, access))
    if job is None:
        raise NotFound(JOB_NOT_FOUND)
    return job


def _record(row: JobEvent) -> JobEventRecord:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return JobEventRecord(row.job_id, row.sequence, row.event, dict(row.data or {}), created)


async def _stored(
    ctx: Context, job_id: uuid.UUID, after: int, limit: int | None = None
) -> list[JobEventRecord]:
    query = (
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.sequence > after)
        .order_by(JobEvent.sequence)
    )
    if limit is not None:
        query = query.limit(max(limit, 0))
    async with ctx.sessions() as session:
        return [_record(row) for row in await session.scalars(query)]


async def _has_ended(ctx: Context, job_id: uuid.UUID) -> bool:
    """Whether the job has ended; NotFound when it is gone (deleted with its flow)."""
    async with ctx.sessions() as session:
        status = await session.scalar(select(Job.status).where(Job.id == job_id))
    if status is None:
        raise NotFound(JOB_NOT_FOUND)
    return status in ENDED_STATUSES


async def job_events(
    ctx: Context, *, job_id: uuid.UUID, after: int = 0, limit: int | None = None, client_id: str | None = None
) -> list[JobEventRecord]:
    """The stored events with ``sequence > after``, oldest first, at most ``limit``.
    Raises as :func:`get_job`."""
    await get_job(ctx, job_id=job_id, client_id=client_id)
    return await _stored(ctx, job_id, after, limit)


async def poll_job_events(
    ctx: Context, *, job_id: uuid.UUID, client_id: str | None = None
) -> list[JobEventRecord]:
    """Langflow ``GET /api/v1/build/{job_id}/events?event_delivery=polling``: the events since
    the previous poll of this job (the pointer is stored on the job), advancing it.

    While the job runs, waits up to about a second for a first new event (``[]`` when none
    came). Once the job has ended and every event was handed out, returns ``[terminal event]``
    again at once (Langflow can hang there). Raises as :func:`get_job`.
    """
    job = await get_job(ctx, job_id=job_id, client_id=client_id)
    events = await _stored(ctx, job_id, job.poll_cursor)
    if not events and job.status in ACTIVE_STATUSES:
        async with ctx.require_jobs().bus.subscribe(job_id) as sub:
            events = await _stored(ctx, job_id, job.poll_cursor)
            if not events and await sub.get(POLL_WAIT_SECONDS) is not None:
                events = await _stored(ctx, job_id, job.poll_cursor)
    if not events:
        terminal = await _terminal(ctx, job_id)
        return [terminal] if terminal is not None else []
    async with ctx.sessions() as session:
        await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.poll_cursor < events[-1].sequence)
            .values(poll_cursor=events[-1].sequence)
        )
        await session.commit()
    return events


async def _terminal(ctx: Context, job_id: uuid.UUID) -> JobEventRecord | None:
    query = select(JobEvent).where(JobEvent.job_id == job_id, JobEvent.event == TERMINAL_EVENT)
    async with ctx.sessions() as session:
        row = await session.scalar(query.order_by(JobEvent.sequence.desc()).limit(1))
    return _record(row) if row is not None else None


async def watch_job(
    ctx: Context, *, job_id: uuid.UUID, after: int = 0, client_id: str | None = None
) -> AsyncIterator[JobEventRecord]:
    """Every event with ``sequence > after``: the stored ones, then live ones from the event
    bus, ending right after the terminal ``end``; no gaps or duplicates across the boundary
    (the bus subscription opens before the store is read; sequences dedupe and any gap is
    filled from the store). A cursor at or past the end of an ended job ends at once, with
    nothing. Raises as :func:`get_job` on the first iteration, and NotFound when the job is
    deleted (with its flow) while it is watched."""
    await get_job(ctx, job_id=job_id, client_id=client_id)
    last = after
    async with ctx.require_jobs().bus.subscribe(job_id) as sub:
        while True:
            # Read the status before the events: the terminal event is stored with the final
            # status, so an ended job's events read afterwards include its end.
            ended = await _has_ended(ctx, job_id)
            for record in await _stored(ctx, job_id, last):
                last = record.sequence
                yield record
                if record.terminal:
                    return
            if ended:
                return
            while True:
                live = await sub.get(WATCH_RECHECK_SECONDS)
                if live is None or live.sequence > last + 1:
                    break  # quiet (or a gap): read the store again
                if live.sequence <= last:
                    continue
                last = live.sequence
                yield live
                if live.terminal:
                    return


async def cancel_job(ctx: Context, *, job_id: uuid.UUID, client_id: str | None = None) -> bool:
    """Langflow ``POST /api/v1/build/{job_id}/cancel``: cancel a queued or running job. Its
    component tasks see ``CancelledError``, its stream ends with ``error`` then ``end``, its
    status becomes ``cancelled``; returns True once that is stored. False (harmless) when it had
    already ended. A job left active by a process that is gone is ended as cancelled here.
    Raises as :func:`get_job`."""
    job = await get_job(ctx, job_id=job_id, client_id=client_id)
    jobs = ctx.require_jobs()
    if jobs.runner.is_running(job_id):
        return await jobs.runner.cancel(job_id)
    if job.status in ENDED_STATUSES:
        return False
    return await end_orphaned_job(ctx.sessions, jobs.bus, job_id)


def event_frame(record: JobEventRecord) -> dict[str, Any]:
    """``{"event": name, "data": data}``: one NDJSON line of Langflow's event streams."""
    return {"event": record.event, "data": record.data}
