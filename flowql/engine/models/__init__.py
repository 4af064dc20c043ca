"""Model access for components: one small interface (:class:`ChatModel`) over the ``openai`` SDK.

- :class:`ModelSpec` / :class:`ModelDefaults` / :func:`resolve_model` — which model to call.
- :class:`ChatModel` / :class:`ModelReply` / :class:`ToolCall` / :class:`Usage` / :class:`ModelCallError`.
- :func:`openai_chat_model` — the default factory (OpenAI or any OpenAI-compatible base URL).
"""

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
from flowql.engine.models.spec import ModelDefaults, ModelSpec, resolve_model

__all__ = [
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
