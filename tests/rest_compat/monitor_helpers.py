"""Helpers of the monitor route tests: store a small flow, run it, read what it left behind."""

from __future__ import annotations

from typing import Any

import httpx

from tests import flowbuilder as fb
from tests.cases import create_flow_rest, messages_rest, run_rest
from tests.conftest import TestUser


async def echo_flow(client: httpx.AsyncClient, user: TestUser, name: str = "echo") -> str:
    """Store a Chat Input → Chat Output flow for ``user``; returns its id."""
    return str((await create_flow_rest(client, user.headers, fb.echo_flow(name)))["id"])


async def run(
    client: httpx.AsyncClient, user: TestUser, flow_id: str, text: str, session: str
) -> dict[str, Any]:
    """Run the flow with ``text`` in ``session``; asserts 200 and returns the response."""
    r = await run_rest(client, user.headers, flow_id, {"input_value": text, "session_id": session})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def user_texts(client: httpx.AsyncClient, user: TestUser, **params: str) -> list[tuple[str, str]]:
    """``(session_id, text)`` of ``user``'s User-sent messages matching ``params``, oldest first."""
    return [
        (m["session_id"], m["text"])
        for m in await messages_rest(client, user.headers, **params)
        if m["sender"] == "User"
    ]


async def traces_rest(client: httpx.AsyncClient, user: TestUser, **params: Any) -> dict[str, Any]:
    """``GET /api/v1/monitor/traces`` with ``params``; asserts 200."""
    r = await client.get("/api/v1/monitor/traces", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def trace_rest(client: httpx.AsyncClient, user: TestUser, trace_id: str) -> dict[str, Any]:
    """``GET /api/v1/monitor/traces/{trace_id}``; asserts 200."""
    r = await client.get(f"/api/v1/monitor/traces/{trace_id}", headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def transactions_rest(client: httpx.AsyncClient, user: TestUser, **params: Any) -> dict[str, Any]:
    """``GET /api/v1/monitor/transactions`` with ``params``; asserts 200."""
    r = await client.get("/api/v1/monitor/transactions", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def run_id_of(run_response: dict[str, Any]) -> str:
    """The run id (= trace id) of a ``/run`` response, from its first output message."""
    run_id: str = run_response["outputs"][0]["outputs"][0]["results"]["message"]["run_id"]
    return run_id
