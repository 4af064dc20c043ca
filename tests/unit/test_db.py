"""Database set-up: SQLite pragmas, users with their default project, unique usernames."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from flowql.context import Context
from flowql.db.models import Project
from flowql.errors import Conflict, InvalidInput
from flowql.resolvers.users import DEFAULT_PROJECT_NAME, create_user
from flowql.services import AppServices


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_busy_timeout(services: AppServices) -> None:
    async with services.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30_000


async def test_new_user_gets_one_default_project(services: AppServices) -> None:
    ctx = Context(settings=services.settings, sessions=services.sessions)
    user = await create_user(ctx, username="carol", password="pw")
    async with services.sessions() as session:
        projects = (await session.scalars(select(Project).where(Project.user_id == user.id))).all()
    assert [(p.name, p.is_default) for p in projects] == [(DEFAULT_PROJECT_NAME, True)]


async def test_duplicate_username_conflicts_and_keeps_the_first(services: AppServices) -> None:
    ctx = Context(settings=services.settings, sessions=services.sessions)
    first = await create_user(ctx, username="dave", password="pw1")
    with pytest.raises(Conflict):
        await create_user(ctx, username="dave", password="pw2")
    with pytest.raises(InvalidInput):
        await create_user(ctx, username="  ", password="pw")
    async with services.sessions() as session:
        count = (await session.scalars(select(Project).where(Project.user_id == first.id))).all()
    assert len(count) == 1


async def test_models_and_migrations_agree(services: AppServices) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from flowql.db.base import Base

    async with services.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert diff == []


async def test_timestamps_read_back_as_utc_on_sqlite(services: AppServices) -> None:
    from datetime import UTC

    ctx = Context(settings=services.settings, sessions=services.sessions)
    user = await create_user(ctx, username="erin", password="pw")
    async with services.sessions() as session:
        project = await session.scalar(select(Project).where(Project.user_id == user.id))
    assert project is not None and project.created_at.tzinfo == UTC
