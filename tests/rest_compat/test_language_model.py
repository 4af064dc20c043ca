"""Language model components through ``POST /api/v1/run`` against the local scripted model server
(issue 4): Basic Prompting end to end, what reached the model, streaming tokens, provider errors
(502 / 504 with the component named) and the api_key resolution order."""

from __future__ import annotations

import copy
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from flowql.db.models import Span, Trace, Transaction
from flowql.services import AppServices
from flowql.settings import Settings
from tests.cases import create_flow_rest, load_langflow, messages_rest, run_rest
from tests.conftest import TestUser
from tests.flowbuilder import agent, chat_in, chat_out, edge, field, flow
from tests.model_server import (
    ModelServer,
    dropped,
    error,
    garbage,
    raw,
    raw_stream,
    slow,
    stream,
    text,
    tool_calls,
    truncated,
)
from tests.rest_compat.build_capture import body_events

MODEL_ID = "LanguageModelComponent-FLeYF"
SYSTEM_PROMPT = (
    "Answer the user as if you were a GenAI expert, enthusiastic about helping them get started "
    "building something fresh."
)


def _basic(shared_dir: Path) -> dict[str, Any]:
    return load_langflow(shared_dir, "Basic Prompting.json")


def _reply(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["outputs"][0]["outputs"][0]["results"]["message"]
    return message


async def _run(
    client: httpx.AsyncClient,
    user: TestUser,
    export: dict[str, Any],
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> tuple[str, httpx.Response]:
    flow = await create_flow_rest(client, user.headers, export)
    r = await run_rest(client, {**user.headers, **(headers or {})}, flow["id"], body)
    return flow["id"], r


async def test_basic_prompting_runs_and_sends_the_prompt(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    settings: Settings,
    services: AppServices,
) -> None:
    settings.default_model = "test-model-1"
    model_server.add(text("Start with a small agent!", prompt_tokens=11, completion_tokens=4))
    flow_id, r = await _run(client, alice, _basic(shared_dir), {"input_value": "How do I begin?"})
    assert r.status_code == 200, r.text
    reply = _reply(r.json())
    assert reply["text"] == "Start with a small agent!"
    assert reply["properties"]["source"] == {
        "id": MODEL_ID,
        "display_name": "Language Model",
        "source": "test-model-1",
    }
    assert reply["properties"]["usage"] == {"input_tokens": 11, "output_tokens": 4, "total_tokens": 15}

    [sent] = model_server.requests
    assert sent.body["model"] == "test-model-1"
    assert sent.body["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "How do I begin?"},
    ]
    assert sent.body["temperature"] == 0.1
    assert not sent.body.get("stream")
    assert sent.authorization == "Bearer env-key"

    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [(m["sender"], m["text"]) for m in stored] == [
        ("User", "How do I begin?"),
        ("Machine", "Start with a small agent!"),
    ]
    assert stored[1]["properties"]["usage"]["total_tokens"] == 15

    async with services.sessions() as session:
        span = await session.scalar(select(Span).where(Span.vertex_id == MODEL_ID))
        trace = await session.scalar(select(Trace).where(Trace.id == span.trace_id)) if span else None
    assert span is not None and trace is not None
    assert (span.type, span.model_name, span.token_usage) == (
        "llm",
        "test-model-1",
        {"input_tokens": 11, "output_tokens": 4, "total_tokens": 15},
    )
    assert trace.total_tokens == 15
    assert "api_key" not in str(span.outputs)


async def test_model_field_names_the_model(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(text("ok"))
    option = {"name": "llama3.2", "provider": "Ollama", "metadata": {"model_class": "ChatOllama"}}
    tweaks = {MODEL_ID: {"model": [option], "temperature": 0.7}}
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi", "tweaks": tweaks})
    assert r.status_code == 200, r.text
    assert model_server.requests[0].body["model"] == "llama3.2"
    assert model_server.requests[0].body["temperature"] == 0.7


async def test_a_provider_flowql_cannot_call_is_422_naming_it(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    option = {"name": "gemini-2.5-flash", "provider": "Google Generative AI", "metadata": {}}
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"model": [option]}}}
    flow_id, r = await _run(client, alice, _basic(shared_dir), body)
    assert r.status_code == 422, r.text
    assert "Google Generative AI" in r.text and MODEL_ID in r.text
    assert model_server.requests == []
    assert await messages_rest(client, alice.headers, flow_id=flow_id) == []


async def test_malformed_model_field_is_422_before_anything_runs(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    tweaks = {MODEL_ID: {"model": [{"provider": "OpenAI"}]}}
    flow_id, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi", "tweaks": tweaks})
    assert r.status_code == 422, r.text
    assert MODEL_ID in str(r.json()["detail"])
    assert model_server.requests == []
    assert await messages_rest(client, alice.headers, flow_id=flow_id) == []


async def test_streamed_reply_gives_tokens_joining_to_the_text(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(stream("Hel", "lo, ", "wor", "ld!"))
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
    assert _reply(events[-1]["data"]["result"])["text"] == "Hello, world!"
    assert model_server.requests[0].body["stream"] is True


async def test_a_provider_error_in_a_stream_is_an_error_event_then_end(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(error(429, "slow down"))
    flow = await create_flow_rest(client, alice.headers, _basic(shared_dir))
    r = await client.post(
        f"/api/v1/run/{flow['id']}",
        params={"stream": "true"},
        json={"input_value": "hi"},
        headers=alice.headers,
    )
    events = body_events(r.text)
    assert [e["event"] for e in events][-2:] == ["error", "end"]
    failure = events[-2]["data"]
    assert (failure["component_id"], failure["error_type"], failure["upstream_status"]) == (
        MODEL_ID,
        "RateLimitError",
        429,
    )


async def test_a_connection_dropped_mid_stream_is_502(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(dropped("Hel", "lo"))
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"stream": True}}}
    flow_id, r = await _run(client, alice, _basic(shared_dir), body)
    assert r.status_code == 502, r.text
    assert r.json()["detail"]["component_id"] == MODEL_ID
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [m["sender"] for m in stored] == ["User"]


async def test_a_stream_cut_short_is_502_not_a_truncated_reply(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    """A stream that ends without a finish reason is a provider failure, not a shorter answer."""
    model_server.add(truncated("Hel", "lo"))
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"stream": True}}}
    flow_id, r = await _run(client, alice, _basic(shared_dir), body)
    assert r.status_code == 502, r.text
    detail = r.json()["detail"]
    assert (detail["component_id"], detail["error_type"]) == (MODEL_ID, "IncompleteStream")
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [m["sender"] for m in stored] == ["User"]


