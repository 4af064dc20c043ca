""":class:`AnthropicChatModel`: the :class:`~flowql.engine.models.chat.ChatModel` for Anthropic's
Messages API (``POST {base_url}/v1/messages``), with the ``anthropic`` SDK (the optional
``flowql[anthropic]`` extra).

The SDK is imported when a call is made, so FlowQL starts without it; a run choosing Anthropic
without it fails with ModelCallError ``ProviderUnavailable``. The key and base URL are always
passed explicitly, so the SDK never reads ``ANTHROPIC_API_KEY`` / ``ANTHROPIC_BASE_URL`` or a
credentials profile itself (a key must never reach a base URL it was not meant for); the client
is created per call, so nothing reaches the network before a model component runs. Without a
key, Anthropic's own URL is not called at all (``MissingAPIKey``); another base URL gets a
placeholder key.

The engine speaks OpenAI's chat shapes; :func:`to_anthropic_messages`,
:func:`to_anthropic_tools` and :func:`reply_from_message` translate:

- ``system`` messages → the ``system`` parameter (joined by blank lines);
- ``user`` / ``assistant`` text → text blocks; an assistant's ``tool_calls`` → ``tool_use``
  blocks (the arguments' JSON text parsed; text that is not a JSON object → ``{"raw": text}``);
- ``tool`` messages → ``tool_result`` blocks in a user turn (consecutive turns of one role are
  merged, so the results of one assistant turn travel together);
- OpenAI function specs → ``{"name", "description", "input_schema"}``;
- a reply's text blocks → ``ModelReply.text`` (joined), ``tool_use`` blocks →
  :class:`~flowql.engine.models.chat.ToolCall` (``arguments`` = the input as JSON text), usage
  ``input_tokens`` / ``output_tokens`` (total = their sum).

A node's ``temperature`` is not sent (the API refuses sampling parameters, see
:meth:`AnthropicChatModel.params`); ``max_tokens`` is required by Anthropic, so an empty or 0
``max_tokens`` sends :data:`DEFAULT_MAX_TOKENS`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flowql.engine.models.chat import ModelCallError, ModelReply, TokenSink, ToolCall, Usage
from flowql.engine.models.spec import ModelSpec

if TYPE_CHECKING:
    import anthropic
    from anthropic import AsyncAnthropic

#: Anthropic's API root, used when a spec has no ``base_url`` (the SDK adds ``/v1/messages``).
ANTHROPIC_BASE_URL = "https://api.anthropic.com"
#: The key sent to another base URL (a proxy or a local server) when none is configured.
PLACEHOLDER_KEY = "not-needed"
#: ``max_tokens`` is required by Anthropic: sent when the node's ``max_tokens`` is empty or 0.
DEFAULT_MAX_TOKENS = 4096
#: Added to the system prompt for ``response_format`` ``json_object`` (Anthropic has no
#: ``response_format``).
JSON_OBJECT_INSTRUCTION = (
    "Answer with only a JSON object: no text before or after it and no Markdown code fences."
)
#: The ModelCallError message when the SDK is not installed.
PROVIDER_UNAVAILABLE = (
    "The Anthropic provider needs the 'anthropic' package: install FlowQL with the extra "
    "flowql[anthropic] (pip install 'flowql[anthropic]')"
)


def _text_of(content: Any) -> str:
    """A message's ``content`` as text: a string as is, OpenAI content parts' ``text`` joined,
    ``None`` → ``""``."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return str(content)


def _tool_input(arguments: Any) -> dict[str, Any]:
    """A tool call's OpenAI ``arguments`` (JSON text, or already a dict) as Anthropic's ``input``
    object: empty → ``{}``; text that is not a JSON object → ``{"raw": text}``."""
    if isinstance(arguments, dict):
        return arguments
    text = "" if arguments is None else str(arguments)
    if not text.strip():
        return {}
    try:
        parsed = json.loads(text)
    except ValueError:
        return {"raw": text}
    return parsed if isinstance(parsed, dict) else {"raw": text}


