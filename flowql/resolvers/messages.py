"""Chat messages left by runs (Langflow ``/api/v1/monitor/messages``): list, keyset pages,
update one, delete by ids, and the flows they belong to.

Every statement filters by the caller (``Message.user_id``), so another user's ids, flow ids or
session strings read and change nothing. Sessions (rename, list, delete) live in
:mod:`flowql.resolvers.sessions`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select

from flowql.context import Context
from flowql.db.models import Flow, Message
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.resolvers.input_checks import check_json, check_text
from flowql.resolvers.keyset import (
    after_condition,
    check_first,
    check_window,
    decode_id_cursor,
    encode_cursor,
)
from flowql.resolvers.locks import KeyedLocks
from flowql.resolvers.runs import SESSION_ID_MAX

#: Columns ``order_by`` may name (Langflow orders by any ``MessageTable`` attribute).
ORDER_COLUMNS: Mapping[str, Any] = {
    "timestamp": Message.timestamp,
    "sender": Message.sender,
    "sender_name": Message.sender_name,
    "session_id": Message.session_id,
    "text": Message.text,
    "category": Message.category,
    "flow_id": Message.flow_id,
    "id": Message.id,
}
#: Ids per ``DELETE ... WHERE id IN (...)`` statement (SQLite caps bound parameters).
DELETE_CHUNK = 500
_update_locks = KeyedLocks()
CURSOR_KIND = "message"


@dataclass(frozen=True)
class MessageFilters:
    """Filters of a message listing: each ``None`` means "any" (Langflow ``GET
    /api/v1/monitor/messages`` ``flow_id``, ``session_id``, ``sender``, ``sender_name``)."""

    flow_id: uuid.UUID | None = None
    session_id: str | None = None
    sender: str | None = None
    sender_name: str | None = None

    def check(self) -> None:
        """InvalidInput naming a filter no message can match (NUL, lone surrogate, too long)."""
        check_text(self.session_id, "session_id", SESSION_ID_MAX)
        check_text(self.sender, "sender", 64)
        check_text(self.sender_name, "sender_name", 255)

    def conditions(self, user_id: uuid.UUID) -> list[ColumnElement[bool]]:
        """The WHERE conditions: the owner first, then each filter given."""
        conds: list[ColumnElement[bool]] = [Message.user_id == user_id]
        if self.flow_id is not None:
            conds.append(Message.flow_id == self.flow_id)
        if self.session_id is not None:
            conds.append(Message.session_id == self.session_id)
        if self.sender is not None:
            conds.append(Message.sender == self.sender)
        if self.sender_name is not None:
            conds.append(Message.sender_name == self.sender_name)
        return conds


async def list_messages(
    ctx: Context,
    *,
    flow_id: uuid.UUID | None = None,
    session_id: str | None = None,
    sender: str | None = None,
    sender_name: str | None = None,
    order_by: str = "timestamp",
    descending: bool = False,
    limit: int | None = None,
    offset: int | None = None,
) -> list[Message]:
    """The caller's messages matching the filters (Langflow ``GET /api/v1/monitor/messages``),
    sorted by ``order_by`` (a key of :data:`ORDER_COLUMNS`; ties by timestamp, then id),
    ascending unless ``descending``; ``offset`` rows skipped, at most ``limit`` returned.

    Only rows owned by the caller are read, so another user's flow id or session string yields
    nothing. Raises Unauthenticated; InvalidInput for an unknown ``order_by``, a negative
    ``limit``/``offset`` or a filter no message can have.
    """
    principal = ctx.require_principal()
    filters = MessageFilters(flow_id=flow_id, session_id=session_id, sender=sender, sender_name=sender_name)
    filters.check()
    column = ORDER_COLUMNS.get(order_by)
    if column is None:
        names = ", ".join(ORDER_COLUMNS)
        raise InvalidInput(
            f"order_by must be one of {names}", [FieldProblem("order_by", f"not one of {names}")]
        )
    check_window(limit=limit, offset=offset)
    keys = [column, Message.timestamp, Message.id]
    query = select(Message).where(*filters.conditions(principal.user_id))
    query = query.order_by(*(k.desc() if descending else k.asc() for k in keys))
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    async with ctx.sessions() as session:
        return list(await session.scalars(query))


@dataclass
class MessagePage:
    """One keyset page of messages, oldest first: ``items`` are (opaque cursor, message)."""

    items: list[tuple[str, Message]]
    has_next_page: bool


def _cursor(message: Message) -> str:
    return encode_cursor(CURSOR_KIND, message.timestamp, message.id)


def _after(after: str | None) -> ColumnElement[bool] | None:
    if after is None:
        return None
    at, last_id = decode_id_cursor(CURSOR_KIND, after)
    return after_condition(Message.timestamp, Message.id, at, last_id, descending=False)


def _page(rows: Sequence[Message], first: int) -> MessagePage:
    return MessagePage(items=[(_cursor(m), m) for m in rows[:first]], has_next_page=len(rows) > first)


async def messages_page(
    ctx: Context, *, filters: MessageFilters, first: int, after: str | None
) -> MessagePage:
    """Up to ``first`` (1..100) of the caller's messages matching ``filters`` after the cursor
    ``after``, oldest first (GraphQL ``messages``).

    Raises Unauthenticated; InvalidInput for ``first`` out of range, a foreign cursor or a
    filter no message can have.
    """
    principal = ctx.require_principal()
    check_first(first)
    filters.check()
    query = select(Message).where(*filters.conditions(principal.user_id))
    condition = _after(after)
    if condition is not None:
        query = query.where(condition)
    query = query.order_by(Message.timestamp, Message.id).limit(first + 1)
    async with ctx.sessions() as session:
        rows = list(await session.scalars(query))
    return _page(rows, first)


async def messages_pages_for_flows(
    ctx: Context,
    *,
    flow_ids: Sequence[uuid.UUID],
    session_id: str | None,
    first: int,
    after: str | None,
) -> dict[uuid.UUID, MessagePage]:
    """:func:`messages_page` of each of ``flow_ids`` at once (GraphQL ``Flow.messages``, batched by
    a DataLoader): one statement numbering each flow's messages with a window function. A flow
    that is not the caller's gets an empty page.

    Raises Unauthenticated; InvalidInput as :func:`messages_page`.
    """
    principal = ctx.require_principal()
    check_first(first)
    MessageFilters(session_id=session_id).check()
    pages: dict[uuid.UUID, MessagePage] = {fid: MessagePage([], False) for fid in flow_ids}
    if not flow_ids:
        return pages
    conds = MessageFilters(session_id=session_id).conditions(principal.user_id)
    conds.append(Message.flow_id.in_(list(flow_ids)))
    condition = _after(after)
    if condition is not None:
        conds.append(condition)
    number = (
        func.row_number()
        .over(partition_by=Message.flow_id, order_by=(Message.timestamp, Message.id))
        .label("n")
    )
    numbered = select(Message.id, number).where(*conds).subquery()
    query = (
        select(Message)
        .join(numbered, numbered.c.id == Message.id)
        .where(numbered.c.n <= first + 1)
        .order_by(Message.timestamp, Message.id)
    )
    grouped: dict[uuid.UUID, list[Message]] = {}
    async with ctx.sessions() as session:
        for row in await session.scalars(query):
            if row.flow_id is not None:
                grouped.setdefault(row.flow_id, []).append(row)
    for fid, rows in grouped.items():
        pages[fid] = _page(rows, first)
    return pages


#: The fields :func:`update_message` may change, with the longest text each column holds.
UPDATABLE_TEXT = {
    "text": None,
    "sender": 64,
    "sender_name": 255,
    "session_id": SESSION_ID_MAX,
    "context_id": 255,
}
UPDATABLE_OTHER = {"files", "edit", "error", "properties", "category", "content_blocks"}


def _check_changes(changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        if name in UPDATABLE_TEXT:
            if not isinstance(value, str):
                raise InvalidInput(f"{name} must be a string", [FieldProblem(name, "not a string")])
            check_text(value, name, UPDATABLE_TEXT[name])
        elif name not in UPDATABLE_OTHER:
            raise InvalidInput(f"{name} cannot be changed", [FieldProblem(name, "not a message field")])
    if changes.get("session_id") == "":
        raise InvalidInput("session_id must not be empty", [FieldProblem("session_id", "empty")])
    check_text(changes.get("category"), "category", 32)
    files = changes.get("files")
    if files is not None:
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise InvalidInput("files must be a list of strings", [FieldProblem("files", "not strings")])
        for f in files:
            check_text(f, "files", 1024)
    for name in ("edit", "error"):
        if name in changes and not isinstance(changes[name], bool):
            raise InvalidInput(f"{name} must be a boolean", [FieldProblem(name, "not a boolean")])
    if "properties" in changes and not isinstance(changes["properties"], dict):
        raise InvalidInput("properties must be an object", [FieldProblem("properties", "not an object")])
    if "content_blocks" in changes and not isinstance(changes["content_blocks"], list):
        raise InvalidInput("content_blocks must be a list", [FieldProblem("content_blocks", "not a list")])
    for name in ("properties", "content_blocks"):
        if name in changes:
            check_json(changes[name], name)


async def update_message(ctx: Context, *, message_id: uuid.UUID, changes: Mapping[str, Any]) -> Message:
    """Change the caller's message ``message_id`` (Langflow ``PUT
    /api/v1/monitor/messages/{message_id}``, ``MessageUpdate``) and return it.

    ``changes`` holds only the fields to change: ``text``, ``sender``, ``sender_name``,
    ``session_id``, ``context_id``, ``files``, ``edit``, ``error``, ``properties`` (merged into
    the stored properties key by key), ``category``, ``content_blocks``. A changed ``text`` sets
    ``edit`` to true, as Langflow does. Raises Unauthenticated; NotFound when the message is
    missing or another user's (nothing changes); InvalidInput naming a value that cannot be
    stored.
    """
    principal = ctx.require_principal()
    _check_changes(changes)
    # properties are merged read-modify-write: concurrent updates of one message take turns
    async with _update_locks.get(message_id), ctx.sessions() as session:
        row = await session.scalar(
            select(Message).where(Message.id == message_id, Message.user_id == principal.user_id)
        )
        if row is None:
            raise NotFound("Message not found")
        text_changed = "text" in changes and changes["text"] != row.text
        for name, value in changes.items():
            if name == "properties":
                row.properties = {**(row.properties or {}), **value}
            else:
                setattr(row, name, value)
        if text_changed:
            row.edit = True
        await session.commit()
        await session.refresh(row)
        return row


async def delete_messages(ctx: Context, *, message_ids: Iterable[uuid.UUID]) -> int:
    """Delete those of ``message_ids`` that are the caller's (Langflow ``DELETE
    /api/v1/monitor/messages``); others' and unknown ids are skipped. Returns how many were
    deleted. Raises Unauthenticated."""
    principal = ctx.require_principal()
    ids = list(dict.fromkeys(message_ids))
    deleted = 0
    async with ctx.sessions() as session:
        for start in range(0, len(ids), DELETE_CHUNK):
            result = await session.execute(
                delete(Message)
                .where(
                    Message.user_id == principal.user_id, Message.id.in_(ids[start : start + DELETE_CHUNK])
                )
                .execution_options(synchronize_session=False)
            )
            deleted += int(getattr(result, "rowcount", 0) or 0)
        await session.commit()
    return deleted


async def owned_flows(ctx: Context, *, flow_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Flow]:
    """The caller's flows among ``flow_ids``, by id (``Message.flow``, ``Session.flow`` and
    ``Trace.flow`` batched by a DataLoader); others' and missing ids are left out.
    Raises Unauthenticated."""
    principal = ctx.require_principal()
    ids = list(dict.fromkeys(flow_ids))
    if not ids:
        return {}
    query: Select[tuple[Flow]] = select(Flow).where(Flow.id.in_(ids), Flow.user_id == principal.user_id)
    async with ctx.sessions() as session:
        return {flow.id: flow for flow in await session.scalars(query)}