async def _expect_upstream_error(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, status: int, error_type: str
) -> None:
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 502, r.text
    detail = r.json()["detail"]
    assert detail["component_id"] == MODEL_ID
    assert detail["display_name"] == "Language Model"
    assert detail["upstream_status"] == status
    assert detail["error_type"] == error_type
    assert MODEL_ID in detail["message"]


async def test_rate_limit_is_502_naming_the_component(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(error(429, "slow down"))
    await _expect_upstream_error(shared_dir, client, alice, 429, "RateLimitError")
    assert len(model_server.requests) == 1  # no retries in tests


async def test_server_error_is_502(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(error(500, "boom"))
    await _expect_upstream_error(shared_dir, client, alice, 500, "InternalServerError")


async def test_bad_key_is_502_with_401(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(error(401, "invalid key"))
    await _expect_upstream_error(shared_dir, client, alice, 401, "AuthenticationError")


async def test_timeout_is_504(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    settings: Settings,
) -> None:
    settings.model_timeout = 0.2
    model_server.add(slow("too late", delay=3.0))
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 504, r.text
    assert r.json()["detail"]["error_type"] == "Timeout"
    assert r.json()["detail"]["component_id"] == MODEL_ID


def _with_variable_key(export: dict[str, Any], variable: str) -> dict[str, Any]:
    export = copy.deepcopy(export)
    for node in export["data"]["nodes"]:
        if node["id"] == MODEL_ID:
            node["data"]["node"]["template"]["api_key"].update({"load_from_db": True, "value": variable})
    return export


async def test_api_key_order_node_value_then_header_then_env(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.fallback = text("ok")
    body = {"input_value": "hi"}
    # 1. a literal node value
    _, r = await _run(
        client, alice, _basic(shared_dir), {**body, "tweaks": {MODEL_ID: {"api_key": "node-key"}}}
    )
    assert r.status_code == 200, r.text
    # 2. a load_from_db variable resolved from the request header
    variable_flow = _with_variable_key(_basic(shared_dir), "MY_MODEL_KEY")
    headers = {"X-LANGFLOW-GLOBAL-VAR-MY_MODEL_KEY": "header-key"}
    _, r = await _run(client, alice, variable_flow, body, headers=headers)
    assert r.status_code == 200, r.text
    # 3. the same variable unresolved: OPENAI_API_KEY
    _, r = await _run(client, alice, variable_flow, body)
    assert r.status_code == 200, r.text
    # 4. an empty field: OPENAI_API_KEY
    _, r = await _run(client, alice, _basic(shared_dir), body)
    assert r.status_code == 200, r.text
    assert [req.authorization for req in model_server.requests] == [
        "Bearer node-key",
        "Bearer header-key",
        "Bearer env-key",
        "Bearer env-key",
    ]


async def test_unreachable_provider_is_502(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, monkeypatch: Any
) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 502, r.text
    assert r.json()["detail"]["error_type"] == "APIConnectionError"
    assert r.json()["detail"]["upstream_status"] is None


def _openai_model(export: dict[str, Any], base_url: str, api_key: dict[str, Any]) -> dict[str, Any]:
    export = copy.deepcopy(export)
    for node in export["data"]["nodes"]:
        if node["id"] == MODEL_ID:
            node["data"]["type"] = "OpenAIModel"
            template = node["data"]["node"]["template"]
            template["openai_api_base"] = {"value": base_url, "type": "str"}
            template["api_key"].update(api_key)
    return export


async def test_a_base_url_chosen_by_the_flow_never_gets_the_servers_key(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    # the same test server, named differently: to FlowQL it is a base URL the flow chose
    chosen = model_server.base_url.replace("127.0.0.1", "localhost")
    model_server.fallback = text("ok")
    for api_key in ({"value": "", "load_from_db": False}, {"value": "HOME", "load_from_db": True}):
        _, r = await _run(
            client, alice, _openai_model(_basic(shared_dir), chosen, api_key), {"input_value": "hi"}
        )
        assert r.status_code == 200, r.text
        sent = model_server.requests[-1].authorization
        assert "env-key" not in sent and "/root" not in sent and "HOME" not in sent
    literal = {"value": "sk-flow-own-key", "load_from_db": False}
    _, r = await _run(
        client, alice, _openai_model(_basic(shared_dir), chosen, literal), {"input_value": "hi"}
    )
    assert model_server.requests[-1].authorization == "Bearer sk-flow-own-key"


async def test_api_keys_are_masked_in_traces_and_transactions(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    services: AppServices,
) -> None:
    model_server.add(text("fine"))
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"api_key": "sk-NODEKEYLEAK1"}}}
    _, r = await _run(client, alice, _basic(shared_dir), body)
    assert r.status_code == 200, r.text
    assert model_server.requests[-1].authorization == "Bearer sk-NODEKEYLEAK1"
    async with services.sessions() as session:
        stored = [s.inputs for s in await session.scalars(select(Span))]
        stored += [t.inputs for t in await session.scalars(select(Transaction))]
    assert stored and "sk-NODEKEYLEAK1" not in repr(stored)


async def test_a_key_echoed_by_the_provider_is_scrubbed(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(error(401, "Incorrect API key provided: env-key"))
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 502
    assert "env-key" not in r.text and "***" in r.json()["detail"]["message"]


async def test_an_unreadable_provider_answer_is_502(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(garbage())
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 502, r.text
    assert r.json()["detail"]["error_type"] == "BadResponse"


def _completion(message: Any, **extra: Any) -> dict[str, Any]:
    """A chat completion body whose one choice holds ``message``."""
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return {"id": "c", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice], **extra}


_MALFORMED_REPLIES = {
    "empty object": {},
    "empty choices": {"id": "c", "object": "chat.completion", "choices": []},
    "null choices": {"id": "c", "object": "chat.completion", "choices": None},
    "error without choices": {"error": {"message": "overloaded", "type": "server_error"}},
    "choice without message": {"choices": [{"index": 0, "finish_reason": "stop"}]},
    "message not an object": _completion("hello"),
    "list content": _completion({"role": "assistant", "content": [{"type": "text", "text": "hi"}]}),
    "number content": _completion({"role": "assistant", "content": 42}),
    "tool call without a name": _completion(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "t", "type": "function", "function": {"arguments": "{}"}}],
        }
    ),
    "tool call arguments not text": _completion(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}],
        }
    ),
    "a JSON list": [1, 2],
}


