"""Pydantic models of the monitor routes (Langflow's shapes): ``MessageUpdate``, ``MessageRead``,
``Page[TransactionLogsResponse]``, ``TraceListResponse``, ``TraceRead`` and ``SpanReadResponse``.

Field names, nesting and defaults follow ``shared/spec/langflow-openapi.json`` and the captures
``shared/peer/monitor_*`` / ``shared/peer/resources/monitor_*``. Traces and spans use camelCase
keys, as Langflow's frontend contract does. Message listings reuse
:class:`flowql.rest_compat.models.MessageOut` (``MessageResponse``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from flowql.resolvers.traces import SpanNode, TraceDetail, TraceSummary
from flowql.rest_compat.models import message_timestamp

SpanStatus = Literal["unset", "ok", "error"]
SpanType = Literal["chain", "llm", "tool", "retriever", "embedding", "parser", "agent"]


def iso_z(value: datetime | None) -> str | None:
    """A timestamp as the peer writes traces and transactions: ``2026-11-30T05:32:28.933100Z``."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class MessageUpdateIn(BaseModel):
    """Langflow ``MessageUpdate``: only the fields present change (``null`` ones are ignored, as
    Langflow does); ``session_metadata`` is accepted and ignored."""

    text: str | None = None
    sender: str | None = None
    sender_name: str | None = None
    session_id: str | None = None
    context_id: str | None = None
    files: list[str] | None = None
    edit: bool | None = None
    error: bool | None = None
    properties: dict[str, Any] | None = None
    session_metadata: dict[str, Any] | None = None
    category: str | None = None
    content_blocks: list[dict[str, Any]] | None = None

    def changes(self) -> dict[str, Any]:
        """The fields to change for ``resolvers.messages.update_message``."""
        given = self.model_dump(exclude_unset=True, exclude_none=True)
        given.pop("session_metadata", None)
        return given


class MessageReadOut(BaseModel):
    """Langflow ``MessageRead`` (the answer of ``PUT /api/v1/monitor/messages/{message_id}``),
    read from a stored message; ``files`` is always a list."""

    model_config = ConfigDict(from_attributes=True)

    timestamp: datetime
    sender: str
    sender_name: str
    session_id: str
    context_id: str | None
    text: str
    files: list[str]
    error: bool
    edit: bool
    properties: dict[str, Any]
    category: str
    content_blocks: list[Any]
    id: uuid.UUID
    flow_id: uuid.UUID | None
    run_id: str | None = None
    session_metadata: dict[str, Any] | None = None

    @field_serializer("timestamp")
    def _timestamp(self, value: datetime) -> str:
        return message_timestamp(value)

    @classmethod
    def from_row(cls, row: Any) -> MessageReadOut:
        """Shape a stored message; ``session_metadata`` is ``{"graph_run_id": run_id}``."""
        made = cls.model_validate(row, from_attributes=True)
        made.session_metadata = {"graph_run_id": row.run_id} if row.run_id else None
        return made


class SessionsDeleted(BaseModel):
    """The answer of ``DELETE /api/v1/monitor/messages/sessions``: how many sessions had messages."""

    message: str
    deleted_count: int


