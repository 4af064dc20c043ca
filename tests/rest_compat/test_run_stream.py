"""``POST /api/v1/run/{flow_id_or_name}`` with ``stream``: ``text/event-stream`` carrying the peer's
raw JSON lines (shared/peer/run_stream_prompt_flow.txt); dropping the connection cancels the run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from flowql.db.models import Job
from flowql.services import AppServices
from tests.cases import create_flow_rest, load_case, messages_rest, output_pairs, same_structure
from tests.conftest import TestUser
from tests.rest_compat.build_capture import body_events
from tests.rest_compat.slow_component import WAIT, SlowControl, slow, slow_flow

__all__ = ["slow"]  # the fixture, imported for pytest

STREAM_BODY = {"input_value": "hello", "input_type": "chat", "output_type": "chat", "session_id": "s-stream"}


def _peer_stream(shared_dir: Path) -> list[dict[str, Any]]:
    text = (shared_dir / "peer" / "run_stream_prompt_flow.txt").read_text()
    return body_events("\n".join(line for line in text.splitlines() if not line.startswith("###")))


async def test_prompt_stream_matches_capture(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    case = load_case(shared_dir, "prompt")
    flow = await create_flow_rest(client, alice.headers, case.flow)
    r = await client.post(
        f"/api/v1/run/{flow['id']}", params={"stream": "true"}, json=STREAM_BODY, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert all(line.startswith('{"event": ') for line in r.text.splitlines() if line)  # no "data:" prefix
    events = body_events(r.text)
    peer = _peer_stream(shared_dir)
    assert [e["event"] for e in events] == [e["event"] for e in peer] == ["add_message", "add_message", "end"]
    for ours, theirs in zip(events, peer, strict=True):
        assert same_structure(ours["data"], theirs["data"]) == [], ours["event"]
    assert [e["data"]["text"] for e in events[:2]] == ["hello", "You said: hello"]
    assert {e["data"]["session_id"] for e in events[:2]} == {"s-stream"}

    result = events[-1]["data"]["result"]
    assert result["session_id"] == "s-stream"
    assert output_pairs(result) == case.runs[0].outputs
    plain = await client.post(f"/api/v1/run/{flow['id']}", json=STREAM_BODY, headers=alice.headers)
    assert plain.status_code == 200
    assert same_structure(result, plain.json()) == []
    stored = await messages_rest(client, alice.headers, flow_id=flow["id"], session_id="s-stream")
    assert [m["text"] for m in stored] == ["hello", "You said: hello"] * 2


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({}, {"input_value": "x", "stream": True}),
        ({}, {"input_request": {"input_value": "x", "stream": True}}),
        ({"stream": "1"}, {"input_value": "x"}),
    ],
)
async def test_stream_flag_in_query_or_body(
    params: dict[str, str], body: dict[str, Any], shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "echo").flow)
    r = await client.post(f"/api/v1/run/{flow['id']}", params=params, json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    events = body_events(r.text)
    assert [e["event"] for e in events] == ["add_message", "add_message", "end"]
    assert output_pairs(events[-1]["data"]["result"]) == [("ChatOutput-e2", "x")]


async def test_bad_stream_requests(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "echo").flow)
    url = f"/api/v1/run/{flow['id']}?stream=true"
    assert (await client.post(url, json={"input_value": "x"})).status_code == 401
    assert (await client.post(url, json={"input_value": "x"}, headers=bob.headers)).status_code == 404
    r = await client.post(url, json={"input_value": "x", "input_type": "voice"}, headers=alice.headers)
    assert r.status_code == 422
    assert await messages_rest(client, alice.headers, flow_id=flow["id"]) == []


async def test_graph_problems_arrive_as_an_error_event(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    # once streaming has begun, a problem found while preparing the graph (here an unknown
    # tweak key) is the stream's "error" event followed by "end", as the peer streams it
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "echo").flow)
    body = {"input_value": "x", "tweaks": {"Nope-1": {"a": 1}}}
    r = await client.post(f"/api/v1/run/{flow['id']}?stream=true", json=body, headers=alice.headers)
    assert r.status_code == 200
    events = body_events(r.text)
    assert [e["event"] for e in events] == ["error", "end"]
    assert "Nope-1" in events[0]["data"]["error"]
    assert "result" not in events[1]["data"]
    assert await messages_rest(client, alice.headers, flow_id=flow["id"]) == []


async def test_dropping_the_stream_cancels_the_run(
    slow: SlowControl, services: AppServices, live_client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(live_client, alice.headers, slow_flow())
    async with live_client.stream(
        "POST", f"/api/v1/run/{flow['id']}?stream=true", json={"input_value": "hi"}, headers=alice.headers
    ) as r:
        assert r.status_code == 200
        first = await anext(r.aiter_lines())
        assert '"add_message"' in first  # the Chat Input's message, before the slow vertex
        await slow.wait_started()
    await slow.wait_cancelled()

    query = select(Job).where(Job.user_id == alice.id, Job.kind == "run")
    async with asyncio.timeout(WAIT):
        while True:
            async with services.sessions() as session:
                job = (await session.scalars(query)).one()
            if job.status == "cancelled":
                break
            await asyncio.sleep(0.02)
