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
from sqlalchemy import select

from flowql.context import Context
from flowql.db.models import File
from flowql.errors import NotFound
from flowql.filestore import store_for
from flowql.resolvers.job_builds import create_job
from flowql.services import AppServices
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


async def _project_with_flows(
    client: httpx.AsyncClient, user: TestUser, name: str, n: int
) -> tuple[str, list[str]]:
    project = (await client.post("/api/v1/projects/", json={"name": name}, headers=user.headers)).json()
    flows = []
    for i in range(n):
        body = {**prompt_flow(f"{name}-{i}"), "folder_id": project["id"]}
        flows.append((await client.post("/api/v1/flows/", json=body, headers=user.headers)).json()["id"])
    return project["id"], flows


async def test_a_flow_moved_out_while_its_project_is_deleted_is_never_lost(
    live_client: httpx.AsyncClient, alice: TestUser
) -> None:
    """A move that answered 200 keeps the flow, whatever the order against the delete."""
    target = (
        await live_client.post("/api/v1/projects/", json={"name": "safe"}, headers=alice.headers)
    ).json()
    async with asyncio.timeout(HANG_GUARD * 4):
        for round_no in range(4):
            project_id, flows = await _project_with_flows(live_client, alice, f"moving-{round_no}", 8)

            async def move(flow_id: str) -> httpx.Response:
                body = {"folder_id": target["id"]}
                return await live_client.patch(f"/api/v1/flows/{flow_id}", json=body, headers=alice.headers)

            async def delete() -> httpx.Response:
                await asyncio.sleep(0.01)
                return await live_client.delete(f"/api/v1/projects/{project_id}", headers=alice.headers)

            *moves, deleted = await asyncio.gather(*(move(f) for f in flows), delete())
            assert deleted.status_code == 204, deleted.text
            for flow_id, r in zip(flows, moves, strict=True):
                assert r.status_code in (200, 404), r.text
                after = await live_client.get(f"/api/v1/flows/{flow_id}", headers=alice.headers)
                if r.status_code == 200:
                    assert after.status_code == 200, f"moved flow {flow_id} was deleted with its old project"
                    assert after.json()["folder_id"] == target["id"]
                else:
                    assert after.status_code == 404


async def test_concurrent_deletes_of_one_project_or_flow_succeed_once(
    live_client: httpx.AsyncClient, alice: TestUser
) -> None:
    project_id, _ = await _project_with_flows(live_client, alice, "twice", 3)
    path = f"/api/v1/projects/{project_id}"
    statuses = [
        r.status_code
        for r in await asyncio.gather(*(live_client.delete(path, headers=alice.headers) for _ in range(4)))
    ]
    assert sorted(statuses) == [204, 404, 404, 404]

    _, others = await _project_with_flows(live_client, alice, "flows-twice", 3)
    singles = [live_client.delete(f"/api/v1/flows/{others[0]}", headers=alice.headers) for _ in range(3)]
    batch = [
        live_client.request("DELETE", "/api/v1/flows/", json=others, headers=alice.headers) for _ in range(2)
    ]
    responses = await asyncio.gather(*singles, *batch)
    single_ok = [r.status_code for r in responses[:3]].count(200)
    batch_counts = [r.json()["deleted"] for r in responses[3:]]
    # every flow is reported deleted exactly once across all requests
    assert single_ok + sum(batch_counts) == len(others), (responses, batch_counts)


async def test_uploads_racing_a_project_delete_leave_no_bytes_behind(
    live_client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    """Every stored byte has its row afterwards: files of deleted flows are removed from disk."""
    store = store_for(services.settings)
    async with asyncio.timeout(HANG_GUARD * 4):
        for round_no in range(3):
            project_id, flows = await _project_with_flows(live_client, alice, f"uploads-{round_no}", 4)

            async def upload(flow_id: str, i: int) -> httpx.Response:
                files = {"file": (f"f{i}.txt", b"data")}
                return await live_client.post(
                    f"/api/v1/files/upload/{flow_id}", files=files, headers=alice.headers
                )

            async def delete() -> httpx.Response:
                await asyncio.sleep(0.01)
                return await live_client.delete(f"/api/v1/projects/{project_id}", headers=alice.headers)

            *uploads, deleted = await asyncio.gather(
                *(upload(f, i) for i, f in enumerate(flows * 3)), delete()
            )
            assert deleted.status_code == 204
            assert {r.status_code for r in uploads} <= {201, 404}, [r.text for r in uploads]
    async with services.sessions() as session:
        keys = set(await session.scalars(select(File.path).where(File.user_id == alice.id)))
    user_dir = store.path_of(f"{alice.id}/{uuid.uuid4().hex}.txt").parent  # type: ignore[attr-defined]
    on_disk = {f"{alice.id}/{p.name}" for p in user_dir.glob("*")} if user_dir.exists() else set()
    assert on_disk <= keys, sorted(on_disk - keys)
