"""The shared cases (flows/cases/NAME*.json) and the peer's /run response shape."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from flowql.engine import RunRequest, run_flow, run_response, serialize_message
from tests.shared_files import load_json, shared_available
from tests.unit._engine_helpers import CASES, load_case, request_from_body, services


def _case_params() -> list[Any]:
    if not shared_available("flows", "cases"):
        # Keeps one parameter so the test runs and skips (or fails under CI) with the reason.
        return [pytest.param(name, 0, id=f"{name}-0") for name in CASES]
    params = []
    for name in CASES:
        requests = load_json("flows", "cases", f"{name}.requests.json")["requests"]
        params += [pytest.param(name, i, id=f"{name}-{i}") for i in range(len(requests))]
    return params


@pytest.mark.parametrize(("case", "index"), _case_params())
async def test_case_outputs_match_peer(case: str, index: int) -> None:
    flow = load_case(case)
    body = load_json("flows", "cases", f"{case}.requests.json")["requests"][index]["body"]
    expected = load_json("flows", "cases", f"{case}.expected.json")["requests"][index]
    assert expected["body"] == body and expected["status"] == 200
    before = copy.deepcopy(flow)
    svc, _, _ = services()
    outcome = await run_flow(flow["data"], request_from_body(flow, body), svc)
    got = [{"component_id": o.component_id, "text": o.text} for o in outcome.outputs]
    assert got == expected["outputs"]
    assert outcome.session_id == (body.get("session_id") or flow["id"])
    assert flow == before, "run_flow must not mutate the flow dict"
    json.dumps(run_response(outcome))  # JSON-able


def _shape(value: Any, path: str = "$") -> list[str]:
    """Paths with their JSON type, recursing into dicts and the first item of lists."""
    kind = {dict: "object", list: "array", str: "string", bool: "bool", type(None): "null"}.get(
        type(value), "number"
    )
    out = [f"{path}:{kind}"]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _shape(item, f"{path}.{key}")
    elif isinstance(value, list) and value:
        out += _shape(value[0], f"{path}[]")
    return out


async def test_prompt_run_response_matches_peer_shape() -> None:
    peer = load_json("peer", "run_response_prompt_flow.json")
    flow = load_case("prompt")
    svc, _, _ = services()
    outcome = await run_flow(
        flow["data"], RunRequest(flow_id=flow["id"], session_id="sess-1", input_value="hello"), svc
    )
    body = run_response(outcome)
    assert sorted(_shape(body)) == sorted(_shape(peer))
    entry = body["outputs"][0]["outputs"][0]
    peer_entry = peer["outputs"][0]["outputs"][0]
    assert list(entry) == list(peer_entry)
    assert list(entry["results"]["message"]) == list(peer_entry["results"]["message"])
    message = entry["results"]["message"]
    assert message["text"] == "You said: hello"
    assert message["properties"]["source"] == {
        "id": "Prompt-p2",
        "display_name": "Prompt Template",
        "source": "Prompt Template",
    }
    assert entry["messages"][0]["component_id"] == "ChatOutput-p3"
    assert entry["component_display_name"] == "Chat Output"
    assert body["session_id"] == "sess-1" and message["session_id"] == "sess-1"
    assert body["outputs"][0]["inputs"] == {"input_value": "hello"}


async def test_echo_run_response_matches_peer_shape() -> None:
    peer = load_json("peer", "run_response.json")
    flow = load_case("echo")
    svc, _, _ = services()
    outcome = await run_flow(
        flow["data"], RunRequest(flow_id=flow["id"], session_id="s", input_value="hello"), svc
    )
    body = run_response(outcome)
    assert sorted(_shape(body)) == sorted(_shape(peer))
    source = body["outputs"][0]["outputs"][0]["results"]["message"]["properties"]["source"]
    assert source == {"id": "ChatInput-e1", "display_name": "Chat Input", "source": "Chat Input"}


async def test_echo_stores_user_and_ai_messages_under_request_session() -> None:
    flow = load_case("echo")
    svc, store, _ = services()
    request = RunRequest(flow_id=flow["id"], session_id="s-unicode", input_value="héllo ✓")
    outcome = await run_flow(flow["data"], request, svc)
    assert [(m.sender, m.sender_name, m.text) for m in store.messages] == [
        ("User", "User", "héllo ✓"),
        ("Machine", "AI", "héllo ✓"),
    ]
    assert {m.session_id for m in store.messages} == {"s-unicode"}
    assert {m.flow_id for m in store.messages} == {flow["id"]}
    assert {m.run_id for m in store.messages} == {request.run_id}
    user, ai = store.messages
    assert user.properties["source"] == {"id": None, "display_name": None, "source": None}
    assert ai.properties["source"]["id"] == "ChatInput-e1"
    # The output carries the stored message (its id), a new one distinct from the user's.
    (output,) = outcome.outputs
    assert output.message is not None and output.message.id == ai.id != user.id
    assert output.stored_message
    assert run_response(outcome)["outputs"][0]["outputs"][0]["results"]["message"]["data"]["id"] == ai.id


async def test_request_session_wins_over_session_id_field() -> None:
    flow = load_case("echo")
    data = copy.deepcopy(flow["data"])
    for n in data["nodes"]:
        n["data"]["node"]["template"]["session_id"]["value"] = "field-session"
    svc, store, _ = services()
    await run_flow(data, RunRequest(flow_id=flow["id"], session_id="req-session", input_value="x"), svc)
    assert {m.session_id for m in store.messages} == {"req-session"}


async def test_should_store_message_off_stores_nothing() -> None:
    flow = load_case("echo")
    svc, store, log = services()
    tweaks = {"should_store_message": False}
    outcome = await run_flow(
        flow["data"], RunRequest(flow_id="f", session_id="s", input_value="x", tweaks=tweaks), svc
    )
    assert store.messages == []
    assert "add_message" not in log.names
    assert outcome.outputs[0].text == "x" and not outcome.outputs[0].stored_message


async def test_hello_world_starter_keeps_stored_text_with_chat_input_type() -> None:
    flow = load_json("flows", "langflow", "hello-world.json")
    svc, store, _ = services()
    outcome = await run_flow(
        flow["data"], RunRequest(flow_id=flow["id"], session_id="s", input_value="hi"), svc
    )
    assert [o.text for o in outcome.outputs] == ["Hello, World!"]
    assert [m.sender for m in store.messages] == ["Machine"]  # Text Input stores nothing


async def test_debug_output_type_returns_every_vertex_in_node_order() -> None:
    flow = load_case("prompt")
    svc, _, _ = services()
    request = RunRequest(flow_id="f", session_id="s", input_value="yo", output_type="debug")
    outcome = await run_flow(flow["data"], request, svc)
    assert [o.component_id for o in outcome.outputs] == ["ChatInput-p1", "Prompt-p2", "ChatOutput-p3"]
    assert [o.text for o in outcome.outputs] == ["yo", "You said: yo", "You said: yo"]
    body = run_response(outcome)
    prompt_entry = body["outputs"][0]["outputs"][1]
    assert prompt_entry["messages"] == []
    assert prompt_entry["outputs"] == {"prompt": {"message": "You said: yo", "type": "text"}}
    json.dumps(body)


def test_serialize_message_timestamp_format() -> None:
    from datetime import UTC, datetime

    from flowql.engine import ChatMessage

    msg = ChatMessage(
        text="t",
        sender="User",
        sender_name="User",
        session_id="s",
        flow_id="f",
        run_id="r",
        timestamp=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    )
    out = serialize_message(msg)
    assert out["timestamp"] == out["data"]["timestamp"] == "2026-01-02 03:04:05.000006 UTC"
    assert out["text_key"] == "text" and out["default_value"] == ""
    assert "id" not in out and out["data"]["id"] == msg.id
    assert serialize_message(msg, include_id=True)["id"] == msg.id
    assert out["data"]["session_metadata"] == {"graph_run_id": "r"}
