"""Shared fixtures: a fresh migrated SQLite database per test (copied from a template migrated
once), the app over ``httpx.ASGITransport``, and users with API keys.

``shared_dir`` finds ``../shared`` (or ``FLOWQL_SHARED_DIR``); tests that need it skip when it
is absent, except under ``CI`` where they fail.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from flowql.app import create_app
from flowql.auth import passwords
from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.db.migrate import migrate
from flowql.db.session import create_engine
from flowql.resolvers.auth import create_api_key
from flowql.resolvers.users import create_user
from flowql.services import AppServices, start_services
from flowql.settings import Settings
from tests import shared_files
from tests.shared_files import require_shared

pytest_plugins = ["tests.live_server", "tests.model_server", "tests.web_server", "tests.anthropic_server"]


@pytest.fixture(autouse=True, scope="session")
def cheap_argon2() -> Iterator[None]:
    """argon2 with the cheapest parameters for the test run (about 3 ms a hash instead of about
    200 ms on a loaded 2-core machine): the same code paths, hashes still ``$argon2id$``, and
    verification reads the parameters from each hash. Production keeps argon2-cffi's defaults."""
    saved = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("flowql-dummy-password")
    yield
    passwords._hasher, passwords._DUMMY_HASH = saved


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference folder; skips without it (fails under CI)."""
    require_shared("flows")
    return shared_files.shared_dir()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per test session."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
def settings(tmp_path: Path, template_db: Path) -> Settings:
    """Settings on a fresh copy of the template database; auto-login off."""
    db = tmp_path / "flowql.db"
    shutil.copy(template_db, db)
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{db}",
        auto_login=False,
        secret_key="test-secret-key-" + "x" * 32,
    )


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[AppServices]:
    """Started services (no migration needed: the copy is already at head)."""
    svc = await start_services(settings, run_migrations=False)
    yield svc
    await svc.close()


@pytest.fixture
def app(services: AppServices) -> FastAPI:
    """The FastAPI app on the test services."""
    return create_app(services=services)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An unauthenticated HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class TestUser:
    """A user made for a test, with an API key and ready-made headers."""

    __test__ = False

    id: uuid.UUID
    username: str
    password: str
    api_key: str
    headers: dict[str, str]
    principal: Principal


MakeUser = Callable[..., Awaitable[TestUser]]


@pytest.fixture
def make_user(services: AppServices) -> MakeUser:
    """``await make_user("name", superuser=False)`` → a TestUser with an API key."""

    async def make(username: str | None = None, *, superuser: bool = False) -> TestUser:
        username = username or f"user-{uuid.uuid4().hex[:8]}"
        password = "pw-" + uuid.uuid4().hex
        ctx = Context(settings=services.settings, sessions=services.sessions)
        user = await create_user(ctx, username=username, password=password, is_superuser=superuser)
        principal = Principal(user.id, user.username, user.is_superuser, "api_key")
        created = await create_api_key(
            Context(settings=services.settings, sessions=services.sessions, principal=principal), name="test"
        )
        return TestUser(
            id=user.id,
            username=username,
            password=password,
            api_key=created.secret,
            headers={"x-api-key": created.secret},
            principal=principal,
        )

    return make


@pytest.fixture
async def alice(make_user: MakeUser) -> TestUser:
    """User A."""
    return await make_user("alice")


@pytest.fixture
async def bob(make_user: MakeUser) -> TestUser:
    """User B."""
    return await make_user("bob")


@pytest.fixture
def ctx_for(services: AppServices) -> Callable[[TestUser], Context]:
    """A resolver Context acting as the given user."""

    def build(user: TestUser) -> Context:
        return Context(settings=services.settings, sessions=services.sessions, principal=user.principal)

    return build
