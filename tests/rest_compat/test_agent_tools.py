"""Agent tools from tool-mode components (``component_as_tool`` → ``tools``), the session
history the agent sends (``n_messages``) and the trace's child spans for model and tool calls
(issue 4), through ``POST /api/v1/run`` against the scripted model server.

A test-only tool-mode component ``FlowQLTestShout`` (registered for one test) upper-cases its
``words`` argument and appends its own ``suffix`` field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from flowql.db.models import Span
from flowql.engine.components import ComponentContext, registry
from flowql.engine.components.tool_mode import ToolModeComponent
from flowql.engine.tools import ToolError
from flowql.services import AppServices
from tests.cases import create_flow_rest, run_rest
from tests.conftest import TestUser
from tests.flowbuilder import agent_flow, field, node
from tests.model_server import ModelServer, text, tool_calls

SHOUT = "FlowQLTestShout"


class Shout(ToolModeComponent):
    """Upper-cases ``words`` and appends ``suffix``; ``words`` "fail" raises a ToolError."""

    display_name = "Shout"
    tool_name = "shout"
    tool_description = "Shout the words."
    tool_args = {"words": {"type": "string", "description": "What to shout."}}

    async def call_tool(self, ctx: ComponentContext) -> str:
        words = ctx.text("words")
        if words == "fail":
            raise ToolError("cannot shout that")
        return words.upper() + ctx.text("suffix")


@pytest.fixture
def shout() -> Iterator[None]:
    registry.register(SHOUT)(Shout)
    yield
    registry.unregister(SHOUT)


def shout_node(node_id: str = "Shout-1", metadata: Any = None) -> dict[str, Any]:
    made = node(node_id, SHOUT, {"words": "", "suffix": "!"}, ["component_as_tool"], "Shout")
    if metadata is not None:
        made["data"]["node"]["template"]["tools_metadata"] = field(metadata, type="tools")
    return made


def _tool_names(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", [])]


async def _run(
    client: httpx.AsyncClient, user: TestUser, export: dict[str, Any], **body: Any
) -> httpx.Response:
    created = await create_flow_rest(client, user.headers, export)
    return await run_rest(client, user.headers, created["id"], body)


async def test_a_tool_mode_component_is_called_with_the_models_arguments(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, shout: None
) -> None:
    model_server.add(tool_calls(("shout", {"words": "hello"})), text("done"))
    r = await _run(client, alice, agent_flow("shout", [shout_node()]), input_value="shout hello")
    assert r.status_code == 200, r.text
    first, second = model_server.requests
    [spec] = first.body["tools"]
    assert spec["function"]["name"] == "shout"
    assert spec["function"]["parameters"]["required"] == ["words"]
    assert second.body["messages"][-1] == {"role": "tool", "tool_call_id": "call_0", "content": "HELLO!"}


async def test_tools_metadata_names_the_tool_and_hides_disabled_ones(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, shout: None
) -> None:
    args = {"words": {"type": "string", "description": "Words."}}
    metadata = [
        {"name": "yell", "description": "Yell it.", "args": args, "status": True},
        {"name": "whisper", "description": "Off.", "args": args, "status": False},
    ]
    model_server.add(tool_calls(("yell", {"words": "hi"}), ("whisper", {"words": "x"})), text("ok"))
    r = await _run(client, alice, agent_flow("yell", [shout_node(metadata=metadata)]), input_value="go")
    assert r.status_code == 200, r.text
    first, second = model_server.requests
    assert _tool_names(first.body) == ["yell"]
    assert first.body["tools"][0]["function"]["description"] == "Yell it."
    yell, whisper = [m["content"] for m in second.body["messages"] if m["role"] == "tool"]
    assert yell == "HI!"
    assert whisper.startswith("Error: unknown tool 'whisper'")


async def test_a_tool_error_goes_back_to_the_model(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, shout: None
) -> None:
    model_server.add(
        tool_calls(("shout", {"words": "fail"})), tool_calls(("shout", {"words": 3})), text("gave up")
    )
    r = await _run(client, alice, agent_flow("fail", [shout_node()]), input_value="go")
    assert r.status_code == 200, r.text
    errors = [req.body["messages"][-1]["content"] for req in model_server.requests[1:]]
    assert errors == ["Error: cannot shout that", "Error: argument 'words' must be of type string"]


@pytest.mark.parametrize(
    "metadata",
    [
        "not a list",
        [{"name": "bad name!", "description": "", "args": {}}],
        [{"name": "ok", "description": "", "args": {"words": "not a schema"}}],
        [{"name": "one", "description": "", "args": {}}, {"name": "two", "description": "", "args": {}}],
    ],
)
async def test_malformed_tools_metadata_is_422_before_anything_runs(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, shout: None, metadata: Any
) -> None:
    r = await _run(client, alice, agent_flow("bad", [shout_node(metadata=metadata)]), input_value="go")
    assert r.status_code == 422, r.text
    assert "Shout-1" in r.text and "tools_metadata" in r.text
    assert model_server.requests == []


async def test_the_agent_sends_the_sessions_history(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    created = await create_flow_rest(client, alice.headers, agent_flow("memory", []))
    model_server.add(
        text("Nice to meet you, Ada."), text("Your name is Ada."), text("Who?"), text("No history")
    )
    for session, words in (("s1", "My name is Ada."), ("s1", "What is my name?"), ("s2", "What is my name?")):
        r = await run_rest(
            client, alice.headers, created["id"], {"input_value": words, "session_id": session}
        )
        assert r.status_code == 200, r.text
    body = {"input_value": "And now?", "session_id": "s1", "tweaks": {"Agent-a": {"n_messages": 0}}}
    assert (await run_rest(client, alice.headers, created["id"], body)).status_code == 200
    first, second, other, without = (req.body["messages"] for req in model_server.requests)
    assert first == [
        {"role": "system", "content": "You are a test agent."},
        {"role": "user", "content": "My name is Ada."},
    ]
    assert second[1:] == [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Nice to meet you, Ada."},
        {"role": "user", "content": "What is my name?"},
    ]
    assert other[1:] == [{"role": "user", "content": "What is my name?"}]
    assert without[1:] == [{"role": "user", "content": "And now?"}]


async def test_model_and_tool_calls_are_child_spans_of_the_agent_span(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, services: AppServices, shout: None
) -> None:
    model_server.add(
        tool_calls(("shout", {"words": "a"})),
        text("done", prompt_tokens=11, completion_tokens=4),
    )
    r = await _run(client, alice, agent_flow("spans", [shout_node()]), input_value="go")
    assert r.status_code == 200, r.text
    async with services.sessions() as session:
        spans = list(await session.scalars(select(Span)))
    [agent_span] = [s for s in spans if s.vertex_id == "Agent-a" and s.parent_span_id is None]
    children = sorted((s for s in spans if s.parent_span_id == agent_span.id), key=lambda s: s.start_time)
    assert [(c.type, c.name, c.status) for c in children] == [
        ("llm", agent_span.model_name, "ok"),
        ("tool", "shout", "ok"),
        ("llm", agent_span.model_name, "ok"),
    ]
    assert children[1].outputs == {"text": "A!"}
    assert children[2].token_usage == {"input_tokens": 11, "output_tokens": 4, "total_tokens": 15}
    assert agent_span.token_usage == {"input_tokens": 18, "output_tokens": 9, "total_tokens": 27}


async def test_two_tools_of_one_name_fail_the_run_naming_the_tool(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, shout: None
) -> None:
    args = {"words": {"type": "string"}}
    metadata = [{"name": "evaluate_expression", "description": "Not the calculator.", "args": args}]
    export = agent_flow("clash", [shout_node(metadata=metadata)], add_calculator_tool=True)
    r = await _run(client, alice, export, input_value="go")
    assert r.status_code == 422, r.text
    assert "evaluate_expression" in r.json()["detail"]["message"]
    assert model_server.requests == []


@pytest.mark.parametrize(
    ("field_name", "value"),
    [
        ("max_iterations", "many"),
        ("max_iterations", -3),
        ("max_iterations", 0),
        ("n_messages", -1),
        ("n_messages", "x"),
    ],
)
async def test_bad_agent_numbers_are_422_before_anything_runs(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, field_name: str, value: object
) -> None:
    export = agent_flow("numbers", [], **{field_name: value})
    r = await _run(client, alice, export, input_value="go")
    assert r.status_code == 422, r.text
    assert field_name in r.text
    assert model_server.requests == []


async def test_a_non_finite_number_in_tool_arguments_is_an_error_for_the_model_not_a_500(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, shout: None
) -> None:
    """``Infinity`` / ``1e400`` cannot go into a JSON response: the tool answers an error and the
    agent's steps show the arguments as the raw text."""
    call = tool_calls(("shout", {"words": "x"}))
    call.tool_calls[0]["function"]["arguments"] = '{"words": 1e400}'
    model_server.add(call, text("done"))
    r = await _run(client, alice, agent_flow("inf", [shout_node()]), input_value="go")
    assert r.status_code == 200, r.text
    assert model_server.requests[1].body["messages"][-1]["content"].startswith("Error:")
    [steps] = r.json()["outputs"][0]["outputs"][0]["results"]["message"]["content_blocks"]
    [used] = [c for c in steps["contents"] if c["type"] == "tool_use"]
    assert used["tool_input"] == '{"words": 1e400}'
