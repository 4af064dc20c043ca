"""GraphQL ``runWorkflow`` and ``createResponse``: the prompt case (and a tweak), background
jobs, sessions continued by previousResponseId, another user's flow; and ``runFlow`` with the
same tweak, so every surface gives the same text."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowql.services import AppServices
from tests.cases import load_case
from tests.conftest import TestUser
from tests.graphql.conftest import Gql
from tests.graphql.jobs_support import HANG_GUARD, GateState, gate_flow, registered_gate, wait_for_end
from tests.graphql.test_run_flow import create_flow
from tests.rest_compat.surfaces_support import (
    BOOM,
    TWEAK,
    TWEAKED,
    boom_flow,
    registered_boom,
    run_traces,
    unsupported_flow,
)


@pytest.fixture
def gate() -> Iterator[GateState]:
    with registered_gate() as state:
        yield state


def _texts(job: dict[str, Any]) -> list[str]:
    return [
        e["node"]["message"]["text"]
        for e in job["events"]["edges"]
        if e["node"]["__typename"] == "MessageAdded"
    ]


async def test_run_workflow_prompt_case_and_tweak(gql: Gql, shared_dir: Path, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, load_case(shared_dir, "prompt").flow)
    for inputs, expected in (
        ({"ChatInput-p1.input_value": "hello"}, "You said: hello"),
        (
            {"ChatInput-p1.input_value": "hello", "Prompt-p2.template": TWEAK["Prompt-p2"]["template"]},
            TWEAKED,
        ),
    ):
        body = await gql("RunWorkflow", {"flowId": flow_id, "inputs": inputs}, headers=alice.headers)
        result = body["data"]["runWorkflow"]
        assert (result["__typename"], result["kind"], result["status"]) == ("Job", "WORKFLOW", "COMPLETED"), (
            body
        )
        job = (await gql("Job", {"id": result["id"], "first": 1000}, headers=alice.headers))["data"]["job"]
        assert _texts(job) == ["hello", expected]
    run = await gql(
        "RunFlow",
        {"flowId": flow_id, "input": {"inputValue": "hello", "tweaks": TWEAK}},
        headers=alice.headers,
    )
    assert run["data"]["runFlow"]["outputs"][0]["text"] == TWEAKED


async def test_run_workflow_in_background(gql: Gql, alice: TestUser, gate: GateState) -> None:
    flow_id = await create_flow(gql, alice, gate_flow())
    variables = {"flowId": flow_id, "inputs": {"ChatInput-g.input_value": "held"}, "background": True}
    result = (await gql("RunWorkflow", variables, headers=alice.headers))["data"]["runWorkflow"]
    assert result["status"] == "QUEUED"
    await asyncio.wait_for(gate.started.wait(), HANG_GUARD)
    gate.release.set()
    job = await wait_for_end(gql, alice, result["id"])
    assert job["status"] == "COMPLETED"
    assert _texts(job) == ["held", "held"]


async def test_bad_inputs_are_validation_errors(gql: Gql, shared_dir: Path, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, load_case(shared_dir, "prompt").flow)
    for inputs, path in (({"no-dot": 1}, "inputs.no-dot"), ({"Nope.x": 1}, "tweaks.Nope")):
        body = await gql("RunWorkflow", {"flowId": flow_id, "inputs": inputs}, headers=alice.headers)
        result = body["data"]["runWorkflow"]
        assert result["__typename"] == "ValidationError", body
        assert result["fields"][0]["path"] == path


async def test_create_response_continues_the_session(gql: Gql, shared_dir: Path, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, load_case(shared_dir, "prompt").flow)
    first = (await gql("CreateResponse", {"model": flow_id, "input": "hello"}, headers=alice.headers))["data"]
    answer = first["createResponse"]
    assert (answer["status"], answer["outputText"], answer["usage"]) == ("completed", "You said: hello", None)
    assert answer["sessionId"] == answer["id"]
    second = await gql(
        "CreateResponse",
        {"model": flow_id, "input": "more", "previousResponseId": answer["id"]},
        headers=alice.headers,
    )
    assert second["data"]["createResponse"]["sessionId"] == answer["id"]
    assert second["data"]["createResponse"]["outputText"] == "You said: more"


async def test_another_users_flow_is_not_found_and_nothing_runs(
    gql: Gql, shared_dir: Path, alice: TestUser, bob: TestUser, services: AppServices
) -> None:
    flow_id = await create_flow(gql, alice, load_case(shared_dir, "prompt").flow)
    before = await run_traces(services)
    for background in (False, True):
        variables = {"flowId": flow_id, "inputs": {"ChatInput-p1.input_value": "x"}, "background": background}
        result = (await gql("RunWorkflow", variables, headers=bob.headers))["data"]["runWorkflow"]
        assert (result["__typename"], result["message"]) == ("NotFoundError", "Flow not found")
    response = await gql("CreateResponse", {"model": flow_id, "input": "x"}, headers=bob.headers)
    assert response["data"] is None
    assert response["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    run = await gql("RunFlow", {"flowId": flow_id, "input": {"inputValue": "x"}}, headers=bob.headers)
    assert run["data"]["runFlow"]["__typename"] == "NotFoundError"
    assert await run_traces(services) == before


CREATE_RESPONSE_WITH_ERROR = """
mutation ($model: ID!, $input: String!) {
  createResponse(model: $model, input: $input) { id status outputText error }
}
"""


async def test_create_response_of_a_failed_run_says_why(gql: Gql, alice: TestUser) -> None:
    with registered_boom():
        flow_id = await create_flow(gql, alice, boom_flow())
        body = await gql(CREATE_RESPONSE_WITH_ERROR, {"model": flow_id, "input": "x"}, headers=alice.headers)
    answer = body["data"]["createResponse"]
    assert (answer["status"], answer["outputText"]) == ("failed", "")
    assert BOOM in answer["error"]


async def test_create_response_that_completes_has_no_error(
    gql: Gql, shared_dir: Path, alice: TestUser
) -> None:
    flow_id = await create_flow(gql, alice, load_case(shared_dir, "prompt").flow)
    body = await gql(CREATE_RESPONSE_WITH_ERROR, {"model": flow_id, "input": "hello"}, headers=alice.headers)
    answer = body["data"]["createResponse"]
    assert (answer["status"], answer["outputText"], answer["error"]) == ("completed", "You said: hello", None)


async def test_an_unsupported_component_is_refused_before_anything_is_stored(
    gql: Gql, alice: TestUser, services: AppServices
) -> None:
    flow_id = await create_flow(gql, alice, unsupported_flow())
    before = await run_traces(services)
    for background in (False, True):
        variables = {"flowId": flow_id, "inputs": {"ChatInput-u.input_value": "hi"}, "background": background}
        result = (await gql("RunWorkflow", variables, headers=alice.headers))["data"]["runWorkflow"]
        assert result["__typename"] == "ValidationError", result
        assert "Mystery-1" in result["message"]
    response = await gql("CreateResponse", {"model": flow_id, "input": "hi"}, headers=alice.headers)
    assert response["data"] is None
    assert response["errors"][0]["extensions"]["code"] == "UNSUPPORTED_COMPONENT"
    assert await run_traces(services) == before
