"""Build jobs reproduce the peer's event streams (shared/peer/build_events_*.txt): the same event
names and counts, the same keys in each event's data, the same sets, the peer's partial order;
and they leave transactions, vertex builds and a trace behind."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from flowql.db.models import Span, Trace, Transaction
from flowql.resolvers import jobs
from flowql.resolvers.vertex_builds import delete_vertex_builds, list_vertex_builds
from flowql.services import AppServices
from tests.conftest import TestUser
from tests.unit._jobs_support import case_flow, collect, jobs_ctx, make_flow, peer_events, peer_sample

SET_KEYS = ("next_vertices_ids", "top_level_vertices", "inactivated_vertices")


def _key(event: str, data: dict[str, Any]) -> str:
    if event == "end_vertex":
        return f"end_vertex:{data['build_data']['id']}"
    return event


def _shape(data: dict[str, Any], event: str) -> dict[str, Any]:
    """The keys (and the nested keys the contract names) of one event's data."""
    shape: dict[str, Any] = {"keys": set(data)}
    if event == "end_vertex":
        build = data["build_data"]
        shape["build_data"] = set(build)
        shape["build_data.data"] = set(build["data"])
        shape["output_meta"] = {k: type(v).__name__ for k, v in data["output_meta"].items()}
        shape["types"] = {k: type(build[k]).__name__ for k in ("valid", "params", "timestamp", "id")}
    if event == "add_message":
        shape["data"] = set(data["data"])
    return shape


def _edges(flow_body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["source"], e["target"]) for e in flow_body["data"]["edges"]]


def assert_matches_capture(
    ours: list[jobs.JobEventRecord], peer: list[dict[str, Any]], edges: list[tuple[str, str]]
) -> None:
    """Names and counts, keys, sets, and the partial order of peer/README.md."""
    assert Counter(r.event for r in ours) == Counter(e["event"] for e in peer)
    assert [r.sequence for r in ours] == list(range(1, len(ours) + 1))
    theirs = {_key(e["event"], e["data"]): e["data"] for e in peer if e["event"] != "add_message"}
    mine = {_key(r.event, r.data): r.data for r in ours if r.event != "add_message"}
    assert set(mine) == set(theirs)
    for key, data in mine.items():
        event = key.split(":")[0]
        assert _shape(data, event) == _shape(theirs[key], event), key
        if event == "end_vertex":
            for name in SET_KEYS:
                assert set(data["build_data"][name]) == set(theirs[key]["build_data"][name]), (key, name)
            assert data["output_meta"]["is_output"] == theirs[key]["output_meta"]["is_output"]
            assert data["output_meta"]["is_terminal"] == theirs[key]["output_meta"]["is_terminal"]
            assert data["output_meta"]["vertex_type"] == theirs[key]["output_meta"]["vertex_type"]
    sorted_ours, sorted_peer = mine["vertices_sorted"], theirs["vertices_sorted"]
    assert set(sorted_ours["ids"]) == set(sorted_peer["ids"])
    assert set(sorted_ours["to_run"]) == set(sorted_peer["to_run"])
    peer_messages = [e["data"] for e in peer if e["event"] == "add_message"]
    for message in (r.data for r in ours if r.event == "add_message"):
        assert set(message) == set(peer_messages[0])
        assert set(message["data"]) == set(peer_messages[0]["data"])
    # Partial order: vertices_sorted, build_start first; one end, last.
    names = [r.event for r in ours]
    assert names[:2] == ["vertices_sorted", "build_start"]
    assert names.count("end") == 1 and names[-1] == "end"
    position = {r.data["build_data"]["id"]: i for i, r in enumerate(ours) if r.event == "end_vertex"}
    for source, target in edges:
        if source in position and target in position:
            assert position[source] < position[target], (source, target)
    # A vertex's add_message precedes its end_vertex (matched by the message id it returns).
    for i, record in enumerate(ours):
        if record.event == "add_message":
            owner = next(
                r.data["build_data"]["id"]
                for r in ours
                if r.event == "end_vertex"
                and r.data["build_data"]["data"]["results"].get("message", {}).get("data", {}).get("id")
                == record.data["id"]
            )
            assert i < position[owner]


