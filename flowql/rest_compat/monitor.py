"""Langflow's monitor routes under ``/api/v1/monitor``: messages (list, delete, update), sessions
(list, rename, delete), transactions, traces (list, one as its span tree, delete) and vertex
builds. Parse → one resolver call → shape; ownership is the resolvers' (another user's ids
change nothing; single-object routes answer 404 for them).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers import messages as message_resolvers
from flowql.resolvers import sessions, traces, transactions, vertex_builds
from flowql.resolvers.keyset import MAX_OFFSET, MAX_PAGE
from flowql.rest_compat.build_models import VertexBuildMap
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.models import MessageOut
from flowql.rest_compat.monitor_models import (
    MessageReadOut,
    MessageUpdateIn,
    SessionsDeleted,
    SpanStatus,
    TraceListOut,
    TraceOut,
    TraceSummaryOut,
    TransactionOut,
    TransactionPageOut,
)

router = APIRouter(prefix="/api/v1", tags=["Monitor"])

NonNegative = Annotated[int | None, Query(ge=0, le=MAX_OFFSET)]


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


def _messages(rows: Sequence[object]) -> list[MessageOut]:
    return [MessageOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/monitor/messages", response_model=list[MessageOut])
async def get_messages(
    ctx: Ctx,
    flow_id: str | None = None,
    session_id: str | None = None,
    sender: str | None = None,
    sender_name: str | None = None,
    order_by: str | None = "timestamp",
    order: str = "ASC",
    limit: NonNegative = None,
    offset: NonNegative = None,
) -> list[MessageOut]:
    """The caller's messages (Langflow ``MessageResponse`` list), filtered by ``flow_id``,
    ``session_id``, ``sender`` and ``sender_name`` (an empty ``flow_id=`` means no filter), sorted
    by ``order_by`` (``timestamp`` by default; also ``sender``, ``sender_name``, ``session_id``,
    ``text``, ``category``, ``flow_id``, ``id``) in ``order`` ``ASC`` or ``DESC``, then paged by
    ``offset``/``limit``. 422 naming the parameter for a non-UUID ``flow_id``, an unknown
    ``order_by`` or ``order``."""
    direction = order.upper()
    if direction not in ("ASC", "DESC"):
        raise InvalidInput("order must be ASC or DESC", [FieldProblem("order", "not ASC or DESC")])
    rows = await message_resolvers.list_messages(
        ctx,
        flow_id=_flow_id(flow_id or ""),
        session_id=session_id,
        sender=sender,
        sender_name=sender_name,
        order_by=order_by or "timestamp",
        descending=direction == "DESC",
        limit=limit,
        offset=offset,
    )
    return _messages(rows)


@router.delete("/monitor/messages", status_code=204)
async def delete_messages(ctx: Ctx, message_ids: Annotated[list[uuid.UUID], Body()]) -> Response:
    """Delete the caller's messages among ``message_ids`` (a JSON list of UUIDs): 204 with no
    body. Other users' and unknown ids are skipped, as Langflow does."""
    await message_resolvers.delete_messages(ctx, message_ids=message_ids)
    return Response(status_code=204)


@router.put("/monitor/messages/{message_id}", response_model=MessageReadOut)
async def update_message(ctx: Ctx, message_id: uuid.UUID, message: MessageUpdateIn) -> MessageReadOut:
    """Change the caller's message (Langflow ``MessageUpdate`` → ``MessageRead``): only the fields
    present change; a changed ``text`` sets ``edit``; ``properties`` merge into the stored ones.
    404 when the message is missing or another user's (nothing changes)."""
    row = await message_resolvers.update_message(ctx, message_id=message_id, changes=message.changes())
    return MessageReadOut.from_row(row)


@router.get("/monitor/messages/sessions", response_model=list[str])
async def get_message_sessions(
    ctx: Ctx, flow_id: str | None = None, limit: NonNegative = None, offset: NonNegative = None
) -> list[str]:
    """The distinct session ids of the caller's messages, of one flow with ``flow_id`` (an empty
    ``flow_id=`` means every flow), oldest session first, paged by ``offset``/``limit``."""
    return await sessions.list_session_ids(ctx, flow_id=_flow_id(flow_id or ""), limit=limit, offset=offset)


@router.delete("/monitor/messages/sessions", response_model=SessionsDeleted)
async def delete_message_sessions(ctx: Ctx, session_ids: Annotated[list[str], Body()]) -> SessionsDeleted:
    """Delete the caller's messages of each session in the body (a JSON list, at most 500):
    ``{"message", "deleted_count"}`` counts the sessions that had messages of the caller's."""
    count = await sessions.delete_sessions(ctx, session_ids=session_ids)
    if count == 0:
        return SessionsDeleted(message="No sessions to delete", deleted_count=0)
    plural = "" if count == 1 else "s"
    return SessionsDeleted(
        message=f"Messages deleted successfully for {count} session{plural}", deleted_count=count
    )


