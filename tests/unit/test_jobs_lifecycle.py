"""Jobs are durable and private: they survive the process, polls never hang, other users and
anonymous callers cannot see them; public builds, ``data`` overrides and run jobs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flowql.db.models import Span, Trace, Transaction
from flowql.errors import InvalidInput, NotFound, Unauthenticated
from flowql.resolvers import jobs
from flowql.resolvers.flows import update_flow
from flowql.resolvers.job_builds import public_session_id
from flowql.resolvers.messages import list_messages
from flowql.resolvers.runs import RunParams, run_flow
from flowql.services import AppServices, start_services
from flowql.settings import Settings
from tests.conftest import TestUser
from tests.flowbuilder import echo_flow, prompt_flow
from tests.unit._jobs_support import collect, jobs_ctx, make_flow


async def test_jobs_survive_the_process(settings: Settings, services: AppServices, alice: TestUser) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, prompt_flow())
    job = await jobs.start_build(ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="durable"))
    first = await collect(ctx, job.id)
    await services.close()

    again = await start_services(settings)
    try:
        ctx2 = jobs_ctx(again, alice.principal)
        stored = await jobs.get_job(ctx2, job_id=job.id)
        assert stored.status == "completed" and stored.kind == "build" and stored.flow_id == flow.id
        events = await jobs.job_events(ctx2, job_id=job.id)
        assert [(r.sequence, r.event, r.data) for r in events] == [
            (r.sequence, r.event, r.data) for r in first
        ]
        assert [r.sequence for r in await jobs.job_events(ctx2, job_id=job.id, after=2, limit=3)] == [3, 4, 5]
        polled = await jobs.poll_job_events(ctx2, job_id=job.id)
        assert [r.sequence for r in polled] == [r.sequence for r in first]
        replay = await collect(ctx2, job.id, after=3)
        assert [r.sequence for r in replay] == [r.sequence for r in first][3:]
        assert replay[-1].terminal and replay[-1].event == jobs.TERMINAL_EVENT
    finally:
        await again.close()


async def test_poll_pointer_is_stored_and_a_poll_after_the_end_answers_at_once(
    services: AppServices, alice: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, echo_flow())
    job = await jobs.start_build(ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="p"))
    seen: list[jobs.JobEventRecord] = []
    for _ in range(200):  # a hang guard: each poll returns within about a second
        seen.extend(await jobs.poll_job_events(ctx, job_id=job.id))
        if seen and seen[-1].terminal:
            break
    assert [r.sequence for r in seen] == list(range(1, len(seen) + 1))
    assert seen[-1].event == "end"
    assert (await jobs.get_job(ctx, job_id=job.id)).poll_cursor == seen[-1].sequence
    for _ in range(2):
        again = await jobs.poll_job_events(ctx, job_id=job.id)
        assert [(r.sequence, r.event) for r in again] == [(seen[-1].sequence, "end")]


async def test_another_user_and_no_credentials_get_nothing(
    services: AppServices, alice: TestUser, bob: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, echo_flow())
    job = await jobs.start_build(ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="mine"))
    await collect(ctx, job.id)
    other = jobs_ctx(services, bob.principal)
    with pytest.raises(NotFound, match="Job not found"):
        await jobs.get_job(other, job_id=job.id)
    with pytest.raises(NotFound):
        await jobs.job_events(other, job_id=job.id)
    with pytest.raises(NotFound):
        await jobs.poll_job_events(other, job_id=job.id)
    with pytest.raises(NotFound):
        await collect(other, job.id)
    with pytest.raises(NotFound):
        await jobs.cancel_job(other, job_id=job.id)
    with pytest.raises(NotFound):
        await jobs.get_job(other, job_id=job.id, client_id="any-client")
    with pytest.raises(NotFound, match="Flow not found"):
        await jobs.start_build(other, flow_id=flow.id, params=jobs.BuildParams())
    anonymous = jobs_ctx(services)
    with pytest.raises(Unauthenticated):
        await jobs.get_job(anonymous, job_id=job.id)
    with pytest.raises(Unauthenticated):
        await jobs.start_build(anonymous, flow_id=flow.id, params=jobs.BuildParams())
    assert (await jobs.get_job(ctx, job_id=job.id)).status == "completed"


async def test_public_build_runs_as_the_owner_and_is_keyed_by_client_id(
    services: AppServices, alice: TestUser, bob: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    private = await make_flow(ctx, echo_flow("private"))
    public = await make_flow(ctx, {**echo_flow("public"), "access_type": "PUBLIC"})
    anonymous = jobs_ctx(services)
    params = jobs.BuildParams(input_value="from outside", session_id="pub-s")
    with pytest.raises(NotFound):
        await jobs.start_public_build(anonymous, flow_id=private.id, params=params, client_id="c1")
    with pytest.raises(InvalidInput):
        await jobs.start_public_build(
            anonymous,
            flow_id=public.id,
            params=jobs.BuildParams(data={"nodes": [], "edges": []}),
            client_id="c1",
        )
    job = await jobs.start_public_build(anonymous, flow_id=public.id, params=params, client_id="c1")
    events = await collect(anonymous, job.id, client_id="c1")
    assert events[-1].event == "end"
    assert [r.data["text"] for r in events if r.event == "add_message"] == ["from outside"] * 2
    with pytest.raises(NotFound):
        await jobs.get_job(anonymous, job_id=job.id, client_id="c2")
    with pytest.raises(NotFound):
        await jobs.get_job(jobs_ctx(services, bob.principal), job_id=job.id)
    assert (await jobs.get_job(ctx, job_id=job.id)).status == "completed"  # the owner sees it too
    session = public_session_id("c1", public.id, "pub-s")  # never a session the owner could pick
    assert session.endswith(":pub-s") and session != "pub-s"
    stored = await list_messages(ctx, flow_id=public.id, session_id=session)
    assert [m.text for m in stored] == ["from outside"] * 2
    assert await list_messages(ctx, flow_id=public.id, session_id="pub-s") == []
    # another anonymous client without a session gets its own default, not the owner's (the flow id)
    other = await jobs.start_public_build(
        anonymous, flow_id=public.id, params=jobs.BuildParams(input_value="c2 says"), client_id="c2"
    )
    await collect(anonymous, other.id, client_id="c2")
    assert await list_messages(ctx, flow_id=public.id, session_id=str(public.id)) == []
    mine = await list_messages(ctx, flow_id=public.id, session_id=public_session_id("c2", public.id, None))
    assert [m.text for m in mine] == ["c2 says"] * 2
    assert await jobs.cancel_job(anonymous, job_id=job.id, client_id="c1") is False


async def test_build_params_are_checked_before_any_job_exists(services: AppServices, alice: TestUser) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, echo_flow())
    bad = [
        jobs.BuildParams(files=["some-file.txt"]),
        jobs.BuildParams(input_type="voice"),
        jobs.BuildParams(stop_component_id="Nope-1"),
        jobs.BuildParams(data={"nodes": "not a list", "edges": []}),
        jobs.BuildParams(session_id="x" * 300),
    ]
    for params in bad:
        with pytest.raises(InvalidInput):
            await jobs.start_build(ctx, flow_id=flow.id, params=params)
    async with services.sessions() as session:
        from flowql.db.models import Job

        assert list(await session.scalars(select(Job))) == []


async def test_data_override_builds_the_given_graph(services: AppServices, alice: TestUser) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, echo_flow())
    other_graph = prompt_flow(template="override: {input_value}")["data"]
    job = await jobs.start_build(
        ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="d", data=other_graph)
    )
    events = await collect(ctx, job.id)
    assert [r.data["text"] for r in events if r.event == "add_message"] == ["d", "override: d"]


async def test_a_failing_build_ends_with_error_then_end(services: AppServices, alice: TestUser) -> None:
    ctx = jobs_ctx(services, alice.principal)
    body = echo_flow()
    body["data"]["nodes"][1]["data"]["type"] = "NoSuchComponent"
    flow = await make_flow(ctx, body)
    job = await jobs.start_build(ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="e"))
    events = await collect(ctx, job.id)
    assert [r.event for r in events] == ["error", "end"]
    assert "NoSuchComponent" in events[0].data["error"]
    failed = await jobs.get_job(ctx, job_id=job.id)
    assert failed.status == "failed" and failed.error and "NoSuchComponent" in failed.error


async def test_run_job_streams_messages_then_end_with_the_run_response(
    services: AppServices, alice: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, prompt_flow())
    await update_flow(ctx, flow_id=flow.id, values={"endpoint_name": "prompt-ep"})
    params = RunParams(input_value="hello", session_id="s-stream")
    job = await jobs.start_run_job(ctx, flow_id_or_name="prompt-ep", params=params)
    assert job.kind == "run"
    events = await collect(ctx, job.id)
    assert [r.event for r in events] == ["add_message", "add_message", "end"]
    result = events[-1].data["result"]
    assert list(events[-1].data) == ["result"]
    assert result["session_id"] == "s-stream"
    assert result["outputs"][0]["outputs"][0]["results"]["message"]["text"] == "You said: hello"
    done = await jobs.get_job(ctx, job_id=job.id)
    assert done.status == "completed" and done.result == result
    with pytest.raises(InvalidInput):
        await jobs.start_run_job(ctx, flow_id_or_name="prompt-ep", params=RunParams(input_type="nope"))


async def test_plain_run_writes_transactions_and_a_trace(services: AppServices, alice: TestUser) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, prompt_flow())
    outcome = await run_flow(ctx, flow_id_or_name=str(flow.id), params=RunParams(input_value="t"))
    async with services.sessions() as session:
        trace = await session.scalar(select(Trace).where(Trace.flow_id == flow.id))
        assert trace is not None
        spans = list(await session.scalars(select(Span).where(Span.trace_id == trace.id)))
        transactions = list(await session.scalars(select(Transaction).where(Transaction.flow_id == flow.id)))
    assert str(trace.id) == outcome.run_id and trace.job_id is None and trace.session_id == str(flow.id)
    assert (
        trace.status == "ok" and trace.output is not None and trace.output["message"]["text"] == "You said: t"
    )
    assert sorted(s.name for s in spans) == ["Chat Input", "Chat Output", "Prompt"]
    assert len(transactions) == 3


async def test_watching_an_ended_job_from_its_last_cursor_ends_at_once(
    services: AppServices, alice: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, echo_flow())
    job = await jobs.start_build(ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="end"))
    events = await collect(ctx, job.id)
    last = events[-1].sequence
    assert await collect(ctx, job.id, after=last - 1) == [events[-1]]
    assert await collect(ctx, job.id, after=last) == []
    assert await collect(ctx, job.id, after=last + 1000) == []


async def test_a_public_session_longer_than_its_room_names_inputs_session(
    services: AppServices, alice: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    public = await make_flow(ctx, {**echo_flow("open"), "access_type": "PUBLIC"})
    anonymous = jobs_ctx(services)
    with pytest.raises(InvalidInput) as info:
        await jobs.start_public_build(
            anonymous, flow_id=public.id, params=jobs.BuildParams(session_id="s" * 250), client_id="c"
        )
    assert info.value.fields[0].path == "inputs.session"
