"""What runs leave behind: chat messages, vertex builds and transactions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from flowql.db.base import Base, UTCDateTime, UUIDPk, utcnow


class Message(UUIDPk, Base):
    """A chat message (Langflow ``MessageTable``). A conversation is (user_id, flow_id, session_id)."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_owner_flow_session", "user_id", "flow_id", "session_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user.id", ondelete="CASCADE"))
    flow_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("flow.id", ondelete="CASCADE"), nullable=True
    )
    session_id: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(64))
    sender_name: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_blocks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(32), default="message")
    error: Mapped[bool] = mapped_column(Boolean, default=False)
    edit: Mapped[bool] = mapped_column(Boolean, default=False)
    context_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VertexBuild(UUIDPk, Base):
    """One vertex build result (Langflow ``VertexBuildTable``)."""

    __tablename__ = "vertex_build"

    flow_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    vertex_id: Mapped[str] = mapped_column(String(255))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    params: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    artifacts: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Transaction(UUIDPk, Base):
    """One vertex's inputs and outputs in a run (Langflow ``TransactionTable``)."""

    __tablename__ = "transaction"

    flow_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    vertex_id: Mapped[str] = mapped_column(String(255))
    target_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    outputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
