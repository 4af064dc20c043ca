"""Jobs survive the process (issue: "create the app, start a build, let it finish, create a new
app on the same database file, and read the job's status, its events by polling and by
subscription replay from a cursor") — through the real front doors of two app instances."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from flowql.app import create_app
from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.conftest import TestUser
from tests.graphql.conftest import operation
from tests.graphql.ws_client import TRANSPORT_WS, authenticated
from tests.live_server import HANG_GUARD, serve

FIRST_TWO = "query($id: ID!) { job(id: $id) { events(first: 2) { pageInfo { endCursor } } } }"


def ndjson(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def test_a_finished_build_is_readable_from_a_new_app_on_the_same_database(
    settings: Settings, alice: TestUser
) -> None:
    first = create_app(settings)
    async with first.router.lifespan_context(first):
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=alice.headers) as c:
            flow = (await c.post("/api/v1/flows/", json=fb.echo_flow())).json()
            job_id = (
                await c.post(f"/api/v1/build/{flow['id']}/flow", json={"inputs": {"input_value": "persist"}})
            ).json()["job_id"]
            streamed = ndjson((await c.get(f"/api/v1/build/{job_id}/events")).text)
    assert streamed[-1]["event"] == "end"

    second = create_app(settings)  # a new process, as far as the jobs are concerned
    async with second.router.lifespan_context(second):
        transport = httpx.ASGITransport(app=second)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=alice.headers) as c:
            status = await c.post("/graphql", json={"query": f'{{ job(id: "{job_id}") {{ status }} }}'})
            assert status.json()["data"]["job"]["status"] == "COMPLETED"
            polls = [
                ndjson(
                    (await c.get(f"/api/v1/build/{job_id}/events", params={"event_delivery": "polling"})).text
                )
                for _ in range(2)
            ]
            assert polls[0] == streamed  # nobody had polled: every stored event, as streamed
            assert polls[1] == [streamed[-1]]  # after the end: the terminal event again, at once
            replay = await c.post(
                "/graphql",
                json={"query": FIRST_TWO, "variables": {"id": job_id}},
            )
            cursor = replay.json()["data"]["job"]["events"]["pageInfo"]["endCursor"]
        async with (
            serve(second) as live,
            authenticated(live.ws_url, TRANSPORT_WS, {"x-api-key": alice.api_key}) as ws,
        ):
            await ws.subscribe("replay", operation("JobEvents"), {"jobId": job_id, "after": cursor})
            results = await asyncio.wait_for(ws.collect({"replay"}), HANG_GUARD)
    replayed = [p["data"]["jobEvents"] for p in results["replay"]]
    assert [e["sequence"] for e in replayed] == list(range(3, len(streamed) + 1))
    assert replayed[-1]["__typename"] == "BuildEnded"
