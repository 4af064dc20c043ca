"""Job field implementations (``buildFlow``, ``buildPublicFlow``, ``cancelJob``, ``job``,
``publicJob``, subscription ``jobEvents``): parse arguments → one ``flowql.resolvers.jobs``
call → shape. Expected failures of mutations become ``JobResult`` error members."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from flowql.errors import DomainError, NotFound
from flowql.resolvers import jobs
from flowql.schema.context import Info
from flowql.schema.errors import NotFoundError, ValidationError, job_error
from flowql.schema.inputs import BuildInput, RunInput, build_params, parse_uuid
from flowql.schema.types.job_events import EventShaper, JobEvent, JobEventMember, decode_cursor
from flowql.schema.types.jobs import Job

JobResult = Annotated[Job | NotFoundError | ValidationError, strawberry.union("JobResult")]


async def build_flow(
    info: Info, flow_id: strawberry.ID, input: BuildInput | None = strawberry.UNSET
) -> JobResult:
    """``buildFlow``: ``jobs.start_build`` on the caller's flow (as REST
    ``POST /api/v1/build/{flow_id}/flow``); returns the job at once, its events follow."""
    ctx = info.context.ctx
    try:
        params = input.to_params() if isinstance(input, BuildInput) else build_params(None, "input")
        job = await jobs.start_build(ctx, flow_id=parse_uuid(flow_id, "flowId"), params=params)
    except DomainError as exc:
        return job_error(exc)
    return Job.from_record(job)


async def build_public_flow(
    info: Info, flow_id: strawberry.ID, client_id: str, input: RunInput | None = strawberry.UNSET
) -> JobResult:
    """``buildPublicFlow``: ``jobs.start_public_build`` on a PUBLIC flow's stored graph, no
    principal needed (as REST ``POST /api/v1/build_public_tmp/{flow_id}/flow``); ``clientId``
    stands for Langflow's ``client_id`` cookie and reads the job back (``publicJob``)."""
    ctx = info.context.ctx
    try:
        params = build_params(input if isinstance(input, RunInput) else None, "input")
        job = await jobs.start_public_build(
            ctx, flow_id=parse_uuid(flow_id, "flowId"), params=params, client_id=client_id
        )
    except DomainError as exc:
        return job_error(exc)
    return Job.from_record(job, client_id=client_id)


async def cancel_job(info: Info, id: strawberry.ID) -> JobResult:
    """``cancelJob``: ``jobs.cancel_job`` (as REST ``POST /api/v1/build/{job_id}/cancel``), then
    the job as it is now. Cancelling an ended job is harmless and returns it unchanged."""
    ctx = info.context.ctx
    try:
        job_id = parse_uuid(id, "id")
        await jobs.cancel_job(ctx, job_id=job_id)
        job = await jobs.get_job(ctx, job_id=job_id)
    except DomainError as exc:
        return job_error(exc)
    return Job.from_record(job)


async def job(info: Info, id: strawberry.ID) -> Job | None:
    """``job(id)``: the caller's job, null when missing or not the caller's. A malformed id is
    an error with code INVALID_INPUT."""
    try:
        return Job.from_record(await jobs.get_job(info.context.ctx, job_id=parse_uuid(id, "id")))
    except NotFound:
        return None


async def public_job(info: Info, id: strawberry.ID, client_id: str) -> Job | None:
    """``publicJob(id, clientId)``: a public build started with ``clientId``, else null."""
    job_id = parse_uuid(id, "id")
    try:
        return Job.from_record(
            await jobs.get_job(info.context.ctx, job_id=job_id, client_id=client_id), client_id=client_id
        )
    except NotFound:
        return None


async def job_events(
    info: Info, job_id: strawberry.ID, after: str | None = strawberry.UNSET
) -> AsyncGenerator[JobEvent, None]:
    """``jobEvents(jobId, after)``: the stored events after the cursor, then live ones
    (``jobs.watch_job``: no gaps, no duplicates); completes after ``BuildEnded``. An unknown or
    foreign job is an error with code NOT_FOUND."""
    ctx = info.context.ctx
    watched = parse_uuid(job_id, "jobId")
    start = decode_cursor(after or None, "after")
    shaper = EventShaper()
    async for record in jobs.watch_job(ctx, job_id=watched, after=start):
        if record.terminal:
            shaper.stored_status = (await jobs.get_job(ctx, job_id=watched)).status
        member: JobEventMember = shaper.shape(record)
        yield member
        if record.terminal:
            return
