"""Unexpected failures answer a bare 500; flow ``code`` is never executed; a run whose flow is
deleted meanwhile answers 404 without SQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from flowql.engine.types import ChatMessage
from flowql.errors import NotFound
from flowql.resolvers import flows as flow_resolvers
from flowql.resolvers.message_store import DbMessageStore
from flowql.services import AppServices
from tests.conftest import TestUser
from tests.flowbuilder import echo_flow


async def test_unexpected_error_answers_a_bare_500(
    app: FastAPI, alice: TestUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM /srv/flowql/private.db")

    monkeypatch.setattr(flow_resolvers, "get_flow", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get(f"/api/v1/flows/{uuid.uuid4()}", headers=alice.headers)
    assert r.status_code == 500
    assert r.json() == {"detail": "Internal server error"}


async def test_code_fields_are_never_executed(
    client: httpx.AsyncClient, alice: TestUser, tmp_path: Path
) -> None:
    marker = tmp_path / "executed"
    payload = f"open({str(marker)!r}, 'w').write('ran')"
    body = echo_flow("code")
    for node in body["data"]["nodes"]:
        node["data"]["node"]["template"]["code"] = {"value": payload, "type": "code", "show": False}
    flow = (await client.post("/api/v1/flows/", json=body, headers=alice.headers)).json()
    r = await client.post(f"/api/v1/run/{flow['id']}", json={"input_value": "hi"}, headers=alice.headers)
    assert r.status_code == 200
    assert r.json()["outputs"][0]["outputs"][0]["results"]["message"]["text"] == "hi"
    assert not marker.exists()


async def test_message_for_a_deleted_flow_is_not_found(services: AppServices, alice: TestUser) -> None:
    store = DbMessageStore(services.sessions, user_id=alice.id, flow_id=uuid.uuid4())
    message = ChatMessage(
        text="t", sender="User", sender_name="User", session_id="s", flow_id="f", run_id="r"
    )
    with pytest.raises(NotFound):
        await store.add(message)
