"""The engine's public data types: what a caller passes in and what a run gives back.

Nothing here knows about HTTP, GraphQL or the database. ``flowql.engine.run_flow`` takes a
flow dict, a :class:`RunRequest` and :class:`EngineServices`, and returns a :class:`RunOutcome`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
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
    ``search`` (the Memory Base component's candidates) returns at most ``limit`` of the store's
    messages, newest first: those whose text contains any of ``terms`` (case-insensitive
    substring; no text filter when ``terms`` is empty), only session ``session_id`` unless it is
    ``None``, never those of run ``exclude_run_id``. Ranking is the caller's.
    """

    async def add(self, message: ChatMessage) -> ChatMessage: ...

    async def history(self, session_id: str, limit: int) -> list[ChatMessage]: ...

    async def search(
        self, terms: Sequence[str], *, session_id: str | None, exclude_run_id: str | None, limit: int
    ) -> list[ChatMessage]: ...


EventSink = Callable[[EngineEvent], Awaitable[None]]


@dataclass
class ChildSpan:
    """A step inside one vertex execution, recorded as a child span of the vertex's trace span:
    a model call (``type`` ``"llm"``, with ``model_name`` and ``token_usage``) or a tool call
    (``type`` ``"tool"``). ``inputs`` / ``outputs`` are JSON-able; ``error`` is the failure text
    (a tool's ``"Error: ..."`` answer) or ``None``."""

    name: str
    type: Literal["llm", "tool"]
    started_at: datetime
    finished_at: datetime
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    model_name: str | None = None
    token_usage: dict[str, Any] | None = None

    @property
    def latency_ms(self) -> int:
        """Milliseconds between start and finish."""
        return round((self.finished_at - self.started_at).total_seconds() * 1000)


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
    ``spans`` are the model and tool calls made inside the vertex, in order.
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
    spans: list[ChildSpan] = field(default_factory=list)


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

    async def search(
        self, terms: Sequence[str], *, session_id: str | None, exclude_run_id: str | None, limit: int
    ) -> list[ChatMessage]:
        return []


@dataclass(frozen=True)
class WebAccess:
    """How components reach the network (the engine never reads the environment).

    ``allowed_hosts``: host names or IP literals (lower case) the URL fetcher may reach although
    they resolve to private, loopback or link-local addresses (``FLOWQL_SSRF_ALLOWED_HOSTS``).
    ``web_search_url`` / ``news_search_url``: the endpoints of UnifiedWebSearch's Web and News
    modes (``FLOWQL_WEB_SEARCH_URL`` / ``FLOWQL_NEWS_SEARCH_URL``); operator-chosen, so their own
    hosts are reachable whatever they resolve to. ``user_agent``: the default ``User-Agent``.
    """

    allowed_hosts: frozenset[str] = frozenset()
    web_search_url: str = "https://html.duckduckgo.com/html/"
    news_search_url: str = "https://news.google.com/rss/search"
    user_agent: str = "FlowQL"


@dataclass(frozen=True)
class DataAccess:
    """What the SQL and arXiv components may reach (the engine never reads the environment).

    ``sql_allowed_urls``: the database URLs the SQL component may open, compared exactly
    (``FLOWQL_SQL_ALLOWED_URLS``; empty: none). ``sql_allow_writes``: whether statements other
    than reads may run (``FLOWQL_SQL_ALLOW_WRITES``; default off). ``arxiv_url``: the arXiv API
    endpoint (``FLOWQL_ARXIV_URL``), operator-chosen so its own host is reachable.

    The limits (``FLOWQL_*`` of the same names; beyond one a vertex fails with a component
    error): ``regex_timeout_seconds`` per If-Else regex match, ``sql_timeout_seconds`` per SQL
    query, ``file_max_chars`` per file the File component reads, ``pdf_max_pages`` and
    ``pdf_timeout_seconds`` per PDF extraction, ``split_max_chunks`` and ``split_max_chars``
    per Split Text run, ``max_output_chars`` per output of any vertex (a Parser's or Prompt's
    text, a SQL result, ...), ``pdf_max_memory_mb`` of address space per PDF extraction child.
    """

    sql_allowed_urls: frozenset[str] = frozenset()
    sql_allow_writes: bool = False
    arxiv_url: str = "https://export.arxiv.org/api/query"
    regex_timeout_seconds: float = 1.0
    sql_timeout_seconds: float = 30.0
    file_max_chars: int = 2_000_000
    pdf_max_pages: int = 500
    pdf_timeout_seconds: float = 30.0
    split_max_chunks: int = 10_000
    split_max_chars: int = 10_000_000
    max_output_chars: int = 10_000_000
    pdf_max_memory_mb: int = 1024


