"""FlowQL's flow engine: runs Langflow flow JSON natively, with no web server or database.

Public API:

- :func:`validate_flow_data` — save-time structural check of a flow's ``data``.
- :func:`run_flow` — run a flow (``async``), emitting build events, returning a
  :class:`~flowql.engine.types.RunOutcome`.
- :func:`run_response` / :func:`serialize_message` — Langflow-shaped JSON of a run / a message.
- :data:`~flowql.engine.components.registry` — the component registry (extend with
  ``registry.register("Type")``).
"""

from flowql.engine.components import Component, ComponentContext, ComponentRegistry, ComponentResult, registry
from flowql.engine.executor import run_flow
from flowql.engine.results import run_response, serialize_message
from flowql.engine.types import (
    ChatMessage,
    EngineEvent,
    EngineServices,
    MessageStore,
    RunOutcome,
    RunRequest,
    VertexOutput,
)
from flowql.engine.validate import validate_flow_data

__all__ = [
    "ChatMessage",
    "Component",
    "ComponentContext",
    "ComponentRegistry",
    "ComponentResult",
    "EngineEvent",
    "EngineServices",
    "MessageStore",
    "RunOutcome",
    "RunRequest",
    "VertexOutput",
    "registry",
    "run_flow",
    "run_response",
    "serialize_message",
    "validate_flow_data",
]
