"""The in-process job runner: one asyncio task per running job, cancellable.

The runner holds a job's task only while it runs. The work (the engine run) gets the job's
:class:`~flowql.jobs.writer.EventWriter` as its event sink; whatever way it ends, the runner
writes exactly one terminal ``end`` event together with the job's final status.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowql.engine.types import EventSink
from flowql.errors import DomainError
from flowql.jobs.bus import EventBus, InProcessEventBus
from flowql.jobs.records import CANCELLED, COMPLETED, FAILED
from flowql.jobs.writer import EventWriter, Finish

log = logging.getLogger(__name__)

#: The work of a job: runs with the job's event sink, returns the job's result (or None).
Work = Callable[[EventSink], Awaitable[dict[str, Any] | None]]

#: Longest a cancel waits for the job's task to wind down (a hang guard, not a timing).
CANCEL_WAIT_SECONDS = 30.0

CANCELLED_ERROR = {"error": "Run cancelled", "code": "CANCELLED"}


@dataclass
class _Active:
    writer: EventWriter
    work: Work
    result_in_end: bool
    started: float = field(default_factory=time.perf_counter)
    task: asyncio.Task[None] | None = None
    cancel_requested: bool = False
    final_status: str | None = None

    def end_data(self, result: dict[str, Any] | None) -> dict[str, Any]:
        if self.result_in_end:
            return {"result": result} if result is not None else {}
        return self.writer.engine_end or {"build_duration": time.perf_counter() - self.started}

    async def finalize(self, finish: Finish) -> None:
        if self.final_status is None:
            self.final_status = finish.status
            await self.writer.finish(finish)


class JobRunner:
    """Starts, tracks and cancels job tasks in this process."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._active: dict[uuid.UUID, _Active] = {}

    def start(
        self,
        job_id: uuid.UUID,
        work: Work,
        *,
        sessions: async_sessionmaker[AsyncSession],
        keep: Collection[str] | None = None,
        result_in_end: bool = False,
    ) -> None:
        """Run ``work`` as job ``job_id`` (its row already stored, status ``queued``).

        ``keep`` limits the recorded event names; ``result_in_end`` puts ``{"result": result}``
        in the ``end`` event (run jobs) instead of the engine's ``{"build_duration"}``.
        """
        active = _Active(EventWriter(sessions, self.bus, job_id, keep=keep), work, result_in_end)
        self._active[job_id] = active
        active.task = asyncio.create_task(self._drive(job_id, active), name=f"flowql-job-{job_id}")

    def is_running(self, job_id: uuid.UUID) -> bool:
        """True while job ``job_id`` runs in this process."""
        return job_id in self._active

    async def _drive(self, job_id: uuid.UUID, active: _Active) -> None:
        try:
            active.writer.mark_running()
            try:
                result = await active.work(active.writer.emit)
            except asyncio.CancelledError:
                await active.finalize(
                    Finish(CANCELLED, active.end_data(None), "Run cancelled", None, CANCELLED_ERROR)
                )
            except DomainError as exc:
                error = {"error": exc.message, "code": exc.code}
                await active.finalize(Finish(FAILED, active.end_data(None), exc.message, None, error))
            except Exception:
                log.exception("job %s failed", job_id)
                error = {"error": "Internal error", "code": "INTERNAL"}
                await active.finalize(Finish(FAILED, active.end_data(None), "Internal error", None, error))
            else:
                await active.finalize(Finish(COMPLETED, active.end_data(result), None, result))
        finally:
            self._active.pop(job_id, None)

    async def cancel(self, job_id: uuid.UUID) -> bool:
        """Cancel job ``job_id`` if it runs here: its component tasks see ``CancelledError``, its
        stream ends with ``error`` then ``end``, its status becomes ``cancelled``. Waits until
        that is stored. False when it does not run here, already ended or is being cancelled."""
        active = self._active.get(job_id)
        if active is None or active.task is None or active.cancel_requested or active.task.done():
            return False
        active.cancel_requested = True
        active.task.cancel()
        await asyncio.wait({active.task}, timeout=CANCEL_WAIT_SECONDS)
        if active.final_status is None:  # cancelled before its first step: nothing ran
            await active.finalize(
                Finish(CANCELLED, active.end_data(None), "Run cancelled", None, CANCELLED_ERROR)
            )
            self._active.pop(job_id, None)
        return active.final_status == CANCELLED

    async def close(self) -> None:
        """Cancel every running job and wait for each to store its end."""
        await asyncio.gather(*(self.cancel(job_id) for job_id in list(self._active)), return_exceptions=True)


class JobServices:
    """What a process needs to run and watch jobs: the event bus and the job runner."""

    def __init__(self, bus: EventBus | None = None) -> None:
        self.bus: EventBus = bus if bus is not None else InProcessEventBus()
        self.runner = JobRunner(self.bus)

    async def close(self) -> None:
        """Cancel the jobs still running (each ends with ``error`` + ``end``, status cancelled)."""
        await self.runner.close()
