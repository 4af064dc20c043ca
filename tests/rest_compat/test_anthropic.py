"""Anthropic as a model provider through ``POST /api/v1/run`` against the local scripted Anthropic
server (issue 4): Basic Prompting with an Anthropic ``model`` option (what reached the Messages
API, the reply, the usage, the keys used and never used), streamed tokens, provider errors named
by component, an Agent's tool_use → tool_result round trip, and the missing SDK."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.anthropic_server import ENV_KEY, AnthropicServer, error, stream, text, tool_use, truncated
from tests.cases import create_flow_rest, load_langflow, messages_rest, run_rest
from tests.conftest import TestUser
from tests.flowbuilder import agent_flow
from tests.rest_compat.build_capture import body_events

MODEL_ID = "LanguageModelComponent-FLeYF"
SYSTEM_PROMPT = (
    "Answer the user as if you were a GenAI expert, enthusiastic about helping them get started "
    "building something fresh."
)
CLAUDE = {
    "category": "Anthropic",
    "icon": "Anthropic",
    "metadata": {
        "api_key_param": "api_key",
        "context_length": 200000,
        "max_tokens_field_name": "max_tokens",
        "model_class": "ChatAnthropic",
        "model_name_param": "model",
    },
    "name": "claude-sonnet-4-6",
    "provider": "Anthropic",
}


@pytest.fixture(autouse=True)
def openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """An OpenAI key in the environment that must never reach the Anthropic server."""
    monkeypatch.setenv("OPENAI_API_KEY", "openai-env-key")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def _basic(shared_dir: Path, **fields: Any) -> dict[str, Any]:
    """Basic Prompting with the Language Model's ``model`` set to the Anthropic option."""
    export = copy.deepcopy(load_langflow(shared_dir, "Basic Prompting.json"))
    for node in export["data"]["nodes"]:
        if node["id"] == MODEL_ID:
            template = node["data"]["node"]["template"]
            template["model"]["value"] = [CLAUDE]
            for name, value in fields.items():
                template[name]["value"] = value
    return export


def _reply(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["outputs"][0]["outputs"][0]["results"]["message"]
    return message


async def _run(
    client: httpx.AsyncClient, user: TestUser, export: dict[str, Any], body: dict[str, Any]
) -> tuple[str, httpx.Response]:
    flow = await create_flow_rest(client, user.headers, export)
    return flow["id"], await run_rest(client, user.headers, flow["id"], body)


async def test_basic_prompting_through_anthropic(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, anthropic_server: AnthropicServer
) -> None:
    anthropic_server.add(text("Start with a small agent!", input_tokens=13, output_tokens=6))
    flow_id, r = await _run(client, alice, _basic(shared_dir), {"input_value": "How do I begin?"})
    assert r.status_code == 200, r.text
    reply = _reply(r.json())
    assert reply["text"] == "Start with a small agent!"
    assert reply["properties"]["source"] == {
        "id": MODEL_ID,
        "display_name": "Language Model",
        "source": "claude-sonnet-4-6",
    }
    assert reply["properties"]["usage"] == {"input_tokens": 13, "output_tokens": 6, "total_tokens": 19}

    [sent] = anthropic_server.requests
    assert sent.path == "/v1/messages"
    assert sent.body["model"] == "claude-sonnet-4-6"
    assert sent.body["system"] == SYSTEM_PROMPT
    assert sent.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "How do I begin?"}]}
    ]
    assert sent.body["max_tokens"] == 4096
    assert "temperature" not in sent.body  # the API refuses sampling parameters
    assert "tools" not in sent.body and not sent.body.get("stream")
    assert sent.api_key == ENV_KEY
    assert "openai-env-key" not in str(sent.headers)

    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [(m["sender"], m["text"]) for m in stored] == [
        ("User", "How do I begin?"),
        ("Machine", "Start with a small agent!"),
    ]
    assert stored[1]["properties"]["usage"]["total_tokens"] == 19


async def test_the_nodes_key_and_max_tokens_win(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, anthropic_server: AnthropicServer
) -> None:
    anthropic_server.add(text("ok"))
    export = _basic(shared_dir, api_key="sk-ant-node-key", max_tokens=300)
    _, r = await _run(client, alice, export, {"input_value": "hi"})
    assert r.status_code == 200, r.text
    [sent] = anthropic_server.requests
    assert (sent.api_key, sent.body["max_tokens"]) == ("sk-ant-node-key", 300)
    assert "sk-ant-node-key" not in r.text