@pytest.mark.parametrize("body", list(_MALFORMED_REPLIES.values()), ids=list(_MALFORMED_REPLIES))
async def test_a_malformed_provider_reply_is_502_bad_response(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, body: Any
) -> None:
    """A 200 that is JSON but no usable chat completion is the provider's fault (502 naming the
    model component), never an empty answer nor a 422 blaming another component."""
    model_server.add(raw(body))
    flow_id, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 502, r.text
    detail = r.json()["detail"]
    assert (detail["component_id"], detail["error_type"]) == (MODEL_ID, "BadResponse")
    assert "Traceback" not in r.text and "attribute" not in r.text
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [m["sender"] for m in stored] == ["User"]


_MALFORMED_CHUNKS = {
    "list content": {"choices": [{"index": 0, "delta": {"content": ["x"]}, "finish_reason": None}]},
    "number content": {"choices": [{"index": 0, "delta": {"content": 7}, "finish_reason": None}]},
    "error event": {"error": {"message": "overloaded"}},
}


@pytest.mark.parametrize("chunk", list(_MALFORMED_CHUNKS.values()), ids=list(_MALFORMED_CHUNKS))
async def test_a_malformed_streamed_chunk_is_502(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, chunk: Any
) -> None:
    done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    model_server.add(raw_stream(chunk, done))
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"stream": True}}}
    _, r = await _run(client, alice, _basic(shared_dir), body)
    assert r.status_code == 502, r.text
    assert r.json()["detail"]["component_id"] == MODEL_ID
    assert r.json()["detail"]["error_type"] in ("BadResponse", "APIError")


