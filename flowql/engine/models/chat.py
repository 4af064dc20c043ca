"""The one interface every model call goes through: :class:`ChatModel`.

A chat model takes OpenAI-style messages (``[{"role": "system"|"user"|"assistant"|"tool",
"content": str, ...}]``) and, optionally, OpenAI function specs (``tools``), and returns a
:class:`ModelReply` (text and any :class:`ToolCall`). Provider failures are raised as
:class:`ModelCallError` so components can turn them into ``ComponentError`` with the upstream
status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flowql.engine.models.spec import ModelSpec

#: Receives each streamed text chunk, in order.
TokenSink = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Usage:
    """Token counts of one call (Langflow ``properties.usage`` keys)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        """``{"input_tokens", "output_tokens", "total_tokens"}``."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True)
class ToolCall:
    """One tool call the model asked for: the provider's call ``id``, the function ``name`` and
    its raw ``arguments`` (OpenAI sends a JSON text; tools parse and validate it)."""

    id: str
    name: str
    arguments: str

    def as_openai(self) -> dict[str, Any]:
        """The entry of an assistant message's ``tool_calls`` list."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class ModelReply:
    """A completed call: the reply ``text``, its ``usage`` (``None`` when not reported) and the
    ``tool_calls`` the model asked for (empty for a plain reply)."""

    text: str
    usage: Usage | None = None
    tool_calls: tuple[ToolCall, ...] = ()


class ModelCallError(Exception):
    """A provider call failed. ``error_type`` names the failure (``RateLimitError``,
    ``AuthenticationError``, ``InternalServerError``, ``Timeout``, ``APIConnectionError``...),
    ``status`` is the provider's HTTP status when it answered."""

    def __init__(self, message: str, *, error_type: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status

    def scrubbed(self, secret: str | None) -> ModelCallError:
        """This error with ``secret`` (the key that was sent; a provider may echo it) replaced
        by ``***`` in its message."""
        if not secret or secret not in self.message:
            return self
        return ModelCallError(
            self.message.replace(secret, "***"), error_type=self.error_type, status=self.status
        )


class ChatModel(Protocol):
    """A configured chat model."""

    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        stream: bool,
        on_token: TokenSink | None = None,
        tools: list[dict[str, Any]] | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> ModelReply:
        """Send ``messages``; with ``stream`` each text chunk goes to ``on_token`` as it arrives
        (the chunks join to ``ModelReply.text``). ``tools`` (OpenAI function specs, see
        :meth:`~flowql.engine.tools.Tool.openai_spec`) lets the model answer with
        ``ModelReply.tool_calls``. ``response_format`` is OpenAI's (``{"type": "json_object"}``
        asks for a JSON reply). Raises :class:`ModelCallError`."""
        ...


#: Makes the chat model for a spec (``EngineServices.chat_models``).
ChatModelFactory = Callable[[ModelSpec], ChatModel]
