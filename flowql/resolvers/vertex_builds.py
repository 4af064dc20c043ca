"""Vertex builds of the caller's flows (Langflow ``GET|DELETE /api/v1/monitor/builds``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from flowql.context import Context
from flowql.db.models import Flow, VertexBuild


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def vertex_build_dict(row: VertexBuild) -> dict[str, Any]:
    """One ``VertexBuildTable`` item: ``{"timestamp", "id" (the vertex id), "data",
    "artifacts", "params", "valid", "flow_id", "job_id", "build_id"}`` (ids as strings,
    timestamp ISO 8601 UTC with ``Z``)."""
    return {
        "timestamp": _iso(row.timestamp),
        "id": row.vertex_id,
        "data": row.data or {},
        "artifacts": row.artifacts or {},
        "params": row.params if row.params is not None else "None",
        "valid": row.valid,
        "flow_id": str(row.flow_id),
        "job_id": str(row.job_id) if row.job_id is not None else None,
        "build_id": str(row.id),
    }


async def list_vertex_builds(ctx: Context, *, flow_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """The vertex builds of the caller's flow ``flow_id``, grouped by vertex id, oldest first
    within a vertex: ``{vertex_id: [VertexBuildTable dict, ...]}`` (see
    :func:`vertex_build_dict`); the body of ``GET /api/v1/monitor/builds?flow_id=`` is
    ``{"vertex_builds": <this>}``. A missing or foreign flow has none (``{}``).
    Raises Unauthenticated."""
    principal = ctx.require_principal()
    query = (
        select(VertexBuild)
        .join(Flow, Flow.id == VertexBuild.flow_id)
        .where(VertexBuild.flow_id == flow_id, Flow.user_id == principal.user_id)
        .order_by(VertexBuild.timestamp, VertexBuild.id)
    )
    grouped: dict[str, list[dict[str, Any]]] = {}
    async with ctx.sessions() as session:
        for row in await session.scalars(query):
            grouped.setdefault(row.vertex_id, []).append(vertex_build_dict(row))
    return grouped


async def delete_vertex_builds(ctx: Context, *, flow_id: uuid.UUID) -> int:
    """Delete the vertex builds of the caller's flow ``flow_id`` (Langflow
    ``DELETE /api/v1/monitor/builds?flow_id=``); returns how many were deleted (0 for a missing
    or foreign flow). Raises Unauthenticated."""
    principal = ctx.require_principal()
    owned = select(Flow.id).where(Flow.id == flow_id, Flow.user_id == principal.user_id)
    async with ctx.sessions() as session:
        result = await session.execute(
            delete(VertexBuild)
            .where(VertexBuild.flow_id.in_(owned))
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
