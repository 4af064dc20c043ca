"""20 runs of one flow at once, with distinct session ids, over a real server: each response and
each event stream carries only its own output, every message lands in its own session, and
SQLite never reports "database is locked"."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tests.conftest import TestUser
from tests.flowbuilder import prompt_flow
from tests.live_server import HANG_GUARD

RUNS = 20


async def _stream(client: httpx.AsyncClient, user: TestUser, flow_id: str, i: int) -> list[dict[str, Any]]:
    body = {"input_value": f"input-{i}", "session_id": f"session-{i}", "stream": True}
    async with client.stream("POST", f"/api/v1/run/{flow_id}", json=body, headers=user.headers) as r:
        assert r.status_code == 200
        return [json.loads(line) async for line in r.aiter_lines() if line.strip()]


async def _plain(client: httpx.AsyncClient, user: TestUser, flow_id: str, i: int) -> dict[str, Any]:
    body = {"input_value": f"plain-{i}", "session_id": f"plain-session-{i}"}
    r = await client.post(f"/api/v1/run/{flow_id}", json=body, headers=user.headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_twenty_simultaneous_runs_keep_to_their_own_session(
    live_client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = (await live_client.post("/api/v1/flows/", json=prompt_flow(), headers=alice.headers)).json()[
        "id"
    ]
    async with asyncio.timeout(HANG_GUARD * 2):
        streams, plains = await asyncio.gather(
            asyncio.gather(*(_stream(live_client, alice, flow_id, i) for i in range(RUNS))),
            asyncio.gather(*(_plain(live_client, alice, flow_id, i) for i in range(RUNS))),
        )
    for i, events in enumerate(streams):
        assert events[-1]["event"] == "end", events[-1]
        texts = {e["data"]["text"] for e in events if e["event"] == "add_message"}
        assert texts == {f"input-{i}", f"You said: input-{i}"}
        assert {e["data"]["session_id"] for e in events if e["event"] == "add_message"} == {f"session-{i}"}
        result = events[-1]["data"]["result"]
        assert result["session_id"] == f"session-{i}"
    for i, response in enumerate(plains):
        assert response["session_id"] == f"plain-session-{i}"
        assert response["outputs"][0]["outputs"][0]["results"]["message"]["text"] == f"You said: plain-{i}"
    for i in range(RUNS):
        stored = await live_client.get(
            "/api/v1/monitor/messages", params={"session_id": f"session-{i}"}, headers=alice.headers
        )
        assert [m["text"] for m in stored.json()] == [f"input-{i}", f"You said: input-{i}"]
