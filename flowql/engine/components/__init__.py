"""Native components, keyed by Langflow ``data.type`` in :data:`registry`.

Importing this package registers the built-ins: ``ChatInput``, ``ChatOutput``, ``TextInput``,
``TextOutput``, ``Prompt`` / ``Prompt Template``, ``LanguageModelComponent``, ``OpenAIModel``, ``Agent``,
``MemoryBase``, ``URLComponent``, ``UnifiedWebSearch``.
Extend it with ``registry.register(...)`` (see
:mod:`flowql.engine.components.base`).
"""

from flowql.engine.components import agent, io, language_model, memory, prompt, url, web_search
from flowql.engine.components.base import Component, ComponentRegistry, ComponentResult, registry
from flowql.engine.context import ComponentContext

__all__ = [
    "Component",
    "ComponentContext",
    "ComponentRegistry",
    "ComponentResult",
    "agent",
    "io",
    "language_model",
    "memory",
    "prompt",
    "registry",
    "url",
    "web_search",
]
