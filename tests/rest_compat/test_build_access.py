"""Who may start builds and read or cancel jobs: 401 without credentials, 404 for another
user's flow or job; cancelling a finished job is harmless."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.build_capture import body_events, start_build, stream_events


async def _finished_job(client: httpx.AsyncClient, user: TestUser, shared_dir: Path) -> tuple[str, str]:
    flow = await create_flow_rest(client, user.headers, load_case(shared_dir, "echo").flow)
    job_id = await start_build(client, user.headers, flow["id"], delivery="streaming")
    events = body_events((await stream_events(client, user.headers, job_id)).text)
    assert events[-1]["event"] == "end"
    return flow["id"], job_id


async def test_no_credentials_is_401(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    flow_id, job_id = await _finished_job(client, alice, shared_dir)
    for method, path in (
        ("POST", f"/api/v1/build/{flow_id}/flow"),
        ("GET", f"/api/v1/build/{job_id}/events"),
        ("GET", f"/api/v1/build/{job_id}/events?event_delivery=polling"),
        ("POST", f"/api/v1/build/{job_id}/cancel"),
    ):
        r = await client.request(method, path)
        assert r.status_code == 401, (method, path)
        r = await client.request(method, path, headers={"x-api-key": "sk-wrong"})
        assert r.status_code == 401, (method, path)


async def test_other_user_gets_404(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow_id, job_id = await _finished_job(client, alice, shared_dir)
    r = await client.post(f"/api/v1/build/{flow_id}/flow", headers=bob.headers)
    assert r.status_code == 404
    for delivery in ("streaming", "polling"):
        r = await client.get(
            f"/api/v1/build/{job_id}/events", params={"event_delivery": delivery}, headers=bob.headers
        )
        assert r.status_code == 404, delivery
        assert r.json() == {"detail": "Job not found"}
    r = await client.post(f"/api/v1/build/{job_id}/cancel", headers=bob.headers)
    assert r.status_code == 404
    # bob's attempts changed nothing: alice still reads her job to its end
    events = body_events((await stream_events(client, alice.headers, job_id)).text)
    assert events[-1]["event"] == "end"
    assert "error" not in [e["event"] for e in events]


async def test_cancel_after_the_end_is_harmless(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    _, job_id = await _finished_job(client, alice, shared_dir)
    before = (await stream_events(client, alice.headers, job_id)).text
    for _ in range(2):
        r = await client.post(f"/api/v1/build/{job_id}/cancel", headers=alice.headers)
        assert r.status_code == 200
        assert r.json() == {"success": True, "message": "Flow build already finished; nothing to cancel"}
    assert (await stream_events(client, alice.headers, job_id)).text == before
