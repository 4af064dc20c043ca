"""What runs leave behind, as GraphQL types: stored ``Message`` pages, ``Session``,
``VertexBuild``, ``Transaction``, ``Trace`` with its ``Span`` tree, and their keyset connections
(Langflow's ``/api/v1/monitor`` shapes, camelCased).

``Flow`` is referenced lazily: ``types/flows.py`` imports this module for ``Flow.messages`` and
``Flow.sessions``, so nothing here imports it at load time.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from flowql.schema.context import Info
from flowql.schema.monitor_loaders import FlowMessagesKey, FlowSessionsKey, load_flow, monitor_loaders
from flowql.schema.records import (
    MessagePageRecord,
    SessionPageRecord,
    SessionRecord,
    SpanNodeRecord,
    StoredMessageRecord,
    TracePageRecord,
    TraceSummaryRecord,
    TransactionPageRecord,
    TransactionRecord,
)
from flowql.schema.types.pagination import PageInfo, page_info
from flowql.schema.types.runs import Message, TokenUsage, token_usage

if TYPE_CHECKING:
    from flowql.schema.types.flows import Flow

LazyFlow = Annotated["Flow", strawberry.lazy("flowql.schema.types.flows")]


def stored_message(row: StoredMessageRecord) -> Message:
    """Shape a stored message (``files`` always a list)."""
    properties: Any = dict(row.properties or {})
    blocks: Any = list(row.content_blocks or [])
    return Message(
        id=strawberry.ID(str(row.id)),
        session_id=row.session_id,
        sender=row.sender,
        sender_name=row.sender_name,
        text=row.text,
        files=list(row.files or []),
        timestamp=row.timestamp,
        category=row.category,
        error=row.error,
        edited=row.edit,
        usage=token_usage(row.properties or {}),
        properties=properties,
        content_blocks=blocks,
        flow_id=str(row.flow_id) if row.flow_id is not None else None,
    )


@strawberry.type(description="A stored message with its opaque keyset cursor.")
class MessageEdge:
    """A stored message with its opaque keyset cursor."""

    cursor: str
    node: Message


@strawberry.type(description="A keyset page of stored messages, oldest first.")
class MessageConnection:
    """A keyset page of stored messages, oldest first."""

    edges: list[MessageEdge]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: MessagePageRecord) -> MessageConnection:
        """Shape a ``messages_page`` result."""
        edges = [MessageEdge(cursor=cursor, node=stored_message(row)) for cursor, row in page.items]
        return cls(edges=edges, page_info=page_info(edges, page.has_next_page))


async def _session_flow(root: Session, info: Info) -> Flow:
    flow = await load_flow(info, root.flow_id)
    if flow is None:  # a session exists only while its flow does
        raise LookupError("the session's flow is gone")
    return flow


@strawberry.type(
    name="Session",
    description="A conversation: the caller's messages of one flow sharing a session id.",
)
class Session:
    """A conversation: the caller's messages of one flow with one ``session_id``."""

    id: str
    message_count: int
    last_message_at: datetime | None
    flow_id: strawberry.Private[uuid.UUID]
    flow: LazyFlow = strawberry.field(resolver=_session_flow, description="The flow the session belongs to.")

    @classmethod
    def from_record(cls, record: SessionRecord) -> Session:
        """Shape a session summary."""
        return cls(
            id=record.session_id,
            message_count=record.message_count,
            last_message_at=record.last_at,
            flow_id=record.flow_id,
        )


@strawberry.type(description="A session with its opaque keyset cursor.")
class SessionEdge:
    """A session with its opaque keyset cursor."""

    cursor: str
    node: Session


@strawberry.type(description="A keyset page of a flow's sessions, in the order they began.")
class SessionConnection:
    """A keyset page of a flow's sessions, in the order they began."""

    edges: list[SessionEdge]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: SessionPageRecord) -> SessionConnection:
        """Shape a ``sessions_pages_for_flows`` page."""
        edges = [SessionEdge(cursor=cursor, node=Session.from_record(s)) for cursor, s in page.items]
        return cls(edges=edges, page_info=page_info(edges, page.has_next_page))


