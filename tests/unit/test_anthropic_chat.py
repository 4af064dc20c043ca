"""The Anthropic chat model (issue 4): OpenAI-style messages and tools translated to the Messages
API and replies translated back, the provider chosen from the ``model`` field with Anthropic's own
base URL and key, the default factory's dispatch, the missing-SDK error, and calls against the
local scripted Anthropic server (plain, streamed, tool use, cut-short streams and errors)."""

from __future__ import annotations

import json
import socket
import sys
from typing import Any

import anthropic
import pytest
from anthropic.types import Message

from flowql.engine.models import (
    ANTHROPIC,
    OPENAI,
    AnthropicChatModel,
    ModelCallError,
    ModelDefaults,
    ModelSpec,
    OpenAIChatModel,
    resolve_model,
)
from flowql.engine.models.anthropic_chat import (
    DEFAULT_MAX_TOKENS,
    JSON_OBJECT_INSTRUCTION,
    reply_from_message,
    to_anthropic_messages,
    to_anthropic_tools,
)
from flowql.engine.models.spec import model_name_from_field
from flowql.engine.tools import calculator_tool
from flowql.engine.types import EngineServices
from flowql.resolvers.model_defaults import model_defaults
from flowql.settings import Settings
from tests.anthropic_server import (
    AnthropicServer,
    dropped,
    error,
    garbage,
    slow,
    stream,
    text,
    tool_use,
    truncated,
)

CLAUDE = {"name": "claude-sonnet-4-6", "provider": "Anthropic", "metadata": {"model_class": "ChatAnthropic"}}
DEFAULTS = ModelDefaults(
    model="gpt-default",
    base_url="http://openai.local/v1",
    api_key="openai-key",
    anthropic_base_url="http://anthropic.local",
    anthropic_api_key="anthropic-key",
)


# --- messages and tools, OpenAI → Anthropic -------------------------------------------------


def test_system_user_and_assistant_text() -> None:
    system, turns = to_anthropic_messages(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "bonjour"},
            {"role": "user", "content": [{"type": "text", "text": "and "}, {"type": "text", "text": "you?"}]},
        ]
    )
    assert system == "Be brief.\n\nAnswer in French."
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "bonjour"}]},
        {"role": "user", "content": [{"type": "text", "text": "and you?"}]},
    ]


def test_tool_calls_become_tool_use_and_tool_results_one_user_turn() -> None:
    system, turns = to_anthropic_messages(
        [
            {"role": "user", "content": "2+2 and the date?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "toolu_a",
                        "type": "function",
                        "function": {"name": "evaluate_expression", "arguments": '{"expression": "2+2"}'},
                    },
                    {
                        "id": "toolu_b",
                        "type": "function",
                        "function": {"name": "get_current_date", "arguments": ""},
                    },
                    {
                        "id": "toolu_c",
                        "type": "function",
                        "function": {"name": "broken", "arguments": "{not json"},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_a", "content": "4"},
            {"role": "tool", "tool_call_id": "toolu_b", "content": "2025-01-02"},
            {"role": "tool", "tool_call_id": "toolu_c", "content": "Error: bad arguments"},
            {"role": "user", "content": "thanks"},
        ]
    )
    assert system == ""
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "2+2 and the date?"}]},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_a",
                    "name": "evaluate_expression",
                    "input": {"expression": "2+2"},
                },
                {"type": "tool_use", "id": "toolu_b", "name": "get_current_date", "input": {}},
                {"type": "tool_use", "id": "toolu_c", "name": "broken", "input": {"raw": "{not json"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_a", "content": "4"},
                {"type": "tool_result", "tool_use_id": "toolu_b", "content": "2025-01-02"},
                {"type": "tool_result", "tool_use_id": "toolu_c", "content": "Error: bad arguments"},
                {"type": "text", "text": "thanks"},
            ],
        },
    ]


def test_assistant_text_beside_tool_calls_and_json_that_is_not_an_object() -> None:
    _, turns = to_anthropic_messages(
        [
            {"role": "user", "content": "go"},
            {
                "role": "assistant",
                "content": "Let me check.",
                "tool_calls": [{"id": "t1", "function": {"name": "f", "arguments": "[1, 2]"}}],
            },
        ]
    )
    assert turns[1]["content"] == [
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "t1", "name": "f", "input": {"raw": "[1, 2]"}},
    ]


