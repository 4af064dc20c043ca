"""Cancelling a running build over REST, and what dropping a ``GET .../events`` stream does
(nothing), on a real server with a test-only component that waits until released."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from flowql.context import Context
from flowql.db.models import Job
from flowql.jobs import InProcessEventBus
from flowql.resolvers import jobs
from flowql.services import AppServices
from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.build_capture import body_events, start_build, stream_events
from tests.rest_compat.slow_component import WAIT, SlowControl, slow, slow_flow

__all__ = ["slow"]  # the fixture, imported for pytest

CtxFor = Callable[[TestUser], Context]


@pytest.fixture
def ctx_for(services: AppServices) -> CtxFor:
    """A resolver Context acting as the given user, with the app's job services."""

    def build(user: TestUser) -> Context:
        return Context(
            settings=services.settings,
            sessions=services.sessions,
            principal=user.principal,
            jobs=services.jobs,
        )

    return build


async def _status(ctx: Context, job_id: str) -> str:
    job = await jobs.get_job(ctx, job_id=uuid.UUID(job_id))
    return str(job.status)


async def _wait_status(ctx: Context, job_id: str, wanted: str) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            if await _status(ctx, job_id) == wanted:
                return
            await asyncio.sleep(0.02)


async def test_cancel_ends_the_stream_and_replays(
    slow: SlowControl, live_client: httpx.AsyncClient, alice: TestUser, ctx_for: CtxFor
) -> None:
    flow = await create_flow_rest(live_client, alice.headers, slow_flow())
    job_id = await start_build(live_client, alice.headers, flow["id"], delivery="streaming")
    seen: list[dict[str, object]] = []

    async def read_stream() -> None:
        async with live_client.stream("GET", f"/api/v1/build/{job_id}/events", headers=alice.headers) as r:
            assert r.status_code == 200
            seen.extend(body_events("\n".join([line async for line in r.aiter_lines()])))

    reader = asyncio.create_task(read_stream())
    await slow.wait_started()
    assert await _status(ctx_for(alice), job_id) == "running"

    r = await live_client.post(f"/api/v1/build/{job_id}/cancel", headers=alice.headers)
    assert r.status_code == 200
    assert r.json() == {"success": True, "message": "Flow build cancelled successfully"}
    await asyncio.wait_for(reader, WAIT)
    await slow.wait_cancelled()

    names = [e["event"] for e in seen]
    assert names[-2:] == ["error", "end"]
    assert names.count("end") == 1
    assert await _status(ctx_for(alice), job_id) == "cancelled"

    again = await live_client.post(f"/api/v1/build/{job_id}/cancel", headers=alice.headers)
    assert again.status_code == 200
    assert again.json()["success"] is True
    replay = body_events((await stream_events(live_client, alice.headers, job_id)).text)
    assert replay == seen


async def test_fast_build_finishes_while_a_slow_one_sleeps(
    slow: SlowControl, shared_dir: Path, live_client: httpx.AsyncClient, alice: TestUser, ctx_for: CtxFor
) -> None:
    sleeper = await create_flow_rest(live_client, alice.headers, slow_flow())
    sleeping = await start_build(live_client, alice.headers, sleeper["id"])
    await slow.wait_started()
    echo = await create_flow_rest(live_client, alice.headers, load_case(shared_dir, "echo").flow)
    r = await live_client.post(
        f"/api/v1/build/{echo['id']}/flow", params={"event_delivery": "direct"}, headers=alice.headers
    )
    assert body_events(r.text)[-1]["event"] == "end"
    assert await _status(ctx_for(alice), sleeping) == "running"
    await live_client.post(f"/api/v1/build/{sleeping}/cancel", headers=alice.headers)
    await _wait_status(ctx_for(alice), sleeping, "cancelled")


async def test_dropping_the_event_stream_does_not_cancel(
    slow: SlowControl,
    services: AppServices,
    live_client: httpx.AsyncClient,
    alice: TestUser,
    ctx_for: CtxFor,
) -> None:
    flow = await create_flow_rest(live_client, alice.headers, slow_flow())
    job_id = await start_build(live_client, alice.headers, flow["id"], delivery="streaming")
    async with live_client.stream("GET", f"/api/v1/build/{job_id}/events", headers=alice.headers) as r:
        lines = r.aiter_lines()
        first = await anext(lines)
        assert '"vertices_sorted"' in first
        await slow.wait_started()
    # the connection is closed: wait until the server has let go of its subscription
    bus = services.jobs.bus
    assert isinstance(bus, InProcessEventBus)
    async with asyncio.timeout(WAIT):
        while True:
            if bus.subscriber_count(uuid.UUID(job_id)) == 0:
                break
            await asyncio.sleep(0.02)
    assert await _status(ctx_for(alice), job_id) == "running"
    assert not slow.cancelled.is_set()
    slow.release.set()
    await _wait_status(ctx_for(alice), job_id, "completed")
    assert not slow.cancelled.is_set()
    events = body_events((await stream_events(live_client, alice.headers, job_id)).text)
    assert [e["event"] for e in events][-1] == "end"
    assert "error" not in [e["event"] for e in events]


async def test_dropping_a_direct_build_cancels_it(
    slow: SlowControl, services: AppServices, live_client: httpx.AsyncClient, alice: TestUser
) -> None:
    # with event_delivery=direct the job id is never handed out: the stream is the only handle
    flow = await create_flow_rest(live_client, alice.headers, slow_flow())
    url = f"/api/v1/build/{flow['id']}/flow?event_delivery=direct"
    async with live_client.stream(
        "POST", url, json={"inputs": {"input_value": "hi"}}, headers=alice.headers
    ) as r:
        assert r.status_code == 200
        assert '"vertices_sorted"' in await anext(r.aiter_lines())
        await slow.wait_started()
    await slow.wait_cancelled()
    query = select(Job).where(Job.user_id == alice.id, Job.kind == "build")
    async with asyncio.timeout(WAIT):
        while True:
            async with services.sessions() as session:
                job = (await session.scalars(query)).one()
            if job.status == "cancelled":
                break
            await asyncio.sleep(0.02)
