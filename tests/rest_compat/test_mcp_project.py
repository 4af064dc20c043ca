"""Projects as MCP servers (issue 11), through the ``mcp`` SDK's streamable HTTP client: the
tools a project lists, calls that run the flow through the run resolver, authentication per
``auth_settings``; and the REST routes ``/api/v1/mcp/project/{id}`` (tools, settings with
masked secrets, composer-url, install, installed)."""

from __future__ import annotations

import asyncio
import json
import stat
import uuid
from pathlib import Path

import httpx
import httpx2
import mcp_types as types
import pytest
from fastapi import FastAPI
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from flowql.services import AppServices
from tests.conftest import MakeUser, TestUser
from tests.live_server import HANG_GUARD
from tests.rest_compat.mcp_support import (
    add_flow,
    create_project,
    failing_flow,
    mcp_session,
    mcp_url,
    reply_flow,
    runs_of,
)


def _tree(root: Path) -> set[Path]:
    """Every path below ``root``."""
    return set(root.rglob("*"))


def _leaves(group: BaseException) -> list[BaseException]:
    if isinstance(group, BaseExceptionGroup):
        return [leaf for inner in group.exceptions for leaf in _leaves(inner)]
    return [group]


def _text(result: types.CallToolResult) -> str:
    [block] = result.content
    assert isinstance(block, types.TextContent)
    return block.text


async def test_disabled_flow_is_not_listed_and_cannot_be_called(
    app: FastAPI, client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    project = await create_project(client, alice, "tools")
    on = await add_flow(client, alice, project["id"], reply_flow("Ask Me", "on"), mcp_enabled=True)
    off = await add_flow(
        client,
        alice,
        project["id"],
        reply_flow("hidden", "off"),
        mcp_enabled=False,
        action_name="secret_tool",
    )
    async with mcp_session(app, project["id"], alice.headers) as session:
        listed = await session.list_tools()
        assert [t.name for t in listed.tools] == ["ask_me"]  # slug of the flow name
        [tool] = listed.tools
        assert tool.description == "Ask Me"
        assert tool.input_schema["required"] == ["input_value"]
        assert tool.input_schema["properties"]["input_value"]["type"] == "string"
        with pytest.raises(MCPError) as info:
            await session.call_tool("secret_tool", {"input_value": "x"})
        assert "Unknown tool: secret_tool" in str(info.value)
        result = await session.call_tool("ask_me", {"input_value": "hello"})
        assert result.is_error is False
        assert _text(result) == "on: hello"
    assert await runs_of(services, off["id"]) == 0
    assert await runs_of(services, on["id"]) > 0


async def test_same_action_name_in_two_projects_calls_each_projects_flow(
    app: FastAPI, client: httpx.AsyncClient, alice: TestUser
) -> None:
    first = await create_project(client, alice, "first")
    second = await create_project(client, alice, "second")
    await add_flow(
        client,
        alice,
        first["id"],
        reply_flow("one", "first"),
        mcp_enabled=True,
        action_name="ask",
        action_description="Ask the first project",
    )
    await add_flow(
        client, alice, second["id"], reply_flow("two", "second"), mcp_enabled=True, action_name="ask"
    )
    answers = {}
    for project in (first, second):
        async with mcp_session(app, project["id"], alice.headers) as session:
            listed = await session.list_tools()
            assert [t.name for t in listed.tools] == ["ask"]
            answers[project["name"]] = _text(await session.call_tool("ask", {"input_value": "q"}))
            if project is first:
                assert listed.tools[0].description == "Ask the first project"
    assert answers == {"first": "first: q", "second": "second: q"}


async def test_failing_flow_is_an_error_result_with_the_component_message(
    app: FastAPI, client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    project = await create_project(client, alice, "failing")
    variable = f"FLOWQL_TEST_UNSET_{uuid.uuid4().hex.upper()}"
    flow = await add_flow(
        client, alice, project["id"], failing_flow("breaks", variable), mcp_enabled=True, action_name="breaks"
    )
    async with mcp_session(app, project["id"], alice.headers) as session:
        result = await session.call_tool("breaks", {"input_value": "x"})
    assert result.is_error is True
    assert _text(result) == (
        f"Component 'Prompt' (Prompt-a): variable '{variable}' for field 'secret' is not set"
    )
    assert await runs_of(services, flow["id"]) > 0  # the failed run is recorded like any other


async def test_another_users_key_is_refused_and_nothing_runs(
    app: FastAPI, client: httpx.AsyncClient, services: AppServices, alice: TestUser, bob: TestUser
) -> None:
    project = await create_project(client, alice, "private")
    flow = await add_flow(client, alice, project["id"], reply_flow("ask", "a"), mcp_enabled=True)
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "ask", "arguments": {"input_value": "x"}},
    }
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}
    r = await client.post(mcp_url(project["id"]), json=init, headers={**headers, **bob.headers})
    assert (r.status_code, r.json()) == (404, {"detail": "Project not found"})
    r = await client.post(mcp_url(project["id"]), json=init, headers=headers)
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})
    r = await client.post(mcp_url(project["id"]), json=init, headers={**headers, "x-api-key": "sk-wrong"})
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})
    with pytest.raises(ExceptionGroup) as refused:  # the SDK client cannot even initialize
        async with mcp_session(app, project["id"], bob.headers) as session:
            await session.call_tool("ask", {"input_value": "x"})
    assert [str(e) for e in _leaves(refused.value)] == ["Not Found"]
    assert await runs_of(services, flow["id"]) == 0
    # The owner's access token works as well as an API key.
    login = await client.post("/api/v1/login", data={"username": alice.username, "password": alice.password})
    token = login.json()["access_token"]
    async with mcp_session(app, project["id"], {"Authorization": f"Bearer {token}"}) as session:
        assert _text(await session.call_tool("ask", {"input_value": "x"})) == "a: x"


