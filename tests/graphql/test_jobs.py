"""``buildFlow``, ``job(id)`` with ``events(after, first)``, ``cancelJob``, ``buildPublicFlow`` /
``publicJob``: jobs through GraphQL, on the same resolvers as REST ``/api/v1/build``."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import flowbuilder as fb
from tests.cases import load_case
from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes
from tests.graphql.jobs_support import (
    HANG_GUARD,
    GateState,
    build,
    create_flow,
    event_names,
    gate_flow,
    registered_gate,
    wait_for_end,
)
from tests.model_server import ModelServer, error

ECHO_EVENTS = [
    "VerticesSorted",
    "BuildStarted",
    "MessageAdded",
    "VertexBuilt",
    "MessageAdded",
    "VertexBuilt",
    "BuildEnded",
]


@pytest.fixture
def gate() -> Iterator[GateState]:
    """The test-only ``Gate`` component, registered for one test."""
    with registered_gate() as state:
        yield state


async def test_build_echo_case_events(gql: Gql, alice: TestUser, shared_dir: Path) -> None:
    case = load_case(shared_dir, "echo")
    flow_id = await create_flow(gql, alice, case.flow)
    job_id = await build(gql, alice, flow_id, "hello there", logBuilds=False)

    job = await wait_for_end(gql, alice, job_id)

    assert job["id"] == job_id
    assert job["kind"] == "BUILD"
    assert job["status"] == "COMPLETED"
    assert job["error"] is None
    assert job["startedAt"] is not None and job["finishedAt"] is not None
    assert job["flow"] == {"id": flow_id, "name": case.flow["name"]}
    assert event_names(job) == ECHO_EVENTS
    nodes = [edge["node"] for edge in job["events"]["edges"]]
    assert [n["sequence"] for n in nodes] == list(range(1, len(ECHO_EVENTS) + 1))
    assert [edge["cursor"] for edge in job["events"]["edges"]] == [n["cursor"] for n in nodes]
    node_ids = [n["id"] for n in case.flow["data"]["nodes"]]
    assert set(nodes[0]["toRun"]) == set(node_ids)
    messages = [n["message"] for n in nodes if n["__typename"] == "MessageAdded"]
    assert [(m["sender"], m["text"]) for m in messages] == [
        ("User", "hello there"),
        ("Machine", "hello there"),
    ]
    built = [n for n in nodes if n["__typename"] == "VertexBuilt"]
    assert [b["vertexId"] for b in built] == node_ids  # Chat Input before Chat Output
    assert built[0]["nextVertexIds"] == [node_ids[1]]
    assert all(b["valid"] and b["durationMs"] >= 0 for b in built)
    assert nodes[-1]["status"] == "COMPLETED"
    assert job["events"]["pageInfo"] == {"hasNextPage": False, "endCursor": nodes[-1]["cursor"]}


async def test_events_pagination(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    job_id = await build(gql, alice, flow_id)
    everything = await wait_for_end(gql, alice, job_id)
    all_sequences = [e["node"]["sequence"] for e in everything["events"]["edges"]]

    seen: list[int] = []
    after: str | None = None
    pages = 0
    while True:
        body = await gql("Job", {"id": job_id, "first": 2, "after": after}, headers=alice.headers)
        events = body["data"]["job"]["events"]
        assert len(events["edges"]) <= 2
        seen.extend(e["node"]["sequence"] for e in events["edges"])
        pages += 1
        if not events["pageInfo"]["hasNextPage"]:
            break
        after = events["pageInfo"]["endCursor"]
    assert seen == all_sequences
    assert pages == (len(all_sequences) + 1) // 2

    middle = everything["events"]["edges"][2]["cursor"]
    body = await gql("Job", {"id": job_id, "first": 100, "after": middle}, headers=alice.headers)
    assert [e["node"]["sequence"] for e in body["data"]["job"]["events"]["edges"]] == all_sequences[3:]

    last = everything["events"]["pageInfo"]["endCursor"]
    body = await gql("Job", {"id": job_id, "after": last}, headers=alice.headers)
    assert body["data"]["job"]["events"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


HUGE_CURSOR = base64.urlsafe_b64encode(b"jobevent:99999999999999999999").decode()
OVER_INT32_CURSOR = base64.urlsafe_b64encode(b"jobevent:9999999999").decode()


@pytest.mark.parametrize(
    ("after", "first"),
    [("not-a-cursor", 10), (HUGE_CURSOR, 10), (OVER_INT32_CURSOR, 10), (None, 0), (None, 1001)],
)
async def test_events_bad_page_arguments(gql: Gql, alice: TestUser, after: str | None, first: int) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    job_id = await build(gql, alice, flow_id)
    body = await gql("Job", {"id": job_id, "after": after, "first": first}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_cancel_slow_job(gql: Gql, alice: TestUser, gate: GateState) -> None:
    flow_id = await create_flow(gql, alice, gate_flow())
    job_id = await build(gql, alice, flow_id, "wait")
    await asyncio.wait_for(gate.started.wait(), HANG_GUARD)

    body = await gql("CancelJob", {"id": job_id}, headers=alice.headers)
    assert body["data"]["cancelJob"]["__typename"] == "Job"
    job = await wait_for_end(gql, alice, job_id)

    assert job["status"] == "CANCELLED"
    assert gate.cancelled == 1
    names = event_names(job)
    assert names[-2:] == ["BuildError", "BuildEnded"]
    nodes = [edge["node"] for edge in job["events"]["edges"]]
    assert nodes[-2]["error"]["errorType"] == "CANCELLED"
    assert nodes[-1]["status"] == "CANCELLED"
    assert "Gate-g" not in [n.get("vertexId") for n in nodes]

    again = await gql("CancelJob", {"id": job_id}, headers=alice.headers)
    assert again["data"]["cancelJob"]["__typename"] == "Job"
    assert again["data"]["cancelJob"]["status"] == "CANCELLED"
    assert event_names(await wait_for_end(gql, alice, job_id)) == names  # nothing new


async def test_cancel_ended_job_is_harmless(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    job_id = await build(gql, alice, flow_id)
    await wait_for_end(gql, alice, job_id)
    body = await gql("CancelJob", {"id": job_id}, headers=alice.headers)
    assert body["data"]["cancelJob"]["status"] == "COMPLETED"


async def test_jobs_of_others_are_not_found(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    job_id = await build(gql, alice, flow_id)
    await wait_for_end(gql, alice, job_id)

    body = await gql("Job", {"id": job_id}, headers=bob.headers)
    assert body == {"data": {"job": None}}
    cancelled = await gql("CancelJob", {"id": job_id}, headers=bob.headers)
    assert cancelled["data"]["cancelJob"] == {"__typename": "NotFoundError", "message": "Job not found"}
    built = await gql("BuildFlow", {"flowId": flow_id}, headers=bob.headers)
    assert built["data"]["buildFlow"]["__typename"] == "NotFoundError"
    missing = await gql("Job", {"id": "00000000-0000-0000-0000-000000000000"}, headers=alice.headers)
    assert missing == {"data": {"job": None}}


async def test_jobs_need_credentials(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    job_id = await build(gql, alice, flow_id)
    for name, variables in [
        ("Job", {"id": job_id}),
        ("CancelJob", {"id": job_id}),
        ("BuildFlow", {"flowId": flow_id}),
    ]:
        body = await gql(name, variables)
        assert error_codes(body) == ["UNAUTHENTICATED"], name
        assert not any((body["data"] or {}).values()), name


async def test_build_bad_arguments(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    bad_id = await gql("BuildFlow", {"flowId": "nope"}, headers=alice.headers)
    assert bad_id["data"]["buildFlow"]["__typename"] == "ValidationError"
    assert bad_id["data"]["buildFlow"]["fields"][0]["path"] == "flowId"
    tweaks = {"inputs": {"inputValue": "x", "tweaks": {"ChatInput-a": {"x": 1}}}}
    body = await gql("BuildFlow", {"flowId": flow_id, "input": tweaks}, headers=alice.headers)
    assert body["data"]["buildFlow"]["__typename"] == "ValidationError"
    assert body["data"]["buildFlow"]["fields"][0]["path"] == "input.inputs.tweaks"
    not_a_graph = await gql("BuildFlow", {"flowId": flow_id, "input": {"data": [1]}}, headers=alice.headers)
    assert not_a_graph["data"]["buildFlow"]["__typename"] == "ValidationError"


async def test_build_with_data_graph_and_stop_component(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    other = fb.prompt_flow()["data"]
    job_id = await build(gql, alice, flow_id, "hi", data=other, stopComponentId="Prompt-a")
    job = await wait_for_end(gql, alice, job_id)
    assert job["status"] == "COMPLETED"
    nodes = [edge["node"] for edge in job["events"]["edges"]]
    assert set(nodes[0]["toRun"]) == {"ChatInput-a", "Prompt-a"}
    assert [n["vertexId"] for n in nodes if n["__typename"] == "VertexBuilt"] == ["ChatInput-a", "Prompt-a"]


async def test_public_build(gql: Gql, alice: TestUser) -> None:
    public_id = await create_flow(gql, alice, fb.echo_flow("public"), accessType="PUBLIC")
    private_id = await create_flow(gql, alice, fb.echo_flow("private"))
    variables = {"flowId": public_id, "clientId": "client-1", "input": {"inputValue": "anon"}}

    body = await gql("BuildPublicFlow", variables)  # no credentials
    result = body["data"]["buildPublicFlow"]
    assert result["__typename"] == "Job", body

    async def ended() -> dict[str, Any]:
        while True:
            read = await gql("PublicJob", {"id": result["id"], "clientId": "client-1"})
            job: dict[str, Any] = read["data"]["publicJob"]
            if job["status"] in {"COMPLETED", "FAILED", "CANCELLED"}:
                return job
            await asyncio.sleep(0.02)

    job = await asyncio.wait_for(ended(), HANG_GUARD)
    assert job["status"] == "COMPLETED"
    texts = [e["node"]["message"]["text"] for e in job["events"]["edges"] if "message" in e["node"]]
    assert texts == ["anon", "anon"]
    other_client = await gql("PublicJob", {"id": result["id"], "clientId": "client-2"})
    assert other_client == {"data": {"publicJob": None}}

    refused = await gql("BuildPublicFlow", {**variables, "flowId": private_id})
    assert refused["data"]["buildPublicFlow"]["__typename"] == "NotFoundError"


async def test_a_provider_failure_in_a_build_names_its_error_type(
    gql: Gql, alice: TestUser, model_server: ModelServer
) -> None:
    """``BuildError.error`` carries the provider failure's type and status (as the REST ``error``
    event and ``runFlow``'s ComponentError do), not the event's code."""
    model_server.add(error(429, "slow down"))
    flow_id = await create_flow(gql, alice, fb.agent_flow("limited", []))
    job = await wait_for_end(gql, alice, await build(gql, alice, flow_id))
    nodes = [edge["node"] for edge in job["events"]["edges"]]
    failure = nodes[-2]["error"]
    assert (failure["componentId"], failure["errorType"], failure["upstreamStatus"]) == (
        "Agent-a",
        "RateLimitError",
        429,
    )


async def test_message_added_names_its_flow(gql: Gql, alice: TestUser, shared_dir: Path) -> None:
    flow_id = await create_flow(gql, alice, load_case(shared_dir, "echo").flow)
    job_id = await build(gql, alice, flow_id, "hi", logBuilds=False)
    await wait_for_end(gql, alice, job_id)
    query = """query($id: ID!) { job(id: $id) { events { edges { node {
        ... on MessageAdded { message { text flow { id } } } } } } } }"""
    body = await gql(query, {"id": job_id}, headers=alice.headers)
    nodes = [edge["node"] for edge in body["data"]["job"]["events"]["edges"]]
    flows = [n["message"]["flow"] for n in nodes if n]
    assert flows == [{"id": flow_id}, {"id": flow_id}]
