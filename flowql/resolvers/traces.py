"""Traces of runs and their spans (Langflow ``/api/v1/monitor/traces``): list with filters,
keyset pages, one trace as its span tree, delete one, delete a flow's.

Every run writes one trace (its id is the run id) with one span per vertex, and child spans
under a vertex span for the model and tool calls made inside it
(:mod:`flowql.resolvers.run_records`). Every statement filters by the trace's owner.

**Token totals.** A vertex span's token usage already includes the usage of the model calls
under it (an Agent's span sums its model-call child spans). So a trace's total counts each model
call once by summing the leaf spans only (spans with no children), as Langflow does: an Agent
contributes its model-call children, a Language Model vertex (no children) its own usage, and
the parent's copy is never added again.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, delete, false, func, or_, select

from flowql.context import Context
from flowql.db.models import Flow, Span, Trace
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.resolvers.input_checks import check_text
from flowql.resolvers.keyset import (
    after_condition,
    check_first,
    check_page,
    decode_id_cursor,
    encode_cursor,
    utc,
)
from flowql.resolvers.runs import SESSION_ID_MAX

#: Span and trace statuses (Langflow ``SpanStatus``).
STATUSES = ("unset", "ok", "error")
#: Largest ``size`` of a REST page (Langflow's limit).
MAX_SIZE = 200
#: Longest ``query`` accepted.
QUERY_MAX = 255
#: Trace ids one delete may name (SQLite caps bound parameters).
MAX_DELETE_IDS = 1000
CURSOR_KIND = "trace"
_HEX = frozenset("0123456789abcdef")


def span_tokens(usage: Mapping[str, Any] | None) -> int:
    """A span's ``total_tokens`` (``input_tokens + output_tokens`` when the total is missing;
    0 when it called no model or the provider gave no count)."""
    usage = usage or {}
    total = usage.get("total_tokens")
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    parts = [usage.get(k) for k in ("input_tokens", "output_tokens")]
    return sum(p for p in parts if isinstance(p, int) and not isinstance(p, bool))


def leaf_tokens(spans: Iterable[Any]) -> int:
    """The sum of :func:`span_tokens` over the leaf spans (no span names them as parent): each
    model call counted once (see the module docstring). ``spans`` have ``id``,
    ``parent_span_id`` and ``token_usage``."""
    spans = list(spans)
    parents = {s.parent_span_id for s in spans if s.parent_span_id is not None}
    return sum(span_tokens(s.token_usage) for s in spans if s.id not in parents)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class TraceFilters:
    """Filters of a trace listing (Langflow ``GET /api/v1/monitor/traces``); ``None`` means any.

    ``query`` matches a substring of the trace's name, id or session id, case-insensitively;
    ``start_time`` / ``end_time`` bound the trace's start time (inclusive; a naive time is UTC).
    """

    flow_id: uuid.UUID | None = None
    session_id: str | None = None
    status: str | None = None
    query: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None

    def check(self) -> None:
        """InvalidInput naming a filter that cannot match anything stored."""
        if self.status is not None and self.status not in STATUSES:
            raise InvalidInput(
                f"status must be one of {', '.join(STATUSES)}", [FieldProblem("status", "unknown status")]
            )
        check_text(self.session_id, "session_id", SESSION_ID_MAX)
        check_text(self.query, "query", QUERY_MAX)

    def conditions(self, user_id: uuid.UUID) -> list[ColumnElement[bool]]:
        """The WHERE conditions: the owner first, then each filter given."""
        conds: list[ColumnElement[bool]] = [Trace.user_id == user_id]
        if self.flow_id is not None:
            conds.append(Trace.flow_id == self.flow_id)
        if self.session_id is not None:
            conds.append(Trace.session_id == self.session_id)
        if self.status is not None:
            conds.append(Trace.status == self.status)
        query = (self.query or "").strip()
        if query:
            pattern = _like(query)
            hex_digits = query.replace("-", "").lower()
            by_id: ColumnElement[bool] = false()
            if (
                hex_digits and set(hex_digits) <= _HEX
            ):  # SQLite stores UUIDs as 32 hex digits, PostgreSQL with dashes
                by_id = func.replace(cast(Trace.id, String), "-", "").ilike(f"%{hex_digits}%")
            conds.append(
                or_(
                    Trace.name.ilike(pattern, escape="\\"),
                    Trace.session_id.ilike(pattern, escape="\\"),
                    by_id,
                )
            )
        if self.start_time is not None:
            conds.append(Trace.start_time >= utc(self.start_time))
        if self.end_time is not None:
            conds.append(Trace.start_time <= utc(self.end_time))
        return conds


@dataclass
class TraceSummary:
    """A stored trace and its token total (:func:`leaf_tokens` of its spans)."""

    trace: Trace
    total_tokens: int


async def _summaries(ctx: Context, traces: Sequence[Trace]) -> list[TraceSummary]:
    ids = [t.id for t in traces]
    if not ids:
        return []
    query = select(Span.trace_id, Span.id, Span.parent_span_id, Span.token_usage).where(
        Span.trace_id.in_(ids)
    )
    by_trace: dict[uuid.UUID, list[Any]] = {}
    async with ctx.sessions() as session:
        for row in await session.execute(query):
            by_trace.setdefault(row.trace_id, []).append(row)
    return [TraceSummary(t, leaf_tokens(by_trace.get(t.id, []))) for t in traces]


@dataclass
class TraceListPage:
    """A numbered page (Langflow ``TraceListResponse``): ``pages`` is ``ceil(total / size)``, at
    least 1, as Langflow answers."""

    traces: list[TraceSummary]
    total: int
    pages: int


async def list_traces(ctx: Context, *, filters: TraceFilters, page: int = 1, size: int = 50) -> TraceListPage:
    """Page ``page`` (from 1) of ``size`` (1..200) of the caller's traces matching ``filters``,
    newest first (Langflow ``GET /api/v1/monitor/traces``).

    Raises Unauthenticated; InvalidInput for ``page`` < 1, ``size`` out of range or a bad filter.
    """
    principal = ctx.require_principal()
    filters.check()
    check_page(page)
    if not 1 <= size <= MAX_SIZE:
        raise InvalidInput(f"size must be between 1 and {MAX_SIZE}", [FieldProblem("size", "out of range")])
    conds = filters.conditions(principal.user_id)
    query = (
        select(Trace)
        .where(*conds)
        .order_by(Trace.start_time.desc(), Trace.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    async with ctx.sessions() as session:
        total = int(await session.scalar(select(func.count()).select_from(Trace).where(*conds)) or 0)
        rows = list(await session.scalars(query))
    return TraceListPage(
        traces=await _summaries(ctx, rows), total=total, pages=max(1, math.ceil(total / size))
    )


@dataclass
class TraceKeysetPage:
    """One keyset page of traces, newest first: ``items`` are (opaque cursor, trace)."""

    items: list[tuple[str, TraceSummary]]
    has_next_page: bool
    total_count: int


async def traces_page(
    ctx: Context, *, filters: TraceFilters, first: int, after: str | None
) -> TraceKeysetPage:
    """Up to ``first`` (1..100) of the caller's traces matching ``filters`` after the cursor
    ``after``, newest first (GraphQL ``traces``); ``total_count`` counts every match.

    Raises Unauthenticated; InvalidInput for ``first`` out of range, a foreign cursor or a bad
    filter.
    """
    principal = ctx.require_principal()
    check_first(first)
    filters.check()
    conds = filters.conditions(principal.user_id)
    query = select(Trace).where(*conds)
    if after is not None:
        at, last_id = decode_id_cursor(CURSOR_KIND, after)
        query = query.where(after_condition(Trace.start_time, Trace.id, at, last_id, descending=True))
    query = query.order_by(Trace.start_time.desc(), Trace.id.desc()).limit(first + 1)
    async with ctx.sessions() as session:
        rows = list(await session.scalars(query))
        total = int(await session.scalar(select(func.count()).select_from(Trace).where(*conds)) or 0)
    summaries = await _summaries(ctx, rows[:first])
    return TraceKeysetPage(
        items=[(encode_cursor(CURSOR_KIND, s.trace.start_time, s.trace.id), s) for s in summaries],
        has_next_page=len(rows) > first,
        total_count=total,
    )


@dataclass
class SpanNode:
    """A span with its child spans (model and tool calls under a vertex span), oldest first."""

    span: Span
    children: list[SpanNode] = field(default_factory=list)


def span_tree(spans: Iterable[Span]) -> list[SpanNode]:
    """The roots (vertex spans, by start time) with their children nested; a span whose parent
    is missing counts as a root."""
    ordered = sorted(spans, key=lambda s: (s.start_time, str(s.id)))
    nodes = {s.id: SpanNode(s) for s in ordered}
    roots: list[SpanNode] = []
    for span in ordered:
        parent = nodes.get(span.parent_span_id) if span.parent_span_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[span.id])
    return roots


@dataclass
class TraceDetail:
    """One trace with its span tree (Langflow ``TraceRead``)."""

    trace: Trace
    spans: list[SpanNode]
    total_tokens: int


async def get_trace(ctx: Context, *, trace_id: uuid.UUID) -> TraceDetail:
    """The caller's trace ``trace_id`` with its span tree (Langflow ``GET
    /api/v1/monitor/traces/{trace_id}``). Raises Unauthenticated; NotFound when it is missing
    or another user's."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        trace = await session.scalar(
            select(Trace).where(Trace.id == trace_id, Trace.user_id == principal.user_id)
        )
        if trace is None:
            raise NotFound("Trace not found")
        spans = list(await session.scalars(select(Span).where(Span.trace_id == trace_id)))
    return TraceDetail(trace=trace, spans=span_tree(spans), total_tokens=leaf_tokens(spans))


