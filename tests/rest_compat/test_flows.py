"""``/api/v1/flows``: create, read, list, patch, delete, upload; ownership and bad input."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.helpers import echo_export, get_flow_rest, list_flows_rest, peer_body, upload_files

MISSING_ID = "00000000-0000-4000-8000-000000000000"


async def test_create_answers_flow_read(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    export = echo_export(shared_dir)
    r = await client.post(
        "/api/v1/flows/", json={**export, "endpoint_name": "echo-ep"}, headers=alice.headers
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == set(peer_body(shared_dir, "flows_create.json"))
    assert body["id"] != export["id"]  # a body id is ignored
    assert body["name"] == "echo"
    assert body["endpoint_name"] == "echo-ep"
    assert body["user_id"] == str(alice.id)
    assert body["data"] == export["data"]
    assert body["access_type"] == "PRIVATE"
    assert body["flow_type"] == "workflow"
    # without folder_id the flow lands in the caller's default project, the same for every flow
    other = await create_flow_rest(
        client, alice.headers, {"name": "second", "data": {"nodes": [], "edges": []}}
    )
    assert body["folder_id"] is not None
    assert other["folder_id"] == body["folder_id"]


async def test_get_reads_back_unchanged(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    created = await create_flow_rest(client, alice.headers, echo_export(shared_dir))
    r = await get_flow_rest(client, alice, created["id"])
    assert r.status_code == 200
    assert r.json() == created
    assert set(r.json()) == set(json.loads((shared_dir / "peer" / "flow_get_response.json").read_text()))


async def test_unknown_fields_in_data_are_preserved(client: httpx.AsyncClient, alice: TestUser) -> None:
    data = {
        "nodes": [{"id": "X-1", "data": {"type": "Whatever", "custom": {"deep": [1, 2.5, None, "ü"]}}}],
        "edges": [],
        "viewport": {"x": 1.25, "y": -3, "zoom": 0.5},
        "extra_top_level": True,
    }
    created = await create_flow_rest(client, alice.headers, {"name": "odd", "data": data})
    assert (await get_flow_rest(client, alice, created["id"])).json()["data"] == data


async def test_list_shows_only_own_flows_and_filters(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    a1 = await create_flow_rest(client, alice.headers, echo_export(shared_dir))
    a2 = await create_flow_rest(client, alice.headers, {"name": "comp", "is_component": True, "data": {}})
    bobs_folder = (await create_flow_rest(client, bob.headers, echo_export(shared_dir)))["folder_id"]

    assert [f["id"] for f in await list_flows_rest(client, alice)] == [a1["id"], a2["id"]]
    assert [f["id"] for f in await list_flows_rest(client, alice, folder_id=a1["folder_id"])] == [
        a1["id"],
        a2["id"],
    ]
    for folder in (MISSING_ID, bobs_folder):  # an unknown or foreign project is 404
        r = await client.get("/api/v1/flows/", params={"folder_id": folder}, headers=alice.headers)
        assert (r.status_code, r.json()) == (404, {"detail": "Project not found"})
    assert [f["id"] for f in await list_flows_rest(client, alice, components_only="true")] == [a2["id"]]
    everything = await list_flows_rest(
        client,
        alice,
        get_all="true",
        remove_example_flows="true",
        components_only="false",
        header_flows="false",
    )
    assert len(everything) == 2

    headers = await list_flows_rest(client, alice, header_flows="true")
    assert set(headers[0]) == set(peer_body(shared_dir, "flows_list_header.json")[0])
    assert headers[0]["data"] is None  # data only for components
    assert headers[1]["data"] == {}

    r = await client.get(
        "/api/v1/flows/", params={"get_all": "false", "page": 2, "size": 1}, headers=alice.headers
    )
    assert r.status_code == 200
    page = r.json()
    assert {k: v for k, v in page.items() if k != "items"} == {"total": 2, "page": 2, "size": 1, "pages": 2}
    assert [f["id"] for f in page["items"]] == [a2["id"]]

    r = await client.get("/api/v1/flows/", params={"size": 0}, headers=alice.headers)
    assert r.status_code == 422


async def test_patch_changes_only_given_fields(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    created = await create_flow_rest(client, alice.headers, echo_export(shared_dir))
    r = await client.patch(
        f"/api/v1/flows/{created['id']}",
        json={"description": "changed", "endpoint_name": "renamed-ep"},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["description"] == "changed"
    assert body["endpoint_name"] == "renamed-ep"
    assert body["name"] == created["name"]
    assert body["data"] == created["data"]
    assert (await get_flow_rest(client, alice, created["id"])).json()["description"] == "changed"

    new_data = load_case(shared_dir, "prompt").flow["data"]
    r = await client.patch(f"/api/v1/flows/{created['id']}", json={"data": new_data}, headers=alice.headers)
    assert r.status_code == 200
    assert (await get_flow_rest(client, alice, created["id"])).json()["data"] == new_data


async def test_delete(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    created = await create_flow_rest(client, alice.headers, echo_export(shared_dir))
    await client.post(f"/api/v1/run/{created['id']}", json={"input_value": "x"}, headers=alice.headers)
    r = await client.delete(f"/api/v1/flows/{created['id']}", headers=alice.headers)
    assert r.status_code == 200
    assert r.json() == {"message": "Flow deleted successfully"}
    assert (await get_flow_rest(client, alice, created["id"])).status_code == 404
    r = await client.get("/api/v1/monitor/messages", params={"flow_id": created["id"]}, headers=alice.headers)
    assert r.json() == []
    r = await client.delete(f"/api/v1/flows/{created['id']}", headers=alice.headers)
    assert r.status_code == 404


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_malformed_uuid_is_422_naming_parameter(
    method: str, client: httpx.AsyncClient, alice: TestUser
) -> None:
    r = await client.request(method, "/api/v1/flows/not-a-uuid", json={}, headers=alice.headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["path", "flow_id"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_missing_and_foreign_flow_are_the_same_404(
    method: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    created = await create_flow_rest(client, alice.headers, echo_export(shared_dir))
    missing = await client.request(
        method, f"/api/v1/flows/{MISSING_ID}", json={"name": "x"}, headers=alice.headers
    )
    foreign = await client.request(
        method, f"/api/v1/flows/{created['id']}", json={"name": "x"}, headers=bob.headers
    )
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json() == {"detail": "Flow not found"}
    assert (await get_flow_rest(client, alice, created["id"])).json() == created


BROKEN: list[tuple[dict[str, Any], str]] = [
    ({"nodes": "nope", "edges": []}, "nodes"),
    ({"nodes": [{"id": "A-1", "data": {}}, {"id": "A-1", "data": {}}], "edges": []}, "A-1"),
    ({"nodes": [{"data": {"type": "ChatInput"}}], "edges": []}, "Node 0"),
    (
        {
            "nodes": [{"id": "A-1", "data": {}}],
            "edges": [{"id": "e-missing", "source": "A-1", "target": "Ghost-9"}],
        },
        "Ghost-9",
    ),
]


@pytest.mark.parametrize(("data", "named"), BROKEN)
async def test_broken_flow_json_is_422_naming_node_or_edge(
    data: dict[str, Any], named: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    original = await create_flow_rest(client, alice.headers, echo_export(shared_dir))

    r = await client.post("/api/v1/flows/", json={"name": "broken", "data": data}, headers=alice.headers)
    assert r.status_code == 422
    assert named in r.json()["detail"]

    r = await client.patch(
        f"/api/v1/flows/{original['id']}", json={"name": "renamed", "data": data}, headers=alice.headers
    )
    assert r.status_code == 422
    assert named in r.json()["detail"]

    files = upload_files(
        json.dumps({"flows": [echo_export(shared_dir), {"name": "broken", "data": data}]}).encode()
    )
    r = await client.post("/api/v1/flows/upload/", files=files, headers=alice.headers)
    assert r.status_code == 422
    assert named in r.json()["detail"] and "flows[1]" in r.json()["detail"]

    assert [f["id"] for f in await list_flows_rest(client, alice)] == [original["id"]]
    assert (await get_flow_rest(client, alice, original["id"])).json() == original


async def test_create_bad_fields_are_422(client: httpx.AsyncClient, alice: TestUser) -> None:
    for body in (
        {"data": {}},  # no name
        {"name": "x", "endpoint_name": "has space"},
        {"name": "x", "endpoint_name": str(uuid.uuid4())},
        {"name": "x", "access_type": "SECRET"},
        {"name": "x", "data": ["not", "an", "object"]},
        {"name": ""},
    ):
        r = await client.post("/api/v1/flows/", json=body, headers=alice.headers)
        assert r.status_code == 422, body
    assert await list_flows_rest(client, alice) == []


async def test_endpoint_name_clash_is_409_and_changes_nothing(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    first = await create_flow_rest(client, alice.headers, {**echo_export(shared_dir), "endpoint_name": "ep"})
    r = await client.post(
        "/api/v1/flows/", json={"name": "other", "endpoint_name": "ep"}, headers=alice.headers
    )
    assert r.status_code == 409
    second = await create_flow_rest(client, alice.headers, {"name": "other"})
    r = await client.patch(
        f"/api/v1/flows/{second['id']}", json={"endpoint_name": "ep"}, headers=alice.headers
    )
    assert r.status_code == 409
    assert (await get_flow_rest(client, alice, second["id"])).json()["endpoint_name"] is None
    # another user may use the same endpoint name
    await create_flow_rest(client, bob.headers, {"name": "bobs", "endpoint_name": "ep"})
    assert [f["id"] for f in await list_flows_rest(client, alice)] == [first["id"], second["id"]]


async def test_foreign_folder_is_404(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    bobs = await create_flow_rest(client, bob.headers, {"name": "b"})
    r = await client.post(
        "/api/v1/flows/", json={"name": "a", "folder_id": bobs["folder_id"]}, headers=alice.headers
    )
    assert r.status_code == 404
    files = upload_files(json.dumps(echo_export(shared_dir)).encode())
    r = await client.post(
        "/api/v1/flows/upload/", params={"folder_id": bobs["folder_id"]}, files=files, headers=alice.headers
    )
    assert r.status_code == 404
    assert await list_flows_rest(client, alice) == []


async def test_every_flow_route_needs_credentials(client: httpx.AsyncClient) -> None:
    some = str(uuid.uuid4())
    for method, path, kwargs in (
        ("POST", "/api/v1/flows/", {"json": {"name": "x"}}),
        ("GET", "/api/v1/flows/", {}),
        ("GET", f"/api/v1/flows/{some}", {}),
        ("PATCH", f"/api/v1/flows/{some}", {"json": {"name": "x"}}),
        ("DELETE", f"/api/v1/flows/{some}", {}),
        ("POST", "/api/v1/flows/upload/", {"files": upload_files(b"{}")}),
        ("POST", f"/api/v1/run/{some}", {"json": {}}),
        ("GET", "/api/v1/monitor/messages", {}),
    ):
        r = await client.request(method, path, **kwargs)
        assert r.status_code == 401, (method, path)
        assert r.json() == {"detail": "Not authenticated"}
