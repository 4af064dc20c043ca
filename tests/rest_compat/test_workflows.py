"""``/api/v2/workflows``: both request forms in sync, stream and background mode, the status
of a job, stopping one, and another user's flow or job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.services import AppServices
from tests.cases import create_flow_rest, load_case, messages_rest
from tests.conftest import TestUser
from tests.graphql.jobs_support import HANG_GUARD, GateState, gate_flow, registered_gate
from tests.rest_compat.surfaces_support import TWEAK, TWEAKED, run_traces, sse_events

URL = "/api/v2/workflows"


@pytest.fixture
def gate() -> Iterator[GateState]:
    with registered_gate() as state:
        yield state


async def _prompt_flow(shared_dir: Path, client: httpx.AsyncClient, user: TestUser) -> str:
    flow = await create_flow_rest(client, user.headers, load_case(shared_dir, "prompt").flow)
    return str(flow["id"])


async def _wait_status(client: httpx.AsyncClient, user: TestUser, job_id: str, wanted: str) -> dict[str, Any]:
    async def poll() -> dict[str, Any]:
        while True:
            r = await client.get(URL, params={"job_id": job_id}, headers=user.headers)
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            if body["status"] == wanted:
                return body
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(poll(), HANG_GUARD)


@pytest.mark.parametrize(
    "form",
    [
        {"input_value": "hello", "mode": "sync"},
        {"input_value": "hello"},
        {"inputs": {"ChatInput-p1.input_value": "hello"}},
        {"inputs": {"ChatInput-p1.input_value": "hello"}, "background": False, "stream": False},
    ],
)
async def test_prompt_case_sync_in_both_forms(
    form: dict[str, Any], shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    r = await client.post(URL, json={"flow_id": flow_id, **form}, headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert {
        "flow_id",
        "job_id",
        "object",
        "created_timestamp",
        "status",
        "errors",
        "inputs",
        "outputs",
    } <= set(body)
    assert (body["flow_id"], body["object"], body["status"], body["errors"]) == (
        flow_id,
        "response",
        "completed",
        [],
    )
    assert body["outputs"]["ChatOutput-p3"]["content"] == "You said: hello"
    assert body["output"]["text"] == "You said: hello"
    again = await client.get(URL, params={"job_id": body["job_id"]}, headers=alice.headers)
    assert again.json() == body


async def test_tweak_in_both_forms(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    new = {"flow_id": flow_id, "input_value": "hello", "tweaks": TWEAK, "session_id": "wf"}
    seed = {
        "flow_id": flow_id,
        "inputs": {
            "ChatInput-p1.input_value": "hello",
            "ChatInput-p1.session_id": "wf",
            "Prompt-p2.template": TWEAK["Prompt-p2"]["template"],
        },
    }
    for body in (new, seed):
        r = await client.post(URL, json=body, headers=alice.headers)
        assert r.status_code == 200, r.text
        assert r.json()["output"]["text"] == TWEAKED
        assert r.json()["session_id"] == "wf"
    stored = await messages_rest(client, alice.headers, flow_id=flow_id, session_id="wf")
    assert [m["text"] for m in stored] == ["hello", TWEAKED] * 2


@pytest.mark.parametrize(
    "form",
    [
        {"input_value": "hello", "mode": "stream"},
        {"inputs": {"ChatInput-p1.input_value": "hello"}, "stream": True},
    ],
)
async def test_stream_is_sse_of_flowql_events_ending_with_end(
    form: dict[str, Any], shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    r = await client.post(URL, json={"flow_id": flow_id, **form}, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    job_id = r.headers["x-job-id"]
    events = [(name, json.loads(data)) for name, data in sse_events(r.text)]
    names = [name for name, _ in events]
    assert names[0] == "vertices_sorted"
    assert names[-1] == "end" and names.count("end") == 1
    assert {"build_start", "end_vertex", "add_message"} <= set(names)
    assert [e["type"] for _, e in events] == names
    assert {e["run_id"] for _, e in events} == {job_id}
    assert all(isinstance(e["timestamp"], int) and e["timestamp"] > 0 for _, e in events)
    texts = [e["raw_event"]["text"] for name, e in events if name == "add_message"]
    assert texts == ["hello", "You said: hello"]
    assert events[-1][1]["raw_event"]["result"]["text"] == "You said: hello"
    status = await client.get(URL, params={"job_id": job_id}, headers=alice.headers)
    assert (status.json()["status"], status.json()["output"]["text"]) == ("completed", "You said: hello")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"input_value": "x", "mode": "stream", "stream_protocol": "agui"}, "not supported"),
        ({"input_value": "x", "stream_protocol": "smoke-signals"}, "smoke-signals"),
        ({"input_value": "x", "inputs": {"A.b": 1}}, "mixes the two request forms"),
        ({"inputs": {"no-dot": 1}}, "no-dot"),
        ({"input_value": "x", "tweaks": {"Nope": {"a": 1}}}, "Nope"),
        ({"input_value": "x", "mode": "later"}, "mode"),
    ],
)
async def test_bad_bodies_are_422_and_nothing_runs(
    body: dict[str, Any],
    named: str,
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    services: AppServices,
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    before = await run_traces(services)
    r = await client.post(URL, json={"flow_id": flow_id, **body}, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert named in r.text
    assert await run_traces(services) == before


async def test_background_job_goes_from_queued_to_completed(
    client: httpx.AsyncClient, alice: TestUser, gate: GateState
) -> None:
    flow = await create_flow_rest(client, alice.headers, gate_flow())
    r = await client.post(
        URL, json={"flow_id": flow["id"], "input_value": "held", "mode": "background"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    job = r.json()
    assert (job["object"], job["flow_id"], job["status"]) == ("job", flow["id"], "queued")
    await asyncio.wait_for(gate.started.wait(), HANG_GUARD)
    running = await _wait_status(client, alice, job["job_id"], "in_progress")
    assert running["outputs"] == {} and running["errors"] == []
    gate.release.set()
    done = await _wait_status(client, alice, job["job_id"], "completed")
    assert done["outputs"]["ChatOutput-g"]["content"] == "held"
    assert done["inputs"] == {"input_value": "held"}


async def test_seed_background_form_and_stop_cancels_a_sleeping_job(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser, gate: GateState
) -> None:
    flow = await create_flow_rest(client, alice.headers, gate_flow())
    body = {"flow_id": flow["id"], "inputs": {"ChatInput-g.input_value": "held"}, "background": True}
    job_id = (await client.post(URL, json=body, headers=alice.headers)).json()["job_id"]
    await asyncio.wait_for(gate.started.wait(), HANG_GUARD)
    foreign = await client.post(f"{URL}/stop", json={"job_id": job_id}, headers=bob.headers)
    assert foreign.status_code == 404
    assert (await client.get(URL, params={"job_id": job_id}, headers=bob.headers)).status_code == 404
    r = await client.post(f"{URL}/stop", json={"job_id": job_id}, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"job_id": job_id, "message": "Job cancelled successfully"}
    assert gate.cancelled == 1
    status = (await client.get(URL, params={"job_id": job_id}, headers=alice.headers)).json()
    assert status["status"] == "cancelled"
    assert status["errors"][0]["code"] == "CANCELLED"
    again = await client.post(f"{URL}/stop", json={"job_id": job_id}, headers=alice.headers)
    assert again.json()["message"] == "Job has already finished"


async def test_another_users_flow_is_404_and_nothing_runs(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser, services: AppServices
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    before = await run_traces(services)
    for form in ({"mode": "sync"}, {"mode": "stream"}, {"mode": "background"}, {"background": True}):
        r = await client.post(
            URL,
            json={"flow_id": flow_id, "input_value": "hello", **form}
            if "mode" in form
            else {"flow_id": flow_id, **form},
            headers=bob.headers,
        )
        assert r.status_code == 404, (form, r.text)
        assert r.json() == {"detail": "Flow not found"}
    for job_id in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert (await client.get(URL, params={"job_id": job_id}, headers=alice.headers)).status_code == 404
    assert await run_traces(services) == before


async def test_credentials_are_required(client: httpx.AsyncClient) -> None:
    r = await client.post(URL, json={"flow_id": "x", "input_value": "y"})
    assert r.status_code == 401
