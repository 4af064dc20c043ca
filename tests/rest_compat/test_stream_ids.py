"""Streamed ``token`` events carry the id of the message a client will see stored (Langflow
attaches tokens to the Chat Output message): for a language model and for an Agent with
``stream`` on, through ``POST /api/v1/run?stream=true``. A reply read by two vertices is stored
under fresh ids, never twice under one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases import create_flow_rest, load_langflow, messages_rest
from tests.conftest import TestUser
from tests.flowbuilder import agent_flow, chat_out, edge
from tests.model_server import ModelServer, stream, text, tool_calls
from tests.rest_compat.build_capture import body_events

MODEL_ID = "LanguageModelComponent-FLeYF"


async def _stream_run(
    client: httpx.AsyncClient, user: TestUser, export: dict[str, Any], body: dict[str, Any]
) -> tuple[str, list[dict[str, Any]]]:
    created = await create_flow_rest(client, user.headers, export)
    r = await client.post(
        f"/api/v1/run/{created['id']}", params={"stream": "true"}, json=body, headers=user.headers
    )
    assert r.status_code == 200, r.text
    return created["id"], body_events(r.text)


def _tokens(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["event"] == "token"]


async def test_model_tokens_carry_the_stored_chat_output_id(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(stream("Hel", "lo"))
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"stream": True}}}
    flow_id, events = await _stream_run(
        client, alice, load_langflow(shared_dir, "Basic Prompting.json"), body
    )
    tokens = _tokens(events)
    assert [t["chunk"] for t in tokens] == ["Hel", "lo"]
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    [reply] = [m for m in stored if m["sender"] == "Machine"]
    assert {t["id"] for t in tokens} == {reply["id"]}
    added = [
        e["data"]["id"] for e in events if e["event"] == "add_message" and e["data"]["sender"] == "Machine"
    ]
    assert added == [reply["id"]]


async def test_agent_tokens_stream_the_final_reply_under_the_stored_id(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(tool_calls(("evaluate_expression", {"expression": "6*7"})), stream("It is ", "42."))
    export = agent_flow("streaming agent", [], add_calculator_tool=True, stream=True)
    flow_id, events = await _stream_run(client, alice, export, {"input_value": "6*7?"})
    tokens = _tokens(events)
    assert "".join(t["chunk"] for t in tokens) == "It is 42."
    assert len(tokens) == 2
    assert all(req.body["stream"] is True for req in model_server.requests)
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    [reply] = [m for m in stored if m["sender"] == "Machine"]
    assert reply["text"] == "It is 42."
    assert {t["id"] for t in tokens} == {reply["id"]}


async def test_a_reply_read_by_two_outputs_is_stored_twice_under_fresh_ids_and_not_streamed(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    """Tokens only stream toward a lone Chat Output (whose stored id they carry), as in Langflow;
    a reply two vertices read is not streamed, and each output stores it under its own id."""
    model_server.add(text("Twice"))
    export = agent_flow("two outputs", [], stream=True)
    export["data"]["nodes"].append(chat_out("ChatOutput-b"))
    export["data"]["edges"].append(edge("Agent-a", "response", "ChatOutput-b", "input_value"))
    flow_id, events = await _stream_run(client, alice, export, {"input_value": "hi"})
    assert _tokens(events) == []
    assert model_server.requests[0].body.get("stream") is not True
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    replies = [m for m in stored if m["sender"] == "Machine"]
    assert [m["text"] for m in replies] == ["Twice", "Twice"]
    assert len({m["id"] for m in replies}) == 2


async def test_an_agent_not_feeding_a_chat_output_does_not_stream(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    """Deep Research's planner feeds a Prompt: with ``stream`` on it still sends no tokens,
    whose id no stored message would carry; the synthesiser (feeding the Chat Output) streams."""
    model_server.add(text("plan"), text("findings"), stream("sum", "mary"))
    export = load_langflow(shared_dir, "Deep Research Agent.json")
    body = {"input_value": "topic", "tweaks": {"Agent-plan": {"stream": True}}}
    flow_id, events = await _stream_run(client, alice, export, body)
    tokens = _tokens(events)
    assert [t["chunk"] for t in tokens] == ["sum", "mary"]
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    [reply] = [m for m in stored if m["sender"] == "Machine"]
    assert {t["id"] for t in tokens} == {reply["id"]}


@pytest.mark.parametrize(
    ("preface", "kept"),
    [(["Let me ", "compute."], False), (["Working it out: " + "x" * 300, " done."], True)],
)
async def test_the_streamed_tokens_join_to_the_stored_reply_whatever_the_preface(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, preface: list[str], kept: bool
) -> None:
    """Text a model writes before calling a tool: a short preface ("Let me compute.") is held
    back and, as in Langflow, not part of the reply; a long one was already streamed, so it stays
    in the reply. Either way the tokens join to exactly the stored text."""
    calculate = tool_calls(("evaluate_expression", {"expression": "2+3*4"}))
    calculate.chunks = preface
    model_server.add(calculate, stream("It is ", "14."))
    export = agent_flow("preface", [], add_calculator_tool=True, stream=True)
    flow_id, events = await _stream_run(client, alice, export, {"input_value": "2+3*4?"})
    joined = "".join(t["chunk"] for t in _tokens(events))
    assert joined == ("".join(preface) + "\n\n" if kept else "") + "It is 14."
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    [reply] = [m for m in stored if m["sender"] == "Machine"]
    assert reply["text"] == joined


async def test_a_structured_response_feeding_the_chat_output_is_not_streamed(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    """The Chat Output stores the JSON of ``structured_response``, not the streamed reply: no
    tokens (they would carry an id nothing stores)."""
    model_server.add(text("Paris is the capital."), text('{"results": [{"city": "Paris"}]}'))
    export = agent_flow("structured", [], stream=True, output_schema=[{"name": "city", "type": "str"}])
    [to_output] = [e for e in export["data"]["edges"] if e["target"] == "ChatOutput-a"]
    export["data"]["edges"].remove(to_output)
    export["data"]["edges"].append(edge("Agent-a", "structured_response", "ChatOutput-a", "input_value"))
    flow_id, events = await _stream_run(client, alice, export, {"input_value": "capital of France?"})
    assert _tokens(events) == []
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    [reply] = [m for m in stored if m["sender"] == "Machine"]
    assert reply["text"] == '{"results": [{"city": "Paris"}]}'