@strawberry.type(
    description="One vertex build of a build with logBuilds (as REST GET /api/v1/monitor/builds): "
    "id is the build's own id, vertexId the vertex."
)
class VertexBuild:
    """One vertex build (Langflow ``VertexBuildTable``)."""

    id: strawberry.ID
    vertex_id: strawberry.ID
    job_id: strawberry.ID | None
    timestamp: datetime
    valid: bool
    params: str | None
    data: JSON | None
    artifacts: JSON | None

    @classmethod
    def from_dict(cls, item: Mapping[str, Any]) -> VertexBuild:
        """Shape one ``VertexBuildTable`` dict of ``resolvers.vertex_builds.list_vertex_builds``."""
        data: Any = item.get("data")
        artifacts: Any = item.get("artifacts")
        job_id = item.get("job_id")
        return cls(
            id=strawberry.ID(str(item["build_id"])),
            vertex_id=strawberry.ID(str(item["id"])),
            job_id=strawberry.ID(str(job_id)) if job_id else None,
            timestamp=datetime.fromisoformat(str(item["timestamp"])),
            valid=bool(item.get("valid")),
            params=item.get("params"),
            data=data,
            artifacts=artifacts,
        )


@strawberry.type(
    description="One vertex execution of a run: its inputs, outputs and status (as REST "
    "GET /api/v1/monitor/transactions)."
)
class Transaction:
    """One vertex execution of a run (Langflow ``TransactionLogsResponse``)."""

    id: strawberry.ID
    timestamp: datetime
    vertex_id: strawberry.ID
    target_id: strawberry.ID | None
    inputs: JSON | None
    outputs: JSON | None
    status: str

    @classmethod
    def from_record(cls, row: TransactionRecord) -> Transaction:
        """Shape a stored transaction."""
        inputs: Any = row.inputs or {}
        outputs: Any = row.outputs or {}
        return cls(
            id=strawberry.ID(str(row.id)),
            timestamp=row.timestamp,
            vertex_id=strawberry.ID(row.vertex_id),
            target_id=strawberry.ID(row.target_id) if row.target_id else None,
            inputs=inputs,
            outputs=outputs,
            status=row.status,
        )


@strawberry.type(description="A transaction with its opaque keyset cursor.")
class TransactionEdge:
    """A transaction with its opaque keyset cursor."""

    cursor: str
    node: Transaction


@strawberry.type(description="A keyset page of a flow's transactions, newest first.")
class TransactionConnection:
    """A keyset page of a flow's transactions, newest first."""

    edges: list[TransactionEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: TransactionPageRecord) -> TransactionConnection:
        """Shape a ``transactions_page`` result."""
        edges = [TransactionEdge(cursor=c, node=Transaction.from_record(t)) for c, t in page.items]
        return cls(edges=edges, page_info=page_info(edges, page.has_next_page), total_count=page.total_count)


@strawberry.enum(description="How a span or trace ended (OpenTelemetry status codes).")
class SpanStatus(Enum):
    """How a span or trace ended (Langflow ``SpanStatus``)."""

    UNSET = "unset"
    OK = "ok"
    ERROR = "error"


def span_status(value: str) -> SpanStatus:
    """The enum member of a stored status (unknown values are UNSET)."""
    try:
        return SpanStatus(value)
    except ValueError:
        return SpanStatus.UNSET


@strawberry.type(
    description="One step of a trace: a vertex (type chain, or llm for a model vertex) or, among a "
    "vertex's children, a model call (llm) or tool call (tool). latencyMs in milliseconds."
)
class Span:
    """One step of a trace (Langflow ``SpanReadResponse``) with its child spans."""

    id: strawberry.ID
    name: str
    type: str
    status: SpanStatus
    start_time: datetime
    end_time: datetime | None
    latency_ms: float | None
    inputs: JSON | None
    outputs: JSON | None
    error: str | None
    model_name: str | None
    token_usage: TokenUsage | None
    children: list[Span]

    @classmethod
    def from_node(cls, node: SpanNodeRecord) -> Span:
        """Shape a span and, recursively, its children."""
        span = node.span
        inputs: Any = span.inputs or {}
        outputs: Any = span.outputs or {}
        return cls(
            id=strawberry.ID(str(span.id)),
            name=span.name,
            type=span.type,
            status=span_status(span.status),
            start_time=span.start_time,
            end_time=span.end_time,
            latency_ms=float(span.latency_ms),
            inputs=inputs,
            outputs=outputs,
            error=span.error,
            model_name=span.model_name,
            token_usage=token_usage({"usage": span.token_usage}),
            children=[cls.from_node(c) for c in node.children],
        )


