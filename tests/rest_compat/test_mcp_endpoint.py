"""The MCP endpoint's error answers (review of issue 11, finding 9): every refusal is JSON, either
``{"detail": ...}`` or a JSON-RPC error object, with the SDK's status, and never echoes input."""

from __future__ import annotations

import json

import httpx
import mcp_types as types

from flowql.settings import Settings
from tests.conftest import TestUser
from tests.rest_compat.mcp_support import add_flow, create_project, mcp_url, reply_flow

MARK = "ECHO-MARK-7f3a"


def _call(value: str, request_id: int = 1) -> dict[str, object]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": "ask", "arguments": {"input_value": value}},
    }


async def test_sdk_refusals_are_json_without_input_echo(client: httpx.AsyncClient, alice: TestUser) -> None:
    project = await create_project(client, alice, "edges")
    await add_flow(client, alice, project["id"], reply_flow("ask", "a"), mcp_enabled=True)
    url = mcp_url(project["id"])
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}
    headers |= alice.headers

    r = await client.post(url, json=_call(MARK + "z" * 5_000_000), headers=headers)
    assert (r.status_code, r.headers["content-type"], r.json()) == (
        413,
        "application/json",
        {"detail": "Request body too large"},
    )
    r = await client.post(
        url, content=json.dumps(_call(MARK)), headers={**headers, "content-type": "text/plain"}
    )
    assert (r.status_code, r.json()) == (400, {"detail": "Invalid Content-Type header"})
    r = await client.post(url, json=[_call(MARK), _call("y", 2)], headers=headers)
    assert r.status_code == 400
    assert r.json() == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": types.INVALID_PARAMS, "message": "Invalid JSON-RPC message"},
    }
    assert MARK not in r.text and "input_value" not in r.text

    for method in ("GET", "DELETE"):
        r = await client.request(method, url, headers=headers)
        assert (r.status_code, r.headers["allow"], r.headers["content-type"]) == (
            405,
            "POST",
            "application/json",
        )
        assert r.json()["detail"].startswith("Method Not Allowed: ")
    r = await client.delete(url, headers=headers)
    assert r.json() == {"detail": "Method Not Allowed: this MCP server keeps no sessions"}


async def test_auth_settings_api_key_is_stored_but_grants_nothing(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    project = await create_project(client, alice, "stored key")
    await add_flow(client, alice, project["id"], reply_flow("ask", "a"), mcp_enabled=True)
    r = await client.patch(
        f"/api/v1/mcp/project/{project['id']}",
        json={"settings": [], "auth_settings": {"auth_type": "apikey", "api_key": "sk-project-own-key-1234"}},
        headers=alice.headers,
    )
    assert r.json()["auth_settings"] == {"auth_type": "apikey", "api_key": "*******"}
    headers = {"accept": "application/json, text/event-stream", "x-api-key": "sk-project-own-key-1234"}
    r = await client.post(mcp_url(project["id"]), json=_call("x"), headers=headers)
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})


async def test_a_notification_is_accepted_without_a_json_content_type(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    project = await create_project(client, alice, "notes")
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    r = await client.post(mcp_url(project["id"]), json=note, headers=headers | alice.headers)
    assert (r.status_code, r.content, r.headers.get("content-length")) == (202, b"", "0")
    assert "content-type" not in r.headers


def test_a_wildcard_host_gives_a_loopback_public_url() -> None:
    assert Settings(host="0.0.0.0", port=7861, public_url=None).resolved_public_url == "http://127.0.0.1:7861"
    assert Settings(host="::", port=7861, public_url=None).resolved_public_url == "http://127.0.0.1:7861"
    assert Settings(host="10.1.2.3", port=80, public_url=None).resolved_public_url == "http://10.1.2.3:80"
    given = Settings(host="0.0.0.0", public_url="https://flows.example/")
    assert given.resolved_public_url == "https://flows.example"
