"""Values no database can store, or no client could read back, are a 422 naming the field —
never a 500, never SQL in the answer — and leave what was stored before unchanged."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import TestUser
from tests.flowbuilder import echo_flow
from tests.rest_compat.helpers import list_flows_rest, upload_files

JSON = {"content-type": "application/json"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def post_raw(client: httpx.AsyncClient, user: TestUser, url: str, raw: str) -> httpx.Response:
    return await client.post(url, content=raw.encode(), headers={**user.headers, **JSON})


def assert_clean_422(r: httpx.Response, field: str) -> None:
    assert r.status_code == 422, r.text
    assert field in r.text
    for leak in ("SELECT", "INSERT", "Traceback", "sqlalchemy", "/work/"):
        assert leak not in r.text


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"name": "\\ud800"}', "name"),
        ('{"name": "a\\u0000b"}', "name"),
        ('{"name": "ok", "description": "\\udfff"}', "description"),
        ('{"name": "ok", "icon_bg_color": "' + "c" * 65 + '"}', "icon_bg_color"),
        ('{"name": "ok", "tags": ["a\\u0000"]}', "tags"),
        ('{"name": "ok", "endpoint_name": "nl\\n"}', "endpoint_name"),
        ('{"name": "ok", "data": {"nodes": [], "edges": [], "x": NaN}}', "data"),
        ('{"name": "ok", "data": {"nodes": [], "edges": [], "x": "\\ud800"}}', "data"),
        ('{"name": "ok", "data": {"nodes": [], "edges": [], "x": ' + nested(150) + "}}", "data"),
    ],
)
async def test_create_refuses_unstorable_values(
    client: httpx.AsyncClient, alice: TestUser, raw: str, field: str
) -> None:
    r = await post_raw(client, alice, "/api/v1/flows/", raw)
    assert_clean_422(r, field)
    assert await list_flows_rest(client, alice) == []


async def test_body_too_deep_to_parse_is_422(client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await post_raw(client, alice, "/api/v1/flows/", '{"name": "x", "data": ' + nested(5000) + "}")
    assert r.status_code == 422
    assert await list_flows_rest(client, alice) == []


async def test_patch_with_a_lone_surrogate_changes_nothing(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    created = (await client.post("/api/v1/flows/", json=echo_flow("keep"), headers=alice.headers)).json()
    r = await client.patch(
        f"/api/v1/flows/{created['id']}",
        content=b'{"description": "\\ud800", "name": "changed"}',
        headers={**alice.headers, **JSON},
    )
    assert_clean_422(r, "description")
    after = (await client.get(f"/api/v1/flows/{created['id']}", headers=alice.headers)).json()
    assert after["name"] == "keep" and after["description"] is None


@pytest.mark.parametrize(
    "content",
    [
        b'{"name": "deep", "data": ' + nested(5000).encode() + b"}",
        b'{"name": "deep", "data": {"nodes": [], "edges": [], "x": ' + nested(150).encode() + b"}}",
        b'{"name": "\\u0000"}',
        b'{"name": "inf", "data": {"nodes": [], "edges": [], "x": Infinity}}',
    ],
)
async def test_upload_refuses_unstorable_files(
    client: httpx.AsyncClient, alice: TestUser, content: bytes
) -> None:
    r = await client.post("/api/v1/flows/upload/", files=upload_files(content), headers=alice.headers)
    assert r.status_code == 422, r.text
    assert await list_flows_rest(client, alice) == []


async def test_upload_over_the_size_limit_is_413(
    client: httpx.AsyncClient, alice: TestUser, services: Any
) -> None:
    services.settings.max_file_size_upload = 1
    body = json.dumps({**echo_flow("big"), "description": "x" * (1024 * 1024)}).encode()
    r = await client.post("/api/v1/flows/upload/", files=upload_files(body), headers=alice.headers)
    assert r.status_code == 413
    assert await list_flows_rest(client, alice) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"input_value": "x", "session_id": "s" * 300}, "session_id"),
        ({"input_value": "a\u0000b"}, "input_value"),
        ({"input_value": "x", "tweaks": {"ChatInput-a": {"sender_name": "n" * 300}}}, "sender_name"),
        ({"input_value": "x", "tweaks": {"ChatInput-a": {"sender": "s" * 65}}}, "sender"),
    ],
)
async def test_run_refuses_unstorable_values_and_stores_nothing(
    client: httpx.AsyncClient, alice: TestUser, body: dict[str, Any], field: str
) -> None:
    flow = (await client.post("/api/v1/flows/", json=echo_flow(), headers=alice.headers)).json()
    r = await client.post(f"/api/v1/run/{flow['id']}", json=body, headers=alice.headers)
    assert_clean_422(r, field)
    messages = await client.get(
        "/api/v1/monitor/messages", params={"flow_id": flow["id"]}, headers=alice.headers
    )
    assert messages.json() == []


async def test_run_with_nan_tweak_or_lone_surrogate_input_is_422(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = (await client.post("/api/v1/flows/", json=echo_flow(), headers=alice.headers)).json()
    nan = await post_raw(client, alice, f"/api/v1/run/{flow['id']}", '{"tweaks": {"sender": NaN}}')
    assert_clean_422(nan, "tweaks")
    surrogate = await post_raw(client, alice, f"/api/v1/run/{flow['id']}", '{"input_value": "\\ud800"}')
    assert_clean_422(surrogate, "input_value")


async def test_odd_names_in_paths_and_queries(client: httpx.AsyncClient, alice: TestUser) -> None:
    run = await client.post("/api/v1/run/a%00b", json={}, headers=alice.headers)
    assert run.status_code == 404 and run.json() == {"detail": "Flow not found"}
    messages = await client.get(
        "/api/v1/monitor/messages", params={"session_id": "a\x00b"}, headers=alice.headers
    )
    assert_clean_422(messages, "session_id")
    login = await client.post("/api/v1/login", data={"username": "a\x00b", "password": "x"})
    assert login.status_code == 401
    key = await client.post("/api/v1/api_key/", json={"name": "k" * 300}, headers=alice.headers)
    assert_clean_422(key, "name")
