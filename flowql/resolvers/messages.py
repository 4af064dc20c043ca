"""Chat messages left by runs (Langflow ``/api/v1/monitor/messages``)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from flowql.context import Context
from flowql.db.models import Message
from flowql.resolvers.input_checks import check_text
from flowql.resolvers.runs import SESSION_ID_MAX


async def list_messages(
    ctx: Context, *, flow_id: uuid.UUID | None = None, session_id: str | None = None
) -> list[Message]:
    """The caller's messages, oldest first, optionally of one flow and/or one session
    (Langflow ``GET /api/v1/monitor/messages?flow_id=&session_id=``).

    Only rows owned by the caller are read, so another user's flow id or session string yields
    nothing. Raises Unauthenticated; InvalidInput for a session id no message can have.
    """
    principal = ctx.require_principal()
    check_text(session_id, "session_id", SESSION_ID_MAX)
    query = select(Message).where(Message.user_id == principal.user_id)
    if flow_id is not None:
        query = query.where(Message.flow_id == flow_id)
    if session_id is not None:
        query = query.where(Message.session_id == session_id)
    async with ctx.sessions() as session:
        return list(await session.scalars(query.order_by(Message.timestamp, Message.id)))