async def get_trace_summary(ctx: Context, *, trace_id: uuid.UUID) -> TraceSummary:
    """The caller's trace ``trace_id`` and its token total, without its spans (GraphQL
    ``trace``, whose spans come through a DataLoader). Raises Unauthenticated; NotFound when it
    is missing or another user's."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        trace = await session.scalar(
            select(Trace).where(Trace.id == trace_id, Trace.user_id == principal.user_id)
        )
    if trace is None:
        raise NotFound("Trace not found")
    [summary] = await _summaries(ctx, [trace])
    return summary


async def span_trees(ctx: Context, *, trace_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SpanNode]]:
    """The span tree of each of the caller's traces ``trace_ids`` (GraphQL ``Trace.spans``,
    batched by a DataLoader): one statement for all. Another user's trace has none.
    Raises Unauthenticated."""
    principal = ctx.require_principal()
    trees: dict[uuid.UUID, list[SpanNode]] = {tid: [] for tid in trace_ids}
    if not trace_ids:
        return trees
    owned = select(Trace.id).where(Trace.id.in_(list(trace_ids)), Trace.user_id == principal.user_id)
    query = select(Span).where(Span.trace_id.in_(owned.scalar_subquery()))
    grouped: dict[uuid.UUID, list[Span]] = {}
    async with ctx.sessions() as session:
        for span in await session.scalars(query):
            grouped.setdefault(span.trace_id, []).append(span)
    for tid, spans in grouped.items():
        trees[tid] = span_tree(spans)
    return trees


async def delete_trace(ctx: Context, *, trace_id: uuid.UUID) -> None:
    """Delete the caller's trace ``trace_id`` and its spans (Langflow ``DELETE
    /api/v1/monitor/traces/{trace_id}``). Raises Unauthenticated; NotFound when it is missing
    or another user's (nothing is deleted)."""
    if await delete_traces(ctx, trace_ids=[trace_id]) == 0:
        raise NotFound("Trace not found")


