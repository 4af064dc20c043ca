"""``createFlow``: stored as given; broken data, conflicts and bad ids come back as union members
and store nothing."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from tests import flowbuilder as fb
from tests.conftest import TestUser
from tests.graphql.conftest import Gql


async def create(gql: Gql, user: TestUser, fields: dict[str, Any]) -> dict[str, Any]:
    body = await gql("CreateFlow", {"input": fields}, headers=user.headers)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["createFlow"]
    return result


async def count_flows(gql: Gql, user: TestUser) -> int:
    body = await gql("{ flows { totalCount } }", headers=user.headers)
    total: int = body["data"]["flows"]["totalCount"]
    return total


async def test_create_flow_stores_fields(gql: Gql, alice: TestUser) -> None:
    echo = fb.echo_flow("stored")
    result = await create(
        gql,
        alice,
        {
            "name": "stored",
            "description": "d",
            "data": echo["data"],
            "endpointName": "stored-ep",
            "tags": ["t"],
            "accessType": "PUBLIC",
            "webhook": True,
        },
    )
    assert result["__typename"] == "Flow"
    body = await gql(
        "query($id: ID!) { flow(id: $id) { name description endpointName tags accessType webhook "
        "mcpEnabled isComponent locked data } }",
        {"id": result["id"]},
        headers=alice.headers,
    )
    assert body["data"]["flow"] == {
        "name": "stored",
        "description": "d",
        "endpointName": "stored-ep",
        "tags": ["t"],
        "accessType": "PUBLIC",
        "webhook": True,
        "mcpEnabled": False,
        "isComponent": False,
        "locked": False,
        "data": echo["data"],
    }


async def test_edge_to_missing_node_names_the_edge(gql: Gql, alice: TestUser) -> None:
    data = copy.deepcopy(fb.echo_flow()["data"])
    data["edges"][0]["target"] = "Ghost-1"
    result = await create(gql, alice, {"name": "broken", "data": data})
    assert result["__typename"] == "ValidationError"
    assert "Ghost-1" in result["message"]
    assert [f["path"] for f in result["fields"]] == ["data.edges[0]"]
    assert await count_flows(gql, alice) == 0


async def test_duplicate_node_id_names_the_node(gql: Gql, alice: TestUser) -> None:
    data = copy.deepcopy(fb.echo_flow()["data"])
    data["nodes"][1]["id"] = data["nodes"][0]["id"]
    result = await create(gql, alice, {"name": "broken", "data": data})
    assert result["__typename"] == "ValidationError"
    assert "ChatInput-a" in result["message"]
    assert [f["path"] for f in result["fields"]] == ["data.nodes[1]"]
    assert await count_flows(gql, alice) == 0


async def test_nodes_not_a_list_is_a_validation_error(gql: Gql, alice: TestUser) -> None:
    result = await create(gql, alice, {"name": "broken", "data": {"nodes": {}, "edges": []}})
    assert result["__typename"] == "ValidationError"
    assert [f["path"] for f in result["fields"]] == ["data.nodes"]


async def test_endpoint_name_clash_is_a_conflict(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    first = await create(gql, alice, {"name": "one", "endpointName": "same"})
    assert first["__typename"] == "Flow"
    second = await create(gql, alice, {"name": "two", "endpointName": "same"})
    assert second["__typename"] == "ConflictError"
    assert "same" in second["message"]
    # Another user may use the same endpoint name.
    assert (await create(gql, bob, {"name": "bob", "endpointName": "same"}))["__typename"] == "Flow"
    assert await count_flows(gql, alice) == 1


async def test_malformed_project_id_names_it(gql: Gql, alice: TestUser) -> None:
    result = await create(gql, alice, {"name": "x", "projectId": "nope"})
    assert result == {
        "__typename": "ValidationError",
        "message": "'input.projectId' is not a valid UUID",
        "fields": [{"path": "input.projectId", "message": "'input.projectId' is not a valid UUID"}],
    }


async def test_unknown_project_is_not_found(gql: Gql, alice: TestUser) -> None:
    result = await create(gql, alice, {"name": "x", "projectId": str(uuid.uuid4())})
    assert result["__typename"] == "NotFoundError"
    assert await count_flows(gql, alice) == 0


async def test_name_clash_gets_langflow_suffix(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    names = [(await create(gql, alice, {"name": "twin"}))["name"] for _ in range(3)]
    assert names == ["twin", "twin (1)", "twin (2)"]
    assert (await create(gql, bob, {"name": "twin"}))["name"] == "twin"  # names are per user
