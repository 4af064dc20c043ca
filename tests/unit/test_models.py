"""Model access: the ``model`` field shapes, defaults, the key never shown, no call to OpenAI
without a key, ``OpenAIModel`` through an injected chat model, and the OpenAI client against the
local scripted server: malformed replies are ``BadResponse``, texts are made storable."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from flowql.engine import RunRequest, run_flow
from flowql.engine.models import ModelCallError, ModelDefaults, ModelReply, ModelSpec, Usage, resolve_model
from flowql.engine.models.chat import TokenSink, ToolCall
from flowql.engine.models.openai_chat import OpenAIChatModel
from flowql.engine.models.spec import model_name_from_field
from flowql.engine.results import serialize_value
from tests.model_server import ModelServer, raw, raw_stream, text
from tests.shared_files import load_json
from tests.unit._engine_helpers import services

MODEL_ID = "LanguageModelComponent-FLeYF"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", (None, None)),
        (None, (None, None)),
        ([], (None, None)),
        ("gpt-4o", ("gpt-4o", None)),
        ([{"name": "llama3.2", "provider": "Ollama", "metadata": {}}], ("llama3.2", "Ollama")),
        ({"name": "m", "provider": ""}, ("m", None)),
    ],
)
def test_model_field_shapes(value: Any, expected: tuple[str | None, str | None]) -> None:
    assert model_name_from_field(value) == expected


@pytest.mark.parametrize("value", [[{"provider": "OpenAI"}], [{"name": "a"}, {"name": "b"}], 3])
def test_malformed_model_field(value: Any) -> None:
    with pytest.raises(ValueError, match="model"):
        model_name_from_field(value)


def test_defaults_fill_what_the_node_leaves_empty() -> None:
    defaults = ModelDefaults(model="d-model", base_url="http://h/v1", api_key="env", timeout=5, max_retries=0)
    spec = resolve_model(defaults, model_field="", api_key=None, temperature=0.3)
    assert (spec.model, spec.base_url, spec.api_key, spec.temperature) == (
        "d-model",
        "http://h/v1",
        "env",
        0.3,
    )
    assert (spec.timeout, spec.max_retries) == (5, 0)
    own = resolve_model(defaults, model_field=[{"name": "x"}], api_key="node", base_url="http://o/v1")
    assert (own.model, own.api_key, own.base_url) == ("x", "node", "http://o/v1")


def test_key_is_never_shown() -> None:
    spec = ModelSpec(provider="OpenAI", model="m", api_key="sk-secret")
    assert "sk-secret" not in repr(spec) and "sk-secret" not in str(spec)
    assert "sk-secret" not in str(serialize_value(spec))
    assert serialize_value(spec)["model_name"] == "m"


async def test_no_key_never_calls_openai() -> None:
    with pytest.raises(ModelCallError) as info:
        await OpenAIChatModel(ModelSpec(provider="OpenAI", model="m")).complete([], stream=False)
    assert info.value.error_type == "MissingAPIKey" and info.value.status is None


class FakeModel:
    """A chat model that records its calls and streams its reply in two pieces."""

    def __init__(self, calls: list[tuple[ModelSpec, list[dict[str, Any]]]], spec: ModelSpec) -> None:
        self.calls, self.spec = calls, spec

    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        stream: bool,
        on_token: TokenSink | None = None,
        tools: list[dict[str, Any]] | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ModelReply:
        self.calls.append((self.spec, messages))
        if stream and on_token is not None:
            await on_token("fa")
            await on_token("ke")
        return ModelReply("fake", Usage(1, 2, 3))


async def test_openai_model_component_uses_its_fields() -> None:
    flow = copy.deepcopy(load_json("flows", "langflow", "Basic Prompting.json"))
    for node in flow["data"]["nodes"]:
        if node["id"] == MODEL_ID:
            node["data"]["type"] = "OpenAIModel"
            template = node["data"]["node"]["template"]
            template["model_name"]["value"] = "gpt-4.1-mini"
            template["openai_api_base"] = {"value": "http://local/v1", "type": "str"}
            template["stream"]["value"] = True
    calls: list[tuple[ModelSpec, list[dict[str, Any]]]] = []
    svc, store, log = services()
    svc.model_defaults = ModelDefaults(api_key="env-key")
    svc.chat_models = lambda spec: FakeModel(calls, spec)
    outcome = await run_flow(
        flow["data"], RunRequest(flow_id=flow["id"], session_id="s", input_value="hi"), svc
    )
    [(spec, messages)] = calls
    # the flow chose its own base URL: the server's key never travels there
    assert (spec.model, spec.base_url, spec.api_key) == ("gpt-4.1-mini", "http://local/v1", None)
    assert messages[-1] == {"role": "user", "content": "hi"}
    assert [t["chunk"] for t in log.of("token")] == ["fa", "ke"]
    [out] = outcome.outputs
    assert out.text == "fake"
    assert store.messages[-1].properties["source"] == {
        "id": MODEL_ID,
        "display_name": "OpenAI",
        "source": "gpt-4.1-mini",
    }
    # a vertex's tokens come before its end_vertex
    names = log.names
    assert names.index("token") < names.index("end_vertex", names.index("token"))


def _local(server: ModelServer) -> OpenAIChatModel:
    return OpenAIChatModel(
        ModelSpec(provider="OpenAI", model="m", base_url=server.base_url, api_key="sk-unit", max_retries=0)
    )


def _choice(message: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "it has no choices"),
        ({"choices": []}, "it has no choices"),
        ({"choices": None}, "it has no choices"),
        ({"error": {"message": "overloaded, key sk-unit"}}, "it reported an error (overloaded, key ***)"),
        ({"choices": [{"index": 0}]}, "its choice has no message"),
        (_choice("text"), "its choice has no message"),
        (_choice({"content": ["a"]}), "the message content is not text"),
        (_choice({"content": 1.5}), "the message content is not text"),
        (_choice({"content": None, "tool_calls": {"id": "x"}}), "tool_calls is not a list"),
        (
            _choice({"content": None, "tool_calls": [{"id": "t", "function": {"arguments": "{}"}}]}),
            "a tool call has no function name",
        ),
        (
            _choice(
                {"content": None, "tool_calls": [{"id": "t", "function": {"name": "", "arguments": ""}}]}
            ),
            "a tool call has no function name",
        ),
        (_choice({"content": None, "tool_calls": [{"id": "t"}]}), "a tool call has no function name"),
    ],
)
async def test_malformed_completions_are_bad_responses(
    model_server: ModelServer, body: dict[str, Any], reason: str
) -> None:
    model_server.add(raw(body))
    with pytest.raises(ModelCallError) as caught:
        await _local(model_server).complete([{"role": "user", "content": "hi"}], stream=False)
    assert caught.value.error_type == "BadResponse"
    assert caught.value.message == f"The model provider sent a response that could not be read: {reason}"


async def test_reply_texts_are_made_storable(model_server: ModelServer) -> None:
    call = {
        "id": "c\ud800",
        "type": "function",
        "function": {"name": "f\udc00", "arguments": '{"a": "\ud800"}'},
    }
    model_server.add(
        raw({**_choice({"content": "x\ud800\x00y", "tool_calls": [call]}), "usage": {"prompt_tokens": "7"}})
    )
    reply = await _local(model_server).complete([{"role": "user", "content": "hi"}], stream=False)
    assert reply.text == "x\ufffd\ufffdy"
    [tool_call] = reply.tool_calls
    assert (tool_call.id, tool_call.name, tool_call.arguments) == ("c\ufffd", "f\ufffd", '{"a": "\ufffd"}')
    assert reply.usage == Usage(None, None, None)


async def test_content_null_with_tool_calls_is_a_tool_call_reply(model_server: ModelServer) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": None}}
    model_server.add(raw(_choice({"role": "assistant", "content": None, "tool_calls": [call]})))
    reply = await _local(model_server).complete([{"role": "user", "content": "hi"}], stream=False)
    assert reply.text == "" and reply.tool_calls == (ToolCall("c1", "f", ""),)


async def test_messages_with_lone_surrogates_are_still_sent(model_server: ModelServer) -> None:
    model_server.add(text("ok"))
    messages = [
        {"role": "user", "content": "a\ud800"},
        {"role": "tool", "tool_call_id": "t", "content": "\udfff"},
    ]
    reply = await _local(model_server).complete(messages, stream=False)
    assert reply.text == "ok"
    assert [m["content"] for m in model_server.requests[0].body["messages"]] == ["a\ufffd", "\ufffd"]


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


async def test_streamed_chunks_are_checked_and_made_storable(model_server: ModelServer) -> None:
    tokens: list[str] = []

    async def sink(chunk: str) -> None:
        tokens.append(chunk)

    model_server.add(raw_stream(_chunk({"content": "a\ud800"}), _chunk({"content": "b"}), _chunk({}, "stop")))
    reply = await _local(model_server).complete([], stream=True, on_token=sink)
    assert tokens == ["a\ufffd", "b"] and reply.text == "a\ufffdb"

    for bad, reason in (
        (_chunk({"content": ["x"]}), "a streamed chunk's content is not text"),
        (
            _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}),
            "a tool call has no function name",
        ),
        ({"choices": {"0": {}}}, "a streamed chunk's choices is not a list"),
    ):
        model_server.add(raw_stream(bad, _chunk({}, "stop")))
        with pytest.raises(ModelCallError) as caught:
            await _local(model_server).complete([], stream=True, on_token=sink)
        assert caught.value.error_type == "BadResponse"
        assert caught.value.message.endswith(reason)
