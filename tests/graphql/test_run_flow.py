"""``runFlow``: every shared case gives Langflow's recorded texts; failures are union members."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import flowbuilder as fb
from tests.cases import CASE_NAMES, load_case, messages_rest
from tests.conftest import TestUser
from tests.graphql.conftest import Gql

_REST_TO_GRAPHQL = {
    "input_value": "inputValue",
    "input_type": "inputType",
    "output_type": "outputType",
    "output_component": "outputComponent",
    "tweaks": "tweaks",
    "session_id": "sessionId",
}
_ENUMS = {"inputType", "outputType"}


def run_input(body: dict[str, Any]) -> dict[str, Any]:
    """A ``/run`` body as a GraphQL ``RunInput``."""
    converted: dict[str, Any] = {}
    for key, value in body.items():
        name = _REST_TO_GRAPHQL[key]
        converted[name] = value.upper() if name in _ENUMS and isinstance(value, str) else value
    return converted


async def create_flow(gql: Gql, user: TestUser, flow: dict[str, Any], **extra: Any) -> str:
    """Store ``flow`` (an export or flowbuilder body) through ``createFlow``; its id."""
    fields = {"name": flow["name"], "data": flow["data"], **extra}
    body = await gql("CreateFlow", {"input": fields}, headers=user.headers)
    created = body["data"]["createFlow"]
    assert created["__typename"] == "Flow", created
    flow_id: str = created["id"]
    return flow_id


async def run(gql: Gql, user: TestUser, flow_id: str, run_fields: dict[str, Any]) -> dict[str, Any]:
    """``runFlow`` through ``queries/RunFlow.graphql``; the result member."""
    body = await gql("RunFlow", {"flowId": flow_id, "input": run_fields}, headers=user.headers)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["runFlow"]
    return result


def _case_requests() -> list[Any]:
    from tests.shared_files import find_shared_dir

    shared = find_shared_dir()
    if shared is None:
        return [pytest.param("echo", 0, id="shared-missing")]
    return [
        pytest.param(name, i, id=f"{name}-{i}")
        for name in CASE_NAMES
        for i in range(len(load_case(shared, name).runs))
    ]


@pytest.mark.parametrize(("case_name", "index"), _case_requests())
async def test_case_gives_recorded_texts(
    gql: Gql, alice: TestUser, shared_dir: Path, case_name: str, index: int
) -> None:
    case = load_case(shared_dir, case_name)
    expected = case.runs[index]
    flow_id = await create_flow(gql, alice, case.flow)
    result = await run(gql, alice, flow_id, run_input(expected.body))
    assert result["__typename"] == "RunResult", result
    assert [(o["componentId"], o["text"]) for o in result["outputs"]] == expected.outputs
    assert result["sessionId"] == expected.body.get("session_id", flow_id)


async def test_run_result_message_is_the_stored_one(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    result = await run(gql, alice, flow_id, {"inputValue": "hello", "sessionId": "s-1"})
    assert result["sessionId"] == "s-1"
    [output] = result["outputs"]
    assert output["componentId"] == "ChatOutput-a"
    assert output["displayName"] == "Chat Output"
    assert output["outputName"] == "message"
    assert output["text"] == "hello"
    message = output["message"]
    assert message["text"] == "hello"
    assert message["sender"] == "Machine"
    assert message["senderName"] == "AI"
    assert message["sessionId"] == "s-1"
    assert message["files"] == []
    assert message["properties"]["source"]["id"] == "ChatInput-a"

    stored = await messages_rest(client, alice.headers, flow_id=flow_id, session_id="s-1")
    assert [(m["sender"], m["text"]) for m in stored] == [("User", "hello"), ("Machine", "hello")]
    assert stored[-1]["id"] == message["id"]


async def test_session_defaults_to_the_flow_id(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    result = await run(gql, alice, flow_id, {"inputValue": "hi"})
    assert result["sessionId"] == flow_id
    assert result["outputs"][0]["message"]["sessionId"] == flow_id


async def test_run_by_endpoint_name(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    await create_flow(gql, alice, fb.echo_flow(), endpointName="echo-ep")
    result = await run(gql, alice, "echo-ep", {"inputValue": "by name"})
    assert [o["text"] for o in result["outputs"]] == ["by name"]
    # Bob cannot reach Alice's endpoint name.
    other = await run(gql, bob, "echo-ep", {"inputValue": "x"})
    assert other == {"__typename": "NotFoundError", "message": "Flow not found"}


async def test_unknown_flow_is_not_found(gql: Gql, alice: TestUser) -> None:
    result = await run(gql, alice, "0b8f8a4e-4a6b-4c55-9a53-2b4c6f3f1d10", {"inputValue": "x"})
    assert result == {"__typename": "NotFoundError", "message": "Flow not found"}


async def test_another_users_flow_is_not_found(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    result = await run(gql, bob, flow_id, {"inputValue": "x"})
    assert result == {"__typename": "NotFoundError", "message": "Flow not found"}


async def test_unknown_tweak_key_is_a_validation_error_naming_it(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    result = await run(gql, alice, flow_id, {"inputValue": "x", "tweaks": {"NoSuchNode-zz": {"a": 1}}})
    assert result["__typename"] == "ValidationError"
    assert "NoSuchNode-zz" in result["message"]
    assert any("NoSuchNode-zz" in f["path"] for f in result["fields"]), result["fields"]


async def test_tweaks_must_be_an_object(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    result = await run(gql, alice, flow_id, {"inputValue": "x", "tweaks": ["not", "an", "object"]})
    assert result["__typename"] == "ValidationError"
    assert result["fields"] == [
        {"path": "input.tweaks", "message": result["message"]},
    ]


async def test_unsupported_component_is_a_validation_error_naming_node_and_type(
    gql: Gql, alice: TestUser, shared_dir: Path
) -> None:
    from tests.cases import load_langflow

    export = load_langflow(shared_dir, "Knowledge Retrieval.json")
    flow_id = await create_flow(gql, alice, export)
    result = await run(gql, alice, flow_id, {"inputValue": "hi"})
    assert result["__typename"] == "ValidationError", result
    assert "Knowledge-Y8gm2" in result["message"]
    assert "Knowledge" in result["message"]
    assert result["fields"][0]["path"] == "nodes.Knowledge-Y8gm2"


async def test_malformed_enum_is_a_graphql_validation_error(gql: Gql, alice: TestUser) -> None:
    flow_id = await create_flow(gql, alice, fb.echo_flow())
    body = await gql("RunFlow", {"flowId": flow_id, "input": {"inputType": "chat"}}, headers=alice.headers)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "InputType" in body["errors"][0]["message"]


async def test_prompt_case_says_what_it_was_told(gql: Gql, alice: TestUser, shared_dir: Path) -> None:
    flow_id = await create_flow(gql, alice, load_case(shared_dir, "prompt").flow)
    result = await run(gql, alice, flow_id, {"inputValue": "hello"})
    assert [(o["componentId"], o["text"]) for o in result["outputs"]] == [
        ("ChatOutput-p3", "You said: hello")
    ]
