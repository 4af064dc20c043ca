""":class:`OpenAIChatModel`: the :class:`~flowql.engine.models.chat.ChatModel` for OpenAI and any
OpenAI-compatible server (Ollama, vLLM, llama.cpp server, LM Studio), with the ``openai`` SDK.

The key and base URL are passed explicitly, so the SDK never falls back to ``OPENAI_API_KEY`` /
``OPENAI_BASE_URL`` itself; the client is created per call, so nothing reaches the network
before a model component runs. Without a key, OpenAI's own URL is not called at all
(``MissingAPIKey``); another base URL gets a placeholder key (local servers ignore it).
"""

from __future__ import annotations

from typing import Any

import openai
from openai import AsyncOpenAI

from flowql.engine.models.chat import ModelCallError, ModelReply, TokenSink, ToolCall, Usage
from flowql.engine.models.spec import ModelSpec
from flowql.engine.text import storable_text

#: OpenAI's API root, used when a spec has no ``base_url``.
OPENAI_BASE_URL = "https://api.openai.com/v1"
#: The key sent to an OpenAI-compatible server when none is configured.
PLACEHOLDER_KEY = "not-needed"


def _bad(reason: str) -> ModelCallError:
    """A 200 whose body is not a usable chat completion (``BadResponse``)."""
    return ModelCallError(
        f"The model provider sent a response that could not be read: {reason}", error_type="BadResponse"
    )


def _count(value: Any) -> int | None:
    """A token count as reported, or ``None`` when it is not a non-negative integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _usage(raw: Any) -> Usage | None:
    if raw is None:
        return None
    return Usage(
        input_tokens=_count(getattr(raw, "prompt_tokens", None)),
        output_tokens=_count(getattr(raw, "completion_tokens", None)),
        total_tokens=_count(getattr(raw, "total_tokens", None)),
    )


def _text(value: Any, what: str) -> str:
    """A text member of a reply (``None`` → ``""``) made storable (:func:`storable_text`);
    BadResponse when it is anything but text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _bad(f"{what} is not text")
    return storable_text(value)


def _tool_calls(raw: Any) -> tuple[ToolCall, ...]:
    """The ``tool_calls`` of a completion's message. BadResponse for a call that is not a
    function call with a name and text arguments."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _bad("tool_calls is not a list")
    calls: list[ToolCall] = []
    for i, call in enumerate(raw):
        function = getattr(call, "function", None)
        name = getattr(function, "name", None)
        if not isinstance(name, str) or not name:
            raise _bad("a tool call has no function name")
        call_id = getattr(call, "id", None)
        calls.append(
            ToolCall(
                id=storable_text(call_id) if isinstance(call_id, str) and call_id else f"call_{i}",
                name=storable_text(name),
                arguments=_text(getattr(function, "arguments", None), "a tool call's arguments"),
            )
        )
    return tuple(calls)


def _provider_error(body: Any) -> str | None:
    """The message of an ``{"error": {...}}`` member of a 200 body, if it has one."""
    error = getattr(body, "error", None)
    if error is None:
        return None
    message = error.get("message") if isinstance(error, dict) else error
    text = storable_text(str(message))
    return text if len(text) <= 500 else text[:500] + "..."


def completion_reply(response: Any) -> ModelReply:
    """The :class:`ModelReply` of a non-streamed completion (the SDK's ``ChatCompletion``, built
    without validation): the first choice's ``message.content`` (``None`` → ``""``) and
    ``tool_calls``, texts made storable. Raises ModelCallError ``BadResponse`` for a body that is
    not a usable completion: no ``choices`` (an ``error`` member is quoted), a choice without a
    message, content that is not text, a tool call without a function name."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list) or not choices:
        error = _provider_error(response)
        raise _bad(f"it reported an error ({error})" if error else "it has no choices")
    message = getattr(choices[0], "message", None)
    if message is None or not hasattr(message, "content"):
        raise _bad("its choice has no message")
    text = _text(getattr(message, "content", None), "the message content")
    return ModelReply(
        text, _usage(getattr(response, "usage", None)), _tool_calls(getattr(message, "tool_calls", None))
    )


def _clean_messages(value: Any) -> Any:
    """``value`` (messages, JSON-like) with every text made encodable (:func:`storable_text`),
    so no lone surrogate can stop a request from being sent."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {_clean_messages(k): _clean_messages(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_messages(v) for v in value]
    return value


def _call_error(exc: openai.OpenAIError) -> ModelCallError:
    """The SDK's exception as a :class:`ModelCallError` (``Timeout`` for a timeout)."""
    if isinstance(exc, openai.APITimeoutError):
        return ModelCallError("The model provider did not answer in time", error_type="Timeout")
    if isinstance(exc, openai.APIStatusError):
        return ModelCallError(exc.message, error_type=type(exc).__name__, status=exc.status_code)
    if isinstance(exc, openai.APIConnectionError):
        return ModelCallError("Could not reach the model provider", error_type="APIConnectionError")
    return ModelCallError(str(exc), error_type=type(exc).__name__)


