"""``importFlow`` through real GraphQL multipart requests (operations, map, file part)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests import flowbuilder as fb
from tests.cases import load_langflow
from tests.conftest import TestUser
from tests.graphql.conftest import ClientWith, Gql, error_codes, post_upload


async def upload(
    client: httpx.AsyncClient, user: TestUser, payload: Any, **variables: Any
) -> list[dict[str, Any]]:
    content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = await post_upload(client, "ImportFlow", content, variables=variables, headers=user.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    results: list[dict[str, Any]] = body["data"]["importFlow"]
    return results


async def names(gql: Gql, user: TestUser) -> list[str]:
    body = await gql("{ flows { edges { node { name } } } }", headers=user.headers)
    return [e["node"]["name"] for e in body["data"]["flows"]["edges"]]


async def test_import_one_langflow_export_keeps_its_id(
    client: httpx.AsyncClient, gql: Gql, alice: TestUser, shared_dir: Path
) -> None:
    export = load_langflow(shared_dir, "hello-world.json")
    [result] = await upload(client, alice, export)
    assert result["__typename"] == "Flow"
    assert result["id"] == export["id"]
    assert result["name"] == export["name"]
    assert [c["id"] for c in result["components"]] == [
        n["id"] for n in export["data"]["nodes"] if n.get("type") != "noteNode"
    ]
    body = await gql("Flow", {"id": result["id"]}, headers=alice.headers)
    assert body["data"]["flow"]["data"] == export["data"]


async def test_import_many_in_file_order(client: httpx.AsyncClient, gql: Gql, alice: TestUser) -> None:
    payload = {"flows": [fb.echo_flow("first"), fb.echo_flow("second")]}
    results = await upload(client, alice, payload)
    assert [(r["__typename"], r["name"]) for r in results] == [("Flow", "first"), ("Flow", "second")]
    assert sorted(await names(gql, alice)) == ["first", "second"]


async def test_same_file_twice_gets_a_new_id(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = {**fb.echo_flow("again"), "id": str(uuid.uuid4())}
    [first] = await upload(client, alice, flow)
    [second] = await upload(client, alice, flow)
    assert first["id"] == flow["id"]
    assert second["__typename"] == "Flow"
    assert second["id"] != flow["id"]


async def test_not_json_is_a_validation_error(client: httpx.AsyncClient, gql: Gql, alice: TestUser) -> None:
    [result] = await upload(client, alice, b"{not json")
    assert result["__typename"] == "ValidationError"
    assert result["message"].startswith("file is not valid JSON (Expecting property name")
    assert result["fields"] == [{"path": "file", "message": "not valid JSON"}]
    assert await names(gql, alice) == []


async def test_broken_flow_stores_nothing(client: httpx.AsyncClient, gql: Gql, alice: TestUser) -> None:
    broken = fb.echo_flow("broken")
    broken["data"]["edges"][0]["source"] = "Ghost-9"
    [result] = await upload(client, alice, {"flows": [fb.echo_flow("fine"), broken]})
    assert result["__typename"] == "ValidationError"
    assert "Ghost-9" in result["message"]
    assert "broken" in result["message"]
    assert await names(gql, alice) == []


async def test_unknown_project_is_not_found(client: httpx.AsyncClient, gql: Gql, alice: TestUser) -> None:
    [result] = await upload(client, alice, fb.echo_flow(), projectId=str(uuid.uuid4()))
    assert result["__typename"] == "NotFoundError"
    assert await names(gql, alice) == []


async def test_malformed_project_id(client: httpx.AsyncClient, alice: TestUser) -> None:
    [result] = await upload(client, alice, fb.echo_flow(), projectId="nope")
    assert result["__typename"] == "ValidationError"
    assert result["fields"][0]["path"] == "projectId"


async def test_file_over_the_limit_is_refused(client_with: ClientWith, alice: TestUser) -> None:
    async with client_with(max_file_size_upload=0) as small:
        [result] = await upload(small, alice, fb.echo_flow())
    assert result["__typename"] == "ValidationError"
    assert "limit" in result["message"]


async def test_cookie_only_upload_is_refused(client: httpx.AsyncClient, gql: Gql, alice: TestUser) -> None:
    login = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    client.cookies.set("access_token_lf", login.json()["access_token"])
    response = await post_upload(
        client,
        "ImportFlow",
        json.dumps(fb.echo_flow()).encode(),
        headers={"Origin": "http://testserver"},
    )
    body = response.json()
    assert body["data"] is None
    assert error_codes(body) == ["FORBIDDEN"]
    client.cookies.clear()
    assert await names(gql, alice) == []
