"""API-key usage (``total_uses``, ``last_used_at``) counted in memory and written in batches.

Counting a use with an UPDATE on every request made every API-key request a database write:
under many concurrent runs on SQLite those writes queued behind the single writer lock and
requests failed. Uses are now counted in process and written at most every
``FLUSH_INTERVAL_S`` seconds in one transaction, before the caller's keys are listed, and when
the server stops. A crash loses at most the last interval's counts.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowql.db.base import utcnow
from flowql.db.models import ApiKey

logger = logging.getLogger(__name__)

#: Seconds between a first unrecorded use and the batch write that records it.
FLUSH_INTERVAL_S = 5.0


@dataclass
class _Pending:
    uses: int
    last_used_at: datetime


class ApiKeyUsage:
    """Per-process counter of API-key uses; one per :class:`~flowql.services.AppServices`.

    :meth:`record` is synchronous and never touches the database; :meth:`flush` writes what was
    counted (``total_uses += n``, ``last_used_at = latest``) in one transaction. Keys deleted in
    the meantime are skipped (the UPDATE matches no row).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], interval_s: float = FLUSH_INTERVAL_S
    ) -> None:
        self._sessions = sessions
        self._interval_s = interval_s
        self._pending: dict[uuid.UUID, _Pending] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def record(self, key_id: uuid.UUID) -> None:
        """Count one use of ``key_id`` now; schedule a batch write if none is scheduled."""
        entry = self._pending.get(key_id)
        if entry is None:
            self._pending[key_id] = _Pending(1, utcnow())
        else:
            entry.uses += 1
            entry.last_used_at = utcnow()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._interval_s)
        try:
            await self.flush()
        except SQLAlchemyError:  # kept pending; the next use or flush retries
            logger.warning("could not record API key usage; will retry", exc_info=True)

    async def flush(self) -> None:
        """Write every counted use. On a database error the counts are kept for the next flush
        and the error is raised."""
        async with self._lock:
            batch, self._pending = self._pending, {}
            if not batch:
                return
            try:
                async with self._sessions() as session:
                    for key_id in sorted(batch):
                        entry = batch[key_id]
                        uses = ApiKey.total_uses + entry.uses
                        await session.execute(
                            update(ApiKey)
                            .where(ApiKey.id == key_id)
                            .values(total_uses=uses, last_used_at=entry.last_used_at)
                        )
                    await session.commit()
            except BaseException:
                for key_id, entry in batch.items():
                    newer = self._pending.get(key_id)
                    if newer is not None:
                        entry.uses += newer.uses
                        entry.last_used_at = newer.last_used_at
                    self._pending[key_id] = entry
                raise

    async def close(self) -> None:
        """Cancel the scheduled write and write what is counted (at shutdown)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.flush()
