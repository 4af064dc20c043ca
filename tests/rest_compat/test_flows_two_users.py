"""Two users: B reading, patching, upserting, deleting, downloading or moving A's flows and
projects gets 404 (exactly as for ids that do not exist); a batch delete removes only B's own;
A's objects are unchanged afterwards."""

from __future__ import annotations

from typing import Any

import httpx

from tests import flowbuilder as fb
from tests.cases import create_flow_rest
from tests.conftest import TestUser
from tests.rest_compat.helpers import list_flows_rest, upload_files


async def _snapshot(client: httpx.AsyncClient, user: TestUser, project_id: str) -> dict[str, Any]:
    flows = await list_flows_rest(client, user)
    project = (await client.get(f"/api/v1/projects/{project_id}", headers=user.headers)).json()
    projects = (await client.get("/api/v1/projects/", headers=user.headers)).json()
    return {"flows": flows, "project": project, "projects": projects}


async def test_b_cannot_touch_a_flows_or_projects(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    a_project = (await client.post("/api/v1/projects/", json={"name": "A's"}, headers=alice.headers)).json()
    a_flow = await create_flow_rest(
        client, alice.headers, {**fb.echo_flow("a-flow"), "folder_id": a_project["id"]}
    )
    a_other = await create_flow_rest(client, alice.headers, fb.echo_flow("a-other"))
    b_flow = await create_flow_rest(client, bob.headers, fb.echo_flow("b-flow"))
    b_project = (await client.post("/api/v1/projects/", json={"name": "B's"}, headers=bob.headers)).json()
    before = await _snapshot(client, alice, a_project["id"])

    fid, pid = a_flow["id"], a_project["id"]
    refused: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/api/v1/flows/{fid}", {}),
        ("PATCH", f"/api/v1/flows/{fid}", {"json": {"name": "hijacked"}}),
        ("PUT", f"/api/v1/flows/{fid}", {"json": {"name": "hijacked"}}),
        ("DELETE", f"/api/v1/flows/{fid}", {}),
        ("POST", "/api/v1/flows/download/", {"json": [fid, a_other["id"]]}),
        # moving A's flow into B's project, or B's flow into A's project
        ("PATCH", f"/api/v1/flows/{b_flow['id']}", {"json": {"folder_id": pid}}),
        ("POST", "/api/v1/flows/", {"json": {"name": "x", "folder_id": pid}}),
        ("POST", "/api/v1/flows/batch/", {"json": {"flows": [{"name": "x", "folder_id": pid}]}}),
        ("PUT", f"/api/v1/flows/{b_flow['id']}", {"json": {"name": "b-flow", "folder_id": pid}}),
        ("GET", "/api/v1/flows/", {"params": {"folder_id": pid}}),
        (
            "POST",
            "/api/v1/flows/upload/",
            {"params": {"folder_id": pid}, "files": upload_files(b'{"name": "x"}')},
        ),
        ("POST", "/api/v1/projects/", {"json": {"name": "steal", "flows_list": [fid]}}),
        ("POST", "/api/v1/projects/", {"json": {"name": "steal", "components_list": [fid]}}),
        ("POST", "/api/v1/projects/", {"json": {"name": "child", "parent_id": pid}}),
        ("PATCH", f"/api/v1/projects/{b_project['id']}", {"json": {"flows": [fid]}}),
        ("PATCH", f"/api/v1/projects/{b_project['id']}", {"json": {"parent_id": pid}}),
        # A's project itself
        ("GET", f"/api/v1/projects/{pid}", {}),
        ("GET", f"/api/v1/projects/{pid}?page=1&size=5", {}),
        ("PATCH", f"/api/v1/projects/{pid}", {"json": {"name": "hijacked"}}),
        ("DELETE", f"/api/v1/projects/{pid}", {}),
        ("GET", f"/api/v1/projects/download/{pid}", {}),
    ]
    for method, path, kwargs in refused:
        r = await client.request(method, path, headers=bob.headers, **kwargs)
        assert r.status_code == 404, (method, path, r.status_code, r.text)

    # a batch delete naming A's flows removes only B's own
    r = await client.request(
        "DELETE", "/api/v1/flows/", json=[fid, a_other["id"], b_flow["id"]], headers=bob.headers
    )
    assert r.json() == {"deleted": 1}
    assert await list_flows_rest(client, bob) == []

    after = await _snapshot(client, alice, a_project["id"])
    assert after == before
    assert [p["name"] for p in (await client.get("/api/v1/projects/", headers=bob.headers)).json()] == [
        "Starter Project",
        "B's",
    ]
