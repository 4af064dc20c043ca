"""Flows: create, read, list (plain and keyset pages), update, delete, import.

Mirrors Langflow's ``/api/v1/flows`` routes. Every read filters by the caller's ``user_id`` in the
same statement that fetches the flow, so "not yours" and "missing" both raise
``NotFound("Flow not found")``.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select

from flowql.context import Context
from flowql.db.models import Flow, Job
from flowql.engine.graph import parse_flow
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.jobs import ACTIVE_STATUSES
from flowql.resolvers.flow_db import FLOW_NOT_FOUND, commit_or_conflict, ensure_endpoint_free, resolve_folder
from flowql.resolvers.flow_import import import_flows, parse_flow_file

__all__ = [
    "ComponentSummary",
    "FlowPage",
    "create_flow",
    "delete_flow",
    "flow_components",
    "flows_page",
    "get_flow",
    "import_flows",
    "list_flows",
    "parse_flow_file",
    "update_flow",
]
from flowql.resolvers.flow_values import clean_flow_values

__all__ = [
    "FlowPage",
    "create_flow",
    "delete_flow",
    "flows_page",
    "get_flow",
    "import_flows",
    "list_flows",
    "update_flow",
]

MAX_PAGE_SIZE = 100


async def create_flow(ctx: Context, *, values: dict[str, Any]) -> Flow:
    """Create a flow (Langflow ``POST /api/v1/flows/``) owned by the caller.

    ``values`` uses ``FlowCreate`` names (see ``flow_values.WRITABLE_FIELDS``); a body ``id``,
    ``user_id`` or ``updated_at`` is ignored (the server assigns them). Without ``folder_id`` the
    flow goes to the caller's default project. ``data`` is stored exactly as given.

    Raises Unauthenticated, InvalidInput (bad fields; broken ``data`` naming the node or edge),
    NotFound("Project not found") for a folder that is not the caller's, Conflict for an
    ``endpoint_name`` the caller already uses.
    """
    principal = ctx.require_principal()
    clean = clean_flow_values(values, partial=False)
    async with ctx.sessions() as session:
        clean["folder_id"] = await resolve_folder(session, principal.user_id, clean.get("folder_id"))
        await ensure_endpoint_free(session, principal.user_id, clean.get("endpoint_name"))
        flow = Flow(id=uuid.uuid4(), user_id=principal.user_id, **clean)
        session.add(flow)
        await commit_or_conflict(session)
        return flow


async def get_flow(ctx: Context, *, flow_id: uuid.UUID) -> Flow:
    """The caller's flow ``flow_id`` (Langflow ``GET /api/v1/flows/{flow_id}``).

    Raises Unauthenticated, NotFound("Flow not found") when missing or not the caller's.
    """
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        flow = await session.scalar(select(Flow).where(Flow.id == flow_id, Flow.user_id == principal.user_id))
    if flow is None:
        raise NotFound(FLOW_NOT_FOUND)
    return flow


async def list_flows(
    ctx: Context, *, folder_id: uuid.UUID | None = None, components_only: bool = False
) -> list[Flow]:
    """The caller's flows, oldest first (Langflow ``GET /api/v1/flows/``).

    ``folder_id`` keeps the flows of that project (an unknown or foreign folder gives an empty
    list, as Langflow answers); ``components_only`` keeps ``is_component`` flows.
    Raises Unauthenticated.
    """
    principal = ctx.require_principal()
    query = select(Flow).where(Flow.user_id == principal.user_id)
    if folder_id is not None:
        query = query.where(Flow.folder_id == folder_id)
    if components_only:
        query = query.where(Flow.is_component.is_(True))
    async with ctx.sessions() as session:
        return list(await session.scalars(query.order_by(Flow.created_at, Flow.id)))


@dataclass
class FlowPage:
    """One keyset page of flows: ``items`` are (opaque cursor, flow) in (created_at, id) order."""

    items: list[tuple[str, Flow]]
    has_next_page: bool
    total_count: int


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes; make them aware so every backend compares alike."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _encode_cursor(flow: Flow) -> str:
    raw = json.dumps([_utc(flow.created_at).isoformat(), str(flow.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, flow_id = json.loads(raw)
        return _utc(datetime.fromisoformat(created)), uuid.UUID(flow_id)
    except (binascii.Error, ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidInput("Invalid cursor", [FieldProblem("after", "not a cursor from this API")]) from exc


async def flows_page(ctx: Context, *, first: int, after: str | None) -> FlowPage:
    """Up to ``first`` (1..100) of the caller's flows after the cursor ``after`` (GraphQL ``flows``).

    Raises Unauthenticated, InvalidInput for ``first`` out of range or a cursor this API did not
    hand out.
    """
    principal = ctx.require_principal()
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"first must be between 1 and {MAX_PAGE_SIZE}", [FieldProblem("first", "out of range")]
        )
    owned = Flow.user_id == principal.user_id
    query = select(Flow).where(owned)
    if after is not None:
        created, last_id = _decode_cursor(after)
        query = query.where(
            or_(Flow.created_at > created, and_(Flow.created_at == created, Flow.id > last_id))
        )
    async with ctx.sessions() as session:
        rows = list(await session.scalars(query.order_by(Flow.created_at, Flow.id).limit(first + 1)))
        total = await session.scalar(select(func.count()).select_from(Flow).where(owned))
    return FlowPage(
        items=[(_encode_cursor(f), f) for f in rows[:first]],
        has_next_page=len(rows) > first,
        total_count=int(total or 0),
    )


async def update_flow(ctx: Context, *, flow_id: uuid.UUID, values: dict[str, Any]) -> Flow:
    """Change the keys present in ``values`` (Langflow ``PATCH /api/v1/flows/{flow_id}``).

    ``values`` uses ``FlowUpdate`` names; ``None`` clears a nullable field and is ignored for
    ``name``, ``data``, ``folder_id``, ``access_type`` and booleans. Everything is checked
    before the write, so a rejected update leaves the flow as it was.

    Raises Unauthenticated, NotFound("Flow not found"), InvalidInput, NotFound("Project not
    found"), Conflict (endpoint_name in use).
    """
    principal = ctx.require_principal()
    clean = clean_flow_values(values, partial=True)
    async with ctx.sessions() as session:
        flow = await session.scalar(select(Flow).where(Flow.id == flow_id, Flow.user_id == principal.user_id))
        if flow is None:
            raise NotFound(FLOW_NOT_FOUND)
        if "folder_id" in clean:
            clean["folder_id"] = await resolve_folder(session, principal.user_id, clean["folder_id"])
        if "endpoint_name" in clean:
            await ensure_endpoint_free(session, principal.user_id, clean["endpoint_name"], except_id=flow.id)
        for key, value in clean.items():
            setattr(flow, key, value)
        await commit_or_conflict(session)
        await session.refresh(flow)
        return flow


async def delete_flow(ctx: Context, *, flow_id: uuid.UUID) -> None:
    """Delete the caller's flow and, by cascade, its messages, builds, jobs and traces
    (Langflow ``DELETE /api/v1/flows/{flow_id}``). Its jobs still running in this process are
    cancelled first, so their watchers get ``error`` + ``end`` and no work goes on for a flow
    that is gone. Raises Unauthenticated, NotFound."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        running = list(
            await session.scalars(
                select(Job.id).where(
                    Job.flow_id == flow_id, Job.user_id == principal.user_id, Job.status.in_(ACTIVE_STATUSES)
                )
            )
        )
    if ctx.jobs is not None:
        for job_id in running:
            if ctx.jobs.runner.is_running(job_id):
                await ctx.jobs.runner.cancel(job_id)
    async with ctx.sessions() as session:
        result = await session.execute(
            delete(Flow).where(Flow.id == flow_id, Flow.user_id == principal.user_id).returning(Flow.id)
        )
        if result.scalar() is None:
            raise NotFound(FLOW_NOT_FOUND)
        await session.commit()


@dataclass(frozen=True)
class ComponentSummary:
    """One component vertex of a flow: node id, component type (``data.type``), display name."""

    id: str
    type: str
    display_name: str


def flow_components(data: object) -> list[ComponentSummary]:
    """The component vertices of stored flow JSON in ``data.nodes`` order, parsed the way the
    engine parses them (note nodes and nodes without a type skipped); ``[]`` for no data."""
    if not isinstance(data, dict):
        return []
    try:
        graph = parse_flow(data)
    except InvalidInput:
        return []
    return [
        ComponentSummary(v.id, v.type, v.display_name or v.type)
        for v in graph.vertices.values()
        if v.type and v.type != "note"
    ]
