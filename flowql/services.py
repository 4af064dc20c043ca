"""Process-wide services built once at start-up and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from flowql.db.migrate import migrate
from flowql.db.session import create_engine, create_session_factory
from flowql.settings import Settings


@dataclass
class AppServices:
    """The settings, the database engine and its session factory."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def close(self) -> None:
        """Dispose of the engine's connections."""
        await self.engine.dispose()


async def start_services(settings: Settings, *, run_migrations: bool = True) -> AppServices:
    """Open the database (creating ``data_dir`` for a file database) and migrate it."""
    url = settings.resolved_database_url
    if url.startswith("sqlite") and str(settings.data_dir) in url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if run_migrations:
        await migrate(engine)
    return AppServices(settings=settings, engine=engine, sessions=create_session_factory(engine))
