"""``POST /api/v1/flows/upload/``: one flow or ``{"flows": [...]}``, ids kept when free, all or none."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.helpers import echo_export, get_flow_rest, list_flows_rest, peer_body, upload_files


async def test_upload_one_flow_keeps_id_then_assigns_new(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    export = echo_export(shared_dir)
    r = await client.post(
        "/api/v1/flows/upload/", files=upload_files(json.dumps(export).encode()), headers=alice.headers
    )
    assert r.status_code == 201, r.text
    [first] = r.json()
    assert set(first) == set(peer_body(shared_dir, "flows_upload.json")[0])
    assert first["id"] == export["id"]
    assert first["data"] == export["data"]
    # the id is taken now: alice's second upload and bob's get new ids
    for user in (alice, bob):
        r = await client.post(
            "/api/v1/flows/upload/", files=upload_files(json.dumps(export).encode()), headers=user.headers
        )
        assert r.status_code == 201
        assert r.json()[0]["id"] != export["id"]
    assert (await get_flow_rest(client, bob, export["id"])).status_code == 404


async def test_upload_many_flows(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    exports = [load_case(shared_dir, n).flow for n in ("echo", "prompt")]
    payload = {"flows": [*exports, exports[0]]}  # the repeated id gets a new one
    r = await client.post(
        "/api/v1/flows/upload/", files=upload_files(json.dumps(payload).encode()), headers=alice.headers
    )
    assert r.status_code == 201, r.text
    stored = r.json()
    assert [f["name"] for f in stored] == ["echo", "prompt", "echo (1)"]  # the naming policy
    assert [f["id"] for f in stored[:2]] == [e["id"] for e in exports]
    assert stored[2]["id"] not in {e["id"] for e in exports}
    assert len(await list_flows_rest(client, alice)) == 3


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00", b"{not json", b'{"name": "x", "data": {"v": NaN}}', b"[1, 2]", b'"text"'],
)
async def test_upload_not_a_flow_file_is_422(
    content: bytes, client: httpx.AsyncClient, alice: TestUser
) -> None:
    r = await client.post("/api/v1/flows/upload/", files=upload_files(content), headers=alice.headers)
    assert r.status_code == 422
    assert isinstance(r.json()["detail"], str)
    assert await list_flows_rest(client, alice) == []


async def test_upload_without_file_is_422(client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await client.post("/api/v1/flows/upload/", headers=alice.headers)
    assert r.status_code == 422


async def test_upload_endpoint_clash_stores_none(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    await create_flow_rest(client, alice.headers, {"name": "holder", "endpoint_name": "taken"})
    payload = {"flows": [{"name": "fine"}, {"name": "clash", "endpoint_name": "taken"}]}
    r = await client.post(
        "/api/v1/flows/upload/", files=upload_files(json.dumps(payload).encode()), headers=alice.headers
    )
    assert r.status_code == 409
    assert [f["name"] for f in await list_flows_rest(client, alice)] == ["holder"]
