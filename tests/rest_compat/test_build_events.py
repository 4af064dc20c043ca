"""``POST /api/v1/build/{flow_id}/flow`` + ``GET /api/v1/build/{job_id}/events`` in every delivery
mode, compared with the peer's captures (shared/peer/build_events_*.txt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.build_capture import (
    ECHO_IDS,
    body_events,
    capture_events,
    capture_problems,
    edges_of,
    order_problems,
    start_build,
    stream_events,
)

NDJSON = "application/x-ndjson"


async def _case_flow(
    client: httpx.AsyncClient, user: TestUser, shared_dir: Path, name: str
) -> dict[str, Any]:
    return await create_flow_rest(client, user.headers, load_case(shared_dir, name).flow)


async def _poll(client: httpx.AsyncClient, user: TestUser, job_id: str) -> httpx.Response:
    return await client.get(
        f"/api/v1/build/{job_id}/events", params={"event_delivery": "polling"}, headers=user.headers
    )


async def test_streaming_matches_capture(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _case_flow(client, alice, shared_dir, "echo")
    job_id = await start_build(client, alice.headers, flow["id"], delivery="streaming")
    r = await stream_events(client, alice.headers, job_id)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == NDJSON
    events = body_events(r.text)
    assert capture_problems(events, capture_events(shared_dir, "build_events_streaming.txt"), ECHO_IDS) == []
    assert order_problems(events, edges_of(flow)) == []
    texts = [e["data"]["text"] for e in events if e["event"] == "add_message"]
    assert texts == ["hello", "hello"]
    # each line is one JSON object followed by a blank line, as the peer frames it
    assert r.text.endswith("}\n\n") and "\n\n\n" not in r.text


async def test_polling_matches_capture_and_repeats_the_end(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _case_flow(client, alice, shared_dir, "echo")
    job_id = await start_build(client, alice.headers, flow["id"])  # POST defaults to polling
    events: list[dict[str, Any]] = []
    for _ in range(200):  # hang guard; each poll returns what is new since the previous one
        r = await _poll(client, alice, job_id)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == NDJSON
        events += body_events(r.text)
        if events and events[-1]["event"] == "end":
            break
    assert capture_problems(events, capture_events(shared_dir, "build_events_polling.txt"), ECHO_IDS) == []
    assert order_problems(events, edges_of(flow)) == []
    end = events[-1]
    for _ in range(2):  # after the end, every poll answers the terminal event again at once
        again = await _poll(client, alice, job_id)
        assert again.status_code == 200
        assert body_events(again.text) == [end]


async def test_direct_streams_in_the_post(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _case_flow(client, alice, shared_dir, "echo")
    r = await client.post(
        f"/api/v1/build/{flow['id']}/flow",
        params={"event_delivery": "direct"},
        json={"inputs": {"input_value": "hello", "type": "chat"}},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == NDJSON
    events = body_events(r.text)
    assert capture_problems(events, capture_events(shared_dir, "build_events_direct.txt"), ECHO_IDS) == []
    assert order_problems(events, edges_of(flow)) == []


async def test_branches_streaming_matches_capture(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _case_flow(client, alice, shared_dir, "branches")
    body = {"inputs": {"input_value": "x", "type": "chat"}}
    job_id = await start_build(client, alice.headers, flow["id"], delivery="streaming", body=body)
    events = body_events((await stream_events(client, alice.headers, job_id)).text)
    assert capture_problems(events, capture_events(shared_dir, "build_events_branches.txt")) == []
    assert order_problems(events, edges_of(flow)) == []


@pytest.mark.parametrize(
    ("param", "vertex", "capture"),
    [
        ("stop_component_id", "Prompt-bL", "build_events_stop_component.txt"),
        ("start_component_id", "Prompt-bR", "build_events_start_component.txt"),
    ],
)
async def test_partial_builds_match_capture(
    param: str, vertex: str, capture: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _case_flow(client, alice, shared_dir, "branches")
    body = {"inputs": {"input_value": "x", "type": "chat"}}
    job_id = await start_build(
        client, alice.headers, flow["id"], delivery="streaming", body=body, **{param: vertex}
    )
    events = body_events((await stream_events(client, alice.headers, job_id)).text)
    assert capture_problems(events, capture_events(shared_dir, capture)) == []
    assert order_problems(events, edges_of(flow)) == []


async def test_body_data_builds_that_graph(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    stored = await _case_flow(client, alice, shared_dir, "echo")
    other = load_case(shared_dir, "branches").flow["data"]
    body = {"inputs": {"input_value": "x", "type": "chat"}, "data": other}
    job_id = await start_build(client, alice.headers, stored["id"], delivery="streaming", body=body)
    events = body_events((await stream_events(client, alice.headers, job_id)).text)
    built = {e["data"]["build_data"]["id"] for e in events if e["event"] == "end_vertex"}
    assert built == {n["id"] for n in other["nodes"]}


async def test_build_without_body_uses_stored_values(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _case_flow(client, alice, shared_dir, "hello-world")
    r = await client.post(
        f"/api/v1/build/{flow['id']}/flow", params={"event_delivery": "direct"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    events = body_events(r.text)
    assert events[-1]["event"] == "end"
    assert "error" not in [e["event"] for e in events]


@pytest.mark.parametrize(
    ("params", "body", "named"),
    [
        ({}, {"files": ["a.txt"]}, "files"),
        ({"event_delivery": "sideways"}, {}, "event_delivery"),
        ({"log_builds": "maybe"}, {}, "log_builds"),
        ({}, {"inputs": {"input_value": 5}}, "input_value"),
        ({}, {"inputs": {"type": "voice"}}, "type"),
        ({}, {"data": {"nodes": "no"}}, "data"),
    ],
)
async def test_bad_build_request_is_422(
    params: dict[str, str],
    body: dict[str, Any],
    named: str,
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
) -> None:
    flow = await _case_flow(client, alice, shared_dir, "echo")
    r = await client.post(f"/api/v1/build/{flow['id']}/flow", params=params, json=body, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert named in r.text


async def test_unknown_ids(client: httpx.AsyncClient, alice: TestUser) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    r = await client.post(f"/api/v1/build/{missing}/flow", headers=alice.headers)
    assert r.status_code == 404
    for method, path in (("GET", "events"), ("POST", "cancel")):
        r = await client.request(method, f"/api/v1/build/{missing}/{path}", headers=alice.headers)
        assert r.status_code == 404, (method, path)
        r = await client.request(method, f"/api/v1/build/not-a-uuid/{path}", headers=alice.headers)
        assert r.status_code == 422, (method, path)
    r = await client.post("/api/v1/build/not-a-uuid/flow", headers=alice.headers)
    assert r.status_code == 422