class TransactionOut(BaseModel):
    """Langflow ``TransactionLogsResponse``: one vertex execution (no ``error`` or ``flow_id``)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    timestamp: datetime
    vertex_id: str
    target_id: str | None = None
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    status: str

    @field_serializer("timestamp")
    def _timestamp(self, value: datetime) -> str | None:
        return iso_z(value)

    @classmethod
    def from_row(cls, row: Any) -> TransactionOut:
        """Shape a stored transaction (missing inputs/outputs as ``{}``)."""
        return cls(
            id=row.id,
            timestamp=row.timestamp,
            vertex_id=row.vertex_id,
            target_id=row.target_id,
            inputs=row.inputs or {},
            outputs=row.outputs or {},
            status=row.status,
        )


class TransactionPageOut(BaseModel):
    """Langflow ``Page[TransactionLogsResponse]``."""

    items: list[TransactionOut]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    size: int = Field(ge=1)
    pages: int = Field(ge=0)


class _CamelOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @field_serializer("start_time", "end_time", check_fields=False)
    def _times(self, value: datetime | None) -> str | None:
        return iso_z(value)


def token_usage_out(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    """A span's token usage as Langflow's frontend reads it: ``{"promptTokens",
    "completionTokens", "totalTokens"}`` (null when the span reported no counts)."""
    if not usage:
        return None
    counts = {
        "promptTokens": usage.get("input_tokens"),
        "completionTokens": usage.get("output_tokens"),
        "totalTokens": usage.get("total_tokens"),
    }
    if all(v is None for v in counts.values()):
        return None
    return counts


_SPAN_TYPES: dict[str, SpanType] = {t: t for t in get_args(SpanType)}
_STATUSES: dict[str, SpanStatus] = {s: s for s in get_args(SpanStatus)}


def _status(value: str) -> SpanStatus:
    return _STATUSES.get(value, "unset")


class SpanOut(_CamelOut):
    """Langflow ``SpanReadResponse``: one span with its children (model and tool calls under a
    vertex span). ``latencyMs`` in milliseconds."""

    id: uuid.UUID
    name: str
    type: SpanType
    status: SpanStatus
    start_time: datetime | None = Field(alias="startTime")
    end_time: datetime | None = Field(alias="endTime")
    latency_ms: int = Field(alias="latencyMs")
    inputs: dict[str, Any] | None
    outputs: dict[str, Any] | None
    error: str | None
    model_name: str | None = Field(alias="modelName")
    token_usage: dict[str, Any] | None = Field(alias="tokenUsage")
    children: list[SpanOut] = Field(default_factory=list)

    @classmethod
    def from_node(cls, node: SpanNode) -> SpanOut:
        """Shape a span and, recursively, its children."""
        span = node.span
        return cls(
            id=span.id,
            name=span.name,
            type=_SPAN_TYPES.get(span.type, "chain"),
            status=_status(span.status),
            start_time=span.start_time,
            end_time=span.end_time,
            latency_ms=span.latency_ms,
            inputs=span.inputs or {},
            outputs=span.outputs or {},
            error=span.error,
            model_name=span.model_name,
            token_usage=token_usage_out(span.token_usage),
            children=[cls.from_node(c) for c in node.children],
        )


class TraceSummaryOut(_CamelOut):
    """Langflow ``TraceSummaryRead`` (an item of ``GET /api/v1/monitor/traces``): ``sessionId``
    falls back to the trace id, ``totalLatencyMs`` is the run's wall time in milliseconds."""

    id: uuid.UUID
    name: str
    status: SpanStatus
    start_time: datetime | None = Field(alias="startTime")
    total_latency_ms: int = Field(alias="totalLatencyMs")
    total_tokens: int = Field(alias="totalTokens")
    flow_id: uuid.UUID = Field(alias="flowId")
    session_id: str = Field(alias="sessionId")
    input: dict[str, Any] | str | None = None
    output: dict[str, Any] | str | None = None

    @classmethod
    def from_summary(cls, summary: TraceSummary) -> TraceSummaryOut:
        """Shape a listed trace."""
        return cls(**_summary_fields(summary))


def _summary_fields(summary: TraceSummary) -> dict[str, Any]:
    trace = summary.trace
    return {
        "id": trace.id,
        "name": trace.name,
        "status": _status(trace.status),
        "start_time": trace.start_time,
        "total_latency_ms": trace.total_latency_ms,
        "total_tokens": summary.total_tokens,
        "flow_id": trace.flow_id,
        "session_id": trace.session_id or str(trace.id),
        "input": trace.input,
        "output": trace.output,
    }


class TraceListOut(BaseModel):
    """Langflow ``TraceListResponse``."""

    traces: list[TraceSummaryOut]
    total: int
    pages: int


class TraceOut(TraceSummaryOut):
    """Langflow ``TraceRead``: the trace with its span tree (roots are the vertex spans)."""

    end_time: datetime | None = Field(alias="endTime")
    spans: list[SpanOut] = Field(default_factory=list)

    @classmethod
    def from_detail(cls, detail: TraceDetail) -> TraceOut:
        """Shape a trace and its span tree."""
        return cls(
            **_summary_fields(TraceSummary(detail.trace, detail.total_tokens)),
            end_time=detail.trace.end_time,
            spans=[SpanOut.from_node(n) for n in detail.spans],
        )
