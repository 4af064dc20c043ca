"""The same schema and flows on PostgreSQL (asyncpg), in a throwaway database.

Reads ``FLOWQL_TEST_POSTGRES_URL`` (``.ci/run`` exports it); skips when unset outside CI and
fails when it is unset under ``CI``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from flowql.app import create_app
from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.db.models import User
from flowql.db.session import create_engine
from flowql.resolvers.auth import create_api_key
from flowql.resolvers.users import create_user
from flowql.services import AppServices, start_services
from flowql.settings import Settings
from tests.flowbuilder import prompt_flow


def _postgres_url() -> str:
    url = os.environ.get("FLOWQL_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("FLOWQL_TEST_POSTGRES_URL is unset under CI")
        pytest.skip("FLOWQL_TEST_POSTGRES_URL is unset: PostgreSQL tests need a server")
    return Settings(database_url=url).resolved_database_url


@pytest.fixture
async def pg_services(tmp_path: object) -> AsyncIterator[AppServices]:
    """Services on a new, migrated PostgreSQL database that is dropped afterwards."""
    admin_url = make_url(_postgres_url())
    name = f"flowql_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url.render_as_string(hide_password=False))
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    settings = Settings(
        database_url=admin_url.set(database=name).render_as_string(hide_password=False),
        auto_login=False,
        secret_key="pg-test-secret-" + "y" * 32,
        data_dir=tmp_path,
    )
    services = await start_services(settings)
    try:
        yield services
    finally:
        await services.close()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_migrations_apply_twice_on_postgres(pg_services: AppServices) -> None:
    from flowql.db.migrate import migrate

    await migrate(pg_services.engine)  # already at head: a no-op
    async with pg_services.engine.connect() as conn:
        tables = set(
            (await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'"))).scalars()
        )
    assert {"user", "api_key", "project", "flow", "message", "job", "job_event"} <= tables


async def test_flow_round_trip_and_run_on_postgres(pg_services: AppServices) -> None:
    ctx = Context(settings=pg_services.settings, sessions=pg_services.sessions)
    user = await create_user(ctx, username="pg-user", password="pw-pg-user")
    principal = Principal(user.id, user.username, False, "api_key")
    key = await create_api_key(replace(ctx, principal=principal), name="pg")
    headers = {"x-api-key": key.secret}
    app = create_app(services=pg_services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        body = prompt_flow("pg prompt")
        created = await client.post("/api/v1/flows/", json=body, headers=headers)
        assert created.status_code == 201, created.text
        flow_id = created.json()["id"]
        read = await client.get(f"/api/v1/flows/{flow_id}", headers=headers)
        assert read.json()["data"] == body["data"]
        run = await client.post(
            f"/api/v1/run/{flow_id}", json={"input_value": "hi", "session_id": "pg-s"}, headers=headers
        )
        assert run.status_code == 200, run.text
        result = run.json()["outputs"][0]["outputs"][0]["results"]["message"]
        assert result["text"] == "You said: hi"
        messages = await client.get(
            "/api/v1/monitor/messages", params={"flow_id": flow_id, "session_id": "pg-s"}, headers=headers
        )
        assert [m["text"] for m in messages.json()] == ["hi", "You said: hi"]


async def test_postgres_refuses_unstorable_text_with_a_clean_422(pg_services: AppServices) -> None:
    ctx = Context(settings=pg_services.settings, sessions=pg_services.sessions)
    user = await create_user(ctx, username="pg-text", password="pw-pg-text")
    key = await create_api_key(
        replace(ctx, principal=Principal(user.id, user.username, False, "api_key")), name="k"
    )
    headers = {"x-api-key": key.secret}
    app = create_app(services=pg_services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        flow = (await client.post("/api/v1/flows/", json=prompt_flow("pg text"), headers=headers)).json()
        attempts = [
            await client.post(
                f"/api/v1/run/{flow['id']}",
                json={"input_value": "my secret", "session_id": "s" * 300},
                headers=headers,
            ),
            await client.post(f"/api/v1/run/{flow['id']}", json={"input_value": "a\u0000b"}, headers=headers),
            await client.post("/api/v1/flows/", json={"name": "a\u0000b"}, headers=headers),
            await client.get("/api/v1/monitor/messages", params={"session_id": "a\u0000b"}, headers=headers),
        ]
        for r in attempts:
            assert r.status_code == 422, r.text
            assert "INSERT" not in r.text and "SELECT" not in r.text and "my secret" not in r.text
        messages = await client.get(
            "/api/v1/monitor/messages", params={"flow_id": flow["id"]}, headers=headers
        )
        assert messages.json() == []


async def test_one_server_per_postgres_database(pg_services: AppServices) -> None:
    from flowql.jobs.server_lock import ServerAlreadyRunning, acquire_server_lock

    url = pg_services.settings.resolved_database_url
    held = await acquire_server_lock(pg_services.engine, url)
    try:
        with pytest.raises(ServerAlreadyRunning):
            await acquire_server_lock(pg_services.engine, url)
    finally:
        await held.release()
    again = await acquire_server_lock(pg_services.engine, url)
    await again.release()


async def test_two_superusers_demoting_themselves_at_once_leave_one_on_postgres(
    pg_services: AppServices,
) -> None:
    ctx = Context(settings=pg_services.settings, sessions=pg_services.sessions)
    headers = []
    for name in ("pg-root", "pg-ops"):
        user = await create_user(ctx, username=name, password=f"pw-{name}", is_superuser=True)
        key = await create_api_key(
            replace(ctx, principal=Principal(user.id, name, True, "api_key")), name="k"
        )
        headers.append((user.id, {"x-api-key": key.secret}))
    app = create_app(services=pg_services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:

        async def demote(user_id: uuid.UUID, h: dict[str, str]) -> int:
            r = await client.patch(f"/api/v1/users/{user_id}", json={"is_superuser": False}, headers=h)
            return r.status_code

        statuses = sorted(await asyncio.gather(*(demote(uid, h) for uid, h in headers)))
    assert statuses == [200, 409]
    async with pg_services.sessions() as session:
        supers = list(await session.scalars(select(User.username).where(User.is_superuser.is_(True))))
    assert len(supers) == 1


async def test_project_deletes_racing_moves_on_postgres(pg_services: AppServices) -> None:
    """The row-locked project delete (FOR UPDATE) on PostgreSQL: one of two deletes succeeds, a
    flow moved out in the same instant either stays (move 200) or is gone (move 404)."""
    ctx = Context(settings=pg_services.settings, sessions=pg_services.sessions)
    user = await create_user(ctx, username="pg-deleter", password="pw-pg-deleter")
    principal = Principal(user.id, user.username, False, "api_key")
    key = await create_api_key(replace(ctx, principal=principal), name="pg")
    headers = {"x-api-key": key.secret}
    app = create_app(services=pg_services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        doomed = (await client.post("/api/v1/projects/", json={"name": "doomed"}, headers=headers)).json()
        safe = (await client.post("/api/v1/projects/", json={"name": "safe"}, headers=headers)).json()
        flows = []
        for i in range(4):
            body = {**prompt_flow(f"pg-{i}"), "folder_id": doomed["id"]}
            flows.append((await client.post("/api/v1/flows/", json=body, headers=headers)).json()["id"])
        moves = [
            client.patch(f"/api/v1/flows/{f}", json={"folder_id": safe["id"]}, headers=headers) for f in flows
        ]
        deletes = [client.delete(f"/api/v1/projects/{doomed['id']}", headers=headers) for _ in range(2)]
        *moved, first, second = await asyncio.gather(*moves, *deletes)
        assert sorted([first.status_code, second.status_code]) == [204, 404]
        for flow_id, r in zip(flows, moved, strict=True):
            after = await client.get(f"/api/v1/flows/{flow_id}", headers=headers)
            assert (r.status_code, after.status_code) in {(200, 200), (404, 404)}, (r.text, after.text)
