"""Native components, keyed by Langflow ``data.type`` in :data:`registry`.

Importing this package registers the built-ins: ``ChatInput``, ``ChatOutput``, ``TextInput``,
``TextOutput``, ``Prompt`` / ``Prompt Template``, ``LanguageModelComponent``, ``OpenAIModel``, ``Agent``,
``MemoryBase``, ``URLComponent``, ``UnifiedWebSearch``, ``ParserComponent`` / ``parser``, ``SplitText``,
``ConditionalRouter``, ``LoopComponent``, ``File``, ``SaveToFile``, ``StructuredOutput``,
``BatchRunComponent``, ``SQLComponent``, ``ArXivComponent``, ``Webhook``.
Extend it with ``registry.register(...)`` (see
:mod:`flowql.engine.components.base`).
"""

from flowql.engine.components import (
    agent,
    arxiv,
    batch_run,
    conditional,
    files,
    io,
    language_model,
    loop,
    memory,
    parser,
    prompt,
    split_text,
    sql,
    structured_output,
    url,
    web_search,
    webhook,
)
from flowql.engine.components.base import Component, ComponentRegistry, ComponentResult, registry
from flowql.engine.context import ComponentContext

__all__ = [
    "Component",
    "ComponentContext",
    "ComponentRegistry",
    "ComponentResult",
    "agent",
    "arxiv",
    "batch_run",
    "conditional",
    "files",
    "io",
    "language_model",
    "loop",
    "memory",
    "parser",
    "prompt",
    "registry",
    "split_text",
    "sql",
    "structured_output",
    "url",
    "web_search",
    "webhook",
]
