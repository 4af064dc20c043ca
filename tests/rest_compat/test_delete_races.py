"""Deleting a project while its flows run and build (issue 8): no request answers 5xx, each run
or build either completes or gets 404, the project and its flows are gone afterwards, and the
server keeps answering (no connection or SQLite lock left behind)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

import httpx
import pytest

from flowql.context import Context
from flowql.errors import NotFound
from flowql.resolvers.job_builds import create_job
from tests.conftest import TestUser
from tests.flowbuilder import prompt_flow
from tests.live_server import HANG_GUARD

FLOWS = 5
REQUESTS = 25


async def _api_key(client: httpx.AsyncClient, user: TestUser) -> dict[str, str]:
    r = await client.post("/api/v1/api_key/", json={"name": "race"}, headers=user.headers)
    return {"x-api-key": r.json()["api_key"]}


async def _race_once(
    client: httpx.AsyncClient, user: TestUser, key: dict[str, str], round_no: int
) -> Counter[int]:
    project = await client.post("/api/v1/projects/", json={"name": f"race-{round_no}"}, headers=user.headers)
    project_id = project.json()["id"]
    flow_ids = []
    for i in range(FLOWS):
        body = {**prompt_flow(f"race-{round_no}-{i}"), "folder_id": project_id}
        flow_ids.append((await client.post("/api/v1/flows/", json=body, headers=user.headers)).json()["id"])

    async def one(j: int) -> httpx.Response:
        flow_id, headers = flow_ids[j % FLOWS], key if j % 2 else user.headers
        if j % 3:
            return await client.post(f"/api/v1/run/{flow_id}", json={"input_value": "hi"}, headers=headers)
        path = f"/api/v1/build/{flow_id}/flow?event_delivery=direct"
        return await client.post(path, json={"inputs": {"input_value": "hi"}}, headers=headers)

    async def delete() -> httpx.Response:
        await asyncio.sleep(0.02)
        return await client.delete(f"/api/v1/projects/{project_id}", headers=user.headers)

    responses = await asyncio.gather(*(one(j) for j in range(REQUESTS)), delete())
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 204, 404}, [(r.request.url.path, r.status_code, r.text) for r in responses]
    assert responses[-1].status_code == 204
    for j, r in enumerate(responses[:-1]):
        if j % 3 == 0 and r.status_code == 200:  # a streamed build ends with its terminal event
            lines = [json.loads(line) for line in r.text.split("\n") if line.strip()]
            assert lines and lines[-1]["event"] == "end", (r.headers, r.text)
    for flow_id in flow_ids:
        assert (await client.get(f"/api/v1/flows/{flow_id}", headers=user.headers)).status_code == 404
    return statuses


async def test_runs_and_builds_racing_a_project_delete_never_fail_the_server(
    live_client: httpx.AsyncClient, alice: TestUser
) -> None:
    key = await _api_key(live_client, alice)
    async with asyncio.timeout(HANG_GUARD * 4):
        for round_no in range(3):
            await _race_once(live_client, alice, key, round_no)
        # nothing is wedged: writes and reads still go through at once
        after = await live_client.post("/api/v1/flows/", json=prompt_flow("after"), headers=alice.headers)
        assert after.status_code == 201, after.text
        run = await live_client.post(
            f"/api/v1/run/{after.json()['id']}", json={"input_value": "x"}, headers=key
        )
        assert run.status_code == 200, run.text


async def test_a_job_for_a_flow_deleted_since_it_was_read_is_not_found(
    ctx_for: object, alice: TestUser
) -> None:
    ctx = ctx_for(alice)  # type: ignore[operator]
    assert isinstance(ctx, Context)
    with pytest.raises(NotFound, match="Flow not found"):
        await create_job(ctx, user_id=alice.id, flow_id=uuid.uuid4(), kind="build")
