"""Root field implementations of the monitor API (messages, sessions, vertex builds,
transactions, traces): parse arguments → one resolver call → shape. The same resolvers serve
REST ``/api/v1/monitor/...``.

Single objects that are missing or not the caller's come back as ``null`` (``trace``,
``updateMessage``); deletes and renames count what they changed (``DeleteResult``), so naming
another user's ids counts 0. Malformed ids, ``first`` out of 1..100 and foreign cursors are
errors with code ``INVALID_INPUT``.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from flowql.errors import NotFound
from flowql.resolvers import messages, sessions, traces, transactions, vertex_builds
from flowql.schema.context import Info
from flowql.schema.inputs import parse_uuid
from flowql.schema.types.files import DeleteResult
from flowql.schema.types.monitor import (
    MessageConnection,
    SessionConnection,
    SpanStatus,
    Trace,
    TraceConnection,
    TransactionConnection,
    VertexBuild,
    stored_message,
)
from flowql.schema.types.runs import Message


def _given(value: str | None) -> str | None:
    return None if value is None or value is strawberry.UNSET else value


def _first(first: int | None) -> int:
    return 50 if first is None else first


async def message_connection(
    info: Info,
    flow_id: strawberry.ID | None = strawberry.UNSET,
    session_id: str | None = strawberry.UNSET,
    sender: str | None = strawberry.UNSET,
    sender_name: str | None = strawberry.UNSET,
    first: int | None = 50,
    after: str | None = strawberry.UNSET,
) -> MessageConnection:
    """``messages``: a keyset page of the caller's stored messages, oldest first, filtered as REST
    ``GET /api/v1/monitor/messages`` (``messages.messages_page``)."""
    filters = messages.MessageFilters(
        flow_id=parse_uuid(flow_id, "flowId") if flow_id else None,
        session_id=_given(session_id),
        sender=_given(sender),
        sender_name=_given(sender_name),
    )
    page = await messages.messages_page(
        info.context.ctx, filters=filters, first=_first(first), after=_given(after)
    )
    return MessageConnection.from_page(page)


async def session_connection(
    info: Info, flow_id: strawberry.ID, first: int | None = 50, after: str | None = strawberry.UNSET
) -> SessionConnection:
    """``sessions(flowId)``: a keyset page of the sessions of the caller's flow, in the order
    they began (``sessions.sessions_pages_for_flows``); another user's flow has none."""
    parsed = parse_uuid(flow_id, "flowId")
    pages = await sessions.sessions_pages_for_flows(
        info.context.ctx, flow_ids=[parsed], first=_first(first), after=_given(after)
    )
    return SessionConnection.from_page(pages[parsed])


async def vertex_build_list(info: Info, flow_id: strawberry.ID) -> list[VertexBuild]:
    """``vertexBuilds(flowId)``: the vertex builds of the caller's flow, oldest first
    (``vertex_builds.list_vertex_builds``, as REST ``GET /api/v1/monitor/builds``)."""
    grouped = await vertex_builds.list_vertex_builds(info.context.ctx, flow_id=parse_uuid(flow_id, "flowId"))
    items = [item for builds in grouped.values() for item in builds]
    return sorted((VertexBuild.from_dict(i) for i in items), key=lambda b: (b.timestamp, str(b.id)))


async def transaction_connection(
    info: Info, flow_id: strawberry.ID, first: int | None = 50, after: str | None = strawberry.UNSET
) -> TransactionConnection:
    """``transactions(flowId)``: a keyset page of the caller's flow's transactions, newest first
    (``transactions.transactions_page``); another user's flow has none."""
    page = await transactions.transactions_page(
        info.context.ctx, flow_id=parse_uuid(flow_id, "flowId"), first=_first(first), after=_given(after)
    )
    return TransactionConnection.from_page(page)


