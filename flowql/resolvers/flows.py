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

from sqlalchemy import ColumnElement, and_, func, or_, select

from flowql.context import Context
from flowql.db.models import Flow, Job, User
from flowql.engine.graph import parse_flow
from flowql.errors import FieldProblem, InvalidInput, NotFound
from flowql.jobs import ACTIVE_STATUSES
from flowql.resolvers.files import delete_stored_files
from flowql.resolvers.flow_db import (
    FLOW_NOT_FOUND,
    commit_or_conflict,
    delete_flows_with_runs,
    ensure_endpoint_free,
    ensure_name_free,
    free_names,
    naming_lock,
    resolve_folder,
)
from flowql.resolvers.flow_import import (
    FlowFile,
    import_flow_file,
    import_flows,
    insert_flows,
    parse_flow_file,
    parse_flow_upload,
    prepare_batch,
)
from flowql.resolvers.flow_values import clean_flow_values

__all__ = [
    "ComponentSummary",
    "FlowFile",
    "FlowPage",
    "create_flow",
    "create_flows",
    "delete_flow",
    "delete_flows",
    "flow_components",
    "flows_for_download",
    "flows_page",
    "get_flow",
    "get_public_flow",
    "import_flow_file",
    "import_flows",
    "list_flows",
    "owners_by_ids",
    "parse_flow_file",
    "parse_flow_upload",
    "update_flow",
    "upsert_flow",
]

MAX_PAGE_SIZE = 100


async def create_flow(ctx: Context, *, values: dict[str, Any]) -> Flow:
    """Create a flow (Langflow ``POST /api/v1/flows/``) owned by the caller.

    ``values`` uses ``FlowCreate`` names (see ``flow_values.WRITABLE_FIELDS``); a body ``id``,
    ``user_id`` or ``updated_at`` is ignored (the server assigns them). Without ``folder_id`` the
    flow goes to the caller's default project. ``data`` is stored exactly as given. A name the
    caller already has gets Langflow's `` (N)`` suffix.

    Raises Unauthenticated, InvalidInput (bad fields; broken ``data`` naming the node or edge),
    NotFound("Project not found") for a folder that is not the caller's, Conflict for an
    ``endpoint_name`` the caller already uses.
    """
    principal = ctx.require_principal()
    clean = clean_flow_values(values, partial=False)
    async with naming_lock(principal.user_id), ctx.sessions() as session:
        clean["folder_id"] = await resolve_folder(session, principal.user_id, clean.get("folder_id"))
        await ensure_endpoint_free(session, principal.user_id, clean.get("endpoint_name"))
        [clean["name"]] = await free_names(session, Flow, principal.user_id, [clean["name"]])
        flow = Flow(id=uuid.uuid4(), user_id=principal.user_id, **clean)
        session.add(flow)
        await commit_or_conflict(session)
        return flow


async def create_flows(ctx: Context, *, items: list[dict[str, Any]]) -> list[Flow]:
    """Create several flows at once, all or none (Langflow ``POST /api/v1/flows/batch/``).

    Each item is checked as :func:`create_flow` checks its ``values`` (a body ``id`` is
    ignored); names follow the naming policy in order, so a name the caller has, or an earlier
    item has, gets the next `` (N)``. Returns the stored flows in item order.

    Raises Unauthenticated, InvalidInput naming ``flows[i]``, NotFound("Project not found"),
    Conflict for an ``endpoint_name`` the caller already uses or two items share.
    """
    principal = ctx.require_principal()
    prepared = prepare_batch(items)
    async with naming_lock(principal.user_id), ctx.sessions() as session:
        flows = await insert_flows(session, principal.user_id, prepared, use_own_folders=True)
        await commit_or_conflict(session)
        return flows


