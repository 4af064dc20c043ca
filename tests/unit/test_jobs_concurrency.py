"""Twenty builds of one flow at once on SQLite: each carries only its own output, every message
lands in its own session, and no write fails with "database is locked"."""

from __future__ import annotations

import asyncio
import logging

import pytest

from flowql.resolvers import jobs
from flowql.resolvers.messages import list_messages
from flowql.resolvers.runs import RunParams
from flowql.services import AppServices
from tests.conftest import TestUser
from tests.flowbuilder import prompt_flow
from tests.unit._jobs_support import collect, jobs_ctx, make_flow

RUNS = 20


async def test_twenty_builds_at_once_stay_apart(
    services: AppServices, alice: TestUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, prompt_flow())
    started = await asyncio.gather(
        *(
            jobs.start_build(
                ctx, flow_id=flow.id, params=jobs.BuildParams(input_value=f"msg-{i}", session_id=f"s-{i}")
            )
            for i in range(RUNS)
        )
    )
    streams = await asyncio.gather(*(collect(ctx, job.id) for job in started))
    for i, (job, events) in enumerate(zip(started, streams, strict=True)):
        assert [r.event for r in events].count("end") == 1 and events[-1].event == "end", i
        assert "error" not in [r.event for r in events], i
        texts = [r.data["text"] for r in events if r.event == "add_message"]
        assert texts == [f"msg-{i}", f"You said: msg-{i}"]
        assert {r.data["session_id"] for r in events if r.event == "add_message"} == {f"s-{i}"}
        assert (await jobs.get_job(ctx, job_id=job.id)).status == "completed"
        stored = await list_messages(ctx, flow_id=flow.id, session_id=f"s-{i}")
        assert [m.text for m in stored] == [f"msg-{i}", f"You said: msg-{i}"]
    assert not [r for r in caplog.records if "locked" in r.getMessage() or r.exc_info]


async def test_twenty_run_jobs_at_once_each_get_their_own_result(
    services: AppServices, alice: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, prompt_flow())
    started = await asyncio.gather(
        *(
            jobs.start_run_job(
                ctx,
                flow_id_or_name=str(flow.id),
                params=RunParams(input_value=f"r-{i}", session_id=f"rs-{i}"),
            )
            for i in range(RUNS)
        )
    )
    streams = await asyncio.gather(*(collect(ctx, job.id) for job in started))
    for i, events in enumerate(streams):
        result = events[-1].data["result"]
        assert result["session_id"] == f"rs-{i}"
        assert result["outputs"][0]["outputs"][0]["results"]["message"]["text"] == f"You said: r-{i}"
