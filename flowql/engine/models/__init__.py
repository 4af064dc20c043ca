"""Model access for components: one small interface (:class:`ChatModel`) over the providers' SDKs.

- :class:`ModelSpec` / :class:`ModelDefaults` / :func:`resolve_model` — which model to call
  (``provider`` :data:`OPENAI`, i.e. any OpenAI-compatible server, or :data:`ANTHROPIC`).
- :class:`ChatModel` / :class:`ModelReply` / :class:`ToolCall` / :class:`Usage` / :class:`ModelCallError`.
- :func:`openai_chat_model` — the OpenAI factory (OpenAI or any OpenAI-compatible base URL).
- :class:`AnthropicChatModel` — Anthropic's Messages API (the optional ``flowql[anthropic]``
  extra; its SDK is imported only when a call is made).
"""

from flowql.engine.models.anthropic_chat import AnthropicChatModel
from flowql.engine.models.chat import (
    ChatModel,
    ChatModelFactory,
    ModelCallError,
    ModelReply,
    TokenSink,
    ToolCall,
    Usage,
)
from flowql.engine.models.openai_chat import OpenAIChatModel, openai_chat_model
from flowql.engine.models.spec import ANTHROPIC, OPENAI, ModelDefaults, ModelSpec, resolve_model

__all__ = [
    "ANTHROPIC",
    "OPENAI",
    "AnthropicChatModel",
    "ChatModel",
    "ChatModelFactory",
    "ModelCallError",
    "ModelDefaults",
    "ModelReply",
    "ModelSpec",
    "OpenAIChatModel",
    "TokenSink",
    "ToolCall",
    "Usage",
    "openai_chat_model",
    "resolve_model",
]
