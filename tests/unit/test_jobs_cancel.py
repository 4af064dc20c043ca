"""Cancelling a job reaches the running component; other jobs keep running; a second cancel is
harmless."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from flowql.db.models import Span, Trace
from flowql.engine import Component, ComponentContext, ComponentResult, registry
from flowql.errors import NotFound
from flowql.resolvers import jobs
from flowql.resolvers.flows import delete_flow
from flowql.services import AppServices
from tests.conftest import TestUser
from tests.flowbuilder import chat_in, echo_flow, edge, flow, node
from tests.unit._jobs_support import HANG_GUARD, collect, jobs_ctx, make_flow


class SleepProbe:
    """What the sleeping component saw."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()


@pytest.fixture
def sleeper() -> Iterator[SleepProbe]:
    """Registers ``TestSleepUntilCancelled`` in the global registry (removed afterwards)."""
    probe = SleepProbe()

    class SleepUntilCancelled(Component):
        display_name = "Sleep"

        async def run(self, ctx: ComponentContext) -> ComponentResult:
            probe.started.set()
            try:
                await asyncio.Event().wait()  # forever, until cancelled
            except asyncio.CancelledError:
                probe.cancelled.set()
                raise
            return ComponentResult({"text": "never"})

    registry.register("TestSleepUntilCancelled")(SleepUntilCancelled)
    yield probe
    registry.unregister("TestSleepUntilCancelled")


def sleepy_flow() -> dict[str, object]:
    return flow(
        "sleepy",
        [
            chat_in("ChatInput-s", ""),
            node("Sleep-1", "TestSleepUntilCancelled", {"input_value": ""}, ["text"]),
        ],
        [edge("ChatInput-s", "message", "Sleep-1", "input_value")],
    )


async def test_cancel_reaches_the_component_and_other_jobs_run_on(
    services: AppServices, alice: TestUser, sleeper: SleepProbe
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    slow_flow = await make_flow(ctx, sleepy_flow())
    fast_flow = await make_flow(ctx, echo_flow())
    slow = await jobs.start_build(ctx, flow_id=slow_flow.id, params=jobs.BuildParams(input_value="zz"))
    async with asyncio.timeout(HANG_GUARD):
        await sleeper.started.wait()

    fast = await jobs.start_build(ctx, flow_id=fast_flow.id, params=jobs.BuildParams(input_value="quick"))
    fast_events = await collect(ctx, fast.id)
    assert fast_events[-1].event == "end"
    assert (await jobs.get_job(ctx, job_id=fast.id)).status == "completed"
    assert (await jobs.get_job(ctx, job_id=slow.id)).status == "running"  # still asleep meanwhile
    assert not sleeper.cancelled.is_set()

    watcher = asyncio.create_task(collect(ctx, slow.id))
    assert await jobs.cancel_job(ctx, job_id=slow.id) is True
    assert sleeper.cancelled.is_set()
    events = await watcher
    assert [r.event for r in events][-2:] == ["error", "end"]
    assert events[-2].data["code"] == "CANCELLED"
    assert [r.event for r in events].count("end") == 1
    cancelled = await jobs.get_job(ctx, job_id=slow.id)
    assert cancelled.status == "cancelled" and cancelled.finished_at is not None
    assert not services.jobs.runner.is_running(slow.id)

    assert await jobs.cancel_job(ctx, job_id=slow.id) is False
    assert await jobs.cancel_job(ctx, job_id=fast.id) is False
    assert [r.event for r in await jobs.job_events(ctx, job_id=slow.id)] == [r.event for r in events]

    async with services.sessions() as session:
        trace = await session.scalar(select(Trace).where(Trace.job_id == slow.id))
        assert trace is not None and trace.status == "error"
        spans = {s.vertex_id: s for s in await session.scalars(select(Span).where(Span.trace_id == trace.id))}
    assert spans["ChatInput-s"].status == "ok"
    assert spans["Sleep-1"].status == "error" and spans["Sleep-1"].error == "Cancelled"


async def test_closing_the_services_cancels_running_jobs(
    services: AppServices, alice: TestUser, sleeper: SleepProbe
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    slow_flow = await make_flow(ctx, sleepy_flow())
    slow = await jobs.start_build(ctx, flow_id=slow_flow.id, params=jobs.BuildParams(input_value="zz"))
    async with asyncio.timeout(HANG_GUARD):
        await sleeper.started.wait()
    await services.jobs.close()
    assert sleeper.cancelled.is_set()
    events = await jobs.job_events(ctx, job_id=slow.id)
    assert [r.event for r in events][-2:] == ["error", "end"]
    assert (await jobs.get_job(ctx, job_id=slow.id)).status == "cancelled"


async def test_a_job_left_running_by_a_gone_process_can_be_cancelled(
    services: AppServices, alice: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    fast_flow = await make_flow(ctx, echo_flow())
    from flowql.db.models import Job

    async with services.sessions() as session:
        orphan = Job(user_id=alice.id, flow_id=fast_flow.id, kind="build", status="running")
        session.add(orphan)
        await session.commit()
    watcher = asyncio.create_task(collect(ctx, orphan.id))
    assert await jobs.cancel_job(ctx, job_id=orphan.id) is True
    assert [r.event for r in await watcher] == ["error", "end"]
    assert (await jobs.get_job(ctx, job_id=orphan.id)).status == "cancelled"
    assert await jobs.cancel_job(ctx, job_id=orphan.id) is False


async def test_deleting_a_flow_cancels_its_running_jobs_first(
    services: AppServices, alice: TestUser, sleeper: SleepProbe
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow_row = await make_flow(ctx, sleepy_flow())
    job = await jobs.start_build(ctx, flow_id=flow_row.id, params=jobs.BuildParams(input_value="x"))
    watcher = asyncio.create_task(collect(ctx, job.id))
    await asyncio.wait_for(sleeper.started.wait(), HANG_GUARD)
    await delete_flow(ctx, flow_id=flow_row.id)
    assert sleeper.cancelled.is_set()  # the component stopped before the flow went away
    events = await asyncio.wait_for(watcher, HANG_GUARD)
    assert [e.event for e in events[-2:]] == ["error", "end"]
    assert not services.jobs.runner.is_running(job.id)
    with pytest.raises(NotFound):
        await jobs.get_job(ctx, job_id=job.id)  # gone with its flow
