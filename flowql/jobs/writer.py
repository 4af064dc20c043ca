"""Persist one job's events in order, then publish them.

The engine's ``emit`` only enqueues (it never waits on the database); one writer task per job
drains the queue and stores everything queued so far in one short transaction, so a busy
SQLite database sees few, small writes however many events a run makes. The sequence number is
kept in memory: this writer is the only one appending to its job.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowql.db.base import utcnow
from flowql.db.models import Job, JobEvent
from flowql.engine.types import EngineEvent
from flowql.jobs.bus import EventBus
from flowql.jobs.records import QUEUED, RUNNING, TERMINAL_EVENT, JobEventRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finish:
    """How a job ended: its status, ``error`` message, ``result`` (stored on the job), the
    ``end`` event's data, and the ``error`` event's data to add when the run emitted none."""

    status: str
    end_data: dict[str, Any]
    error: str | None = None
    result: dict[str, Any] | None = None
    error_event: dict[str, Any] | None = None


class _Running:
    pass


_RUNNING_MARK = _Running()
_Item = EngineEvent | _Running | Finish


class EventWriter:
    """Stores and publishes the events of job ``job_id``; see the module docstring.

    ``keep`` limits which event names are recorded (None: all). The engine's own ``end`` is
    held back (:attr:`engine_end`): the runner writes the one terminal event with the job's
    final status in :meth:`finish`.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        job_id: uuid.UUID,
        *,
        keep: Collection[str] | None = None,
        last_sequence: int = 0,
    ) -> None:
        self._sessions = sessions
        self._bus = bus
        self.job_id = job_id
        self._keep = keep
        self._sequence = last_sequence
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self.saw_error = False
        self.engine_end: dict[str, Any] | None = None
        self._deleted = False  # the job row is gone (deleted with its flow): store nothing more
        self._task = asyncio.create_task(self._loop(), name=f"flowql-job-writer-{job_id}")

    async def emit(self, event: EngineEvent) -> None:
        """The engine's event sink: enqueue ``event`` (never waits on the database)."""
        if event.event == TERMINAL_EVENT:
            self.engine_end = dict(event.data)
            return
        if self._keep is not None and event.event not in self._keep:
            return
        if event.event == "error":
            self.saw_error = True
        self._queue.put_nowait(event)

    def mark_running(self) -> None:
        """Record status ``running`` and ``started_at`` (with the next batch)."""
        self._queue.put_nowait(_RUNNING_MARK)

    async def finish(self, finish: Finish) -> None:
        """Write the remaining events, the terminal ``end`` and the job's final state, publish
        them, and wait until that is done (a cancellation of the caller does not stop it)."""
        self._queue.put_nowait(finish)
        while not self._task.done():
            try:
                await asyncio.shield(self._task)
            except asyncio.CancelledError:
                continue

    async def _loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            finish = next((item for item in batch if isinstance(item, Finish)), None)
            events = [item for item in batch if isinstance(item, EngineEvent)]
            if finish is not None:
                if finish.error_event is not None and not self.saw_error:
                    events.append(EngineEvent("error", finish.error_event))
                events.append(EngineEvent(TERMINAL_EVENT, finish.end_data))
            records = [self._record(event) for event in events]
            await self._store(records, running=any(isinstance(i, _Running) for i in batch), finish=finish)
            for record in records:
                await self._bus.publish(record)
            if finish is not None:
                return

    def _record(self, event: EngineEvent) -> JobEventRecord:
        self._sequence += 1
        return JobEventRecord(self.job_id, self._sequence, event.event, event.data, utcnow())

    async def _store(self, records: list[JobEventRecord], *, running: bool, finish: Finish | None) -> None:
        if self._deleted:
            return
        try:
            async with self._sessions() as session:
                if running:
                    await session.execute(
                        update(Job)
                        .where(Job.id == self.job_id, Job.status == QUEUED)
                        .values(status=RUNNING, started_at=utcnow())
                    )
                session.add_all(
                    JobEvent(
                        job_id=r.job_id,
                        sequence=r.sequence,
                        event=r.event,
                        data=r.data,
                        created_at=r.created_at,
                    )
                    for r in records
                )
                if finish is not None:
                    await session.execute(
                        update(Job)
                        .where(Job.id == self.job_id)
                        .values(
                            status=finish.status,
                            finished_at=utcnow(),
                            error=finish.error,
                            result=finish.result,
                        )
                    )
                await session.commit()
        except IntegrityError:
            # The job was deleted with its flow; live watchers still get the events.
            self._deleted = True
            log.warning("job %s was deleted with its flow; its events are not stored", self.job_id)
        except SQLAlchemyError:
            log.exception("could not store the events of job %s", self.job_id)