class OpenAIChatModel:
    """Chat completions (``POST {base_url}/chat/completions``) for one :class:`ModelSpec`."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    def _client(self) -> AsyncOpenAI:
        if not self.spec.api_key and not self.spec.base_url:
            raise ModelCallError(
                "No API key for OpenAI: set the component's api_key or OPENAI_API_KEY",
                error_type="MissingAPIKey",
            )
        return AsyncOpenAI(
            api_key=self.spec.api_key or PLACEHOLDER_KEY,
            base_url=self.spec.base_url or OPENAI_BASE_URL,
            timeout=self.spec.timeout,
            max_retries=self.spec.max_retries,
        )

    def _params(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.spec.model, "messages": _clean_messages(messages)}
        if tools:
            params["tools"] = tools
        if response_format:
            params["response_format"] = response_format
        if self.spec.temperature is not None:
            params["temperature"] = self.spec.temperature
        if self.spec.max_tokens:
            params["max_tokens"] = self.spec.max_tokens
        return params

    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        stream: bool,
        on_token: TokenSink | None = None,
        tools: list[dict[str, Any]] | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ModelReply:
        """See :meth:`ChatModel.complete`. The reply's texts are made storable (lone surrogates
        and NUL replaced with U+FFFD); a 200 that is not a usable completion raises
        :class:`ModelCallError` ``BadResponse`` (see :func:`completion_reply`). Raises
        :class:`ModelCallError`."""
        try:
            async with self._client() as client:
                if not stream:
                    params = self._params(messages, tools, response_format)
                    return completion_reply(await client.chat.completions.create(**params))
                return await self._stream(client, self._params(messages, tools, response_format), on_token)
        except openai.OpenAIError as exc:
            raise _call_error(exc).scrubbed(self.spec.api_key) from exc
        except ModelCallError as exc:
            raise exc.scrubbed(self.spec.api_key) from None
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # A 200 whose body is not a chat completion (not JSON, wrong shape).
            raise ModelCallError(
                "The model provider sent a response that could not be read", error_type="BadResponse"
            ) from exc

    async def _stream(
        self, client: AsyncOpenAI, params: dict[str, Any], on_token: TokenSink | None
    ) -> ModelReply:
        """Stream a completion; a stream that ends before any choice reports a ``finish_reason``
        was cut short and raises ModelCallError ``IncompleteStream`` (not a truncated success).
        Each chunk's text is made storable before it reaches ``on_token``; a chunk whose content
        or tool call is not text raises ``BadResponse``."""
        chunks = await client.chat.completions.create(
            **params, stream=True, stream_options={"include_usage": True}
        )
        parts: list[str] = []
        usage: Usage | None = None
        # Streamed tool calls arrive in pieces keyed by index: [id, name, argument text].
        pending: dict[int, list[str]] = {}
        finished = False
        async for chunk in chunks:
            if getattr(chunk, "usage", None) is not None:
                usage = _usage(chunk.usage)
            choices = getattr(chunk, "choices", None)
            if choices is not None and not isinstance(choices, list):
                raise _bad("a streamed chunk's choices is not a list")
            choice = choices[0] if choices else None
            delta = getattr(choice, "delta", None)
            finished = finished or bool(getattr(choice, "finish_reason", None))
            raw_calls = getattr(delta, "tool_calls", None)
            if raw_calls is not None and not isinstance(raw_calls, list):
                raise _bad("a streamed chunk's tool_calls is not a list")
            for position, call in enumerate(raw_calls or ()):
                index = getattr(call, "index", None)
                entry = pending.setdefault(index if isinstance(index, int) else position, ["", "", ""])
                call_id = getattr(call, "id", None)
                entry[0] = storable_text(call_id) if isinstance(call_id, str) and call_id else entry[0]
                function = getattr(call, "function", None)
                entry[1] += _text(getattr(function, "name", None), "a tool call's name")
                entry[2] += _text(getattr(function, "arguments", None), "a tool call's arguments")
            piece = _text(getattr(delta, "content", None), "a streamed chunk's content")
            if piece:
                parts.append(piece)
                if on_token is not None:
                    await on_token(piece)
        if not finished:
            raise ModelCallError(
                "The model provider's stream ended before the reply was complete",
                error_type="IncompleteStream",
            )
        if any(not entry[1] for entry in pending.values()):
            raise _bad("a tool call has no function name")
        calls = tuple(
            ToolCall(id=entry[0] or f"call_{index}", name=entry[1], arguments=entry[2])
            for index, entry in sorted(pending.items())
        )
        return ModelReply("".join(parts), usage, calls)


def openai_chat_model(spec: ModelSpec) -> OpenAIChatModel:
    """The default :data:`~flowql.engine.models.chat.ChatModelFactory`."""
    return OpenAIChatModel(spec)
