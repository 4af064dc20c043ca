"""``POST /api/v1/responses`` after the issue-10 review: ``background`` is refused as OpenAI
refuses what it cannot do (FlowQL has no ``GET /responses/{id}`` to poll), before anything is
stored."""

from __future__ import annotations

from pathlib import Path

import httpx

from flowql.services import AppServices
from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.surfaces_support import run_traces


async def test_background_is_400_not_supported(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    flow_id = str((await create_flow_rest(client, alice.headers, load_case(shared_dir, "prompt").flow))["id"])
    before = await run_traces(services)
    for stream in (False, True):
        body = {"model": flow_id, "input": "hello", "background": True, "stream": stream}
        r = await client.post("/api/v1/responses", json=body, headers=alice.headers)
        assert r.status_code == 400, r.text
        assert r.json() == {
            "error": {
                "message": "Background responses are not supported yet",
                "type": "invalid_request_error",
                "param": "background",
                "code": "invalid_request",
            }
        }
    assert await run_traces(services) == before
    ok = await client.post(
        "/api/v1/responses",
        json={"model": flow_id, "input": "hello", "background": False},
        headers=alice.headers,
    )
    assert ok.json()["output"][0]["content"][0]["text"] == "You said: hello"
