"""Async engine and session factory.

SQLite gets WAL mode, foreign keys and a busy timeout on every connection; an in-memory SQLite
database (``sqlite+aiosqlite://`` or ``:memory:``) uses one shared connection so it lives as
long as the engine. A SQLite file keeps ``SQLITE_POOL_SIZE`` connections for reuse and opens
more on demand, never making a session wait for one: with a bounded pool, sessions waiting for
SQLite's write lock could hold every pooled connection while the lock's holder waited for one,
stalling every request for the busy timeout (issue 8: runs racing a project delete).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: SQLite file connections kept open for reuse; more are opened (and closed after use) on demand.
SQLITE_POOL_SIZE = 10


def is_memory_sqlite(url: str) -> bool:
    """True for an in-memory SQLite URL."""
    return url.startswith("sqlite") and (
        url.rstrip("/").endswith(":") or ":memory:" in url or url.endswith("://")
    )


def create_engine(url: str) -> AsyncEngine:
    """Create the async engine for ``url`` (an already-resolved SQLAlchemy async URL)."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if is_memory_sqlite(url):
            kwargs["poolclass"] = StaticPool
        else:  # no wait for a connection: see the module docstring
            kwargs.update(pool_size=SQLITE_POOL_SIZE, max_overflow=-1)
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        memory = is_memory_sqlite(url)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