async def _trace_flow(root: Trace, info: Info) -> Flow | None:
    return await load_flow(info, root.flow_id)


async def _trace_spans(root: Trace, info: Info) -> list[Span]:
    trees = await monitor_loaders(info).span_trees.load(root.trace_id)
    return [Span.from_node(node) for node in trees]


@strawberry.type(
    description="One run of a flow (as REST GET /api/v1/monitor/traces/{trace_id}); id is the run id. "
    "totalTokens counts each model call once (the leaf spans); totalLatencyMs is the run's wall time."
)
class Trace:
    """One run of a flow (Langflow ``TraceRead``); ``spans`` are the tree's roots."""

    id: strawberry.ID
    name: str
    status: SpanStatus
    start_time: datetime
    end_time: datetime | None
    total_latency_ms: float | None
    total_tokens: int | None
    session_id: str | None
    input: JSON | None
    output: JSON | None
    trace_id: strawberry.Private[uuid.UUID]
    flow_id: strawberry.Private[uuid.UUID]
    flow: LazyFlow | None = strawberry.field(
        resolver=_trace_flow, description="The flow that ran (null once it is gone)."
    )
    spans: list[Span] = strawberry.field(
        resolver=_trace_spans,
        description="The vertex spans, by start time, each with its model and tool call children.",
    )

    @classmethod
    def from_summary(cls, summary: TraceSummaryRecord) -> Trace:
        """Shape a stored trace and its token total."""
        trace = summary.trace
        input_: Any = trace.input
        output: Any = trace.output
        return cls(
            id=strawberry.ID(str(trace.id)),
            name=trace.name,
            status=span_status(trace.status),
            start_time=trace.start_time,
            end_time=trace.end_time,
            total_latency_ms=float(trace.total_latency_ms),
            total_tokens=summary.total_tokens,
            session_id=trace.session_id or str(trace.id),
            input=input_,
            output=output,
            trace_id=trace.id,
            flow_id=trace.flow_id,
        )


@strawberry.type(description="A trace with its opaque keyset cursor.")
class TraceEdge:
    """A trace with its opaque keyset cursor."""

    cursor: str
    node: Trace


@strawberry.type(description="A keyset page of the caller's traces, newest first.")
class TraceConnection:
    """A keyset page of the caller's traces, newest first."""

    edges: list[TraceEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: TracePageRecord) -> TraceConnection:
        """Shape a ``traces_page`` result."""
        edges = [TraceEdge(cursor=c, node=Trace.from_summary(s)) for c, s in page.items]
        return cls(edges=edges, page_info=page_info(edges, page.has_next_page), total_count=page.total_count)


async def flow_messages(
    root: Flow,
    info: Info,
    session_id: str | None = strawberry.UNSET,
    first: int | None = 50,
    after: str | None = strawberry.UNSET,
) -> MessageConnection:
    """``Flow.messages``: a keyset page of the flow's stored messages, oldest first, of one
    session when ``sessionId`` is given (batched across flows by a DataLoader)."""
    key = FlowMessagesKey(
        flow_id=uuid.UUID(str(root.id)),
        session_id=session_id or None,
        first=50 if first is None else first,
        after=after or None,
    )
    return MessageConnection.from_page(await monitor_loaders(info).flow_messages.load(key))


async def flow_sessions(
    root: Flow, info: Info, first: int | None = 50, after: str | None = strawberry.UNSET
) -> SessionConnection:
    """``Flow.sessions``: a keyset page of the flow's sessions in the order they began (batched
    across flows by a DataLoader)."""
    key = FlowSessionsKey(
        flow_id=uuid.UUID(str(root.id)), first=50 if first is None else first, after=after or None
    )
    return SessionConnection.from_page(await monitor_loaders(info).flow_sessions.load(key))