async def delete_flow_traces(ctx: Context, *, flow_id: uuid.UUID) -> int:
    """Delete every trace (and span) of the caller's flow ``flow_id`` (Langflow ``DELETE
    /api/v1/monitor/traces?flow_id=``); returns how many. Raises Unauthenticated; NotFound when
    the flow is missing or another user's."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        owned = await session.scalar(
            select(Flow.id).where(Flow.id == flow_id, Flow.user_id == principal.user_id)
        )
    if owned is None:
        raise NotFound("Flow not found")
    return await delete_traces(ctx, flow_id=flow_id)


async def delete_traces(
    ctx: Context, *, flow_id: uuid.UUID | None = None, trace_ids: Sequence[uuid.UUID] | None = None
) -> int:
    """Delete the caller's traces of flow ``flow_id`` and/or with ids ``trace_ids`` (both given:
    those of the flow among the ids), with their spans (GraphQL ``deleteTraces``); returns how
    many traces were deleted. Others' traces are never touched.

    Raises Unauthenticated; InvalidInput when neither ``flow_id`` nor ``trace_ids`` is given,
    or more than :data:`MAX_DELETE_IDS` ids.
    """
    principal = ctx.require_principal()
    if flow_id is None and trace_ids is None:
        message = "give flowId, ids or both"
        raise InvalidInput(message, [FieldProblem("flowId", message)])
    if trace_ids is not None and len(trace_ids) > MAX_DELETE_IDS:
        message = f"at most {MAX_DELETE_IDS} ids at once"
        raise InvalidInput(message, [FieldProblem("ids", message)])
    conds: list[ColumnElement[bool]] = [Trace.user_id == principal.user_id]
    if flow_id is not None:
        conds.append(Trace.flow_id == flow_id)
    if trace_ids is not None:
        conds.append(Trace.id.in_(list(dict.fromkeys(trace_ids))))
    doomed = select(Trace.id).where(*conds).scalar_subquery()
    async with ctx.sessions() as session:
        await session.execute(
            delete(Span).where(Span.trace_id.in_(doomed)).execution_options(synchronize_session=False)
        )
        result = await session.execute(
            delete(Trace).where(*conds).execution_options(synchronize_session=False)
        )
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