async def test_without_an_anthropic_key_the_openai_key_is_not_sent(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    anthropic_server: AnthropicServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    anthropic_server.add(text("ok"))
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 200, r.text
    [sent] = anthropic_server.requests
    assert sent.api_key not in ("openai-env-key", ENV_KEY)
    assert "openai-env-key" not in str(sent.headers)


async def test_a_streamed_reply_gives_tokens_joining_to_the_text(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, anthropic_server: AnthropicServer
) -> None:
    anthropic_server.add(stream("Hel", "lo, ", "wor", "ld!", input_tokens=8, output_tokens=4))
    flow = await create_flow_rest(client, alice.headers, _basic(shared_dir))
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"stream": True}}}
    r = await client.post(
        f"/api/v1/run/{flow['id']}", params={"stream": "true"}, json=body, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    events = body_events(r.text)
    tokens = [e["data"] for e in events if e["event"] == "token"]
    assert [t["chunk"] for t in tokens] == ["Hel", "lo, ", "wor", "ld!"]
    assert len({t["id"] for t in tokens}) == 1
    assert events[-1]["event"] == "end"
    reply = _reply(events[-1]["data"]["result"])
    assert reply["text"] == "Hello, world!"
    assert reply["properties"]["usage"] == {"input_tokens": 8, "output_tokens": 4, "total_tokens": 12}
    assert anthropic_server.requests[0].body["stream"] is True


async def test_a_stream_cut_short_is_502(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, anthropic_server: AnthropicServer
) -> None:
    anthropic_server.add(truncated("Hel", "lo"))
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"stream": True}}}
    flow_id, r = await _run(client, alice, _basic(shared_dir), body)
    assert r.status_code == 502, r.text
    detail = r.json()["detail"]
    assert (detail["component_id"], detail["error_type"]) == (MODEL_ID, "IncompleteStream")
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [m["sender"] for m in stored] == ["User"]


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(429, "RateLimitError"), (401, "AuthenticationError"), (529, "OverloadedError")],
)
async def test_a_provider_error_is_502_naming_the_component(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    anthropic_server: AnthropicServer,
    status: int,
    error_type: str,
) -> None:
    anthropic_server.add(error(status, f"failed with {ENV_KEY}"))
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 502, r.text
    detail = r.json()["detail"]
    assert detail["component_id"] == MODEL_ID
    assert detail["display_name"] == "Language Model"
    assert detail["upstream_status"] == status
    assert detail["error_type"] == error_type
    assert MODEL_ID in detail["message"]
    assert ENV_KEY not in r.text and "***" in detail["message"]
    assert len(anthropic_server.requests) == 1  # no retries in tests


async def test_an_agent_calls_the_calculator_through_anthropic(
    client: httpx.AsyncClient, alice: TestUser, anthropic_server: AnthropicServer
) -> None:
    anthropic_server.add(
        tool_use(("evaluate_expression", {"expression": "2+3*4"}), preface="Let me compute."),
        text("The answer is 14", input_tokens=30, output_tokens=5),
    )
    export = agent_flow("anthropic-agent", [], add_calculator_tool=True, model=[CLAUDE])
    flow_id, r = await _run(client, alice, export, {"input_value": "What is 2+3*4?"})
    assert r.status_code == 200, r.text
    reply = _reply(r.json())
    assert reply["text"] == "The answer is 14"
    assert reply["properties"]["source"]["source"] == "claude-sonnet-4-6"
    # usage summed over both calls (9 + 4 for the scripted tool_use turn)
    assert reply["properties"]["usage"] == {"input_tokens": 39, "output_tokens": 9, "total_tokens": 48}

    first, second = anthropic_server.requests
    assert first.api_key == second.api_key == ENV_KEY
    assert first.body["system"] == "You are a test agent."
    assert first.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "What is 2+3*4?"}]}
    ]
    [calculator] = first.body["tools"]
    assert calculator["name"] == "evaluate_expression"
    assert calculator["input_schema"]["required"] == ["expression"]
    assert calculator["description"]

    assert second.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "What is 2+3*4?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me compute."},
                {
                    "type": "tool_use",
                    "id": "toolu_0",
                    "name": "evaluate_expression",
                    "input": {"expression": "2+3*4"},
                },
            ],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_0", "content": "14"}]},
    ]
    assert second.body["tools"] == first.body["tools"]

    [steps] = reply["content_blocks"]
    used = [c for c in steps["contents"] if c["type"] == "tool_use"]
    assert [(c["name"], c["output"]) for c in used] == [("evaluate_expression", "14")]
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [(m["sender"], m["text"]) for m in stored] == [
        ("User", "What is 2+3*4?"),
        ("Machine", "The answer is 14"),
    ]


async def test_without_the_sdk_the_run_fails_naming_the_extra(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    anthropic_server: AnthropicServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)  # `import anthropic` now raises ImportError
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code >= 400, r.text
    detail = r.json()["detail"]
    assert (detail["component_id"], detail["error_type"]) == (MODEL_ID, "ProviderUnavailable")
    assert "flowql[anthropic]" in detail["message"]
    assert anthropic_server.requests == []
