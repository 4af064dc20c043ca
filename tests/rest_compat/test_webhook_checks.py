"""``POST /api/v1/webhook`` after the issue-10 review: wrong credentials are always a 401, open
webhooks name a flow by its id only (so no user can take over or disable another's by reusing
an endpoint name), bodies FlowQL cannot store are a 422 up front with a plain message, and a
flow FlowQL cannot run is a 422 before a job is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from flowql.app import create_app
from flowql.services import AppServices
from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.cases import create_flow_rest
from tests.conftest import TestUser
from tests.rest_compat.surfaces_support import run_traces, unsupported_flow
from tests.rest_compat.test_webhook import _status


def _hook_flow(name: str = "hooked") -> dict[str, Any]:
    return fb.flow(
        name,
        [
            fb.node("Webhook-w", "Webhook", {"data": ""}, ["output_data"], "Webhook"),
            fb.chat_out("ChatOutput-w"),
        ],
        [fb.edge("Webhook-w", "output_data", "ChatOutput-w", "input_value")],
        endpoint_name="shared-name",
    )


@pytest.fixture
async def anon(services: AppServices, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose webhooks take no credentials (``FLOWQL_WEBHOOK_AUTH=false``)."""
    settings.webhook_auth = False
    app = create_app(services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@pytest.mark.parametrize(
    "credentials",
    [
        {"headers": {"x-api-key": "sk-wrong"}},
        {"headers": {"Authorization": "Bearer not-a-token"}},
        {"params": {"x-api-key": "sk-wrong"}},
    ],
)
async def test_wrong_credentials_are_401_even_when_webhooks_are_open(
    credentials: dict[str, Any],
    anon: httpx.AsyncClient,
    client: httpx.AsyncClient,
    alice: TestUser,
    services: AppServices,
) -> None:
    flow = await create_flow_rest(client, alice.headers, _hook_flow())
    before = await run_traces(services)
    r = await anon.post(f"/api/v1/webhook/{flow['id']}", json={"text": "x"}, **credentials)
    assert r.status_code == 401, r.text
    assert r.json() == {"detail": "Not authenticated"}
    assert await run_traces(services) == before


async def test_open_webhooks_name_flows_by_id_only_so_no_one_can_hijack_a_name(
    anon: httpx.AsyncClient, client: httpx.AsyncClient, alice: TestUser, bob: TestUser, services: AppServices
) -> None:
    mine = await create_flow_rest(client, alice.headers, _hook_flow("alice hook"))
    await create_flow_rest(client, bob.headers, _hook_flow("bob hook"))  # same endpoint name
    before = await run_traces(services)
    by_name = await anon.post("/api/v1/webhook/shared-name", json={"text": "x"})
    assert by_name.status_code == 404
    assert by_name.json() == {"detail": "Flow not found"}
    assert await run_traces(services) == before
    by_id = await anon.post(f"/api/v1/webhook/{mine['id']}", json={"text": "still mine"})
    assert by_id.status_code == 202, by_id.text
    status = await _status(client, alice, by_id.json()["job_id"])
    assert status["outputs"]["ChatOutput-w"]["content"] == "still mine"
    own_name = await anon.post("/api/v1/webhook/shared-name", json={"text": "x"}, headers=alice.headers)
    assert own_name.status_code == 202, own_name.text  # with credentials, names are the caller's


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a":"x\x00y"}', "The webhook body must not contain NUL characters"),
        (b'{"a":"x\\u0000y"}', "body contains a string that must not contain NUL characters"),
        (
            b'{"text":"\\ud800"}',
            "body contains a string that must be valid Unicode (it holds a lone surrogate)",
        ),
        (b'{"n": 1e999}', "body contains a non-finite number (NaN or Infinity), which is not valid JSON"),
        (b"[" * 5000 + b"]" * 5000, "The webhook body is nested deeper than 100 levels"),
        (b"[" * 150 + b"]" * 150, "body is nested deeper than 100 levels"),
    ],
)
async def test_bodies_flowql_cannot_store_are_422_up_front(
    body: bytes,
    message: str,
    client: httpx.AsyncClient,
    alice: TestUser,
    services: AppServices,
) -> None:
    flow = await create_flow_rest(client, alice.headers, _hook_flow())
    before = await run_traces(services)
    r = await client.post(f"/api/v1/webhook/{flow['id']}", content=body, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert r.json() == {"detail": message}
    assert await run_traces(services) == before


async def test_plain_text_bodies_still_run(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = await create_flow_rest(client, alice.headers, _hook_flow())
    r = await client.post(f"/api/v1/webhook/{flow['id']}", content=b"not json", headers=alice.headers)
    assert r.status_code == 202, r.text
    status = await _status(client, alice, r.json()["job_id"])
    assert status["status"] == "completed"


async def test_an_unsupported_component_is_422_before_a_job_is_stored(
    client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    flow = await create_flow_rest(client, alice.headers, unsupported_flow())
    before = await run_traces(services)
    r = await client.post(f"/api/v1/webhook/{flow['id']}", json={"a": 1}, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert "Mystery-1" in r.json()["detail"]
    assert await run_traces(services) == before