@router.patch("/monitor/messages/session/{old_session_id:path}", response_model=list[MessageOut])
async def rename_session(
    ctx: Ctx,
    old_session_id: str,
    new_session_id: Annotated[str, Query(description="The new session ID to update to")],
    flow_id: Annotated[str | None, Query(description="Only this flow's messages move")] = None,
) -> list[MessageOut]:
    """Move the caller's messages of session ``old_session_id`` (in every flow, or only flow
    ``flow_id``) to ``new_session_id``; answers the moved messages, oldest first. 404 when the
    caller has none in that session; nobody else's messages move."""
    rows = await sessions.rename_session(
        ctx, old_session_id=old_session_id, new_session_id=new_session_id, flow_id=_flow_id(flow_id or "")
    )
    return _messages(rows)


@router.delete("/monitor/messages/session/{session_id:path}", status_code=204)
async def delete_session(
    ctx: Ctx,
    session_id: str,
    flow_id: Annotated[str | None, Query(description="Only this flow's messages go")] = None,
) -> Response:
    """Delete the caller's messages of session ``session_id`` (in every flow, or only flow
    ``flow_id``): 204 with no body; 404 when the caller has none in that session (another
    user's session of the same id is untouched)."""
    await sessions.delete_session(ctx, session_id=session_id, flow_id=_flow_id(flow_id or ""))
    return Response(status_code=204)


@router.get("/monitor/transactions", response_model=TransactionPageOut)
async def get_transactions(
    ctx: Ctx,
    flow_id: uuid.UUID,
    page: Annotated[int | None, Query(ge=1, le=MAX_PAGE)] = None,
    size: Annotated[int | None, Query(ge=1, le=transactions.MAX_SIZE)] = None,
) -> TransactionPageOut:
    """Langflow ``Page[TransactionLogsResponse]``: the transactions (one per vertex execution)
    of the caller's flow, newest first; ``page`` from 1 (default 1), ``size`` 1..100 (default
    50). Another user's flow has none."""
    found = await transactions.list_transactions(ctx, flow_id=flow_id, page=page or 1, size=size or 50)
    return TransactionPageOut(
        items=[TransactionOut.from_row(t) for t in found.items],
        total=found.total,
        page=found.page,
        size=found.size,
        pages=found.pages,
    )


@router.get("/monitor/traces", response_model=TraceListOut, tags=["Traces"])
async def get_traces(
    ctx: Ctx,
    flow_id: uuid.UUID | None = None,
    session_id: str | None = None,
    status: SpanStatus | None = None,
    query: Annotated[str | None, Query(max_length=traces.QUERY_MAX)] = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=traces.MAX_SIZE)] = 50,
) -> TraceListOut:
    """Langflow ``TraceListResponse``: the caller's traces, newest first, filtered by flow,
    session, ``status`` (unset|ok|error), ``query`` (a case-insensitive substring of the name,
    id or session id) and start time (``start_time`` ≤ start ≤ ``end_time``, ISO 8601, naive
    means UTC); ``pages`` is at least 1. Bad values are 422."""
    filters = traces.TraceFilters(
        flow_id=flow_id,
        session_id=session_id,
        status=status,
        query=query,
        start_time=start_time,
        end_time=end_time,
    )
    found = await traces.list_traces(ctx, filters=filters, page=page, size=size)
    return TraceListOut(
        traces=[TraceSummaryOut.from_summary(s) for s in found.traces], total=found.total, pages=found.pages
    )


@router.delete("/monitor/traces", status_code=204, tags=["Traces"])
async def delete_flow_traces(ctx: Ctx, flow_id: uuid.UUID) -> Response:
    """Delete every trace (and its spans) of the caller's flow: 204 with no body; 404 when the
    flow is missing or another user's."""
    await traces.delete_flow_traces(ctx, flow_id=flow_id)
    return Response(status_code=204)


@router.get("/monitor/traces/{trace_id}", response_model=TraceOut, tags=["Traces"])
async def get_trace(ctx: Ctx, trace_id: uuid.UUID) -> TraceOut:
    """Langflow ``TraceRead``: the caller's trace with its span tree (vertex spans at the root,
    model and tool calls as their children). 404 when it is missing or another user's."""
    return TraceOut.from_detail(await traces.get_trace(ctx, trace_id=trace_id))


@router.delete("/monitor/traces/{trace_id}", status_code=204, tags=["Traces"])
async def delete_trace(ctx: Ctx, trace_id: uuid.UUID) -> Response:
    """Delete the caller's trace and its spans: 204 with no body; 404 when it is missing or
    another user's (nothing is deleted)."""
    await traces.delete_trace(ctx, trace_id=trace_id)
    return Response(status_code=204)


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
