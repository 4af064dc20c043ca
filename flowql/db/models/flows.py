"""Projects (Langflow's folders) and flows."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from flowql.db.base import Base, Timestamps, UUIDPk


class Project(UUIDPk, Timestamps, Base):
    """A project (Langflow: folder). Every user has one ``is_default`` project."""

    __tablename__ = "project"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("project.id", ondelete="SET NULL"), nullable=True
    )
    auth_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Flow(UUIDPk, Timestamps, Base):
    """A stored flow: Langflow's flow JSON in ``data`` plus its metadata (``FlowRead``)."""

    __tablename__ = "flow"
    __table_args__ = (UniqueConstraint("user_id", "endpoint_name"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    folder_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("project.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    icon: Mapped[str | None] = mapped_column(String(255), nullable=True)
    icon_bg_color: Mapped[str | None] = mapped_column(String(64), nullable=True)
    gradient: Mapped[str | None] = mapped_column(String(255), nullable=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    is_component: Mapped[bool] = mapped_column(Boolean, default=False)
    endpoint_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    tags: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook: Mapped[bool] = mapped_column(Boolean, default=False)
    mcp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    action_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    action_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_type: Mapped[str] = mapped_column(String(16), default="PRIVATE")
