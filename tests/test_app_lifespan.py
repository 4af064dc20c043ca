"""``create_app(settings)`` on its own: the lifespan creates and migrates the database and, with
auto-login, the default superuser (what ``flowql serve`` does)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from flowql.app import create_app
from flowql.db.migrate import alembic_config
from flowql.db.models import Job, JobEvent, User
from flowql.jobs.server_lock import ServerAlreadyRunning, _flock_beside
from flowql.resolvers.users import create_user_in
from flowql.services import AppServices, start_services
from flowql.settings import Settings


async def test_lifespan_migrates_a_new_database_and_creates_the_auto_login_user(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", auto_login=True, secret_key="k" * 40)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        services: AppServices = app.state.services
        async with services.engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
        async with services.sessions() as session:
            user = await session.scalar(select(User).where(User.username == settings.superuser))
        assert user is not None and user.is_superuser
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            tokens = (await client.get("/api/v1/auto_login")).json()
            me = await client.post(
                "/graphql",
                json={"query": "{ me { username isSuperuser } }"},
                headers={"Authorization": f"Bearer {tokens['access_token']}"},
            )
        assert me.json()["data"]["me"] == {"username": settings.superuser, "isSuperuser": True}
    assert (tmp_path / "data" / "flowql.db").exists()


async def test_serving_ends_jobs_a_stopped_process_left_running(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", auto_login=True, secret_key="k" * 40)
    earlier = await start_services(settings)
    async with earlier.sessions() as session:
        user = await create_user_in(session, username="u", password="pw")
        job = Job(user_id=user.id, kind="build", status="running")
        session.add(job)
        await session.commit()
    await earlier.engine.dispose()  # the process "dies" without ending its job

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        services: AppServices = app.state.services
        async with services.sessions() as session:
            stored = await session.get(Job, job.id)
            events = list(await session.scalars(select(JobEvent.event).where(JobEvent.job_id == job.id)))
        assert stored is not None and stored.status == "failed"
        assert events[-1] == "end"


async def test_a_second_server_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", auto_login=True, secret_key="k" * 40)
    first = create_app(settings)
    async with first.router.lifespan_context(first):
        services: AppServices = first.state.services
        async with services.sessions() as session:
            user = await create_user_in(session, username="u", password="pw")
            job = Job(user_id=user.id, kind="build", status="running")
            session.add(job)
            await session.commit()
        second = create_app(settings)
        with pytest.raises(ServerAlreadyRunning):
            async with second.router.lifespan_context(second):
                pass
        async with services.sessions() as session:
            stored = await session.get(Job, job.id)
        assert stored is not None and stored.status == "running"  # the first server's job is untouched
    third = create_app(settings)  # once the first has stopped, a new server may start
    async with third.router.lifespan_context(third):
        pass


async def test_the_serve_lock_follows_links_to_the_same_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", auto_login=True, secret_key="k" * 40)
    first = create_app(settings)
    async with first.router.lifespan_context(first):
        link = tmp_path / "elsewhere.db"
        link.symlink_to(tmp_path / "data" / "flowql.db")
        aliased = Settings(database_url=f"sqlite:///{link}", data_dir=tmp_path / "other", secret_key="k" * 40)
        second = create_app(aliased)
        with pytest.raises(ServerAlreadyRunning):
            async with second.router.lifespan_context(second):
                pass


def test_flowql_serve_refuses_a_served_database_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    fd = _flock_beside(str(tmp_path / "data" / "flowql.db"))  # as a running server holds it
    try:
        env = {**os.environ, "FLOWQL_DATA_DIR": str(tmp_path / "data")}
        env.pop("FLOWQL_DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "flowql.cli", "serve", "--port", "1"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
    finally:
        os.close(fd)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: another FlowQL server is already using this database")
    assert done.stderr.count("\n") == 1