async def test_null_content_without_tool_calls_is_an_empty_reply(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(raw(_completion({"role": "assistant", "content": None})))
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 200, r.text
    assert _reply(r.json())["text"] == ""


async def test_a_lone_surrogate_in_a_reply_is_replaced_and_stored(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    # json.dumps sends the lone surrogate as the escape "\ud800", as a faulty provider would
    model_server.add(raw(_completion({"role": "assistant", "content": "bad \ud800 char \U0001f600"})))
    flow_id, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi"})
    assert r.status_code == 200, r.text
    assert _reply(r.json())["text"] == "bad \ufffd char \U0001f600"
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert stored[-1]["text"] == "bad \ufffd char \U0001f600"


async def test_lone_surrogates_in_streamed_chunks_are_replaced(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(stream("a\udc00", "b"))
    flow = await create_flow_rest(client, alice.headers, _basic(shared_dir))
    body = {"input_value": "hi", "tweaks": {MODEL_ID: {"stream": True}}}
    r = await client.post(
        f"/api/v1/run/{flow['id']}", params={"stream": "true"}, json=body, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    events = body_events(r.text)
    assert [e["data"]["chunk"] for e in events if e["event"] == "token"] == ["a\ufffd", "b"]
    assert events[-1]["event"] == "end"
    assert _reply(events[-1]["data"]["result"])["text"] == "a\ufffdb"
    stored = await messages_rest(client, alice.headers, flow_id=flow["id"])
    assert stored[-1]["text"] == "a\ufffdb"


async def test_a_tool_call_with_null_content_still_works(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    """``content: null`` next to tool calls is a normal OpenAI reply, not a malformed one."""
    model_server.add(tool_calls(("evaluate_expression", {"expression": "2+3"})), text("5"))
    export = flow(
        "agent",
        [chat_in("ChatInput-a", ""), agent("Agent-a", add_calculator_tool=True), chat_out("ChatOutput-a")],
        [
            edge("ChatInput-a", "message", "Agent-a", "input_value"),
            edge("Agent-a", "response", "ChatOutput-a", "input_value"),
        ],
    )
    _, r = await _run(client, alice, export, {"input_value": "2+3?"})
    assert r.status_code == 200, r.text
    assert _reply(r.json())["text"] == "5"
    assert model_server.requests[1].body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_0",
        "content": "5",
    }


# --- model field values checked before the run ---------------------------------------------


_BAD_FIELDS = [
    ("api_key", {"a": 1}),
    ("api_key", ["k"]),
    ("api_key", 12345),
    ("api_key", "sk-line\nInjected: yes"),
    ("api_key", "sk-tab\there"),
    ("api_key", "sk-\u00e9t\u00e9"),
    ("temperature", "hot"),
    ("temperature", -0.5),
    ("temperature", 2.5),
    ("temperature", 1e308),
    ("temperature", True),
    ("temperature", [0.5]),
    ("max_tokens", "many"),
    ("max_tokens", -1),
    ("max_tokens", 1.5),
    ("max_tokens", 1e40),
    ("max_tokens", 10_000_000),
    ("max_tokens", False),
]


@pytest.mark.parametrize(("name", "value"), _BAD_FIELDS)
async def test_a_bad_model_field_value_is_422_naming_the_field(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    name: str,
    value: Any,
) -> None:
    tweaks = {MODEL_ID: {name: value}}
    flow_id, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi", "tweaks": tweaks})
    assert r.status_code == 422, r.text
    assert f"{MODEL_ID}.{name}" in r.text
    if name == "api_key":
        assert "sk-" not in r.text and "12345" not in r.text and "'a'" not in r.text
    assert model_server.requests == []
    assert await messages_rest(client, alice.headers, flow_id=flow_id) == []


@pytest.mark.parametrize(
    ("name", "value", "sent"),
    [
        ("temperature", "", None),
        ("temperature", None, None),
        ("temperature", "0.7", 0.7),
        ("temperature", 0, 0),
        ("temperature", 2, 2),
        ("max_tokens", "", None),
        ("max_tokens", 0, None),
        ("max_tokens", "64", 64),
        ("max_tokens", 64.0, 64),
        ("api_key", "", None),
        ("api_key", None, None),
    ],
)
async def test_empty_or_valid_model_field_values_run(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    name: str,
    value: Any,
    sent: Any,
) -> None:
    model_server.add(text("ok"))
    tweaks = {MODEL_ID: {name: value}}
    _, r = await _run(client, alice, _basic(shared_dir), {"input_value": "hi", "tweaks": tweaks})
    assert r.status_code == 200, r.text
    request = model_server.requests[0]
    if name == "api_key":
        assert request.authorization == "Bearer env-key"
    else:
        assert request.body.get(name) == sent


def _openai_base(export: dict[str, Any], base_url: Any) -> dict[str, Any]:
    return _openai_model(export, base_url, {"value": "", "load_from_db": False})


@pytest.mark.parametrize(
    "base_url",
    ["not a url", "file:///etc/passwd", "ftp://example.com/v1", "http://", "https:///v1", 42, {"u": 1}],
)
async def test_a_bad_base_url_is_422_naming_the_field(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, base_url: Any
) -> None:
    _, r = await _run(client, alice, _openai_base(_basic(shared_dir), base_url), {"input_value": "hi"})
    assert r.status_code == 422, r.text
    assert f"{MODEL_ID}.openai_api_base" in r.text
    assert model_server.requests == []


async def test_an_empty_base_url_means_the_servers(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(text("ok"))
    _, r = await _run(client, alice, _openai_base(_basic(shared_dir), "  "), {"input_value": "hi"})
    assert r.status_code == 200, r.text
    assert model_server.requests[0].authorization == "Bearer env-key"


async def test_agent_model_fields_are_checked_too(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    for name, value in (("api_key", {"a": 1}), ("temperature", "hot"), ("max_tokens", 1e40)):
        export = flow(
            "agent",
            [chat_in("ChatInput-a", ""), agent("Agent-a", **{name: field(value)}), chat_out("ChatOutput-a")],
            [
                edge("ChatInput-a", "message", "Agent-a", "input_value"),
                edge("Agent-a", "response", "ChatOutput-a", "input_value"),
            ],
        )
        _, r = await _run(client, alice, export, {"input_value": "x"})
        assert r.status_code == 422, r.text
        assert f"Agent-a.{name}" in r.text
    assert model_server.requests == []