async def test_echo_build_matches_the_streaming_capture(services: AppServices, alice: TestUser) -> None:
    ctx = jobs_ctx(services, alice.principal)
    body = peer_sample("flow_create_request_peer-echo.json")
    flow = await make_flow(ctx, body)
    job = await jobs.start_build(ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="hello"))
    assert job.status == "queued" and job.kind == "build"
    events = await collect(ctx, job.id)
    peer = peer_events("build_events_streaming.txt")
    assert [r.event for r in events] == [e["event"] for e in peer]  # the echo flow is sequential
    assert_matches_capture(events, peer, _edges(body))
    messages = [r.data for r in events if r.event == "add_message"]
    assert [m["text"] for m in messages] == ["hello", "hello"]
    assert [m["session_id"] for m in messages] == [str(flow.id)] * 2
    assert list(events[-1].data) == ["build_duration"]
    done = await jobs.get_job(ctx, job_id=job.id)
    assert done.status == "completed" and done.error is None
    assert done.started_at is not None and done.finished_at is not None


@pytest.mark.parametrize(
    ("capture", "query"),
    [
        ("build_events_branches.txt", {}),
        ("build_events_stop_component.txt", {"stop_component_id": "Prompt-bL"}),
        ("build_events_start_component.txt", {"start_component_id": "Prompt-bR"}),
    ],
)
async def test_branches_builds_match_their_captures(
    services: AppServices, alice: TestUser, capture: str, query: dict[str, str]
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    body = case_flow("branches")
    flow = await make_flow(ctx, body)
    job = await jobs.start_build(ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="x", **query))
    events = await collect(ctx, job.id)
    assert_matches_capture(events, peer_events(capture), _edges(body))


async def test_a_build_leaves_transactions_vertex_builds_and_a_trace(
    services: AppServices, alice: TestUser, bob: TestUser
) -> None:
    ctx = jobs_ctx(services, alice.principal)
    body = case_flow("branches")
    flow = await make_flow(ctx, body)
    job = await jobs.start_build(ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="x"))
    await collect(ctx, job.id)
    vertex_ids = {"ChatInput-b1", "Prompt-bL", "Prompt-bR", "ChatOutput-bA", "ChatOutput-bB"}
    builds = await list_vertex_builds(ctx, flow_id=flow.id)
    assert set(builds) == vertex_ids
    item = builds["ChatInput-b1"][0]
    assert set(item) == {
        "timestamp",
        "id",
        "data",
        "artifacts",
        "params",
        "valid",
        "flow_id",
        "job_id",
        "build_id",
    }
    assert item["id"] == "ChatInput-b1" and item["valid"] is True and item["job_id"] == str(job.id)
    assert item["data"]["outputs"]["message"] == {"message": "x", "type": "text"}
    async with services.sessions() as session:
        transactions = list(await session.scalars(select(Transaction).where(Transaction.flow_id == flow.id)))
        traces = list(await session.scalars(select(Trace).where(Trace.flow_id == flow.id)))
        spans = list(await session.scalars(select(Span).where(Span.trace_id == traces[0].id)))
    assert {t.vertex_id for t in transactions} == vertex_ids and len(transactions) == 5
    assert all(t.status == "success" and t.error is None for t in transactions)
    prompt_tx = next(t for t in transactions if t.vertex_id == "Prompt-bL")
    assert prompt_tx.outputs == {"prompt": {"message": "left:x", "type": "text"}}
    assert "template" in (prompt_tx.inputs or {}) and "code" not in (prompt_tx.inputs or {})
    assert len(traces) == 1 and traces[0].status == "ok" and traces[0].job_id == job.id
    assert traces[0].input == {"input_value": "x"}
    assert {s.vertex_id for s in spans} == vertex_ids and len(spans) == 5
    assert all(s.status == "ok" and s.parent_span_id is None and s.latency_ms >= 0 for s in spans)
    # Another user sees none of them; deleting them is the owner's business only.
    bob_ctx = jobs_ctx(services, bob.principal)
    assert await list_vertex_builds(bob_ctx, flow_id=flow.id) == {}
    assert await delete_vertex_builds(bob_ctx, flow_id=flow.id) == 0
    assert await delete_vertex_builds(ctx, flow_id=flow.id) == 5
    assert await list_vertex_builds(ctx, flow_id=flow.id) == {}


async def test_log_builds_false_writes_no_vertex_builds(services: AppServices, alice: TestUser) -> None:
    ctx = jobs_ctx(services, alice.principal)
    flow = await make_flow(ctx, peer_sample("flow_create_request_peer-echo.json"))
    job = await jobs.start_build(
        ctx, flow_id=flow.id, params=jobs.BuildParams(input_value="a", log_builds=False)
    )
    await collect(ctx, job.id)
    assert await list_vertex_builds(ctx, flow_id=flow.id) == {}
    async with services.sessions() as session:
        count = len(list(await session.scalars(select(Transaction).where(Transaction.flow_id == flow.id))))
    assert count == 2
