"""Traces of runs: one trace per run, one span per vertex (child spans for model/tool calls)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from flowql.db.base import Base, UTCDateTime, UUIDPk, utcnow


class Trace(UUIDPk, Base):
    """One run of a flow (Langflow ``TraceRead``). ``id`` is the run id; ``status`` ok|error|unset;
    ``input`` the run's inputs, ``output`` the output vertices' results; ``job_id`` the job that
    ran it, if any."""

    __tablename__ = "trace"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    name: Mapped[str] = mapped_column(String(512))
    session_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="unset")
    start_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    total_latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0)
    input: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    output: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Span(UUIDPk, Base):
    """One step of a trace (Langflow ``SpanReadResponse``): a vertex (``type`` chain), or a model
    or tool call under it (``parent_span_id``). ``status`` ok|error|unset."""

    __tablename__ = "span"

    trace_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("trace.id", ondelete="CASCADE"), index=True)
    parent_span_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("span.id", ondelete="CASCADE"), nullable=True
    )
    vertex_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32), default="chain")
    status: Mapped[str] = mapped_column(String(16), default="unset")
    start_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    outputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    token_usage: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
