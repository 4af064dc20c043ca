"""The one interface every model call goes through: :class:`ChatModel`.

A chat model takes OpenAI-style messages (``[{"role": "system"|"user"|"assistant", "content":
str}]``) and returns a :class:`ModelReply`. Provider failures are raised as
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
class ModelReply:
    """A completed call: the reply ``text`` and its ``usage`` (``None`` when not reported)."""

    text: str
    usage: Usage | None = None


class ModelCallError(Exception):
    """A provider call failed. ``error_type`` names the failure (``RateLimitError``,
    ``AuthenticationError``, ``InternalServerError``, ``Timeout``, ``APIConnectionError``...),
    ``status`` is the provider's HTTP status when it answered."""

    def __init__(self, message: str, *, error_type: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status


class ChatModel(Protocol):
    """A configured chat model."""

    async def complete(
        self, messages: list[dict[str, Any]], *, stream: bool, on_token: TokenSink | None = None
    ) -> ModelReply:
        """Send ``messages``; with ``stream`` each text chunk goes to ``on_token`` as it arrives
        (the chunks join to ``ModelReply.text``). Raises :class:`ModelCallError`."""
        ...


#: Makes the chat model for a spec (``EngineServices.chat_models``).
ChatModelFactory = Callable[[ModelSpec], ChatModel]