def test_empty_text_is_dropped_and_same_role_turns_merge() -> None:
    _, turns = to_anthropic_messages(
        [
            {"role": "user", "content": "earlier"},
            {"role": "user", "content": ""},
            {"role": "user", "content": "now"},
            {"role": "system", "content": "   "},
        ]
    )
    assert turns == [
        {"role": "user", "content": [{"type": "text", "text": "earlier"}, {"type": "text", "text": "now"}]}
    ]


def test_openai_function_specs_become_anthropic_tools() -> None:
    calculator = calculator_tool()
    [converted] = to_anthropic_tools([calculator.openai_spec()])
    assert converted == {
        "name": "evaluate_expression",
        "description": calculator.description,
        "input_schema": calculator.parameters(),
    }
    assert converted["input_schema"]["required"] == ["expression"]
    bare = to_anthropic_tools([{"type": "function", "function": {"name": "ping"}}, {"function": {}}])
    assert bare == [{"name": "ping", "input_schema": {"type": "object", "properties": {}}}]


def test_request_parameters() -> None:
    model = AnthropicChatModel(ModelSpec(provider=ANTHROPIC, model="claude-x", temperature=0.2))
    params = model.params(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        tools=[calculator_tool().openai_spec()],
        response_format={"type": "json_object"},
    )
    assert params["model"] == "claude-x"
    assert params["max_tokens"] == DEFAULT_MAX_TOKENS
    assert "temperature" not in params  # the API (version 2026-10-21) refuses sampling parameters
    assert params["system"] == f"Be brief.\n\n{JSON_OBJECT_INSTRUCTION}"
    assert [t["name"] for t in params["tools"]] == ["evaluate_expression"]
    assert params["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]

    own = AnthropicChatModel(ModelSpec(provider=ANTHROPIC, model="claude-x", max_tokens=256))
    plain = own.params([{"role": "user", "content": "hi"}])
    assert plain["max_tokens"] == 256
    assert "system" not in plain and "tools" not in plain
    only_json = own.params([{"role": "user", "content": "hi"}], response_format={"type": "json_object"})
    assert only_json["system"] == JSON_OBJECT_INSTRUCTION


# --- replies, Anthropic → OpenAI-style -------------------------------------------------------


def test_reply_text_tool_use_and_usage() -> None:
    message = Message.model_validate(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-x",
            "content": [
                {"type": "text", "text": "Let me "},
                {"type": "text", "text": "compute."},
                {
                    "type": "tool_use",
                    "id": "toolu_9",
                    "name": "evaluate_expression",
                    "input": {"expression": "6*7"},
                },
            ],
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 8},
        }
    )
    reply = reply_from_message(message)
    assert reply.text == "Let me compute."
    [call] = reply.tool_calls
    assert (call.id, call.name, json.loads(call.arguments)) == (
        "toolu_9",
        "evaluate_expression",
        {"expression": "6*7"},
    )
    assert call.as_openai()["function"]["arguments"] == '{"expression": "6*7"}'
    assert reply.usage is not None
    assert reply.usage.as_dict() == {"input_tokens": 12, "output_tokens": 8, "total_tokens": 20}


# --- which model: provider, base URL and key -------------------------------------------------


def test_an_anthropic_option_gets_anthropics_url_and_key_never_openais() -> None:
    spec = resolve_model(DEFAULTS, model_field=[CLAUDE], api_key=None, temperature=0.1)
    assert (spec.provider, spec.model, spec.base_url, spec.api_key) == (
        ANTHROPIC,
        "claude-sonnet-4-6",
        "http://anthropic.local",
        "anthropic-key",
    )
    assert spec.public()["provider"] == "Anthropic"
    node = resolve_model(DEFAULTS, model_field=[CLAUDE], api_key="node-key")
    assert node.api_key == "node-key"
    no_anthropic_env = ModelDefaults(base_url="http://openai.local/v1", api_key="openai-key")
    bare = resolve_model(no_anthropic_env, model_field=[CLAUDE], api_key=None)
    assert (bare.base_url, bare.api_key) == (None, None)


