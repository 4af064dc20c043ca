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

#: OpenAI's API root, used when a spec has no ``base_url``.
OPENAI_BASE_URL = "https://api.openai.com/v1"
#: The key sent to an OpenAI-compatible server when none is configured.
PLACEHOLDER_KEY = "not-needed"


def _usage(raw: Any) -> Usage | None:
    if raw is None:
        return None
    return Usage(
        input_tokens=getattr(raw, "prompt_tokens", None),
        output_tokens=getattr(raw, "completion_tokens", None),
        total_tokens=getattr(raw, "total_tokens", None),
    )


def _tool_calls(raw: Any) -> tuple[ToolCall, ...]:
    """The ``tool_calls`` of a completion's message (function calls only)."""
    calls: list[ToolCall] = []
    for i, call in enumerate(raw or ()):
        function = getattr(call, "function", None)
        if function is None or not getattr(function, "name", None):
            continue
        calls.append(
            ToolCall(
                id=getattr(call, "id", None) or f"call_{i}",
                name=function.name,
                arguments=function.arguments or "",
            )
        )
    return tuple(calls)


def _call_error(exc: openai.OpenAIError) -> ModelCallError:
    """The SDK's exception as a :class:`ModelCallError` (``Timeout`` for a timeout)."""
    if isinstance(exc, openai.APITimeoutError):
        return ModelCallError("The model provider did not answer in time", error_type="Timeout")
    if isinstance(exc, openai.APIStatusError):
        return ModelCallError(exc.message, error_type=type(exc).__name__, status=exc.status_code)
    if isinstance(exc, openai.APIConnectionError):
        return ModelCallError("Could not reach the model provider", error_type="APIConnectionError")
    return ModelCallError(str(exc), error_type=type(exc).__name__)


def _scrubbed(error: ModelCallError, api_key: str | None) -> ModelCallError:
    """``error`` with the key that was sent removed from its message (a provider may echo it)."""
    if api_key and api_key in error.message:
        return ModelCallError(
            error.message.replace(api_key, "***"), error_type=error.error_type, status=error.status
        )
    return error


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
        params: dict[str, Any] = {"model": self.spec.model, "messages": messages}
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
        """See :meth:`ChatModel.complete`. Raises :class:`ModelCallError`."""
        try:
            async with self._client() as client:
                if not stream:
                    params = self._params(messages, tools, response_format)
                    response = await client.chat.completions.create(**params)
                    message = response.choices[0].message if response.choices else None
                    text = message.content if message is not None else None
                    calls = _tool_calls(message.tool_calls) if message is not None else ()
                    return ModelReply(text or "", _usage(response.usage), calls)
                return await self._stream(client, self._params(messages, tools, response_format), on_token)
        except openai.OpenAIError as exc:
            raise _scrubbed(_call_error(exc), self.spec.api_key) from exc
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # A 200 whose body is not a chat completion (not JSON, wrong shape).
            raise ModelCallError(
                "The model provider sent a response that could not be read", error_type="BadResponse"
            ) from exc

    async def _stream(
        self, client: AsyncOpenAI, params: dict[str, Any], on_token: TokenSink | None
    ) -> ModelReply:
        """Stream a completion; a stream that ends before any choice reports a ``finish_reason``
        was cut short and raises ModelCallError ``IncompleteStream`` (not a truncated success)."""
        chunks = await client.chat.completions.create(
            **params, stream=True, stream_options={"include_usage": True}
        )
        parts: list[str] = []
        usage: Usage | None = None
        # Streamed tool calls arrive in pieces keyed by index: [id, name, argument text].
        pending: dict[int, list[str]] = {}
        finished = False
        async for chunk in chunks:
            if chunk.usage is not None:
                usage = _usage(chunk.usage)
            delta = chunk.choices[0].delta if chunk.choices else None
            finished = finished or bool(chunk.choices and chunk.choices[0].finish_reason)
            for call in (delta.tool_calls if delta is not None else None) or ():
                entry = pending.setdefault(call.index, ["", "", ""])
                entry[0] = call.id or entry[0]
                if call.function is not None:
                    entry[1] += call.function.name or ""
                    entry[2] += call.function.arguments or ""
            piece = delta.content if delta is not None else None
            if piece:
                parts.append(piece)
                if on_token is not None:
                    await on_token(piece)
        if not finished:
            raise ModelCallError(
                "The model provider's stream ended before the reply was complete",
                error_type="IncompleteStream",
            )
        calls = tuple(
            ToolCall(id=entry[0] or f"call_{index}", name=entry[1], arguments=entry[2])
            for index, entry in sorted(pending.items())
            if entry[1]
        )
        return ModelReply("".join(parts), usage, calls)


def openai_chat_model(spec: ModelSpec) -> OpenAIChatModel:
    """The default :data:`~flowql.engine.models.chat.ChatModelFactory`."""
    return OpenAIChatModel(spec)
