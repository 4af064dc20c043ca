"""Subscription ``jobEvents`` over real websockets (a live uvicorn server), for both
``graphql-transport-ws`` and legacy ``graphql-ws``: every event in order then completion, late
subscribers from a cursor, many subscriptions per socket, ``connection_init`` authentication."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from strawberry.types import ExecutionResult

from flowql.context import Context
from flowql.schema.build import build_schema
from flowql.schema.context import GraphQLContext
from flowql.services import AppServices
from tests import flowbuilder as fb
from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes, operation
from tests.graphql.jobs_support import (
    HANG_GUARD,
    GateState,
    build,
    create_flow,
    gate_flow,
    registered_gate,
    wait_for_end,
)
from tests.graphql.ws_client import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, authenticated, ws_connect
from tests.live_server import LiveServer

JOB_EVENTS = operation("JobEvents")


@pytest.fixture
def gate() -> Iterator[GateState]:
    """The test-only ``Gate`` component, registered for one test."""
    with registered_gate() as state:
        yield state


def events_of(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``jobEvents`` value of each result payload (asserting none carried errors)."""
    assert all(not p.get("errors") for p in payloads), payloads
    return [p["data"]["jobEvents"] for p in payloads]


async def stored_events(gql: Gql, user: TestUser, job_id: str) -> list[dict[str, Any]]:
    """Every stored event of an ended job, through ``job(id).events``."""
    job = await wait_for_end(gql, user, job_id)
    return [edge["node"] for edge in job["events"]["edges"]]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscription_receives_every_event_then_completes(
    protocol: str, live_server: LiveServer, gql: Gql, alice: TestUser, gate: GateState
) -> None:
    flow_id = await create_flow(gql, alice, gate_flow())
    job_id = await build(gql, alice, flow_id, "over the wire")

    async with authenticated(live_server.ws_url, protocol, {"x-api-key": alice.api_key}) as client:
        await client.subscribe("1", JOB_EVENTS, {"jobId": job_id})
        first = await client.next_result("1")
        assert first is not None
        gate.release.set()  # the rest arrives live
        rest = (await client.collect({"1"}))["1"]

    received = events_of([first, *rest])
    assert received == await stored_events(gql, alice, job_id)
    assert [e["sequence"] for e in received] == list(range(1, len(received) + 1))
    assert received[0]["__typename"] == "VerticesSorted"
    assert received[-1] == {**received[-1], "__typename": "BuildEnded", "status": "COMPLETED"}
    built = [e["vertexId"] for e in received if e["__typename"] == "VertexBuilt"]
    assert built == ["ChatInput-g", "Gate-g", "ChatOutput-g"]
    texts = [e["message"]["text"] for e in received if e["__typename"] == "MessageAdded"]
    assert texts == ["over the wire", "over the wire"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_late_subscriber_with_earlier_cursor_gets_the_same_tail(
    protocol: str, live_server: LiveServer, gql: Gql, alice: TestUser, gate: GateState
) -> None:
    flow_id = await create_flow(gql, alice, gate_flow())
    job_id = await build(gql, alice, flow_id, "tail")
    auth = {"Authorization": f"Bearer {alice.api_key}"}

    async with authenticated(live_server.ws_url, protocol, auth) as early:
        await early.subscribe("early", JOB_EVENTS, {"jobId": job_id})
        head = [await early.next_result("early") for _ in range(2)]
        assert all(p is not None for p in head)
        cursor = events_of([p for p in head if p is not None])[0]["cursor"]
        async with authenticated(live_server.ws_url, protocol, auth) as late:
            await late.subscribe("late", JOB_EVENTS, {"jobId": job_id, "after": cursor})
            await asyncio.wait_for(gate.started.wait(), HANG_GUARD)
            gate.release.set()
            late_events = events_of((await late.collect({"late"}))["late"])
        early_events = events_of(
            [p for p in head if p is not None] + (await early.collect({"early"}))["early"]
        )

    assert late_events == early_events[1:]
    assert late_events[-1]["__typename"] == "BuildEnded"

    # after the end: replay only, the same tail again
    async with authenticated(live_server.ws_url, protocol, auth) as after_end:
        await after_end.subscribe("replay", JOB_EVENTS, {"jobId": job_id, "after": cursor})
        assert events_of((await after_end.collect({"replay"}))["replay"]) == late_events


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_two_subscriptions_on_one_socket(
    protocol: str, live_server: LiveServer, gql: Gql, alice: TestUser
) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    jobs = {
        "a": await build(gql, alice, flow_id, "first job"),
        "b": await build(gql, alice, flow_id, "second job"),
    }

    async with authenticated(live_server.ws_url, protocol, {"token": alice.api_key}) as client:
        for op_id, job_id in jobs.items():
            await client.subscribe(op_id, JOB_EVENTS, {"jobId": job_id})
        results = await client.collect(set(jobs))
        # the socket stays usable after both completed
        await client.subscribe("c", JOB_EVENTS, {"jobId": jobs["a"]})
        again = (await client.collect({"c"}))["c"]

    for op_id, text in (("a", "first job"), ("b", "second job")):
        received = events_of(results[op_id])
        assert received == await stored_events(gql, alice, jobs[op_id])
        assert [e["message"]["text"] for e in received if e["__typename"] == "MessageAdded"] == [text, text]
        assert received[-1]["__typename"] == "BuildEnded"
    assert events_of(again) == events_of(results["a"])


async def _access_token(client: httpx.AsyncClient, user: TestUser) -> str:
    response = await client.post("/api/v1/login", data={"username": user.username, "password": user.password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.mark.parametrize("key", ["Authorization", "authorization", "token"])
async def test_access_token_in_connection_init(
    key: str, live_server: LiveServer, client: httpx.AsyncClient, alice: TestUser
) -> None:
    token = await _access_token(client, alice)
    value = f"Bearer {token}" if key.lower() == "authorization" else token
    async with authenticated(live_server.ws_url, TRANSPORT_WS, {key: value}) as ws:
        await ws.subscribe("me", "query { me { username } }", {})
        assert await ws.next_result("me") == {"data": {"me": {"username": "alice"}}}


BAD_INITS: list[dict[str, Any] | None] = [
    None,
    {},
    {"x-api-key": "not-a-key"},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Basic YWxpY2U6cHc="},
    {"token": "nope"},
]


@pytest.mark.parametrize("payload", BAD_INITS)
async def test_transport_ws_without_valid_credentials_closes_4403(
    payload: dict[str, Any] | None, live_server: LiveServer
) -> None:
    async with ws_connect(live_server.ws_url, TRANSPORT_WS) as client:
        message: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = payload
        await client.send(message)
        assert await client.close_code() == 4403


@pytest.mark.parametrize("payload", BAD_INITS)
async def test_legacy_ws_without_valid_credentials_answers_connection_error(
    payload: dict[str, Any] | None, live_server: LiveServer
) -> None:
    async with ws_connect(live_server.ws_url, LEGACY_WS) as client:
        answer = await client.init(payload)
        assert answer["type"] == "connection_error"
        assert answer["payload"]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await client.close_code() is not None


async def test_subscribe_before_init_is_refused(live_server: LiveServer, alice: TestUser) -> None:
    async with ws_connect(live_server.ws_url, TRANSPORT_WS) as client:
        await client.subscribe("1", JOB_EVENTS, {"jobId": "00000000-0000-0000-0000-000000000000"})
        assert await client.close_code() == 4401


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_foreign_or_unknown_job_is_not_found(
    protocol: str, live_server: LiveServer, gql: Gql, alice: TestUser, bob: TestUser
) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    job_id = await build(gql, alice, flow_id)
    async with authenticated(live_server.ws_url, protocol, {"x-api-key": bob.api_key}) as client:
        await client.subscribe("foreign", JOB_EVENTS, {"jobId": job_id})
        foreign = (await client.collect({"foreign"}))["foreign"]
        await client.subscribe("bad", JOB_EVENTS, {"jobId": job_id, "after": "garbage"})
        bad_cursor = (await client.collect({"bad"}))["bad"]
    assert [error_codes(p) for p in foreign] == [["NOT_FOUND"]]
    assert [error_codes(p) for p in bad_cursor] == [["INVALID_INPUT"]]
    assert "alice" not in str(foreign)


async def test_subscription_over_http_is_refused(client: httpx.AsyncClient, alice: TestUser) -> None:
    query = 'subscription { jobEvents(jobId: "00000000-0000-0000-0000-000000000000") { __typename } }'
    for headers in ({}, alice.headers):
        response = await client.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert "websocket" in error["message"]


async def test_default_deny_applies_to_subscriptions(services: AppServices) -> None:
    schema = build_schema()
    context = GraphQLContext(
        Context(settings=services.settings, sessions=services.sessions, jobs=services.jobs)
    )
    query = 'subscription { jobEvents(jobId: "00000000-0000-0000-0000-000000000000") { __typename } }'
    stream = await schema.subscribe(query, context_value=context)
    assert not isinstance(stream, ExecutionResult)
    results = [result async for result in stream]
    assert [[e.extensions and e.extensions.get("code") for e in r.errors or []] for r in results] == [
        ["UNAUTHENTICATED"]
    ]
