"""Users, API keys (hash + prefix, never the secret) and revoked refresh-token ids."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from flowql.db.base import Base, Timestamps, UTCDateTime, UUIDPk, utcnow


class User(UUIDPk, Timestamps, Base):
    """A person or service account. Mirrors Langflow's ``User`` (``/api/v1/users``)."""

    __tablename__ = "user"

    username: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_image: Mapped[str | None] = mapped_column(String(255), nullable=True)
    optins: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApiKey(UUIDPk, Base):
    """An API key: only ``key_hash`` (SHA-256 of the secret) and a display ``prefix`` are kept."""

    __tablename__ = "api_key"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    prefix: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    total_uses: Mapped[int] = mapped_column(Integer, default=0)


class RevokedToken(Base):
    """A refresh-token id (``jti``) revoked by logout, kept until the token would expire."""

    __tablename__ = "revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