@dataclass(frozen=True)
class StoredFile:
    """A file of the run owner's file store: ``name`` is its file name with extension (the
    extension selects how the File component reads it), ``data`` its bytes."""

    name: str
    data: bytes


class FileStore(Protocol):
    """The run owner's stored files (design.md "Files"), as the File and Save to File
    components use them; the engine never touches the filesystem itself.

    ``read`` takes a file id, a store key (``{user_id}/{stored name}``) or a stored name and
    raises :class:`~flowql.errors.NotFound` when the owner has no such file. ``save`` stores
    ``data`` as the owner's file ``name`` and returns the name it was stored under (the name
    the owner sees, with its extension: the store may drop a directory part or add `` (1)``);
    with ``append`` and an existing file of that name, that file changes instead (same id and
    stored name): its bytes become ``merge(old bytes)`` (computed while the file is locked), or
    without ``merge`` ``data`` is added to its end. It raises :class:`~flowql.errors.TooLarge`
    over the upload limit.
    """

    async def read(self, ref: str) -> StoredFile: ...

    async def save(
        self, name: str, data: bytes, *, append: bool = False, merge: Callable[[bytes], bytes] | None = None
    ) -> str: ...


class _NoFiles:
    """The default when a run has no file store: nothing to read, nowhere to write."""

    async def read(self, ref: str) -> StoredFile:
        from flowql.errors import NotFound

        raise NotFound("File not found")

    async def save(
        self, name: str, data: bytes, *, append: bool = False, merge: Callable[[bytes], bytes] | None = None
    ) -> str:
        raise RuntimeError("this run has no file store")


@dataclass
class EngineServices:
    """Services injected into a run. ``variables`` resolves ``load_from_db`` names
    (request ``X-LANGFLOW-GLOBAL-VAR-*`` headers first, then the environment). ``emit`` gets
    every build event; ``on_vertex`` one :class:`VertexRecord` per vertex execution (success,
    failure or cancellation), awaited before the vertex's task ends. ``model_defaults`` holds
    the env-derived model settings (default model, base URL, fallback key; the engine never
    reads the environment); ``chat_models`` makes the chat model for a spec (default: the
    ``openai`` SDK client); ``web`` the network settings of URL and search components;
    ``files`` the run owner's file store (File, Save to File); ``data`` what the SQL and arXiv
    components may reach."""

    messages: MessageStore = field(default_factory=_NoStore)
    emit: EventSink = _discard
    on_vertex: VertexSink = _discard_vertex
    variables: Mapping[str, str] = field(default_factory=dict)
    max_steps: int = 1000
    model_defaults: ModelDefaults = field(default_factory=ModelDefaults)
    chat_models: ChatModelFactory = field(default_factory=lambda: _default_chat_model)
    web: WebAccess = field(default_factory=WebAccess)
    files: FileStore = field(default_factory=_NoFiles)
    data: DataAccess = field(default_factory=DataAccess)


def _default_chat_model(spec: ModelSpec) -> ChatModel:
    """The default chat model factory, dispatching on ``spec.provider``: ``"Anthropic"`` →
    :class:`~flowql.engine.models.anthropic_chat.AnthropicChatModel` (the ``anthropic`` extra;
    without it the call fails with ModelCallError ``ProviderUnavailable``), any other →
    :class:`~flowql.engine.models.openai_chat.OpenAIChatModel` (OpenAI-compatible). Imports
    each SDK only when a model is first used."""
    from flowql.engine.models.spec import ANTHROPIC

    if spec.provider == ANTHROPIC:
        from flowql.engine.models.anthropic_chat import AnthropicChatModel

        return AnthropicChatModel(spec)
    from flowql.engine.models.openai_chat import OpenAIChatModel

    return OpenAIChatModel(spec)
