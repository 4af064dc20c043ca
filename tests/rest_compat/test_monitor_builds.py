"""``GET|DELETE /api/v1/monitor/builds?flow_id=``: the vertex builds written by builds with
``log_builds`` (Langflow ``VertexBuildMapModel`` / ``VertexBuildTable``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.build_capture import body_events, start_build, stream_events

VERTEX_BUILD_KEYS = {
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


async def _built(
    client: httpx.AsyncClient, user: TestUser, shared_dir: Path, **params: str
) -> tuple[dict[str, Any], str]:
    flow = await create_flow_rest(client, user.headers, load_case(shared_dir, "echo").flow)
    job_id = await start_build(client, user.headers, flow["id"], delivery="streaming", **params)
    assert body_events((await stream_events(client, user.headers, job_id)).text)[-1]["event"] == "end"
    return flow, job_id


async def _builds(client: httpx.AsyncClient, user: TestUser, flow_id: str) -> dict[str, Any]:
    r = await client.get("/api/v1/monitor/builds", params={"flow_id": flow_id}, headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == {"vertex_builds"}
    return body["vertex_builds"]  # type: ignore[no-any-return]


async def test_build_writes_vertex_builds(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow, job_id = await _built(client, alice, shared_dir)
    builds = await _builds(client, alice, flow["id"])
    assert set(builds) == {"ChatInput-e1", "ChatOutput-e2"}
    for vertex_id, items in builds.items():
        assert len(items) == 1
        item = items[0]
        assert set(item) == VERTEX_BUILD_KEYS
        assert item["id"] == vertex_id
        assert item["flow_id"] == flow["id"]
        assert item["job_id"] == job_id
        assert item["valid"] is True
        assert isinstance(item["params"], str)
        assert item["timestamp"].endswith("Z")
    # a second build adds one more row per vertex
    job_2 = await start_build(client, alice.headers, flow["id"], delivery="streaming")
    await stream_events(client, alice.headers, job_2)
    again = await _builds(client, alice, flow["id"])
    assert {k: len(v) for k, v in again.items()} == {"ChatInput-e1": 2, "ChatOutput-e2": 2}


async def test_log_builds_false_writes_none(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow, _ = await _built(client, alice, shared_dir, log_builds="false")
    assert await _builds(client, alice, flow["id"]) == {}


async def test_delete_then_empty(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow, _ = await _built(client, alice, shared_dir)
    # bob neither sees nor deletes alice's builds
    assert await _builds(client, bob, flow["id"]) == {}
    r = await client.delete("/api/v1/monitor/builds", params={"flow_id": flow["id"]}, headers=bob.headers)
    assert r.status_code == 204
    assert set(await _builds(client, alice, flow["id"])) == {"ChatInput-e1", "ChatOutput-e2"}

    r = await client.delete("/api/v1/monitor/builds", params={"flow_id": flow["id"]}, headers=alice.headers)
    assert r.status_code == 204
    assert r.content == b""
    assert await _builds(client, alice, flow["id"]) == {}


async def test_flow_id_parameter(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    peer = json.loads((shared_dir / "peer" / "resources" / "monitor_builds.json").read_text())
    r = await client.get("/api/v1/monitor/builds?flow_id=", headers=alice.headers)
    assert r.status_code == peer["status"] == 200
    assert r.json() == peer["body"]
    for method in ("GET", "DELETE"):
        r = await client.request(method, "/api/v1/monitor/builds", headers=alice.headers)
        assert r.status_code == 422, method
        r = await client.request(method, "/api/v1/monitor/builds?flow_id=nope", headers=alice.headers)
        assert r.status_code == 422, method
        assert "flow_id" in r.text
        r = await client.request(method, "/api/v1/monitor/builds?flow_id=")
        assert r.status_code == 401, method