async def test_auth_type_none_needs_no_credentials_and_runs_as_the_owner(
    app: FastAPI, client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    project = await create_project(client, alice, "open")
    flow = await add_flow(client, alice, project["id"], reply_flow("ask", "open"), mcp_enabled=True)
    r = await client.patch(
        f"/api/v1/mcp/project/{project['id']}",
        json={"settings": [], "auth_settings": {"auth_type": "none"}},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    async with mcp_session(app, project["id"], {}) as session:
        assert _text(await session.call_tool("ask", {"input_value": "x"})) == "open: x"
    assert await runs_of(services, flow["id"]) > 0


async def test_tools_and_settings_routes_mask_secrets(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    project = await create_project(client, alice, "settings")
    a = await add_flow(client, alice, project["id"], reply_flow("First Flow", "1"))
    b = await add_flow(client, alice, project["id"], reply_flow("second", "2"))
    url = f"/api/v1/mcp/project/{project['id']}"
    r = await client.get(url, headers=alice.headers)
    assert r.json() == {"tools": [], "auth_settings": None}
    body = {
        "settings": [
            {"id": a["id"], "mcp_enabled": True, "action_name": "first", "action_description": "Does one"},
            {"id": b["id"], "mcp_enabled": True},
        ],
        "auth_settings": {"auth_type": "oauth", "oauth_client_id": "cid", "oauth_client_secret": "s3cr3t"},
    }
    r = await client.patch(url, json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["message"] == "Updated MCP settings for 2 flows and project auth settings"
    assert answer["auth_settings"] == {
        "auth_type": "oauth",
        "oauth_client_id": "cid",
        "oauth_client_secret": "*******",
    }
    assert "s3cr3t" not in r.text
    listed = (await client.get(url, headers=alice.headers)).json()
    assert [(t["action_name"], t["action_description"], t["mcp_enabled"]) for t in listed["tools"]] == [
        ("first", "Does one", True),
        ("second", "second", True),
    ]
    assert "s3cr3t" not in json.dumps(listed)
    # Sending the mask back keeps the stored secret; the project route shows it masked as well.
    body = {"settings": [{"id": b["id"], "mcp_enabled": False}], "auth_settings": answer["auth_settings"]}
    r = await client.patch(url, json=body, headers=alice.headers)
    assert r.json()["auth_settings"]["oauth_client_secret"] == "*******"
    assert [t["action_name"] for t in (await client.get(url, headers=alice.headers)).json()["tools"]] == [
        "first"
    ]
    everything = (await client.get(url, params={"mcp_enabled": "false"}, headers=alice.headers)).json()
    assert [t["mcp_enabled"] for t in everything["tools"]] == [True, False]
    # Bad input, other people's objects.
    clash = {"settings": [{"id": b["id"], "mcp_enabled": True, "action_name": "first"}]}
    assert (await client.patch(url, json=clash, headers=alice.headers)).status_code == 409
    bad_name = {"settings": [{"id": a["id"], "action_name": "has space"}]}
    assert (await client.patch(url, json=bad_name, headers=alice.headers)).status_code == 422
    bad_auth = {"settings": [], "auth_settings": {"auth_type": "magic"}}
    assert (await client.patch(url, json=bad_auth, headers=alice.headers)).status_code == 422
    foreign = {"settings": [{"id": str(uuid.uuid4()), "mcp_enabled": True}]}
    r = await client.patch(url, json=foreign, headers=alice.headers)
    assert (r.status_code, r.json()) == (404, {"detail": "Flow not found"})
    r = await client.get(url, headers=bob.headers)
    assert (r.status_code, r.json()) == (404, {"detail": "Project not found"})
    assert (await client.patch(url, json={"settings": []}, headers=bob.headers)).status_code == 404


async def test_composer_url_points_at_the_endpoint(
    client: httpx.AsyncClient, services: AppServices, alice: TestUser, bob: TestUser
) -> None:
    services.settings.public_url = "http://testserver"
    project = await create_project(client, alice, "urls")
    r = await client.get(f"/api/v1/mcp/project/{project['id']}/composer-url", headers=alice.headers)
    assert r.status_code == 200
    assert r.json() == {
        "project_id": project["id"],
        "uses_composer": False,
        "streamable_http_url": mcp_url(project["id"]),
        "legacy_sse_url": None,
        "error_message": None,
    }
    r = await client.get(f"/api/v1/mcp/project/{project['id']}/composer-url", headers=bob.headers)
    assert r.status_code == 404


async def test_install_is_superuser_only_and_writes_only_under_the_config_dir(
    client: httpx.AsyncClient, services: AppServices, alice: TestUser, make_user: MakeUser, tmp_path: Path
) -> None:
    config_dir = tmp_path / "mcp-configs"
    services.settings.mcp_config_dir = config_dir
    services.settings.public_url = "http://testserver"
    before = _tree(tmp_path)
    project = await create_project(client, alice, "My Tools")
    r = await client.post(
        f"/api/v1/mcp/project/{project['id']}/install", json={"client": "cursor"}, headers=alice.headers
    )
    assert r.status_code == 403
    assert not config_dir.exists()

    root = await make_user("root", superuser=True)
    mine = await create_project(client, root, "My Tools")
    url = f"/api/v1/mcp/project/{mine['id']}"
    for bad in ("../../etc", "vscode", "cursor/../claude", ""):
        r = await client.post(f"{url}/install", json={"client": bad}, headers=root.headers)
        assert r.status_code == 422, bad
    r = await client.post(f"{url}/install", json={"client": "cursor"}, headers=root.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Successfully installed MCP configuration for Cursor"}
    assert "sk-" not in r.text
    written = config_dir / "cursor" / "mcp.json"
    created = _tree(tmp_path) - before
    assert {p for p in created if p.is_file() and "flowql.db" not in p.name} == {written}
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    entry = json.loads(written.read_text())["mcpServers"]["lf-my_tools"]
    assert entry["command"] == "uvx"
    assert entry["args"][:5] == ["mcp-proxy", "--transport", "streamablehttp", "--headers", "x-api-key"]
    assert entry["args"][-1] == mcp_url(mine["id"])
    key = entry["args"][5]
    r = await client.get(f"{url}/installed", headers={"x-api-key": key})  # the written key works
    assert r.json() == [
        {"name": "cursor", "installed": True, "available": True},
        {"name": "windsurf", "installed": False, "available": True},
        {"name": "claude", "installed": False, "available": True},
    ]
    # Installing again replaces the entry; another user's project is 404.
    r = await client.post(f"{url}/install", json={"client": "cursor"}, headers=root.headers)
    assert list(json.loads(written.read_text())["mcpServers"]) == ["lf-my_tools"]
    r = await client.post(
        f"/api/v1/mcp/project/{project['id']}/install", json={"client": "claude"}, headers=root.headers
    )
    assert r.status_code == 404
    assert not (config_dir / "claude").exists()


async def test_endpoint_answers_plain_http_edges(client: httpx.AsyncClient, alice: TestUser) -> None:
    project = await create_project(client, alice, "edges")
    await add_flow(client, alice, project["id"], reply_flow("ask", "a"), mcp_enabled=True)
    url = mcp_url(project["id"])
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}
    headers |= alice.headers
    r = await client.get(url, headers=headers)
    assert (r.status_code, r.headers["allow"]) == (405, "POST")
    assert (await client.delete(url, headers=headers)).status_code == 405
    r = await client.post(url, content=b"{not json", headers={**headers, "content-type": "application/json"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, types.PARSE_ERROR)
    call = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "ask", "arguments": {"input_value": 3}},
    }
    r = await client.post(url, json=call, headers=headers)
    assert r.json()["result"]["isError"] is True
    assert r.json()["result"]["content"] == [{"type": "text", "text": "input_value must be a string"}]
    r = await client.post(url.replace(project["id"], "not-a-uuid"), json=call, headers=headers)
    assert (r.status_code, r.json()) == (404, {"detail": "Project not found"})
    r = await client.post(url.replace(project["id"], "not-a-uuid"), json=call)
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})


async def test_sdk_client_over_real_http_at_the_composer_url(
    live_client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    services.settings.public_url = str(live_client.base_url)
    project = await create_project(live_client, alice, "live")
    await add_flow(live_client, alice, project["id"], reply_flow("ask", "live"), mcp_enabled=True)
    r = await live_client.get(f"/api/v1/mcp/project/{project['id']}/composer-url", headers=alice.headers)
    url = r.json()["streamable_http_url"]
    assert url == f"{live_client.base_url}/api/v1/mcp/project/{project['id']}/streamable"
    async with (
        httpx2.AsyncClient(headers=alice.headers, timeout=HANG_GUARD) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await asyncio.wait_for(session.initialize(), HANG_GUARD)
        assert [t.name for t in (await session.list_tools()).tools] == ["ask"]
        result = await asyncio.wait_for(session.call_tool("ask", {"input_value": "over http"}), HANG_GUARD)
        assert (result.is_error, _text(result)) == (False, "live: over http")