async def upsert_flow(ctx: Context, *, flow_id: uuid.UUID, values: dict[str, Any]) -> tuple[Flow, bool]:
    """Create the flow ``flow_id`` or update it when it is the caller's (Langflow
    ``PUT /api/v1/flows/{flow_id}``; the Python SDK's ``upsert_flow`` and ``push``).

    ``values`` uses ``FlowCreate`` names (``name`` required; a body ``id`` is ignored, the path
    id wins). Creating: as :func:`create_flow`, under ``flow_id``. Updating: the keys present
    change, as :func:`update_flow`; a new name follows the naming policy against the caller's
    other flows. Returns ``(flow, created)``.

    Raises Unauthenticated, InvalidInput, NotFound("Flow not found") when ``flow_id`` is another
    user's flow, NotFound("Project not found"), Conflict (endpoint name in use).
    """
    principal = ctx.require_principal()
    clean = clean_flow_values(values, partial=False)  # a PUT body is a whole FlowCreate
    async with naming_lock(principal.user_id):
        async with ctx.sessions() as session:
            existing = await session.scalar(select(Flow).where(Flow.id == flow_id))
        if existing is None:
            async with ctx.sessions() as session:
                clean["folder_id"] = await resolve_folder(session, principal.user_id, clean.get("folder_id"))
                await ensure_endpoint_free(session, principal.user_id, clean.get("endpoint_name"))
                [clean["name"]] = await free_names(session, Flow, principal.user_id, [clean["name"]])
                flow = Flow(id=flow_id, user_id=principal.user_id, **clean)
                session.add(flow)
                await commit_or_conflict(session)
                return flow, True
    if existing.user_id != principal.user_id:
        raise NotFound(FLOW_NOT_FOUND)
    return await update_flow(ctx, flow_id=flow_id, values=values, rename_policy=True), False


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


async def get_public_flow(ctx: Context, *, flow_id: uuid.UUID) -> Flow:
    """A PUBLIC flow, for anyone, no principal needed (Langflow
    ``GET /api/v1/flows/public_flow/{flow_id}``). Raises NotFound("Flow not found") when the
    flow is missing or PRIVATE (the two answer the same)."""
    async with ctx.sessions() as session:
        flow = await session.scalar(select(Flow).where(Flow.id == flow_id, Flow.access_type == "PUBLIC"))
    if flow is None:
        raise NotFound(FLOW_NOT_FOUND)
    return flow


def flow_filters(
    user_id: uuid.UUID,
    *,
    folder_id: uuid.UUID | None = None,
    components_only: bool = False,
    is_component: bool | None = None,
    search: str | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a listing of the user's flows: in project ``folder_id``, only
    components (``components_only``), ``is_component`` equal to the value given, the name
    containing ``search`` (case-insensitive, ``%`` and ``_`` taken literally)."""
    conditions: list[ColumnElement[bool]] = [Flow.user_id == user_id]
    if folder_id is not None:
        conditions.append(Flow.folder_id == folder_id)
    if components_only:
        conditions.append(Flow.is_component.is_(True))
    if is_component is not None:
        conditions.append(Flow.is_component.is_(is_component))
    if search:
        conditions.append(Flow.name.icontains(search, autoescape=True))
    return conditions


async def list_flows(
    ctx: Context, *, folder_id: uuid.UUID | None = None, components_only: bool = False
) -> list[Flow]:
    """The caller's flows, oldest first (Langflow ``GET /api/v1/flows/``).

    ``folder_id`` keeps the flows of that project; ``components_only`` keeps ``is_component``
    flows. Raises Unauthenticated, NotFound("Project not found") for a ``folder_id`` that is not
    one of the caller's projects.
    """
    principal = ctx.require_principal()
    conditions = flow_filters(principal.user_id, folder_id=folder_id, components_only=components_only)
    async with ctx.sessions() as session:
        if folder_id is not None:
            await resolve_folder(session, principal.user_id, folder_id)
        return list(await session.scalars(select(Flow).where(*conditions).order_by(Flow.created_at, Flow.id)))


async def flows_for_download(ctx: Context, *, flow_ids: list[uuid.UUID]) -> list[Flow]:
    """Those of ``flow_ids`` that are the caller's, oldest first (Langflow
    ``POST /api/v1/flows/download/``); another user's ids are left out. Raises Unauthenticated,
    NotFound("No flows found") when none is the caller's."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        flows = list(
            await session.scalars(
                select(Flow)
                .where(Flow.id.in_(flow_ids), Flow.user_id == principal.user_id)
                .order_by(Flow.created_at, Flow.id)
            )
        )
    if not flows:
        raise NotFound("No flows found")
    return flows


