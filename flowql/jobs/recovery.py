"""Ending jobs whose process is gone (the in-process runner cannot resume them).

A job row left ``queued`` or ``running`` with no task in this process gets the usual ending:
an ``error`` event, the terminal ``end`` and a final status, so watchers and polls finish.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowql.db.base import utcnow
from flowql.db.models import Job, JobEvent
from flowql.jobs.bus import EventBus
from flowql.jobs.records import ACTIVE_STATUSES, CANCELLED, FAILED, TERMINAL_EVENT, JobEventRecord

ORPHAN_ERROR = "The job's server process stopped before the job finished"


async def end_orphaned_job(
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    job_id: uuid.UUID,
    *,
    status: str = CANCELLED,
    message: str = "Run cancelled",
) -> bool:
    """End job ``job_id`` if it is still queued or running: status ``status``, events ``error``
    (``{"error": message, "code"}``) and ``end``, published on ``bus``. False when it had ended
    already (the status check and the update are one statement)."""
    now = utcnow()
    async with sessions() as session:
        changed = await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_(ACTIVE_STATUSES))
            .values(status=status, finished_at=now, error=message)
        )
        if getattr(changed, "rowcount", 0) != 1:
            await session.rollback()
            return False
        last = await session.scalar(select(func.max(JobEvent.sequence)).where(JobEvent.job_id == job_id))
        code = "CANCELLED" if status == CANCELLED else "INTERRUPTED"
        records = [
            JobEventRecord(job_id, (last or 0) + 1, "error", {"error": message, "code": code}, now),
            JobEventRecord(job_id, (last or 0) + 2, TERMINAL_EVENT, {}, now),
        ]
        session.add_all(
            JobEvent(
                job_id=r.job_id, sequence=r.sequence, event=r.event, data=r.data, created_at=r.created_at
            )
            for r in records
        )
        await session.commit()
    for record in records:
        await bus.publish(record)
    return True


async def end_orphaned_jobs(sessions: async_sessionmaker[AsyncSession], bus: EventBus) -> int:
    """End every queued or running job as ``failed`` (call at start-up of the only process using
    in-process job backends, before it starts any job). Returns how many were ended."""
    async with sessions() as session:
        ids = list(await session.scalars(select(Job.id).where(Job.status.in_(ACTIVE_STATUSES))))
    ended = 0
    for job_id in ids:
        ended += await end_orphaned_job(sessions, bus, job_id, status=FAILED, message=ORPHAN_ERROR)
    return ended