def to_anthropic_messages(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """``(system, turns)`` for the Messages API from OpenAI-style ``messages`` (see the module
    docstring). ``system`` is ``""`` when there is none; each turn is ``{"role": "user" |
    "assistant", "content": [block, ...]}``. Empty text is dropped (Anthropic refuses empty text
    blocks), and a message left with no block is skipped."""
    system: list[str] = []
    turns: list[dict[str, Any]] = []

    def add(role: str, blocks: list[dict[str, Any]]) -> None:
        if not blocks:
            return
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})

    for message in messages:
        role = message.get("role")
        text = _text_of(message.get("content"))
        if role in ("system", "developer"):
            if text.strip():
                system.append(text)
        elif role == "tool":
            result = {"type": "tool_result", "tool_use_id": str(message.get("tool_call_id") or "")}
            add("user", [{**result, "content": text} if text else result])
        elif role == "assistant":
            blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            for i, call in enumerate(message.get("tool_calls") or ()):
                function = call.get("function") or {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": str(call.get("id") or f"call_{i}"),
                        "name": str(function.get("name") or ""),
                        "input": _tool_input(function.get("arguments")),
                    }
                )
            add("assistant", blocks)
        else:
            add("user", [{"type": "text", "text": text}] if text else [])
    return "\n\n".join(system), turns