def test_a_flow_chosen_base_url_never_gets_the_servers_anthropic_key() -> None:
    chosen = resolve_model(DEFAULTS, model_field=[CLAUDE], api_key=None, base_url="http://elsewhere")
    assert (chosen.base_url, chosen.api_key) == ("http://elsewhere", None)
    # the server's OpenAI URL is not the server's Anthropic URL
    openai_url = resolve_model(
        DEFAULTS, model_field=[CLAUDE], api_key=None, base_url="http://openai.local/v1"
    )
    assert openai_url.api_key is None
    own = resolve_model(DEFAULTS, model_field=[CLAUDE], api_key="flow-key", base_url="http://elsewhere")
    assert own.api_key == "flow-key"
    same = resolve_model(DEFAULTS, model_field=[CLAUDE], api_key=None, base_url="http://anthropic.local/")
    assert same.api_key == "anthropic-key"
    refused = resolve_model(DEFAULTS, model_field=[CLAUDE], api_key=None, use_default_key=False)
    assert refused.api_key is None


def test_other_providers_stay_openai_compatible() -> None:
    for option in ({"name": "llama3.2", "provider": "Ollama"}, {"name": "gpt-4o", "provider": "OpenAI"}):
        spec = resolve_model(DEFAULTS, model_field=[option], api_key=None)
        assert (spec.provider, spec.base_url, spec.api_key) == (
            OPENAI,
            "http://openai.local/v1",
            "openai-key",
        )
    default = resolve_model(DEFAULTS, model_field="", api_key=None)
    assert (default.provider, default.model) == (OPENAI, "gpt-default")


@pytest.mark.parametrize(
    "option",
    [
        {"name": "claude-haiku-4-5", "provider": "anthropic"},
        {"name": "claude-haiku-4-5", "metadata": {"model_class": "ChatAnthropic"}},
        {"name": "claude-haiku-4-5", "provider": "", "metadata": {"model_class": "ChatAnthropic"}},
    ],
)
def test_anthropic_is_recognised_by_provider_or_model_class(option: dict[str, Any]) -> None:
    assert resolve_model(DEFAULTS, model_field=[option], api_key=None).provider == ANTHROPIC
    assert model_name_from_field([option])[0] == "claude-haiku-4-5"


def test_the_default_factory_dispatches_on_the_provider() -> None:
    factory = EngineServices().chat_models
    assert isinstance(factory(ModelSpec(provider=ANTHROPIC, model="c")), AnthropicChatModel)
    assert isinstance(factory(ModelSpec(provider=OPENAI, model="g")), OpenAIChatModel)


def test_model_defaults_read_the_anthropic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", " http://proxy.local ")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-env")
    defaults = model_defaults(Settings())
    assert (defaults.anthropic_base_url, defaults.anthropic_api_key, defaults.api_key) == (
        "http://proxy.local",
        "sk-ant-env",
        "sk-openai-env",
    )
    assert "sk-ant-env" not in repr(defaults)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    empty = model_defaults(Settings())
    assert (empty.anthropic_base_url, empty.anthropic_api_key) == (None, None)


# --- failures before any request -------------------------------------------------------------


async def test_without_the_sdk_a_call_fails_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)  # `import anthropic` now raises ImportError
    model = EngineServices().chat_models(ModelSpec(provider=ANTHROPIC, model="c", api_key="k"))
    with pytest.raises(ModelCallError) as info:
        await model.complete([{"role": "user", "content": "hi"}], stream=False)
    assert info.value.error_type == "ProviderUnavailable"
    assert info.value.status is None
    assert "flowql[anthropic]" in info.value.message


async def test_no_key_never_calls_anthropic() -> None:
    with pytest.raises(ModelCallError) as info:
        await AnthropicChatModel(ModelSpec(provider=ANTHROPIC, model="c")).complete([], stream=False)
    assert info.value.error_type == "MissingAPIKey" and "ANTHROPIC_API_KEY" in info.value.message


# --- against the local scripted server -------------------------------------------------------


def _model(server: AnthropicServer, **spec: Any) -> AnthropicChatModel:
    fields: dict[str, Any] = {"api_key": "sk-ant-test", "max_retries": 0, "timeout": 10.0, **spec}
    return AnthropicChatModel(
        ModelSpec(provider=ANTHROPIC, model="claude-x", base_url=server.base_url, **fields)
    )


USER = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]


async def test_a_plain_call(anthropic_server: AnthropicServer) -> None:
    anthropic_server.add(text("Hello there", input_tokens=5, output_tokens=2))
    reply = await _model(anthropic_server).complete(USER, stream=False)
    assert reply.text == "Hello there" and reply.tool_calls == ()
    assert reply.usage is not None and reply.usage.as_dict() == {
        "input_tokens": 5,
        "output_tokens": 2,
        "total_tokens": 7,
    }
    [sent] = anthropic_server.requests
    assert sent.path == "/v1/messages"
    assert sent.api_key == "sk-ant-test"
    assert "anthropic-version" in sent.headers
    assert sent.body["system"] == "Be brief."
    assert sent.body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert sent.body["max_tokens"] == DEFAULT_MAX_TOKENS
    assert not sent.body.get("stream")


