"""The engine's public data types: what a caller passes in and what a run gives back.

Nothing here knows about HTTP, GraphQL or the database. ``flowql.engine.run_flow`` takes a
flow dict, a :class:`RunRequest` and :class:`EngineServices`, and returns a :class:`RunOutcome`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from flowql.engine.models.spec import ModelDefaults

if TYPE_CHECKING:
    from flowql.engine.models.chat import ChatModel, ChatModelFactory
    from flowql.engine.models.spec import ModelSpec

InputType = Literal["chat", "text", "any"]
OutputType = Literal["chat", "text", "any", "debug"]


@dataclass
class RunRequest:
    """One run of a flow, as ``POST /api/v1/run/{flow_id}`` describes it.

    ``input_value`` ``None`` leaves stored values alone; ``""`` is an input. ``tweaks`` maps a
    component id, a display name or a bare field name to field values (design.md "Tweaks").
    ``session_id`` is the session actually used (callers default it to the flow id).
    """

    flow_id: str
    session_id: str
    input_value: str | None = None
    input_type: InputType = "chat"
    output_type: OutputType = "chat"
    output_component: str | None = None
    tweaks: Mapping[str, Any] = field(default_factory=dict)
    flow_name: str | None = None
    start_component_id: str | None = None
    stop_component_id: str | None = None
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass
class ChatMessage:
    """A chat message made by a component (Langflow ``Message``).

    ``properties`` follows Langflow's keys (``text_color``, ``background_color``, ``edited``,
    ``source`` = ``{id, display_name, source}``, ``icon``, ``allow_markdown``,
    ``positive_feedback``, ``state``, ``targets``, ``usage``, ``build_duration``).
    """

    text: str
    sender: str
    sender_name: str
    session_id: str
    flow_id: str
    run_id: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: datetime = field(default_factory=utcnow)
    files: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    content_blocks: list[Any] = field(default_factory=list)
    category: str = "message"
    context_id: str = ""
    error: bool = False
    edit: bool = False


@dataclass
class VertexOutput:
    """The result of one output vertex, in ``data.nodes`` order.

    ``results`` maps output name → value (a ChatMessage, a str, or JSON-able data);
    ``message`` is the vertex's chat message when it made one; ``text`` the text shown.
    """

    component_id: str
    display_name: str
    component_type: str
    output_name: str | None
    text: str | None
    message: ChatMessage | None = None
    results: dict[str, Any] = field(default_factory=dict)
    stored_message: bool = False


@dataclass
class RunOutcome:
    """What a completed run returns: the session used, the inputs given and the outputs."""

    session_id: str
    run_id: str
    inputs: dict[str, Any]
    outputs: list[VertexOutput]


@dataclass
class EngineEvent:
    """A build event (design.md "Events"): ``event`` is the v1 name, ``data`` its JSON payload."""

    event: str
    data: dict[str, Any]


class MessageStore(Protocol):
    """Where Chat Input / Chat Output put messages when ``should_store_message`` is on.

    ``add`` must persist the message (with its id) before returning it.
    ``history`` returns the session's last ``limit`` messages, oldest first.
    """

    async def add(self, message: ChatMessage) -> ChatMessage: ...

    async def history(self, session_id: str, limit: int) -> list[ChatMessage]: ...


EventSink = Callable[[EngineEvent], Awaitable[None]]

VertexStatus = Literal["success", "error", "cancelled"]


@dataclass
class VertexRecord:
    """What one vertex execution did: the source of transaction rows, vertex builds and trace
    spans (Langflow ``TransactionTable`` / ``VertexBuildTable`` / span).

    ``inputs``: the vertex's own field values (not fed by an edge; ``code`` left out;
    ``session_id`` is the run's), JSON-able. ``edge_inputs``: the values edges delivered,
    serialised. ``outputs``: per output ``{"message", "type"}`` as in ``end_vertex``;
    ``results``: per output the serialised value. ``build_data`` is the ``end_vertex`` event's
    ``build_data`` when the vertex succeeded. ``error`` is the failure message otherwise.
    """

    vertex_id: str
    display_name: str
    vertex_type: str
    status: VertexStatus
    started_at: datetime
    finished_at: datetime
    seconds: float
    inputs: dict[str, Any] = field(default_factory=dict)
    edge_inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)
    build_data: dict[str, Any] | None = None
    error: str | None = None
    model_name: str | None = None
    token_usage: dict[str, Any] | None = None


VertexSink = Callable[[VertexRecord], Awaitable[None]]


async def _discard(_event: EngineEvent) -> None:
    return None


async def _discard_vertex(_record: VertexRecord) -> None:
    return None


class _NoStore:
    async def add(self, message: ChatMessage) -> ChatMessage:
        return message

    async def history(self, session_id: str, limit: int) -> list[ChatMessage]:
        return []


@dataclass
class EngineServices:
    """Services injected into a run. ``variables`` resolves ``load_from_db`` names
    (request ``X-LANGFLOW-GLOBAL-VAR-*`` headers first, then the environment). ``emit`` gets
    every build event; ``on_vertex`` one :class:`VertexRecord` per vertex execution (success,
    failure or cancellation), awaited before the vertex's task ends. ``model_defaults`` holds
    the env-derived model settings (default model, base URL, fallback key; the engine never
    reads the environment); ``chat_models`` makes the chat model for a spec (default: the
    ``openai`` SDK client)."""

    messages: MessageStore = field(default_factory=_NoStore)
    emit: EventSink = _discard
    on_vertex: VertexSink = _discard_vertex
    variables: Mapping[str, str] = field(default_factory=dict)
    max_steps: int = 1000
    model_defaults: ModelDefaults = field(default_factory=ModelDefaults)
    chat_models: ChatModelFactory = field(default_factory=lambda: _openai_chat_model)


def _openai_chat_model(spec: ModelSpec) -> ChatModel:
    """The default chat model factory; imports the SDK only when a model is first used."""
    from flowql.engine.models.openai_chat import OpenAIChatModel

    return OpenAIChatModel(spec)
