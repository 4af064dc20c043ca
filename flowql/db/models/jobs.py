"""Jobs (a run, build, workflow, webhook or response) and their append-only event log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from flowql.db.base import Base, UTCDateTime, UUIDPk, utcnow


class Job(UUIDPk, Base):
    """A run of a flow. ``kind``: build|run|workflow|webhook|response;
    ``status``: queued|running|completed|failed|cancelled. ``poll_cursor`` is the last sequence
    number handed out by a polling read (so any worker can serve the next poll). ``user_id`` is
    the owner of the run (the flow's owner for a public build, which ``client_id`` also keys)."""

    __tablename__ = "job"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("flow.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    poll_cursor: Mapped[int] = mapped_column(Integer, default=0)
    #: The ``client_id`` cookie of a public build (``/api/v1/build_public_tmp``), else None.
    client_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    #: What the caller asked for, kept from the start so every status can answer it (v2
    #: workflows: ``{"inputs", "session_id", "output_ids"}``), else None.
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class JobEvent(UUIDPk, Base):
    """One event of a job; ``sequence`` is per-job, monotonic from 1: the cursor."""

    __tablename__ = "job_event"
    __table_args__ = (UniqueConstraint("job_id", "sequence"),)

    job_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("job.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
