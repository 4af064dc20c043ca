"""Queries: ``me``, ``flow(id)``, ``flows(first, after)``; authentication and error codes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from flowql.schema.build import build_schema
from tests import flowbuilder as fb
from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes, post_upload


def _simple_flow_data() -> dict[str, Any]:
    data: dict[str, Any] = fb.flow(
        "simple",
        [fb.chat_in("ChatInput-q", ""), fb.chat_out("ChatOutput-q")],
        [fb.edge("ChatInput-q", "message", "ChatOutput-q", "input_value")],
    )["data"]
    return data


async def create(gql: Gql, user: TestUser, name: str, **extra: Any) -> dict[str, Any]:
    """Create a flow through ``createFlow`` and return the Flow member."""
    body = await gql(
        "CreateFlow", {"input": {"name": name, "data": _simple_flow_data(), **extra}}, headers=user.headers
    )
    result: dict[str, Any] = body["data"]["createFlow"]
    assert result["__typename"] == "Flow", result
    return result


async def test_me_returns_the_caller(gql: Gql, alice: TestUser) -> None:
    body = await gql("Me", headers=alice.headers)
    assert "errors" not in body
    me = body["data"]["me"]
    assert me["id"] == str(alice.id)
    assert me["username"] == "alice"
    assert me["isActive"] is True
    assert me["isSuperuser"] is False


async def test_me_without_credentials_is_unauthenticated(gql: Gql, alice: TestUser) -> None:
    body = await gql("Me")
    assert body["data"] is None
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["path"] == ["me"]


async def test_bad_api_key_is_unauthenticated(gql: Gql, alice: TestUser) -> None:
    body = await gql("Me", headers={"x-api-key": "sk-not-a-key"})
    assert error_codes(body) == ["UNAUTHENTICATED"]


#: One operation per root field, run without credentials. A new root field must be added here
#: (the coverage assertion below fails otherwise) or marked public on purpose.
UNAUTHENTICATED_PROBES = {
    "me": "{ me { id } }",
    "flow": '{ flow(id: "' + str(uuid.uuid4()) + '") { id } }',
    "flows": "{ flows { totalCount } }",
    "createFlow": 'mutation { createFlow(input: {name: "x"}) { __typename } }',
    "importFlow": "mutation($file: Upload!) { importFlow(file: $file) { __typename } }",
    "runFlow": 'mutation { runFlow(flowId: "x", input: {}) { __typename } }',
    "job": '{ job(id: "' + str(uuid.uuid4()) + '") { id } }',
    "buildFlow": 'mutation { buildFlow(flowId: "x") { __typename } }',
    "cancelJob": 'mutation { cancelJob(id: "x") { __typename } }',
    "componentTypes": "{ componentTypes { type } }",
    "apiKeys": "{ apiKeys { id } }",
    "createApiKey": "mutation { createApiKey { secret } }",
    "deleteApiKey": 'mutation { deleteApiKey(id: "' + str(uuid.uuid4()) + '") }',
    "users": "{ users { totalCount } }",
    "logout": "mutation { logout }",
    "updateUser": 'mutation { updateUser(id: "' + str(uuid.uuid4()) + '", patch: {username: "x"}) { id } }',
    "resetPassword": f'mutation {{ resetPassword(id: "{uuid.uuid4()}", currentPassword: "", password: "") }}',
}
#: The monitor fields (see tests/graphql/test_monitor.py).
UNAUTHENTICATED_PROBES |= {
    "messages": "{ messages { edges { cursor } } }",
    "sessions": '{ sessions(flowId: "' + str(uuid.uuid4()) + '") { edges { cursor } } }',
    "vertexBuilds": '{ vertexBuilds(flowId: "' + str(uuid.uuid4()) + '") { id } }',
    "transactions": '{ transactions(flowId: "' + str(uuid.uuid4()) + '") { totalCount } }',
    "traces": "{ traces { totalCount } }",
    "trace": '{ trace(id: "' + str(uuid.uuid4()) + '") { id } }',
    "updateMessage": 'mutation { updateMessage(id: "' + str(uuid.uuid4()) + '", text: "x") { id } }',
    "deleteMessages": 'mutation { deleteMessages(ids: ["' + str(uuid.uuid4()) + '"]) { deletedCount } }',
    "renameSession": 'mutation { renameSession(oldSessionId: "a", newSessionId: "b") { deletedCount } }',
    "deleteSession": 'mutation { deleteSession(sessionId: "a") { deletedCount } }',
    "deleteTraces": 'mutation { deleteTraces(ids: ["' + str(uuid.uuid4()) + '"]) { deletedCount } }',
}
#: The flow and project fields (see tests/graphql/test_flows_projects.py).
UNAUTHENTICATED_PROBES |= {
    "project": '{ project(id: "' + str(uuid.uuid4()) + '") { id } }',
    "projects": "{ projects { id } }",
    "starterProjects": "{ starterProjects { id } }",
    "basicExamples": "{ basicExamples { id } }",
    "createFlows": 'mutation { createFlows(inputs: [{name: "x"}]) { __typename } }',
    "updateFlow": f'mutation {{ updateFlow(id: "{uuid.uuid4()}", patch: {{name: "x"}}) {{ __typename }} }}',
    "upsertFlow": f'mutation {{ upsertFlow(id: "{uuid.uuid4()}", input: {{name: "x"}}) {{ __typename }} }}',
    "deleteFlows": 'mutation { deleteFlows(ids: ["' + str(uuid.uuid4()) + '"]) { deletedCount } }',
    "createProject": 'mutation { createProject(name: "x") { __typename } }',
    "updateProject": f'mutation {{ updateProject(id: "{uuid.uuid4()}", patch: {{}}) {{ __typename }} }}',
    "deleteProject": 'mutation { deleteProject(id: "' + str(uuid.uuid4()) + '") { deletedCount } }',
    "importProject": "mutation($file: Upload!) { importProject(file: $file) { __typename } }",
}
#: The file fields (see tests/graphql/test_files.py).
UNAUTHENTICATED_PROBES |= {
    "files": "{ files { totalCount } }",
    "file": '{ file(id: "' + str(uuid.uuid4()) + '") { id } }',
    "uploadFile": "mutation($file: Upload!) { uploadFile(file: $file) { id } }",
    "renameFile": 'mutation { renameFile(id: "' + str(uuid.uuid4()) + '", name: "x") { id } }',
    "deleteFiles": 'mutation { deleteFiles(ids: ["' + str(uuid.uuid4()) + '"]) { deletedCount } }',
}
#: The run surfaces (see tests/graphql/test_workflows.py).
UNAUTHENTICATED_PROBES |= {
    "runWorkflow": 'mutation { runWorkflow(flowId: "x") { __typename } }',
    "createResponse": 'mutation { createResponse(model: "x", input: "y") { id } }',
}
#: The MCP fields (see tests/graphql/test_mcp.py).
UNAUTHENTICATED_PROBES |= {
    "projectMcpTools": '{ projectMcpTools(projectId: "' + str(uuid.uuid4()) + '") { name } }',
    "updateProjectMcpSettings": 'mutation { updateProjectMcpSettings(projectId: "'
    + str(uuid.uuid4())
    + '", settings: []) { name } }',
}
#: Root fields marked public on purpose (see tests/graphql/test_jobs.py::test_public_build).
PUBLIC_ROOT_FIELDS = {"publicJob", "buildPublicFlow"}
#: A PUBLIC flow reads without credentials (see tests/graphql/test_flows_projects.py).
PUBLIC_ROOT_FIELDS |= {"publicFlow"}
#: Account fields public on purpose (see tests/graphql/test_accounts.py).
PUBLIC_ROOT_FIELDS |= {"login", "refreshToken", "signUp", "config", "version"}


def test_probes_cover_every_root_field() -> None:
    schema = build_schema()._schema
    assert schema.query_type is not None and schema.mutation_type is not None
    names = set(schema.query_type.fields) | set(schema.mutation_type.fields)
    assert names == set(UNAUTHENTICATED_PROBES) | PUBLIC_ROOT_FIELDS


@pytest.mark.parametrize("field", sorted(UNAUTHENTICATED_PROBES))
async def test_every_root_field_needs_a_principal(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, field: str
) -> None:
    if field in ("importFlow", "importProject", "uploadFile"):
        # uploads are refused before the body is read: HTTP 401 (test_uploads_are_refused_unread)
        response = await post_upload(client, UNAUTHENTICATED_PROBES[field], b"{}")
        assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
        return
    body = await gql(UNAUTHENTICATED_PROBES[field])
    assert error_codes(body) == ["UNAUTHENTICATED"], body
    assert body["errors"][0]["path"] == [field]
    assert body["errors"][0]["message"] == "Not authenticated"


async def test_introspection_is_public(gql: Gql) -> None:
    body = await gql("{ __schema { queryType { name } } }")
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_bearer_api_key_and_query_param_are_accepted(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    query = {"query": "{ me { username } }"}
    by_bearer = await client.post(
        "/graphql", json=query, headers={"Authorization": f"Bearer {alice.api_key}"}
    )
    by_param = await client.post(f"/graphql?x-api-key={alice.api_key}", json=query)
    assert by_bearer.json() == {"data": {"me": {"username": "alice"}}}
    assert by_param.json() == {"data": {"me": {"username": "alice"}}}


async def _cookie_login(client: httpx.AsyncClient, user: TestUser) -> None:
    login = await client.post("/api/v1/login", data={"username": user.username, "password": user.password})
    assert login.status_code == 200, login.text
    client.cookies.set("access_token_lf", login.json()["access_token"])


async def test_access_token_cookie_is_accepted(client: httpx.AsyncClient, alice: TestUser) -> None:
    await _cookie_login(client, alice)
    response = await client.post(
        "/graphql", json={"query": "{ me { username } }"}, headers={"Origin": "http://testserver"}
    )
    assert response.json() == {"data": {"me": {"username": "alice"}}}


async def test_cookie_only_post_without_origin_is_refused(client: httpx.AsyncClient, alice: TestUser) -> None:
    await _cookie_login(client, alice)
    response = await client.post("/graphql", json={"query": "{ me { username } }"})
    assert response.status_code == 403
    assert "Origin" in response.json()["detail"]


async def test_flow_reads_back_own_flow(gql: Gql, alice: TestUser) -> None:
    created = await create(gql, alice, "mine", endpointName="mine-ep", tags=["a", "b"])
    body = await gql("Flow", {"id": created["id"]}, headers=alice.headers)
    flow = body["data"]["flow"]
    assert flow["id"] == created["id"]
    assert flow["name"] == "mine"
    assert flow["endpointName"] == "mine-ep"
    assert flow["tags"] == ["a", "b"]
    assert flow["accessType"] == "PRIVATE"
    assert flow["data"] == _simple_flow_data()
    assert flow["components"] == [
        {"id": "ChatInput-q", "type": "ChatInput", "displayName": "Chat Input"},
        {"id": "ChatOutput-q", "type": "ChatOutput", "displayName": "Chat Output"},
    ]


async def test_flow_of_another_user_is_null(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    created = await create(gql, alice, "alice's")
    body = await gql("Flow", {"id": created["id"]}, headers=bob.headers)
    assert body == {"data": {"flow": None}}


async def test_missing_flow_is_null(gql: Gql, alice: TestUser) -> None:
    body = await gql("Flow", {"id": str(uuid.uuid4())}, headers=alice.headers)
    assert body == {"data": {"flow": None}}


async def test_malformed_flow_id_is_an_invalid_input_error(gql: Gql, alice: TestUser) -> None:
    body = await gql("Flow", {"id": "not-a-uuid"}, headers=alice.headers)
    assert body["data"] == {"flow": None}
    assert error_codes(body) == ["INVALID_INPUT"]
    assert "id" in body["errors"][0]["message"]


async def test_flows_pages_with_first_and_after(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    names = [f"flow-{i}" for i in range(5)]
    for name in names:
        await create(gql, alice, name)
    await create(gql, bob, "bob's")

    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = await gql("Flows", {"first": 2, "after": after}, headers=alice.headers)
        assert "errors" not in body, body
        page = body["data"]["flows"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["name"] for edge in page["edges"]]
        pages += 1
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == names
    assert pages == 3


async def test_flows_empty_page(gql: Gql, alice: TestUser) -> None:
    body = await gql("Flows", headers=alice.headers)
    assert body["data"]["flows"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


async def test_flows_bad_cursor_is_an_error(gql: Gql, alice: TestUser) -> None:
    body = await gql("Flows", {"first": 2, "after": "bm90LWEtY3Vyc29y"}, headers=alice.headers)
    assert body["data"] is None
    assert error_codes(body) == ["INVALID_INPUT"]
    assert "cursor" in body["errors"][0]["message"].lower()
    assert body["errors"][0]["extensions"]["fields"][0]["path"] == "after"


async def test_flows_first_out_of_range_is_an_error(gql: Gql, alice: TestUser) -> None:
    body = await gql("Flows", {"first": 0}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]
    body = await gql("Flows", {"first": 101}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_uploads_are_refused_unread_without_credentials(client: httpx.AsyncClient) -> None:
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(64):
            pulled += 1
            yield b"x" * 16384

    response = await client.post(
        "/graphql", content=body(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    assert pulled <= 1  # at most the first chunk the transport may prefetch; never the body
