"""``/health``, ``/health_check`` and ``/api/v1/version`` (public)."""

from __future__ import annotations

from fastapi import APIRouter

from flowql.resolvers.config import get_version

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: ``{"status": "ok"}``."""
    return {"status": "ok"}


@router.get("/health_check")
async def health_check() -> dict[str, str]:
    """Langflow's ``/health_check``: ``{"status", "chat", "db"}``."""
    return {"status": "ok", "chat": "ok", "db": "ok"}


@router.get("/api/v1/version")
async def version() -> dict[str, str]:
    """Langflow's ``/api/v1/version`` shape with FlowQL's own version and package name."""
    info = get_version()
    return {"version": info.version, "main_version": info.main_version, "package": info.package}