@dataclass
class FlowPage:
    """One keyset page of flows: ``items`` are (opaque cursor, flow) in (created_at, id) order."""

    items: list[tuple[str, Flow]]
    has_next_page: bool
    total_count: int


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes; make them aware so every backend compares alike."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def encode_cursor(flow: Flow) -> str:
    """The opaque keyset cursor of ``flow`` in (created_at, id) order."""
    raw = json.dumps([_utc(flow.created_at).isoformat(), str(flow.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after_cursor(cursor: str) -> ColumnElement[bool]:
    """The condition "after ``cursor``" in (created_at, id) order. Raises InvalidInput naming
    ``after`` for a cursor this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_text, id_text = json.loads(raw)
        created, last_id = _utc(datetime.fromisoformat(created_text)), uuid.UUID(id_text)
    except (binascii.Error, ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidInput("Invalid cursor", [FieldProblem("after", "not a cursor from this API")]) from exc
    return or_(Flow.created_at > created, and_(Flow.created_at == created, Flow.id > last_id))


def check_first(first: int) -> None:
    """InvalidInput naming ``first`` unless it is 1..MAX_PAGE_SIZE."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"first must be between 1 and {MAX_PAGE_SIZE}", [FieldProblem("first", "out of range")]
        )


async def flows_page(
    ctx: Context,
    *,
    first: int,
    after: str | None,
    folder_id: uuid.UUID | None = None,
    is_component: bool | None = None,
    search: str | None = None,
) -> FlowPage:
    """Up to ``first`` (1..100) of the caller's flows after the cursor ``after`` (GraphQL
    ``flows``), optionally only those of project ``folder_id``, those whose ``is_component`` is
    the given value, or whose name contains ``search`` (case-insensitive). ``total_count``
    counts every flow matching the filters.

    Raises Unauthenticated, InvalidInput for ``first`` out of range or a cursor this API did not
    hand out, NotFound("Project not found") for a ``folder_id`` that is not the caller's.
    """
    principal = ctx.require_principal()
    check_first(first)
    conditions = flow_filters(
        principal.user_id, folder_id=folder_id, is_component=is_component, search=search
    )
    query = select(Flow).where(*conditions)
    if after is not None:
        query = query.where(after_cursor(after))
    async with ctx.sessions() as session:
        if folder_id is not None:  # as REST ?folder_id=: a project not the caller's is a 404
            await resolve_folder(session, principal.user_id, folder_id)
        rows = list(await session.scalars(query.order_by(Flow.created_at, Flow.id).limit(first + 1)))
        total = await session.scalar(select(func.count()).select_from(Flow).where(*conditions))
    return FlowPage(
        items=[(encode_cursor(f), f) for f in rows[:first]],
        has_next_page=len(rows) > first,
        total_count=int(total or 0),
    )


async def update_flow(
    ctx: Context, *, flow_id: uuid.UUID, values: dict[str, Any], rename_policy: bool = False
) -> Flow:
    """Change the keys present in ``values`` (Langflow ``PATCH /api/v1/flows/{flow_id}``).

    ``values`` uses ``FlowUpdate`` names; ``None`` clears a nullable field and is ignored for
    ``name``, ``data``, ``folder_id``, ``access_type`` and booleans. Everything is checked
    before the write, so a rejected update leaves the flow as it was. With ``rename_policy``
    (the upsert path) a new name the caller's other flows have gets the `` (N)`` suffix;
    without it such a name is refused.

    Raises Unauthenticated, NotFound("Flow not found"), InvalidInput, NotFound("Project not
    found"), Conflict (endpoint_name in use; "A flow with this name already exists").
    """
    principal = ctx.require_principal()
    clean = clean_flow_values(values, partial=True)
    async with naming_lock(principal.user_id), ctx.sessions() as session:
        flow = await session.scalar(select(Flow).where(Flow.id == flow_id, Flow.user_id == principal.user_id))
        if flow is None:
            raise NotFound(FLOW_NOT_FOUND)
        if "folder_id" in clean:
            clean["folder_id"] = await resolve_folder(session, principal.user_id, clean["folder_id"])
        if "endpoint_name" in clean:
            await ensure_endpoint_free(session, principal.user_id, clean["endpoint_name"], except_id=flow.id)
        if "name" in clean and clean["name"] != flow.name:
            if rename_policy:
                [clean["name"]] = await free_names(
                    session, Flow, principal.user_id, [clean["name"]], except_ids=[flow.id]
                )
            else:
                await ensure_name_free(session, Flow, principal.user_id, clean["name"], except_id=flow.id)
        for key, value in clean.items():
            setattr(flow, key, value)
        await commit_or_conflict(session)
        await session.refresh(flow)
        return flow


async def cancel_running_jobs(ctx: Context, user_id: uuid.UUID, flow_ids: list[uuid.UUID]) -> None:
    """Cancel the jobs of these flows still running in this process, so their watchers get
    ``error`` + ``end`` and no work goes on for flows about to be deleted."""
    if not flow_ids or ctx.jobs is None:
        return
    async with ctx.sessions() as session:
        running = list(
            await session.scalars(
                select(Job.id).where(
                    Job.flow_id.in_(flow_ids), Job.user_id == user_id, Job.status.in_(ACTIVE_STATUSES)
                )
            )
        )
    for job_id in running:
        if ctx.jobs.runner.is_running(job_id):
            await ctx.jobs.runner.cancel(job_id)


async def delete_flow(ctx: Context, *, flow_id: uuid.UUID) -> None:
    """Delete the caller's flow with its messages, builds, transactions, traces and jobs, in one
    transaction (Langflow ``DELETE /api/v1/flows/{flow_id}``). Its running jobs are cancelled
    first. Raises Unauthenticated, NotFound."""
    if await delete_flows(ctx, flow_ids=[flow_id]) == 0:
        raise NotFound(FLOW_NOT_FOUND)


async def delete_flows(ctx: Context, *, flow_ids: list[uuid.UUID]) -> int:
    """Delete those of ``flow_ids`` that are the caller's (another user's ids are skipped), each
    with its messages, builds, transactions, traces and jobs, in one transaction (Langflow
    ``DELETE /api/v1/flows/``). Returns how many were deleted. Raises Unauthenticated."""
    principal = ctx.require_principal()
    ids = list(dict.fromkeys(flow_ids))
    await cancel_running_jobs(ctx, principal.user_id, ids)
    async with ctx.sessions() as session:
        deleted = await delete_flows_with_runs(session, principal.user_id, ids)
        await session.commit()
    await delete_stored_files(ctx, deleted.file_keys)
    return deleted.count


async def owners_by_ids(ctx: Context, *, user_ids: list[uuid.UUID]) -> list[User | None]:
    """The owners of flows, in ``user_ids`` order, for GraphQL ``Flow.owner`` (one statement
    for the whole list): the caller's own user; ``None`` for anyone else (a PUBLIC flow read by
    another user does not reveal its owner). Raises Unauthenticated."""
    principal = ctx.require_principal()
    wanted = {u for u in user_ids if u == principal.user_id}
    found: dict[uuid.UUID, User] = {}
    if wanted:
        async with ctx.sessions() as session:
            found = {u.id: u for u in await session.scalars(select(User).where(User.id.in_(wanted)))}
    return [found.get(u) for u in user_ids]


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