async def trace_connection(
    info: Info,
    flow_id: strawberry.ID | None = strawberry.UNSET,
    session_id: str | None = strawberry.UNSET,
    status: SpanStatus | None = strawberry.UNSET,
    query: str | None = strawberry.UNSET,
    start_time: datetime | None = strawberry.UNSET,
    end_time: datetime | None = strawberry.UNSET,
    first: int | None = 50,
    after: str | None = strawberry.UNSET,
) -> TraceConnection:
    """``traces``: a keyset page of the caller's traces, newest first, filtered as REST
    ``GET /api/v1/monitor/traces`` (``traces.traces_page``)."""
    filters = traces.TraceFilters(
        flow_id=parse_uuid(flow_id, "flowId") if flow_id else None,
        session_id=_given(session_id),
        status=status.value if isinstance(status, SpanStatus) else None,
        query=_given(query),
        start_time=start_time if isinstance(start_time, datetime) else None,
        end_time=end_time if isinstance(end_time, datetime) else None,
    )
    page = await traces.traces_page(
        info.context.ctx, filters=filters, first=_first(first), after=_given(after)
    )
    return TraceConnection.from_page(page)


async def trace(info: Info, id: strawberry.ID) -> Trace | None:
    """``trace(id)``: the caller's trace, its spans through a DataLoader; null when it is missing
    or not the caller's (``traces.get_trace_summary``)."""
    try:
        summary = await traces.get_trace_summary(info.context.ctx, trace_id=parse_uuid(id, "id"))
    except NotFound:
        return None
    return Trace.from_summary(summary)


async def update_message(info: Info, id: strawberry.ID, text: str) -> Message | None:
    """``updateMessage``: set the text of the caller's message (it becomes ``edited`` when the
    text changes); null when it is missing or not the caller's (``messages.update_message``)."""
    try:
        row = await messages.update_message(
            info.context.ctx, message_id=parse_uuid(id, "id"), changes={"text": text}
        )
    except NotFound:
        return None
    return stored_message(row)


async def delete_messages(info: Info, ids: list[strawberry.ID]) -> DeleteResult:
    """``deleteMessages``: delete the caller's messages among ``ids`` (``messages.delete_messages``)."""
    parsed = [parse_uuid(i, f"ids[{n}]") for n, i in enumerate(ids)]
    return DeleteResult(deleted_count=await messages.delete_messages(info.context.ctx, message_ids=parsed))


async def rename_session(
    info: Info, old_session_id: str, new_session_id: str, flow_id: strawberry.ID | None = strawberry.UNSET
) -> DeleteResult:
    """``renameSession``: move the caller's messages of a session (of one flow with ``flowId``) to
    ``newSessionId``; ``deletedCount`` counts the messages moved, 0 when the caller has none
    there (``sessions.rename_session``)."""
    try:
        moved = await sessions.rename_session(
            info.context.ctx,
            old_session_id=old_session_id,
            new_session_id=new_session_id,
            flow_id=parse_uuid(flow_id, "flowId") if flow_id else None,
        )
    except NotFound:
        return DeleteResult(deleted_count=0)
    return DeleteResult(deleted_count=len(moved))


async def delete_session(
    info: Info, session_id: str, flow_id: strawberry.ID | None = strawberry.UNSET
) -> DeleteResult:
    """``deleteSession``: delete the caller's messages of a session (of one flow with ``flowId``);
    ``deletedCount`` counts messages, 0 when the caller has none there (``sessions.delete_session``)."""
    try:
        deleted = await sessions.delete_session(
            info.context.ctx,
            session_id=session_id,
            flow_id=parse_uuid(flow_id, "flowId") if flow_id else None,
        )
    except NotFound:
        return DeleteResult(deleted_count=0)
    return DeleteResult(deleted_count=deleted)


async def delete_trace_list(
    info: Info,
    flow_id: strawberry.ID | None = strawberry.UNSET,
    ids: list[strawberry.ID] | None = strawberry.UNSET,
) -> DeleteResult:
    """``deleteTraces``: delete the caller's traces of flow ``flowId`` and/or with ``ids`` (both:
    those of the flow among the ids), with their spans (``traces.delete_traces``). Neither given
    is an error with code INVALID_INPUT."""
    trace_ids = (
        None
        if ids is None or ids is strawberry.UNSET
        else [parse_uuid(i, f"ids[{n}]") for n, i in enumerate(ids)]
    )
    deleted = await traces.delete_traces(
        info.context.ctx, flow_id=parse_uuid(flow_id, "flowId") if flow_id else None, trace_ids=trace_ids
    )
    return DeleteResult(deleted_count=deleted)
