"""Chat sessions: the caller's messages grouped by ``session_id`` (Langflow
``/api/v1/monitor/messages/sessions``, ``/messages/session/{session_id}``).

A conversation is (owner, flow, session_id); every statement filters by the caller, so naming
another user's session string reads, moves and deletes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select

from flowql.context import Context
from flowql.db.models import Message
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.resolvers.input_checks import check_text
from flowql.resolvers.keyset import (
    after_condition,
    check_first,
    check_window,
    decode_cursor,
    encode_cursor,
    utc,
)
from flowql.resolvers.runs import SESSION_ID_MAX

#: Sessions one bulk delete may name (Langflow's limit).
MAX_SESSIONS_PER_DELETE = 500
CURSOR_KIND = "session"


def _check_session_id(value: str | None, field: str) -> None:
    if value == "":
        raise InvalidInput(f"{field} must not be empty", [FieldProblem(field, "empty")])
    check_text(value, field, SESSION_ID_MAX)


def _owned(user_id: uuid.UUID, flow_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Message.user_id == user_id]
    if flow_id is not None:
        conds.append(Message.flow_id == flow_id)
    return conds


async def list_session_ids(
    ctx: Context, *, flow_id: uuid.UUID | None = None, limit: int | None = None, offset: int | None = None
) -> list[str]:
    """The distinct session ids of the caller's messages, of one flow when ``flow_id`` is given
    (Langflow ``GET /api/v1/monitor/messages/sessions``), in the order the sessions began (their
    oldest message), then by id; ``offset`` skipped, at most ``limit``.

    Raises Unauthenticated; InvalidInput for a negative ``limit`` or ``offset``.
    """
    principal = ctx.require_principal()
    check_window(limit=limit, offset=offset)
    began = func.min(Message.timestamp)
    query = (
        select(Message.session_id)
        .where(*_owned(principal.user_id, flow_id))
        .group_by(Message.session_id)
        .order_by(began, Message.session_id)
    )
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    async with ctx.sessions() as session:
        return list(await session.scalars(query))


@dataclass(frozen=True)
class SessionSummary:
    """One session of one flow: how many messages it holds, its first and last message time."""

    flow_id: uuid.UUID
    session_id: str
    message_count: int
    first_at: datetime
    last_at: datetime


@dataclass
class SessionPage:
    """One keyset page of a flow's sessions, oldest first: ``items`` are (cursor, session)."""

    items: list[tuple[str, SessionSummary]]
    has_next_page: bool


async def sessions_pages_for_flows(
    ctx: Context, *, flow_ids: Sequence[uuid.UUID], first: int, after: str | None
) -> dict[uuid.UUID, SessionPage]:
    """Up to ``first`` (1..100) sessions of each of the caller's flows ``flow_ids`` after the
    cursor ``after``, in the order they began (GraphQL ``sessions`` and ``Flow.sessions``,
    batched by a DataLoader): one statement, numbering each flow's sessions with a window
    function. A flow that is not the caller's gets an empty page.

    Raises Unauthenticated; InvalidInput for ``first`` out of range or a foreign cursor.
    """
    principal = ctx.require_principal()
    check_first(first)
    pages = {fid: SessionPage([], False) for fid in flow_ids}
    if not flow_ids:
        return pages
    began = func.min(Message.timestamp)
    grouped = (
        select(
            Message.flow_id.label("flow_id"),
            Message.session_id.label("session_id"),
            func.count(Message.id).label("message_count"),
            began.label("first_at"),
            func.max(Message.timestamp).label("last_at"),
        )
        .where(Message.user_id == principal.user_id, Message.flow_id.in_(list(flow_ids)))
        .group_by(Message.flow_id, Message.session_id)
    )
    if after is not None:
        at, key = decode_cursor(CURSOR_KIND, after)
        grouped = grouped.having(after_condition(began, Message.session_id, at, key, descending=False))
    sessions = grouped.subquery()
    number = func.row_number().over(
        partition_by=sessions.c.flow_id, order_by=(sessions.c.first_at, sessions.c.session_id)
    )
    numbered = select(sessions, number.label("row_number")).subquery()
    query = (
        select(numbered)
        .where(numbered.c.row_number <= first + 1)
        .order_by(numbered.c.first_at, numbered.c.session_id)
    )
    found: dict[uuid.UUID, list[SessionSummary]] = {}
    async with ctx.sessions() as session:
        for row in (await session.execute(query)).mappings():
            summary = SessionSummary(
                flow_id=row["flow_id"],
                session_id=row["session_id"],
                message_count=int(row["message_count"]),
                first_at=utc(row["first_at"]),
                last_at=utc(row["last_at"]),
            )
            found.setdefault(summary.flow_id, []).append(summary)
    for fid, rows in found.items():
        pages[fid] = SessionPage(
            items=[(encode_cursor(CURSOR_KIND, s.first_at, s.session_id), s) for s in rows[:first]],
            has_next_page=len(rows) > first,
        )
    return pages


