"""``/api/v2/workflows`` after the second issue-10 review: the request's ``inputs``,
``session_id`` and ``output_ids`` are answered in every status of a job (queued, running,
completed, failed, cancelled), and a stream names its job (the ``X-Job-Id`` header and the
``run_id`` of each ``WorkflowStreamEvent``) so ``/stop`` can cancel a streamed run."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.db.models import Job
from flowql.resolvers.workflows import status_body
from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.graphql.jobs_support import HANG_GUARD, GateState, gate_flow, registered_gate
from tests.rest_compat.surfaces_support import boom_flow, registered_boom

URL = "/api/v2/workflows"
SEED_INPUTS = {"ChatInput-g.input_value": "held", "ChatInput-g.session_id": "seed-bg"}


@pytest.fixture
def gate() -> Iterator[GateState]:
    with registered_gate() as state:
        yield state


async def _flow(client: httpx.AsyncClient, user: TestUser, flow: dict[str, Any]) -> str:
    return str((await create_flow_rest(client, user.headers, flow))["id"])


async def _status(client: httpx.AsyncClient, user: TestUser, job_id: str) -> dict[str, Any]:
    r = await client.get(URL, params={"job_id": job_id}, headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _wait_status(client: httpx.AsyncClient, user: TestUser, job_id: str, wanted: str) -> dict[str, Any]:
    async def poll() -> dict[str, Any]:
        while True:
            body = await _status(client, user, job_id)
            if body["status"] == wanted:
                return body
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(poll(), HANG_GUARD)


def test_a_queued_job_answers_what_was_asked() -> None:
    job = Job(
        id=uuid.uuid4(),
        flow_id=uuid.uuid4(),
        kind="workflow",
        status="queued",
        created_at=datetime.now(UTC),
        params={"inputs": {"A.input_value": "q"}, "session_id": "s-q", "output_ids": ["ChatOutput-x"]},
    )
    body = status_body(job)
    assert (body["status"], body["inputs"], body["session_id"]) == ("queued", {"A.input_value": "q"}, "s-q")
    assert (body["outputs"], body["errors"], body["has_errors"]) == ({}, [], False)
    assert body["output"] == {"reason": "none", "text": None, "source": None}


@pytest.mark.parametrize(
    ("form", "inputs", "session"),
    [
        ({"inputs": SEED_INPUTS, "background": True}, SEED_INPUTS, "seed-bg"),
        (
            {"input_value": "held", "session_id": "new-bg", "mode": "background"},
            {"input_value": "held"},
            "new-bg",
        ),
        ({"input_value": "held", "mode": "background"}, {"input_value": "held"}, None),
    ],
)
async def test_running_and_completed_jobs_answer_the_requests_inputs_and_session(
    form: dict[str, Any],
    inputs: dict[str, Any],
    session: str | None,
    client: httpx.AsyncClient,
    alice: TestUser,
    gate: GateState,
) -> None:
    flow_id = await _flow(client, alice, gate_flow())
    session = session or flow_id  # no session given: the run's session is the flow id
    r = await client.post(URL, json={"flow_id": flow_id, **form}, headers=alice.headers)
    assert r.status_code == 200, r.text
    job_id = r.json()["job_id"]
    early = await _status(client, alice, job_id)  # queued or already running
    assert early["status"] in {"queued", "in_progress"}
    assert (early["inputs"], early["session_id"]) == (inputs, session)
    await asyncio.wait_for(gate.started.wait(), HANG_GUARD)
    running = await _wait_status(client, alice, job_id, "in_progress")
    assert (running["inputs"], running["session_id"], running["outputs"]) == (inputs, session, {})
    gate.release.set()
    done = await _wait_status(client, alice, job_id, "completed")
    assert (done["inputs"], done["session_id"]) == (inputs, session)
    assert done["output"] == {"reason": "single", "text": "held", "source": "ChatOutput-g"}


async def test_background_output_ids_apply_to_a_later_status(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _flow(client, alice, load_case(shared_dir, "branches").flow)
    body = {"flow_id": flow_id, "input_value": "x", "output_ids": ["ChatOutput-bB"], "mode": "background"}
    r = await client.post(URL, json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    done = await _wait_status(client, alice, r.json()["job_id"], "completed")
    assert done["output"] == {"reason": "single", "text": "right:x", "source": "ChatOutput-bB"}
    assert set(done["outputs"]) == {"ChatOutput-bA", "ChatOutput-bB"}


async def test_a_failed_job_answers_the_requests_inputs_and_session(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    with registered_boom():
        flow_id = await _flow(client, alice, boom_flow())
        body = {"flow_id": flow_id, "input_value": "x", "session_id": "s-boom", "mode": "background"}
        r = await client.post(URL, json=body, headers=alice.headers)
        assert r.status_code == 200, r.text
        failed = await _wait_status(client, alice, r.json()["job_id"], "failed")
    assert (failed["inputs"], failed["session_id"], failed["has_errors"]) == (
        {"input_value": "x"},
        "s-boom",
        True,
    )
    assert failed["output"] == {"reason": "failed", "text": None, "source": None}


async def test_a_cancelled_job_answers_the_requests_inputs_and_session(
    client: httpx.AsyncClient, alice: TestUser, gate: GateState
) -> None:
    flow_id = await _flow(client, alice, gate_flow())
    body = {"flow_id": flow_id, "inputs": SEED_INPUTS, "background": True}
    job_id = (await client.post(URL, json=body, headers=alice.headers)).json()["job_id"]
    await asyncio.wait_for(gate.started.wait(), HANG_GUARD)
    stop = await client.post(f"{URL}/stop", json={"job_id": job_id}, headers=alice.headers)
    assert stop.json() == {"job_id": job_id, "message": "Job cancelled successfully"}
    cancelled = await _wait_status(client, alice, job_id, "cancelled")
    assert (cancelled["inputs"], cancelled["session_id"]) == (SEED_INPUTS, "seed-bg")
    assert cancelled["errors"][0]["code"] == "CANCELLED"


async def test_a_streamed_run_is_stopped_by_the_id_it_carries(
    live_client: httpx.AsyncClient, alice: TestUser, bob: TestUser, gate: GateState
) -> None:
    flow_id = await _flow(live_client, alice, gate_flow())
    body = {"flow_id": flow_id, "input_value": "held", "mode": "stream"}
    events: list[tuple[str, dict[str, Any]]] = []
    async with live_client.stream("POST", URL, json=body, headers=alice.headers) as r:
        assert r.status_code == 200
        job_id = r.headers["x-job-id"]
        assert str(uuid.UUID(job_id)) == job_id
        name = ""
        async for line in r.aiter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[len("data: ") :])))
                if len(events) == 1:
                    await asyncio.wait_for(gate.started.wait(), HANG_GUARD)
                    foreign = await live_client.post(
                        f"{URL}/stop", json={"job_id": job_id}, headers=bob.headers
                    )
                    assert foreign.status_code == 404
                    stop = await live_client.post(
                        f"{URL}/stop", json={"job_id": events[0][1]["run_id"]}, headers=alice.headers
                    )
                    assert stop.json() == {"job_id": job_id, "message": "Job cancelled successfully"}
    assert {e["run_id"] for _, e in events} == {job_id}
    assert [e["type"] for _, e in events] == [n for n, _ in events]
    assert events[-1][0] == "end" and [n for n, _ in events].count("end") == 1
    assert gate.cancelled == 1
    status = await _status(live_client, alice, job_id)
    assert (status["status"], status["inputs"], status["session_id"]) == (
        "cancelled",
        {"input_value": "held"},
        flow_id,
    )
