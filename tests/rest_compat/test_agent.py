"""The ``Agent`` component through ``POST /api/v1/run`` against the local scripted model server
(issue 4): the Simple Agent starter flow calling the calculator (its URL and web-search tools
offered beside it), bad tool arguments answered with an error for the model, and
``max_iterations`` bounding a model that never stops calling tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from flowql.engine.components.agent_loop import MAX_ITERATIONS_TEXT
from tests.cases import create_flow_rest, load_langflow, messages_rest, run_rest
from tests.conftest import TestUser
from tests.model_server import ModelServer, text, tool_calls

AGENT_ID = "Agent-EXpSZ"


def _simple_agent(shared_dir: Path) -> dict[str, Any]:
    return load_langflow(shared_dir, "Simple Agent.json")


def _reply(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["outputs"][0]["outputs"][0]["results"]["message"]
    return message


async def _run(
    shared_dir: Path, client: httpx.AsyncClient, user: TestUser, body: dict[str, Any]
) -> tuple[str, httpx.Response]:
    flow = await create_flow_rest(client, user.headers, _simple_agent(shared_dir))
    return flow["id"], await run_rest(client, user.headers, flow["id"], body)


def _tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


def _tool_names(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", [])]


async def test_simple_agent_calls_the_calculator(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(
        tool_calls(("evaluate_expression", {"expression": "2+3*4"})),
        text("The answer is 14", prompt_tokens=20, completion_tokens=5),
    )
    flow_id, r = await _run(shared_dir, client, alice, {"input_value": "What is 2+3*4?"})
    assert r.status_code == 200, r.text
    reply = _reply(r.json())
    assert reply["text"] == "The answer is 14"
    assert reply["properties"]["source"]["id"] == AGENT_ID

    first, second = model_server.requests
    assert first.body["messages"][0]["role"] == "system"
    system = first.body["messages"][0]["content"]
    assert system.startswith("You are a Langflow Agent")
    # Langflow's dynamic placeholders are filled; nothing else in braces is touched.
    assert "{current_date}" not in system and "{optional_user_context}" not in system
    assert f"- Model: {first.body['model']}\n" in system
    assert "- Today's date: 20" in system
    assert first.body["messages"][-1] == {"role": "user", "content": "What is 2+3*4?"}
    assert {"evaluate_expression", "get_current_date"} <= set(_tool_names(first.body))
    [calculator] = [t for t in first.body["tools"] if t["function"]["name"] == "evaluate_expression"]
    assert calculator["function"]["parameters"]["required"] == ["expression"]

    [assistant] = [m for m in second.body["messages"] if m["role"] == "assistant"]
    assert assistant["tool_calls"][0]["function"]["name"] == "evaluate_expression"
    [tool] = _tool_messages(second.body)
    assert tool["tool_call_id"] == assistant["tool_calls"][0]["id"]
    assert "14" in tool["content"]

    [steps] = reply["content_blocks"]
    used = [c for c in steps["contents"] if c["type"] == "tool_use"]
    assert [(c["name"], c["tool_input"], c["output"]) for c in used] == [
        ("evaluate_expression", {"expression": "2+3*4"}, "14")
    ]

    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [(m["sender"], m["text"]) for m in stored] == [
        ("User", "What is 2+3*4?"),
        ("Machine", "The answer is 14"),
    ]


async def test_bad_tool_arguments_go_back_to_the_model(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(
        tool_calls(("evaluate_expression", {"expr": "2+2"})),
        tool_calls(("evaluate_expression", {"expression": "__import__('os')"})),
        tool_calls(("no_such_tool", {})),
        text("Sorry, I could not compute that."),
    )
    _, r = await _run(shared_dir, client, alice, {"input_value": "compute"})
    assert r.status_code == 200, r.text
    assert _reply(r.json())["text"] == "Sorry, I could not compute that."
    assert len(model_server.requests) == 4
    errors = [_tool_messages(req.body)[-1]["content"] for req in model_server.requests[1:]]
    assert all(e.startswith("Error:") for e in errors), errors
    assert "expr" in errors[0]
    assert "Invalid expression" in errors[1]
    assert "no_such_tool" in errors[2]


async def test_max_iterations_bounds_a_model_that_always_calls_tools(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    """After ``max_iterations`` model calls still asking for tools, the run completes with
    :data:`MAX_ITERATIONS_TEXT` as the agent's response (not an error)."""
    model_server.fallback = tool_calls(("evaluate_expression", {"expression": "1+1"}))
    body = {"input_value": "loop", "tweaks": {AGENT_ID: {"max_iterations": 3}}}
    _, r = await _run(shared_dir, client, alice, body)
    assert r.status_code == 200, r.text
    assert _reply(r.json())["text"] == MAX_ITERATIONS_TEXT
    assert len(model_server.requests) == 3
    assert len(_tool_messages(model_server.requests[-1].body)) == 2
    assert model_server.requests[-1].body["messages"][-2]["role"] == "assistant"
