"""Transactions: one row per vertex execution of a run, with its inputs and outputs (Langflow
``GET /api/v1/monitor/transactions``).

A transaction belongs to its flow; every statement joins the flow and filters by its owner, so
another user's flow id lists nothing.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from flowql.context import Context
from flowql.db.models import Flow, Transaction
from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers.keyset import after_condition, check_first, check_page, decode_id_cursor, encode_cursor

#: Largest ``size`` of a REST page (Langflow's limit).
MAX_SIZE = 100
CURSOR_KIND = "transaction"


def _owned(user_id: uuid.UUID, flow_id: uuid.UUID) -> list[ColumnElement[bool]]:
    owned_flow = select(Flow.id).where(Flow.id == flow_id, Flow.user_id == user_id)
    return [Transaction.flow_id == flow_id, Transaction.flow_id.in_(owned_flow.scalar_subquery())]


@dataclass
class TransactionPage:
    """A numbered page (Langflow ``Page[TransactionLogsResponse]``): ``pages`` is
    ``ceil(total / size)`` (0 when there are none)."""

    items: list[Transaction]
    total: int
    page: int
    size: int
    pages: int


async def list_transactions(
    ctx: Context, *, flow_id: uuid.UUID, page: int = 1, size: int = 50
) -> TransactionPage:
    """Page ``page`` (from 1) of ``size`` (1..100) transactions of the caller's flow ``flow_id``,
    newest first (Langflow ``GET /api/v1/monitor/transactions?flow_id=&page=&size=``). Another
    user's or a missing flow has none.

    Raises Unauthenticated; InvalidInput for ``page`` < 1 or ``size`` out of range.
    """
    principal = ctx.require_principal()
    check_page(page)
    if not 1 <= size <= MAX_SIZE:
        raise InvalidInput(f"size must be between 1 and {MAX_SIZE}", [FieldProblem("size", "out of range")])
    conds = _owned(principal.user_id, flow_id)
    query = (
        select(Transaction)
        .where(*conds)
        .order_by(Transaction.timestamp.desc(), Transaction.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    async with ctx.sessions() as session:
        total = int(await session.scalar(select(func.count()).select_from(Transaction).where(*conds)) or 0)
        rows = list(await session.scalars(query))
    return TransactionPage(items=rows, total=total, page=page, size=size, pages=math.ceil(total / size))


@dataclass
class TransactionKeysetPage:
    """One keyset page of transactions, newest first: ``items`` are (opaque cursor, row)."""

    items: list[tuple[str, Transaction]]
    has_next_page: bool
    total_count: int


async def transactions_page(
    ctx: Context, *, flow_id: uuid.UUID, first: int, after: str | None
) -> TransactionKeysetPage:
    """Up to ``first`` (1..100) transactions of the caller's flow after the cursor ``after``,
    newest first (GraphQL ``transactions``); ``total_count`` counts them all.

    Raises Unauthenticated; InvalidInput for ``first`` out of range or a foreign cursor.
    """
    principal = ctx.require_principal()
    check_first(first)
    conds = _owned(principal.user_id, flow_id)
    query = select(Transaction).where(*conds)
    if after is not None:
        at, last_id = decode_id_cursor(CURSOR_KIND, after)
        query = query.where(
            after_condition(Transaction.timestamp, Transaction.id, at, last_id, descending=True)
        )
    query = query.order_by(Transaction.timestamp.desc(), Transaction.id.desc()).limit(first + 1)
    async with ctx.sessions() as session:
        rows = list(await session.scalars(query))
        total = int(await session.scalar(select(func.count()).select_from(Transaction).where(*conds)) or 0)
    return TransactionKeysetPage(
        items=[(encode_cursor(CURSOR_KIND, t.timestamp, t.id), t) for t in rows[:first]],
        has_next_page=len(rows) > first,
        total_count=total,
    )
