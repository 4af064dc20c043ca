"""``Job`` and its ``events`` connection (a build or run started by ``buildFlow``,
``buildPublicFlow`` or REST ``POST /api/v1/build/{flow_id}/flow``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.resolvers import flows, jobs
from flowql.schema.context import Info
from flowql.schema.records import JobRecord
from flowql.schema.types.flows import Flow
from flowql.schema.types.job_enums import JobKind, JobStatus, job_kind, job_status
from flowql.schema.types.job_events import EventShaper, JobEvent, decode_cursor
from flowql.schema.types.pagination import PageInfo, page_info

#: The largest page of events one ``events(first:)`` returns.
MAX_EVENTS_PAGE = 1000


@strawberry.type(description="A job event with its opaque cursor.")
class JobEventEdge:
    """A job event with its cursor (the same as the event's own ``cursor``)."""

    cursor: str
    node: JobEvent


@strawberry.type(description="A page of a job's events in sequence order.")
class JobEventConnection:
    """A page of a job's events, oldest first."""

    edges: list[JobEventEdge]
    page_info: PageInfo


def _first(first: int | None) -> int:
    size = 100 if first is None else first
    if not 1 <= size <= MAX_EVENTS_PAGE:
        message = f"'first' must be between 1 and {MAX_EVENTS_PAGE}"
        raise InvalidInput(message, [FieldProblem(path="first", message=message)])
    return size


async def _job_flow(root: Job, info: Info) -> Flow | None:
    """The caller's flow behind the job (``flows.get_flow``), else null."""
    if root.flow_id is None or info.context.ctx.principal is None:
        return None
    try:
        return Flow.from_record(await flows.get_flow(info.context.ctx, flow_id=root.flow_id))
    except NotFound:
        return None


async def _job_events(
    root: Job, info: Info, after: str | None = strawberry.UNSET, first: int | None = 100
) -> JobEventConnection:
    """A page of ``jobs.job_events``. A malformed cursor or ``first`` is INVALID_INPUT."""
    size = _first(first)
    start = decode_cursor(after or None, "after")
    records = await jobs.job_events(
        info.context.ctx, job_id=root.job_id, after=start, limit=size + 1, client_id=root.client_id
    )
    shaper = EventShaper(stored_status=root.status.value)
    edges = [JobEventEdge(cursor=node.cursor, node=node) for node in map(shaper.shape, records[:size])]
    return JobEventConnection(
        edges=edges,
        page_info=page_info(edges, len(records) > size),
    )


@strawberry.type(name="Job", description="A build or run of a flow, with its stored events.")
class Job:
    """A job (``job`` row). ``error`` is the failure message of a failed job."""

    id: strawberry.ID
    kind: JobKind
    status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    job_id: strawberry.Private[uuid.UUID]
    flow_id: strawberry.Private[uuid.UUID | None]
    client_id: strawberry.Private[str | None]

    flow: Flow | None = strawberry.field(
        resolver=_job_flow,
        description="The flow built; null when it is not yours (a public build) or is gone.",
    )
    events: JobEventConnection = strawberry.field(
        resolver=_job_events,
        description="The job's stored events after the cursor, oldest first; first is 1..1000. "
        "Pass pageInfo.endCursor as after for the next page.",
    )

    @classmethod
    def from_record(cls, job: JobRecord, *, client_id: str | None = None) -> Job:
        """Shape a stored job; ``client_id`` is the public-build client reading it (if any)."""
        return cls(
            id=strawberry.ID(str(job.id)),
            kind=job_kind(job.kind),
            status=job_status(job.status) or JobStatus.QUEUED,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            error=job.error,
            job_id=job.id,
            flow_id=job.flow_id,
            client_id=client_id,
        )
