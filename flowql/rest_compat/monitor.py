"""Langflow's monitor routes: ``GET /api/v1/monitor/messages`` (the basic ``flow_id`` /
``session_id`` filter) and ``GET|DELETE /api/v1/monitor/builds?flow_id=`` (vertex builds)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers import messages as message_resolvers
from flowql.resolvers import vertex_builds
from flowql.rest_compat.build_models import VertexBuildMap
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.models import MessageOut

router = APIRouter(prefix="/api/v1", tags=["Monitor"])


def _flow_id(value: str) -> uuid.UUID | None:
    """``flow_id`` as a UUID (``""`` → None); 422 naming ``flow_id`` when it is not a UUID."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput(
            "flow_id is not a valid UUID", [FieldProblem("flow_id", "not a valid UUID")]
        ) from exc


@router.get("/monitor/messages", response_model=list[MessageOut])
async def get_messages(
    ctx: Ctx, flow_id: str | None = None, session_id: str | None = None
) -> list[MessageOut]:
    """The caller's messages, oldest first, filtered by ``flow_id`` and/or ``session_id``
    (an empty ``flow_id=`` means no filter). 422 naming ``flow_id`` when it is not a UUID."""
    parsed = _flow_id(flow_id or "")
    rows = await message_resolvers.list_messages(ctx, flow_id=parsed, session_id=session_id)
    return [MessageOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/monitor/builds", response_model=VertexBuildMap)
async def get_vertex_builds(ctx: Ctx, flow_id: str) -> VertexBuildMap:
    """Langflow ``VertexBuildMapModel``: ``{"vertex_builds": {vertex_id: [VertexBuildTable, ...]}}``
    of the caller's flow (written by builds with ``log_builds``). An empty ``flow_id=`` or
    another user's flow has none (``{}``); a missing ``flow_id`` or a non-UUID is a 422."""
    parsed = _flow_id(flow_id)
    grouped = await vertex_builds.list_vertex_builds(ctx, flow_id=parsed) if parsed else {}
    return VertexBuildMap.model_validate({"vertex_builds": grouped})


@router.delete("/monitor/builds", status_code=204)
async def delete_vertex_builds(ctx: Ctx, flow_id: str) -> Response:
    """Delete the vertex builds of the caller's flow: 204 with no body (also when there were
    none, or the flow is not the caller's). A missing ``flow_id`` or a non-UUID is a 422."""
    parsed = _flow_id(flow_id)
    if parsed is not None:
        await vertex_builds.delete_vertex_builds(ctx, flow_id=parsed)
    return Response(status_code=204)
