"""Langflow's ``GET /api/v1/monitor/messages`` (the basic ``flow_id`` / ``session_id`` filter)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers import messages as message_resolvers
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.models import MessageOut

router = APIRouter(prefix="/api/v1", tags=["Monitor"])


@router.get("/monitor/messages", response_model=list[MessageOut])
async def get_messages(
    ctx: Ctx, flow_id: str | None = None, session_id: str | None = None
) -> list[MessageOut]:
    """The caller's messages, oldest first, filtered by ``flow_id`` and/or ``session_id``
    (an empty ``flow_id=`` means no filter). 422 naming ``flow_id`` when it is not a UUID."""
    parsed: uuid.UUID | None = None
    if flow_id:
        try:
            parsed = uuid.UUID(flow_id)
        except ValueError as exc:
            raise InvalidInput(
                "flow_id is not a valid UUID", [FieldProblem("flow_id", "not a valid UUID")]
            ) from exc
    rows = await message_resolvers.list_messages(ctx, flow_id=parsed, session_id=session_id)
    return [MessageOut.model_validate(row, from_attributes=True) for row in rows]
