"""``/api/v1/build_public_tmp/...``: PUBLIC flows build without credentials, keyed by the
``client_id`` cookie; the stored graph only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.build_capture import ECHO_IDS, body_events, capture_events, capture_problems

BODY = {"inputs": {"input_value": "hello", "type": "chat"}}


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A credential-less client with its own cookie jar."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _flow(client: httpx.AsyncClient, user: TestUser, shared_dir: Path, access: str) -> dict[str, Any]:
    body = {**load_case(shared_dir, "echo").flow, "access_type": access}
    return await create_flow_rest(client, user.headers, body)


def _cookie(client_id: str) -> dict[str, str]:
    return {"cookie": f"client_id={client_id}"}


async def test_public_flow_builds_without_credentials(
    shared_dir: Path, client: httpx.AsyncClient, anon: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _flow(client, alice, shared_dir, "PUBLIC")
    r = await anon.post(f"/api/v1/build_public_tmp/{flow['id']}/flow", json=BODY, headers=_cookie("c-1"))
    assert r.status_code == 200, r.text
    assert "set-cookie" not in r.headers  # the caller's own client_id is kept
    job_id = r.json()["job_id"]
    r = await anon.get(f"/api/v1/build_public_tmp/{job_id}/events", headers=_cookie("c-1"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-ndjson"
    events = body_events(r.text)
    assert capture_problems(events, capture_events(shared_dir, "build_events_streaming.txt"), ECHO_IDS) == []
    # the messages are the flow owner's
    r = await client.get("/api/v1/monitor/messages", params={"flow_id": flow["id"]}, headers=alice.headers)
    assert [m["text"] for m in r.json()] == ["hello", "hello"]


async def test_client_id_cookie_is_made_when_missing(
    shared_dir: Path, client: httpx.AsyncClient, anon: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _flow(client, alice, shared_dir, "PUBLIC")
    r = await anon.post(f"/api/v1/build_public_tmp/{flow['id']}/flow", json=BODY)
    assert r.status_code == 200, r.text
    made = r.cookies.get("client_id")
    assert made
    assert "httponly" in r.headers["set-cookie"].lower()
    job_id = r.json()["job_id"]
    # the jar now sends the made cookie: polling reads the job
    polled: list[dict[str, Any]] = []
    for _ in range(200):
        r = await anon.get(f"/api/v1/build_public_tmp/{job_id}/events", params={"event_delivery": "polling"})
        assert r.status_code == 200, r.text
        polled += body_events(r.text)
        if polled and polled[-1]["event"] == "end":
            break
    assert polled[-1]["event"] == "end"


async def test_direct_delivery(
    shared_dir: Path, client: httpx.AsyncClient, anon: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _flow(client, alice, shared_dir, "PUBLIC")
    r = await anon.post(
        f"/api/v1/build_public_tmp/{flow['id']}/flow",
        params={"event_delivery": "direct"},
        json=BODY,
        headers=_cookie("c-2"),
    )
    assert r.status_code == 200, r.text
    events = body_events(r.text)
    assert capture_problems(events, capture_events(shared_dir, "build_events_direct.txt"), ECHO_IDS) == []


async def test_private_or_missing_flow_is_404(
    shared_dir: Path, client: httpx.AsyncClient, anon: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _flow(client, alice, shared_dir, "PRIVATE")
    for flow_id in (flow["id"], "00000000-0000-4000-8000-000000000000"):
        r = await anon.post(f"/api/v1/build_public_tmp/{flow_id}/flow", json=BODY, headers=_cookie("c-3"))
        assert r.status_code == 404, r.text
        assert r.json() == {"detail": "Flow not found"}


async def test_data_or_files_in_body_is_422(
    shared_dir: Path, client: httpx.AsyncClient, anon: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await _flow(client, alice, shared_dir, "PUBLIC")
    other = load_case(shared_dir, "branches").flow["data"]
    for body, named in (({**BODY, "data": other}, "data"), ({**BODY, "files": ["f.txt"]}, "files")):
        r = await anon.post(f"/api/v1/build_public_tmp/{flow['id']}/flow", json=body, headers=_cookie("c-4"))
        assert r.status_code == 422, r.text
        assert named in r.text
    r = await anon.post("/api/v1/build_public_tmp/not-a-uuid/flow", json=BODY, headers=_cookie("c-4"))
    assert r.status_code == 422


async def test_other_client_gets_404(
    shared_dir: Path, client: httpx.AsyncClient, anon: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await _flow(client, alice, shared_dir, "PUBLIC")
    r = await anon.post(f"/api/v1/build_public_tmp/{flow['id']}/flow", json=BODY, headers=_cookie("c-5"))
    job_id = r.json()["job_id"]
    for headers in (_cookie("c-other"), {}, {**_cookie("c-other"), **bob.headers}):
        for method, path in (("GET", "events"), ("POST", "cancel")):
            r = await anon.request(method, f"/api/v1/build_public_tmp/{job_id}/{path}", headers=headers)
            assert r.status_code == 404, (headers, method, path)
    # a private route with bob's credentials does not reach it either
    r = await anon.get(f"/api/v1/build/{job_id}/events", headers=bob.headers)
    assert r.status_code == 404
    # the right cookie still does, and cancelling a finished job is harmless
    r = await anon.get(f"/api/v1/build_public_tmp/{job_id}/events", headers=_cookie("c-5"))
    assert body_events(r.text)[-1]["event"] == "end"
    r = await anon.post(f"/api/v1/build_public_tmp/{job_id}/cancel", headers=_cookie("c-5"))
    assert r.status_code == 200
    assert r.json()["success"] is True
