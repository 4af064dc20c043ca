"""The ``/graphql`` endpoint itself: GraphiQL on GET, queries by GET, error masking."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from flowql.resolvers import users
from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes


async def test_graphiql_on_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_query_by_get(client: httpx.AsyncClient, alice: TestUser) -> None:
    response = await client.get("/graphql", params={"query": "{ me { username } }"}, headers=alice.headers)
    assert response.json() == {"data": {"me": {"username": "alice"}}}


async def test_mutation_by_get_is_refused(client: httpx.AsyncClient, gql: Gql, alice: TestUser) -> None:
    response = await client.get(
        "/graphql",
        params={"query": 'mutation { createFlow(input: {name: "x"}) { __typename } }'},
        headers=alice.headers,
    )
    assert response.status_code == 400
    assert "mutations are not allowed" in response.text.lower()
    body = await gql("{ flows { totalCount } }", headers=alice.headers)
    assert body["data"]["flows"]["totalCount"] == 0


async def test_unexpected_errors_are_masked(
    gql: Gql, alice: TestUser, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(_ctx: object) -> None:
        raise RuntimeError('SELECT secret FROM "user" -- /srv/flowql/db.py line 3')

    monkeypatch.setattr(users, "get_me", broken)
    body = await gql("Me", headers=alice.headers)
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Internal server error"
    assert error_codes(body) == ["INTERNAL"]
    assert "SELECT" not in str(body)
    assert "SELECT secret" in caplog.text  # logged for the operator, not sent to the client


async def test_syntax_error_has_a_code(gql: Gql, alice: TestUser) -> None:
    body = await gql("{ me { ", headers=alice.headers)
    assert body["data"] is None
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Syntax Error" in body["errors"][0]["message"]


async def test_websocket_endpoint_accepts_graphql_transport_ws(app: FastAPI) -> None:
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "scheme": "ws",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
        "state": {},
    }
    await app(scope, receive, send)
    assert sent[0] == {"type": "websocket.accept", "subprotocol": "graphql-transport-ws", "headers": []}


DEEP = "[" * 1100 + "]" * 1100
UPLOAD_MUTATION = '"query":"mutation($f:Upload!){importFlow(file:$f){__typename}}","variables":{"f":null}'


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"content": b'{"query":"{__typename} #\xff"}', "headers": {"content-type": "application/json"}},
        {
            "content": b'{"query":"{__typename}","operationName":"\\ud800"}',
            "headers": {"content-type": "application/json"},
        },
        {
            "content": ('{"query":"{__typename}","variables":{"v":' + DEEP + "}}").encode(),
            "headers": {"content-type": "application/json"},
        },
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"json": [{"query": "{__typename}"}]},
        {"content": b"{__typename}", "headers": {"content-type": "text/plain"}},
        {
            "files": {
                "operations": (None, "{" + UPLOAD_MUTATION + "}"),
                "map": (None, "[]"),
                "0": ("f.json", b"{}"),
            }
        },
        {
            "files": {
                "operations": (None, "[{" + UPLOAD_MUTATION + "}]"),
                "map": (None, '{"0":["variables.f"]}'),
                "0": ("f.json", b"{}"),
            }
        },
    ],
    ids=[
        "bad-utf8",
        "surrogate-operation-name",
        "deep-variables",
        "not-json",
        "batch",
        "text-plain",
        "multipart-bad-map",
        "multipart-list-operations",
    ],
)
async def test_malformed_requests_answer_400_with_a_coded_json_error(
    app: FastAPI, alice: TestUser, request_kwargs: dict[str, Any]
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(
            "/graphql", headers={**alice.headers, **request_kwargs.pop("headers", {})}, **request_kwargs
        )
    assert response.status_code == 400, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"]
