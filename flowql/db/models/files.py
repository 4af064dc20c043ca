"""Stored files: Langflow's v2 user files and v1 flow files in one table."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from flowql.db.base import Base, Timestamps, UUIDPk


class File(UUIDPk, Timestamps, Base):
    """A file a user uploaded (Langflow ``File``, ``/api/v2/files``), or, with ``flow_id`` set,
    a v1 flow file (``/api/v1/files/*/{flow_id}``).

    ``path`` is the store key, ``{user_id}/{stored name}``, chosen by the server; ``name`` is the
    user's name as metadata only: for a user file its root without the extension (the key keeps
    the extension), for a flow file Langflow's ``{timestamp}_{file name}``, unique per flow.
    ``size`` is in bytes; ``provider`` is ``None`` for the local store.
    """

    __tablename__ = "file"
    __table_args__ = (UniqueConstraint("flow_id", "name"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("flow.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(255), unique=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    provider: Mapped[str | None] = mapped_column(String(64), nullable=True)