async def rename_session(
    ctx: Context, *, old_session_id: str, new_session_id: str, flow_id: uuid.UUID | None = None
) -> list[Message]:
    """Move the caller's messages of session ``old_session_id`` (in every flow, or only flow
    ``flow_id``) to ``new_session_id`` (Langflow ``PATCH
    /api/v1/monitor/messages/session/{old_session_id}?new_session_id=``); returns the moved
    messages, oldest first. Nobody else's messages move, whatever their session id.

    Raises Unauthenticated; NotFound when the caller has no message in that session (also when
    only another user has); InvalidInput for an empty or unstorable session id.
    """
    principal = ctx.require_principal()
    _check_session_id(old_session_id, "old_session_id")
    _check_session_id(new_session_id, "new_session_id")
    query = (
        select(Message)
        .where(*_owned(principal.user_id, flow_id), Message.session_id == old_session_id)
        .order_by(Message.timestamp, Message.id)
    )
    async with ctx.sessions() as session:
        rows = list(await session.scalars(query))
        if not rows:
            raise NotFound("No messages found with the given session ID")
        for row in rows:
            row.session_id = new_session_id
        await session.commit()
        for row in rows:
            await session.refresh(row)
        return rows


async def delete_session(ctx: Context, *, session_id: str, flow_id: uuid.UUID | None = None) -> int:
    """Delete the caller's messages of session ``session_id`` (in every flow, or only flow
    ``flow_id``) (Langflow ``DELETE /api/v1/monitor/messages/session/{session_id}``); returns how
    many were deleted.

    Raises Unauthenticated; NotFound when the caller has no message in that session (nothing of
    anyone else's is touched); InvalidInput for an unstorable session id.
    """
    principal = ctx.require_principal()
    check_text(session_id, "session_id", SESSION_ID_MAX)
    async with ctx.sessions() as session:
        result = await session.execute(
            delete(Message)
            .where(*_owned(principal.user_id, flow_id), Message.session_id == session_id)
            .execution_options(synchronize_session=False)
        )
        deleted = int(getattr(result, "rowcount", 0) or 0)
        if deleted == 0:
            raise NotFound("No messages found with the given session ID")
        await session.commit()
    return deleted


async def delete_sessions(ctx: Context, *, session_ids: Sequence[str]) -> int:
    """Delete the caller's messages of each of ``session_ids`` (Langflow ``DELETE
    /api/v1/monitor/messages/sessions``); returns how many of those sessions had messages of
    the caller's. Raises Unauthenticated; InvalidInput for more than
    :data:`MAX_SESSIONS_PER_DELETE` ids or an unstorable one."""
    principal = ctx.require_principal()
    if len(session_ids) > MAX_SESSIONS_PER_DELETE:
        raise InvalidInput(
            f"Cannot delete more than {MAX_SESSIONS_PER_DELETE} sessions at once",
            [FieldProblem("session_ids", "too many")],
        )
    for value in session_ids:
        check_text(value, "session_ids", SESSION_ID_MAX)
    wanted = list(dict.fromkeys(session_ids))
    if not wanted:
        return 0
    owned = [Message.user_id == principal.user_id, Message.session_id.in_(wanted)]
    async with ctx.sessions() as session:
        affected = list(await session.scalars(select(Message.session_id).where(*owned).distinct()))
        if affected:
            await session.execute(delete(Message).where(*owned).execution_options(synchronize_session=False))
            await session.commit()
    return len(affected)
