"""MCP server configurations a user keeps (Langflow's ``/api/v2/mcp/servers``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from flowql.db.base import Base, Timestamps, UUIDPk


class McpServer(UUIDPk, Timestamps, Base):
    """One named MCP server configuration of a user: ``config`` is Langflow's
    ``MCPServerConfig`` object (``command``, ``args``, ``env``, ``headers``, ``url`` and any
    extra keys), stored as given; answers mask its secrets. ``name`` is unique per user."""

    __tablename__ = "mcp_server"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
