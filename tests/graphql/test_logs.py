"""Subscription ``logs``: superusers only (UNAUTHENTICATED without a principal, FORBIDDEN for an
ordinary user), each line redacted, over the schema and over a real websocket."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator

import pytest
from fastapi import FastAPI
from sqlalchemy import update
from strawberry.types import ExecutionResult

from flowql.auth.api_keys import generate_api_key
from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.db.models import User
from flowql.schema.build import build_schema
from flowql.schema.context import GraphQLContext
from flowql.services import AppServices
from tests.conftest import MakeUser
from tests.graphql.jobs_support import HANG_GUARD
from tests.graphql.ws_client import PROTOCOLS, authenticated
from tests.live_server import LiveServer

LOGS = "subscription { logs }"


async def _subscribe(
    services: AppServices, principal: Principal | None
) -> AsyncGenerator[ExecutionResult, None]:
    context = GraphQLContext(
        Context(
            settings=services.settings, sessions=services.sessions, principal=principal, jobs=services.jobs
        )
    )
    stream = await build_schema().subscribe(LOGS, context_value=context)
    assert not isinstance(stream, ExecutionResult), stream
    return stream


def _codes(result: ExecutionResult) -> list[str | None]:
    return [e.extensions.get("code") if e.extensions else None for e in result.errors or []]


async def test_logs_needs_a_principal_and_a_superuser(services: AppServices, make_user: MakeUser) -> None:
    stream = await _subscribe(services, None)
    assert [_codes(r) async for r in stream] == [["UNAUTHENTICATED"]]
    ordinary = await make_user("plain")
    stream = await _subscribe(services, ordinary.principal)
    results = [r async for r in stream]
    assert [_codes(r) for r in results] == [["FORBIDDEN"]]
    assert results[0].errors is not None
    assert results[0].errors[0].message == "The user doesn't have enough privileges"


async def test_a_superuser_receives_new_lines_redacted(
    app: FastAPI, services: AppServices, make_user: MakeUser
) -> None:
    """(``app``: creating the app installs the logging.)"""
    admin = await make_user("root", superuser=True)
    stream = await _subscribe(services, admin.principal)
    key = generate_api_key()
    marker = f"gql-{uuid.uuid4().hex}"
    async with asyncio.timeout(HANG_GUARD):
        first = asyncio.ensure_future(anext(stream))
        while not first.done():  # log until the subscription, started meanwhile, sees a line
            logging.getLogger("flowql.test").warning("%s password=%s key %s", marker, "hunter2-secret", key)
            await asyncio.wait([first], timeout=0.5)
        seen = [first.result()]
        while not any(marker in (r.data or {}).get("logs", "") for r in seen):
            seen.append(await anext(stream))
    await stream.aclose()
    line = next(r.data["logs"] for r in seen if r.data and marker in r.data["logs"])
    assert line.endswith(f"WARNING flowql.test: {marker} password=*** key sk-***")
    assert key not in line and "hunter2-secret" not in line


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_logs_over_a_websocket(protocol: str, live_server: LiveServer, make_user: MakeUser) -> None:
    admin = await make_user("wsroot", superuser=True)
    plain = await make_user("wsplain")
    marker = f"ws-{uuid.uuid4().hex}"
    async with authenticated(live_server.ws_url, protocol, {"x-api-key": plain.api_key}) as client:
        await client.subscribe("1", LOGS, {})
        refused = await client.next_result("1")
        assert refused is not None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with authenticated(live_server.ws_url, protocol, {"x-api-key": admin.api_key}) as client:
        await client.subscribe("1", LOGS, {})
        async with asyncio.timeout(HANG_GUARD):
            while True:
                logging.getLogger("flowql.test").warning(marker)
                try:
                    result = await asyncio.wait_for(client.next_result("1"), 0.5)
                except TimeoutError:
                    continue
                assert result is not None and not result.get("errors"), result
                if marker in result["data"]["logs"]:
                    break


@pytest.mark.parametrize("change", [{"is_superuser": False}, {"is_active": False}])
async def test_the_subscription_completes_when_the_superuser_is_demoted_or_deactivated(
    app: FastAPI,
    services: AppServices,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, bool],
) -> None:
    monkeypatch.setattr("flowql.resolvers.logs.RECHECK_SECONDS", 0.1)
    admin = await make_user("demoted", superuser=True)
    stream = await _subscribe(services, admin.principal)
    marker = f"gql-demote-{uuid.uuid4().hex}"
    async with asyncio.timeout(HANG_GUARD):
        first = asyncio.ensure_future(anext(stream))
        while not first.done():  # log until the subscription, started meanwhile, sees a line
            logging.getLogger("flowql.test").warning(marker)
            await asyncio.wait([first], timeout=0.2)
        assert first.result().errors is None
        async with services.sessions() as session:
            await session.execute(update(User).where(User.id == admin.principal.user_id).values(**change))
            await session.commit()
        later = [r async for r in stream]  # completes by itself
    assert all(r.errors is None for r in later), later  # lines until the check, then the end
