"""Process-wide services built once at start-up and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from flowql.auth.key_usage import ApiKeyUsage
from flowql.db.migrate import migrate
from flowql.db.session import create_engine, create_session_factory, is_memory_sqlite
from flowql.jobs import JobServices
from flowql.settings import Settings


@dataclass
class AppServices:
    """The settings, the database engine and its session factory, the job services (event bus +
    runner) and the API-key usage counter of this process."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    jobs: JobServices = field(default_factory=JobServices)
    key_usage: ApiKeyUsage = field(init=False)

    def __post_init__(self) -> None:
        self.key_usage = ApiKeyUsage(self.sessions)

    async def close(self) -> None:
        """Cancel the jobs still running (each stores its end), write the counted API-key uses,
        then dispose of the engine's connections."""
        try:
            await self.jobs.close()
            await self.key_usage.close()
        finally:
            await self.engine.dispose()


async def start_services(settings: Settings, *, run_migrations: bool = True) -> AppServices:
    """Open the database (creating ``data_dir`` for a file database) and migrate it.

    Raises FileNotFoundError when a SQLite file's folder does not exist, and the driver's or
    SQLAlchemy's error when the database cannot be opened (the engine is disposed first).
    """
    url = settings.resolved_database_url
    if url.startswith("sqlite") and str(settings.data_dir) in url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite") and not is_memory_sqlite(url):
        folder = Path(make_url(url).database or ".").parent
        if not folder.is_dir():
            raise FileNotFoundError(f"the folder {folder} of the SQLite database does not exist")
    engine = create_engine(url)
    if run_migrations:
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
    return AppServices(settings=settings, engine=engine, sessions=create_session_factory(engine))
