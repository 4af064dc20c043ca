"""GraphQL ``projectMcpTools`` and ``updateProjectMcpSettings``: the same tools and settings as
REST ``/api/v1/mcp/project/{id}``, and what they set is what the project's MCP endpoint serves
(checked with the ``mcp`` SDK's client)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes
from tests.rest_compat.mcp_support import add_flow, create_project, mcp_session, reply_flow

TOOLS = """
query Tools($projectId: ID!, $enabledOnly: Boolean! = false) {
  projectMcpTools(projectId: $projectId, enabledOnly: $enabledOnly) {
    name description enabled inputSchema flow { id name }
  }
}
"""
UPDATE = """
mutation Update($projectId: ID!, $settings: JSON!, $authSettings: JSON) {
  updateProjectMcpSettings(projectId: $projectId, settings: $settings, authSettings: $authSettings) {
    name description enabled flow { id }
  }
}
"""


async def test_tools_and_settings_reach_the_mcp_endpoint(
    app: FastAPI, client: httpx.AsyncClient, gql: Gql, alice: TestUser
) -> None:
    project = await create_project(client, alice, "graphql tools")
    a = await add_flow(client, alice, project["id"], reply_flow("Summarize Text", "sum"))
    b = await add_flow(client, alice, project["id"], reply_flow("other", "other"), mcp_enabled=True)
    body = await gql(TOOLS, {"projectId": project["id"]}, headers=alice.headers)
    assert body["data"]["projectMcpTools"] == [
        {
            "name": "summarize_text",
            "description": "Summarize Text",
            "enabled": False,
            "inputSchema": body["data"]["projectMcpTools"][0]["inputSchema"],
            "flow": {"id": a["id"], "name": "Summarize Text"},
        },
        {
            "name": "other",
            "description": "other",
            "enabled": True,
            "inputSchema": body["data"]["projectMcpTools"][1]["inputSchema"],
            "flow": {"id": b["id"], "name": "other"},
        },
    ]
    assert body["data"]["projectMcpTools"][0]["inputSchema"]["required"] == ["input_value"]

    settings = [
        {"id": a["id"], "mcpEnabled": True, "actionName": "summarize", "actionDescription": "Summarizes"},
        {"id": b["id"], "mcpEnabled": False},
    ]
    variables = {"projectId": project["id"], "settings": settings, "authSettings": {"auth_type": "apikey"}}
    body = await gql(UPDATE, variables, headers=alice.headers)
    assert body["data"]["updateProjectMcpSettings"] == [
        {"name": "summarize", "description": "Summarizes", "enabled": True, "flow": {"id": a["id"]}},
        {"name": "other", "description": "other", "enabled": False, "flow": {"id": b["id"]}},
    ]
    body = await gql(TOOLS, {"projectId": project["id"], "enabledOnly": True}, headers=alice.headers)
    assert [t["name"] for t in body["data"]["projectMcpTools"]] == ["summarize"]
    async with mcp_session(app, project["id"], alice.headers) as session:
        listed = await session.list_tools()
        assert [(t.name, t.description) for t in listed.tools] == [("summarize", "Summarizes")]


async def test_errors_carry_codes(
    client: httpx.AsyncClient, gql: Gql, alice: TestUser, bob: TestUser
) -> None:
    project = await create_project(client, alice, "codes")
    flow = await add_flow(client, alice, project["id"], reply_flow("f", "f"))
    body = await gql(TOOLS, {"projectId": project["id"]}, headers=bob.headers)
    assert error_codes(body) == ["NOT_FOUND"]
    body = await gql(TOOLS, {"projectId": "not-a-uuid"}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]
    body = await gql(
        UPDATE, {"projectId": project["id"], "settings": [{"id": flow["id"]}]}, headers=bob.headers
    )
    assert error_codes(body) == ["NOT_FOUND"]
    unknown_flow = [{"id": str(uuid.uuid4()), "mcpEnabled": True}]
    body = await gql(UPDATE, {"projectId": project["id"], "settings": unknown_flow}, headers=alice.headers)
    assert error_codes(body) == ["NOT_FOUND"]
    bad = {"projectId": project["id"], "settings": [], "authSettings": {"auth_type": "magic"}}
    assert error_codes(await gql(UPDATE, bad, headers=alice.headers)) == ["INVALID_INPUT"]
    bad = {"projectId": project["id"], "settings": {"id": flow["id"]}}
    assert error_codes(await gql(UPDATE, bad, headers=alice.headers)) == ["INVALID_INPUT"]
    for query, variables in (
        (TOOLS, {"projectId": project["id"]}),
        (UPDATE, {"projectId": project["id"], "settings": []}),
    ):
        assert error_codes(await gql(query, variables)) == ["UNAUTHENTICATED"]


async def test_enabled_only_defaults_to_true_as_rest(
    client: httpx.AsyncClient, gql: Gql, alice: TestUser
) -> None:
    project = await create_project(client, alice, "defaults")
    await add_flow(client, alice, project["id"], reply_flow("hidden", "h"))
    await add_flow(client, alice, project["id"], reply_flow("shown", "s"), mcp_enabled=True)
    query = "query($p: ID!) { projectMcpTools(projectId: $p) { name enabled } }"
    body = await gql(query, {"p": project["id"]}, headers=alice.headers)
    assert body["data"]["projectMcpTools"] == [{"name": "shown", "enabled": True}]
    r = await client.get(f"/api/v1/mcp/project/{project['id']}", headers=alice.headers)
    assert [t["action_name"] for t in r.json()["tools"]] == ["shown"]