def to_anthropic_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI function specs (``{"type": "function", "function": {name, description,
    parameters}}``) as Anthropic tools (``{"name", "description", "input_schema"}``); a spec
    without parameters gets an empty object schema, one without a name is skipped."""
    converted: list[dict[str, Any]] = []
    for tool in tools:
        function = tool.get("function", tool)
        name = function.get("name") if isinstance(function, dict) else None
        if not name:
            continue
        schema = function.get("parameters") or {"type": "object", "properties": {}}
        entry: dict[str, Any] = {"name": name, "input_schema": schema}
        if function.get("description"):
            entry["description"] = function["description"]
        converted.append(entry)
    return converted


def _usage(raw: Any) -> Usage | None:
    if raw is None:
        return None
    input_tokens = getattr(raw, "input_tokens", None)
    output_tokens = getattr(raw, "output_tokens", None)
    total = input_tokens + output_tokens if input_tokens is not None and output_tokens is not None else None
    return Usage(input_tokens=input_tokens, output_tokens=output_tokens, total_tokens=total)


def reply_from_message(message: Any) -> ModelReply:
    """A Messages API ``Message`` as a :class:`ModelReply`: its ``text`` blocks joined, its
    ``tool_use`` blocks as tool calls (``arguments`` = ``json.dumps(input)``), its usage.
    Raises AttributeError/TypeError for something that is not a message."""
    parts: list[str] = []
    calls: list[ToolCall] = []
    for i, block in enumerate(message.content):
        if block.type == "text":
            parts.append(block.text)
        elif block.type == "tool_use":
            calls.append(
                ToolCall(id=block.id or f"call_{i}", name=block.name, arguments=json.dumps(block.input))
            )
    return ModelReply("".join(parts), _usage(message.usage), tuple(calls))


def _system_prompt(system: str, response_format: dict[str, Any] | None) -> str:
    """``system`` with the JSON instruction a ``response_format`` asks for (``json_object``, or
    ``json_schema`` naming its schema)."""
    kind = (response_format or {}).get("type")
    if kind == "json_object":
        extra = JSON_OBJECT_INSTRUCTION
    elif kind == "json_schema":
        schema = (response_format or {}).get("json_schema", {})
        schema = schema.get("schema", schema) if isinstance(schema, dict) else schema
        extra = f"{JSON_OBJECT_INSTRUCTION} It must match this JSON schema: {json.dumps(schema)}"
    else:
        return system
    return f"{system}\n\n{extra}" if system else extra


def _call_error(exc: anthropic.AnthropicError) -> ModelCallError:
    """The SDK's exception as a :class:`ModelCallError`: ``Timeout`` for a timeout, the class
    name and HTTP status for a status error (``RateLimitError`` 429...; an error event inside a
    stream has no status), ``APIConnectionError`` when the server could not be reached and
    ``BadResponse`` for an answer the SDK could not read."""
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        return ModelCallError("The model provider did not answer in time", error_type="Timeout")
    if isinstance(exc, anthropic.APIStatusError):
        message = exc.api_message if isinstance(exc.api_message, str) and exc.api_message else exc.message
        status = exc.status_code if exc.status_code >= 400 else None
        return ModelCallError(message, error_type=type(exc).__name__, status=status)
    if isinstance(exc, anthropic.APIConnectionError):
        return ModelCallError("Could not reach the model provider", error_type="APIConnectionError")
    if isinstance(exc, anthropic.APIResponseValidationError):
        return ModelCallError(
            "The model provider sent a response that could not be read", error_type="BadResponse"
        )
    return ModelCallError(str(exc), error_type=type(exc).__name__)


class AnthropicChatModel:
    """Anthropic's Messages API for one :class:`ModelSpec` (``provider`` ``"Anthropic"``)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    def _client(self) -> AsyncAnthropic:
        """A new SDK client with the spec's key, base URL, timeout and retries. Raises
        ModelCallError ``ProviderUnavailable`` without the SDK, ``MissingAPIKey`` when
        Anthropic's own URL would be called without a key."""
        try:
            from anthropic import AsyncAnthropic
        except ImportError as exc:
            raise ModelCallError(PROVIDER_UNAVAILABLE, error_type="ProviderUnavailable") from exc
        if not self.spec.api_key and not self.spec.base_url:
            raise ModelCallError(
                "No API key for Anthropic: set the component's api_key or ANTHROPIC_API_KEY",
                error_type="MissingAPIKey",
            )
        return AsyncAnthropic(
            api_key=self.spec.api_key or PLACEHOLDER_KEY,
            base_url=self.spec.base_url or ANTHROPIC_BASE_URL,
            timeout=self.spec.timeout,
            max_retries=self.spec.max_retries,
        )

    def params(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The request body (without ``stream``): ``model``, ``max_tokens`` (the spec's, else
        :data:`DEFAULT_MAX_TOKENS`), ``messages``, and when set ``system`` and ``tools``.

        The spec's ``temperature`` is not sent: Anthropic's API version ``2026-10-21`` (the one
        the SDK's 2.x releases speak) refuses ``temperature`` / ``top_p`` / ``top_k``, and the
        SDK no longer takes them."""
        system, turns = to_anthropic_messages(messages)
        system = _system_prompt(system, response_format)
        params: dict[str, Any] = {
            "model": self.spec.model,
            "max_tokens": self.spec.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": turns,
        }
        if system:
            params["system"] = system
        converted = to_anthropic_tools(tools or [])
        if converted:
            params["tools"] = converted
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
        """See :meth:`ChatModel.complete`. Raises :class:`ModelCallError`
        (``ProviderUnavailable`` without the SDK)."""
        client = self._client()
        import anthropic

        params = self.params(messages, tools, response_format)
        try:
            async with client:
                if stream:
                    return await self._stream(client, params, on_token)
                message = await client.messages.create(**params)
                return reply_from_message(message)
        except anthropic.AnthropicError as exc:
            raise _call_error(exc).scrubbed(self.spec.api_key) from exc
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # A 200 whose body is not a message (not JSON, wrong shape).
            raise ModelCallError(
                "The model provider sent a response that could not be read", error_type="BadResponse"
            ) from exc

    async def _stream(
        self, client: AsyncAnthropic, params: dict[str, Any], on_token: TokenSink | None
    ) -> ModelReply:
        """Stream a message (the SDK's ``messages.stream``): each text delta goes to
        ``on_token``. A stream that ends without ``message_stop``, or whose connection breaks
        off, was cut short and raises ModelCallError ``IncompleteStream`` (not a truncated
        success)."""
        import httpx2  # the SDK's HTTP client: a connection lost mid-stream is not wrapped

        parts: list[str] = []
        finished = False
        async with client.messages.stream(**params) as events:
            try:
                async for event in events:
                    if event.type == "text":
                        parts.append(event.text)
                        if on_token is not None:
                            await on_token(event.text)
                    elif event.type == "message_stop":
                        finished = True
            except httpx2.TransportError as exc:
                raise ModelCallError(
                    "The model provider's stream broke off before the reply was complete",
                    error_type="IncompleteStream",
                ) from exc
            if not finished:
                raise ModelCallError(
                    "The model provider's stream ended before the reply was complete",
                    error_type="IncompleteStream",
                )
            final = reply_from_message(await events.get_final_message())
        return ModelReply("".join(parts), final.usage, final.tool_calls)
