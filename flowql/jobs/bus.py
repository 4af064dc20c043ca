"""The event bus: how stored job events reach live watchers.

:class:`EventBus` is the interface resolvers use; :class:`InProcessEventBus` fans events out to
subscribers in this process. A Redis backend can implement the same protocol later.
Delivery is best effort: the ``job_event`` table is the source of truth, and watchers fill any
gap from it (see :func:`flowql.resolvers.jobs.watch_job`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from flowql.jobs.records import JobEventRecord


class Subscription(Protocol):
    """Live events of one job, in publication order."""

    async def get(self, within: float) -> JobEventRecord | None:
        """The next event, or ``None`` when none arrived within ``within`` seconds."""
        ...


class EventBus(Protocol):
    """Publish a job's stored events; subscribe to one job's live events."""

    async def publish(self, record: JobEventRecord) -> None:
        """Deliver ``record`` (already stored) to the job's current subscribers."""
        ...

    def subscribe(self, job_id: uuid.UUID) -> AbstractAsyncContextManager[Subscription]:
        """``async with bus.subscribe(job_id) as sub:`` receives every event published after
        entering the block until leaving it."""
        ...


class _QueueSubscription:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[JobEventRecord] = asyncio.Queue()

    async def get(self, within: float) -> JobEventRecord | None:
        try:
            return await asyncio.wait_for(self.queue.get(), within)
        except TimeoutError:
            return None


class InProcessEventBus:
    """:class:`EventBus` for one process: an unbounded queue per subscriber."""

    def __init__(self) -> None:
        self._subscribers: dict[uuid.UUID, set[_QueueSubscription]] = {}

    async def publish(self, record: JobEventRecord) -> None:
        """See :meth:`EventBus.publish`."""
        for sub in list(self._subscribers.get(record.job_id, ())):
            sub.queue.put_nowait(record)

    def subscribe(self, job_id: uuid.UUID) -> AbstractAsyncContextManager[Subscription]:
        """See :meth:`EventBus.subscribe`."""
        return self._subscription(job_id)

    @asynccontextmanager
    async def _subscription(self, job_id: uuid.UUID) -> AsyncIterator[Subscription]:
        sub = _QueueSubscription()
        self._subscribers.setdefault(job_id, set()).add(sub)
        try:
            yield sub
        finally:
            subs = self._subscribers.get(job_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscribers[job_id]

    def subscriber_count(self, job_id: uuid.UUID) -> int:
        """How many subscriptions to ``job_id`` are open (for tests and diagnostics)."""
        return len(self._subscribers.get(job_id, ()))
