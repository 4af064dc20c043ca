"""Helpers for the job tests: contexts with job services, flows, collecting a job's events,
the peer's captured event streams."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from flowql.context import Context
from flowql.db.models import Flow
from flowql.resolvers import jobs
from flowql.resolvers.flows import create_flow
from flowql.services import AppServices
from tests.shared_files import require_shared

#: Hang guard for anything a test waits on (never a timing assertion).
HANG_GUARD = 30.0


def jobs_ctx(services: AppServices, principal: Any = None) -> Context:
    """A resolver Context with the process's job services, acting as ``principal``."""
    return Context(
        settings=services.settings, sessions=services.sessions, principal=principal, jobs=services.jobs
    )


async def make_flow(ctx: Context, body: dict[str, Any]) -> Flow:
    """Create the caller's flow from a Langflow create body."""
    return await create_flow(ctx, values=body)


async def collect(
    ctx: Context, job_id: uuid.UUID, *, after: int = 0, client_id: str | None = None
) -> list[jobs.JobEventRecord]:
    """Every event of the job after ``after`` (through ``watch_job``), up to the terminal one."""
    async with asyncio.timeout(HANG_GUARD):
        return [r async for r in jobs.watch_job(ctx, job_id=job_id, after=after, client_id=client_id)]


def peer_events(name: str) -> list[dict[str, Any]]:
    """The ``{"event", "data"}`` lines of a peer capture."""
    text = require_shared("peer", name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"event"')]


def peer_sample(name: str) -> dict[str, Any]:
    """A flow create body from ``peer/samples``."""
    body: dict[str, Any] = json.loads(require_shared("peer", "samples", name).read_text(encoding="utf-8"))
    return body


def case_flow(name: str) -> dict[str, Any]:
    """``flows/cases/<name>.json`` as a create body."""
    body: dict[str, Any] = json.loads(
        require_shared("flows", "cases", f"{name}.json").read_text(encoding="utf-8")
    )
    return body
