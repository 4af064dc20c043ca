"""``POST /api/v1/webhook/{flow_id_or_name}``: the body reaches the Webhook component (or the
Chat/Text input), 202 with a job visible through the jobs API, credentials, another user's
flow, and ``FLOWQL_WEBHOOK_AUTH=false``."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.app import create_app
from flowql.engine.components.webhook import parse_payload
from flowql.resolvers.webhook import OPEN_WARNING
from flowql.services import AppServices
from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.graphql.jobs_support import HANG_GUARD
from tests.rest_compat.build_capture import body_events
from tests.rest_compat.surfaces_support import run_traces


def _hook_flow() -> dict[str, Any]:
    return fb.flow(
        "hooked",
        [
            fb.node("Webhook-w", "Webhook", {"data": ""}, ["output_data"], "Webhook"),
            fb.chat_out("ChatOutput-w"),
        ],
        [fb.edge("Webhook-w", "output_data", "ChatOutput-w", "input_value")],
        endpoint_name="my-hook",
    )


async def _status(client: httpx.AsyncClient, user: TestUser, job_id: str) -> dict[str, Any]:
    async def poll() -> dict[str, Any]:
        while True:
            r = await client.get("/api/v2/workflows", params={"job_id": job_id}, headers=user.headers)
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            if body["status"] in {"completed", "failed", "cancelled"}:
                return body
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(poll(), HANG_GUARD)


def test_payload_parsing() -> None:
    assert parse_payload('{"a": 1}') == {"a": 1}
    assert parse_payload("[1, 2]") == {"payload": [1, 2]}
    assert parse_payload("not json") == {"payload": "not json"}
    assert parse_payload("") == {}
    assert parse_payload({"b": 2}) == {"b": 2}


async def test_body_reaches_the_webhook_component_and_the_job_is_visible(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, _hook_flow())
    for target in (flow["id"], "my-hook"):
        r = await client.post(
            f"/api/v1/webhook/{target}", json={"text": "ping", "n": 1}, headers=alice.headers
        )
        assert r.status_code == 202, r.text
        body = r.json()
        assert (body["message"], body["status"]) == ("Task started in the background", "in progress")
        status = await _status(client, alice, body["job_id"])
        assert status["status"] == "completed", status
        assert status["outputs"]["ChatOutput-w"]["content"] == "ping"
        events = await client.get(
            f"/api/v1/build/{body['job_id']}/events",
            params={"event_delivery": "polling"},
            headers=alice.headers,
        )
        names = [e["event"] for e in body_events(events.text)]
        assert names[-1] == "end"


async def test_without_a_webhook_component_the_body_is_the_chat_input(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "prompt").flow)
    r = await client.post(f"/api/v1/webhook/{flow['id']}", content=b'{"x": 1}', headers=alice.headers)
    assert r.status_code == 202, r.text
    status = await _status(client, alice, r.json()["job_id"])
    assert status["outputs"]["ChatOutput-p3"]["content"] == 'You said: {"x": 1}'


async def test_credentials_are_required_by_default_and_nothing_runs(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser, services: AppServices
) -> None:
    flow = await create_flow_rest(client, alice.headers, _hook_flow())
    before = await run_traces(services)
    r = await client.post(f"/api/v1/webhook/{flow['id']}", json={"text": "ping"})
    assert r.status_code == 401
    for target in (flow["id"], "my-hook"):
        foreign = await client.post(f"/api/v1/webhook/{target}", json={"text": "ping"}, headers=bob.headers)
        assert foreign.status_code == 404
        assert foreign.json() == {"detail": "Flow not found"}
    bad = await client.post(f"/api/v1/webhook/{flow['id']}", content=b"\xff\xfe", headers=alice.headers)
    assert bad.status_code == 422
    assert await run_traces(services) == before


async def test_open_webhooks_run_as_the_owner_and_warn_at_start(
    services: AppServices,
    settings: Settings,
    client: httpx.AsyncClient,
    alice: TestUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    flow = await create_flow_rest(client, alice.headers, _hook_flow())
    settings.webhook_auth = False
    with caplog.at_level(logging.WARNING, logger="flowql.webhook"):
        app = create_app(services=services)
    assert OPEN_WARNING in caplog.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as anon:
        r = await anon.post(f"/api/v1/webhook/{flow['id']}", json={"text": "open"})
        assert r.status_code == 202, r.text
        assert (
            await anon.post("/api/v1/webhook/00000000-0000-0000-0000-000000000000", json={})
        ).status_code == 404
    status = await _status(client, alice, r.json()["job_id"])
    assert status["outputs"]["ChatOutput-w"]["content"] == "open"
