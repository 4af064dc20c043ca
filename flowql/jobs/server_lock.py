"""One serving process per database while jobs run on in-process backends.

The in-process runner and event bus cannot see another process's jobs, so a second
``flowql serve`` on the same database would take the first one's running jobs for orphans.
``acquire_server_lock`` takes an exclusive lock tied to the database — ``flock`` on a
``<file>.serve.lock`` beside a SQLite file, a session-level advisory lock on PostgreSQL — and
refuses to start when another server holds it. An in-memory database needs none.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from flowql.db.session import is_memory_sqlite

#: The PostgreSQL advisory-lock key of a serving FlowQL process ("FQL" in ASCII).
ADVISORY_LOCK_KEY = 0x46514C


class ServerAlreadyRunning(RuntimeError):
    """Another ``flowql serve`` already uses this database."""


@dataclass
class ServerLock:
    """A held lock; :meth:`release` gives it back (also when the process dies)."""

    fd: int | None = None
    connection: AsyncConnection | None = None

    async def release(self) -> None:
        """Give the lock back."""
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None
        if self.connection is not None:
            # The pool keeps the session open after close(), so unlock explicitly (a process
            # that dies ends its session, which releases the lock too).
            await self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            await self.connection.close()
            self.connection = None


_REFUSAL = (
    "another FlowQL server is already using this database; with in-process job backends only "
    "one server may serve a database"
)


def _flock_beside(database: str) -> int:
    """An exclusive ``flock`` on ``<real path of database>.serve.lock`` (one lock per real file,
    whatever link or relative path names it); its descriptor. Raises ServerAlreadyRunning."""
    path = os.path.realpath(database)
    fd = os.open(f"{path}.serve.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ServerAlreadyRunning(_REFUSAL) from None
    return fd


async def acquire_server_lock(engine: AsyncEngine, url: str) -> ServerLock:
    """Take the database's serving lock. Raises :class:`ServerAlreadyRunning` when it is held."""
    if url.startswith("sqlite"):
        if is_memory_sqlite(url):
            return ServerLock()
        return ServerLock(fd=_flock_beside(make_url(url).database or "flowql.db"))
    connection = await engine.connect()
    got = (
        await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    ).scalar()
    await connection.commit()
    if not got:
        await connection.close()
        raise ServerAlreadyRunning(_REFUSAL)
    return ServerLock(connection=connection)