async def test_a_streamed_call_sends_each_delta(anthropic_server: AnthropicServer) -> None:
    anthropic_server.add(stream("Hel", "lo ", "there", input_tokens=6, output_tokens=3))
    chunks: list[str] = []

    async def sink(piece: str) -> None:
        chunks.append(piece)

    reply = await _model(anthropic_server).complete(USER, stream=True, on_token=sink)
    assert chunks == ["Hel", "lo ", "there"]
    assert reply.text == "Hello there"
    assert reply.usage is not None and reply.usage.as_dict() == {
        "input_tokens": 6,
        "output_tokens": 3,
        "total_tokens": 9,
    }
    assert anthropic_server.requests[0].body["stream"] is True


async def test_tool_use_plain_and_streamed(anthropic_server: AnthropicServer) -> None:
    call = ("evaluate_expression", {"expression": "6*7"})
    anthropic_server.add(tool_use(call, preface="Computing."), tool_use(call))
    tools = [calculator_tool().openai_spec()]
    plain = await _model(anthropic_server).complete(USER, stream=False, tools=tools)
    streamed = await _model(anthropic_server).complete(USER, stream=True, tools=tools)
    for reply in (plain, streamed):
        [tool_call] = reply.tool_calls
        assert (tool_call.id, tool_call.name) == ("toolu_0", "evaluate_expression")
        assert json.loads(tool_call.arguments) == {"expression": "6*7"}
    assert plain.text == "Computing." and streamed.text == ""
    assert anthropic_server.requests[0].body["tools"][0]["input_schema"]["required"] == ["expression"]


@pytest.mark.parametrize("cut", [truncated, dropped])
async def test_a_stream_cut_short_is_incomplete(anthropic_server: AnthropicServer, cut: Any) -> None:
    anthropic_server.add(cut("Hel", "lo"))
    chunks: list[str] = []

    async def sink(piece: str) -> None:
        chunks.append(piece)

    with pytest.raises(ModelCallError) as info:
        await _model(anthropic_server).complete(USER, stream=True, on_token=sink)
    assert info.value.error_type == "IncompleteStream"
    assert chunks == ["Hel", "lo"]


async def test_an_unreadable_answer_is_a_bad_response(anthropic_server: AnthropicServer) -> None:
    anthropic_server.add(garbage())
    with pytest.raises(ModelCallError) as info:
        await _model(anthropic_server).complete(USER, stream=False)
    assert info.value.error_type == "BadResponse"


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, "BadRequestError"),
        (401, "AuthenticationError"),
        (429, "RateLimitError"),
        (500, "InternalServerError"),
        (529, "OverloadedError"),
    ],
)
async def test_status_errors_keep_the_class_name_and_status(
    anthropic_server: AnthropicServer, status: int, error_type: str
) -> None:
    anthropic_server.add(error(status, "it failed"))
    with pytest.raises(ModelCallError) as info:
        await _model(anthropic_server).complete(USER, stream=False)
    assert (info.value.error_type, info.value.status, info.value.message) == (error_type, status, "it failed")
    assert issubclass(getattr(anthropic, error_type), anthropic.APIStatusError)


async def test_an_echoed_key_is_scrubbed(anthropic_server: AnthropicServer) -> None:
    anthropic_server.add(error(401, "invalid x-api-key: sk-ant-test"))
    with pytest.raises(ModelCallError) as info:
        await _model(anthropic_server).complete(USER, stream=True)
    assert "sk-ant-test" not in info.value.message and "***" in info.value.message


async def test_an_unreachable_server_is_a_connection_error() -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    spec = ModelSpec(provider=ANTHROPIC, model="c", base_url=f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(ModelCallError) as info:
        await AnthropicChatModel(spec).complete(USER, stream=False)
    assert (info.value.error_type, info.value.status) == ("APIConnectionError", None)


async def test_a_slow_answer_is_a_timeout(anthropic_server: AnthropicServer) -> None:
    anthropic_server.add(slow("too late", delay=3.0))
    with pytest.raises(ModelCallError) as info:
        await _model(anthropic_server, timeout=0.2).complete(USER, stream=False)
    assert (info.value.error_type, info.value.status) == ("Timeout", None)
