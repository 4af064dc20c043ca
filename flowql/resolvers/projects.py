"""Projects (Langflow's folders): list, create, read with flows, update, delete, download,
upload; and the batched lookups behind GraphQL ``Flow.project`` and ``Project.flows``.

Mirrors Langflow's ``/api/v1/projects`` routes. Every read filters by the caller's ``user_id``
in the same statement that fetches the project, so "not yours" and "missing" both raise
``NotFound("Project not found")``. Flows named in a request (``flows_list``, ``flows``, ...)
must all be the caller's, else ``NotFound("Flow not found")`` and nothing changes.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flowql.context import Context
from flowql.db.models import Flow, Project
from flowql.errors import Conflict, FieldProblem, InvalidInput, NotFound
from flowql.resolvers.auth_settings import merge_auth_settings
from flowql.resolvers.files import delete_stored_files
from flowql.resolvers.flow_db import (
    FLOW_NOT_FOUND,
    NAME_MAX,
    PROJECT_NOT_FOUND,
    commit_or_conflict,
    delete_flows_with_runs,
    ensure_name_free,
    flush_or_conflict,
    free_names,
    hold_write_lock,
    naming_lock,
)
from flowql.resolvers.flow_import import IMPORT_ATTEMPTS, FlowFile, insert_flows, prepare_file
from flowql.resolvers.flow_values import parse_uuid
from flowql.resolvers.flows import (
    FlowPage,
    after_cursor,
    cancel_running_jobs,
    check_first,
    encode_cursor,
    flow_filters,
)
from flowql.resolvers.input_checks import text_problem
from flowql.resolvers.users import default_project_id

#: Name of a project uploaded without a name (a zip sent as the raw body, as the Python SDK does).
IMPORTED_PROJECT_NAME = "Imported project"
#: Largest ``size`` of a paginated project read.
MAX_PROJECT_PAGE_SIZE = 100

#: Keys ``update_project`` accepts.
PROJECT_UPDATE_KEYS = frozenset({"name", "description", "parent_id", "auth_settings", "flows", "add_flows"})


async def _owned(session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID) -> Project:
    project = await session.scalar(
        select(Project).where(Project.id == project_id, Project.user_id == user_id)
    )
    if project is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return project


def _check_name(value: object, path: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            f"{path} must be a non-empty string", [FieldProblem(path, "must be a non-empty string")]
        )
    problem = text_problem(value, NAME_MAX)
    if problem is not None:
        raise InvalidInput(f"{path} {problem}", [FieldProblem(path, problem)])
    return value


def _check_description(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("description must be a string", [FieldProblem("description", "must be a string")])
    problem = text_problem(value)
    if problem is not None:
        raise InvalidInput(f"description {problem}", [FieldProblem("description", problem)])
    return value


def _check_auth_settings(value: object, stored: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Checked ``auth_settings`` (:func:`~flowql.resolvers.auth_settings.merge_auth_settings`: a
    masked secret keeps ``stored``); ``None`` stays ``None``."""
    return None if value is None else merge_auth_settings(value, stored)


def _flow_ids(value: object, path: str) -> list[uuid.UUID]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{path} must be a list of flow ids", [FieldProblem(path, "must be a list")])
    return list(dict.fromkeys(parse_uuid(v, path) for v in value))


async def _check_flows_owned(
    session: AsyncSession, user_id: uuid.UUID, flow_ids: Collection[uuid.UUID]
) -> None:
    """NotFound("Flow not found") unless every id is one of the user's flows."""
    if not flow_ids:
        return
    owned = await session.scalar(
        select(func.count()).select_from(Flow).where(Flow.id.in_(list(flow_ids)), Flow.user_id == user_id)
    )
    if int(owned or 0) != len(flow_ids):
        raise NotFound(FLOW_NOT_FOUND)


async def _check_parent(
    session: AsyncSession, user_id: uuid.UUID, parent_id: uuid.UUID | None, project_id: uuid.UUID | None
) -> None:
    """NotFound("Project not found") for a parent that is not the user's; InvalidInput when the
    parent is ``project_id`` itself or one of its descendants (a cycle)."""
    current = parent_id
    seen: set[uuid.UUID] = set()
    while current is not None and current not in seen:
        if current == project_id:
            problem = "a project cannot be its own parent or ancestor"
            raise InvalidInput(f"parent_id: {problem}", [FieldProblem("parent_id", problem)])
        seen.add(current)
        parent = await _owned(session, user_id, current)
        current = parent.parent_id


async def list_projects(ctx: Context) -> list[Project]:
    """The caller's projects (Langflow ``GET /api/v1/projects/``): the default project first,
    then oldest first. Raises Unauthenticated."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        await default_project_id(session, principal.user_id)  # users made before projects existed
        await session.commit()
        query = (
            select(Project)
            .where(Project.user_id == principal.user_id)
            .order_by(Project.is_default.desc(), Project.created_at, Project.id)
        )
        return list(await session.scalars(query))


async def get_project(ctx: Context, *, project_id: uuid.UUID) -> Project:
    """The caller's project. Raises Unauthenticated, NotFound("Project not found")."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        return await _owned(session, principal.user_id, project_id)


async def project_with_flows(ctx: Context, *, project_id: uuid.UUID) -> tuple[Project, list[Flow]]:
    """The caller's project and all its flows, oldest first (Langflow
    ``GET /api/v1/projects/{project_id}`` without ``page``/``size``; also the project download).
    Raises Unauthenticated, NotFound("Project not found")."""
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        project = await _owned(session, principal.user_id, project_id)
        conditions = flow_filters(principal.user_id, folder_id=project.id)
        flows = list(
            await session.scalars(select(Flow).where(*conditions).order_by(Flow.created_at, Flow.id))
        )
    return project, flows


@dataclass
class ProjectFlowsPage:
    """A numbered page of a project's flows (Langflow ``Page[FlowRead]``): ``items`` most
    recently updated first, ``total`` matching flows, ``pages`` = ceil(total / size)."""

    items: list[Flow]
    total: int
    page: int
    size: int
    pages: int


async def project_flows_page(
    ctx: Context,
    *,
    project_id: uuid.UUID,
    page: int,
    size: int,
    is_component: bool = False,
    is_flow: bool = False,
    search: str = "",
) -> tuple[Project, ProjectFlowsPage]:
    """The caller's project with one page of its flows (Langflow
    ``GET /api/v1/projects/{project_id}?page=&size=``): ``is_component`` keeps components,
    ``is_flow`` keeps non-components (both: nothing), ``search`` keeps names containing it
    (case-insensitive). Raises Unauthenticated, NotFound("Project not found"), InvalidInput for
    ``page`` < 1 or ``size`` outside 1..100."""
    principal = ctx.require_principal()
    if page < 1:
        raise InvalidInput("page must be at least 1", [FieldProblem("page", "must be at least 1")])
    if not 1 <= size <= MAX_PROJECT_PAGE_SIZE:
        problem = f"must be between 1 and {MAX_PROJECT_PAGE_SIZE}"
        raise InvalidInput(f"size {problem}", [FieldProblem("size", problem)])
    conditions = flow_filters(principal.user_id, folder_id=project_id, search=search or None)
    if is_component:
        conditions.append(Flow.is_component.is_(True))
    if is_flow:
        conditions.append(Flow.is_component.is_(False))
    async with ctx.sessions() as session:
        project = await _owned(session, principal.user_id, project_id)
        total = int(await session.scalar(select(func.count()).select_from(Flow).where(*conditions)) or 0)
        query = (
            select(Flow)
            .where(*conditions)
            .order_by(Flow.updated_at.desc(), Flow.id)
            .offset((page - 1) * size)
            .limit(size)
        )
        items = list(await session.scalars(query))
    return project, ProjectFlowsPage(
        items=items, total=total, page=page, size=size, pages=math.ceil(total / size)
    )


async def create_project(
    ctx: Context,
    *,
    name: str,
    description: str | None = None,
    auth_settings: dict[str, Any] | None = None,
    parent_id: uuid.UUID | None = None,
    flow_ids: Sequence[uuid.UUID] = (),
) -> Project:
    """Create a project for the caller and move ``flow_ids`` (Langflow's ``flows_list`` plus
    ``components_list``) into it (Langflow ``POST /api/v1/projects/``). A name the caller's
    projects already have gets Langflow's `` (N)`` suffix.

    Raises Unauthenticated, InvalidInput (empty or over-long name, bad auth_settings),
    NotFound("Project not found") for a parent that is not the caller's, NotFound("Flow not
    found") when any flow id is not the caller's (nothing is created then).
    """
    principal = ctx.require_principal()
    name = _check_name(name)
    description = _check_description(description)
    auth_settings = _check_auth_settings(auth_settings)
    ids = list(dict.fromkeys(flow_ids))
    async with naming_lock(principal.user_id), ctx.sessions() as session:
        await _check_parent(session, principal.user_id, parent_id, None)
        await _check_flows_owned(session, principal.user_id, ids)
        [stored_name] = await free_names(session, Project, principal.user_id, [name])
        project = Project(
            id=uuid.uuid4(),
            user_id=principal.user_id,
            name=stored_name,
            description=description,
            auth_settings=auth_settings,
            parent_id=parent_id,
            is_default=False,
        )
        session.add(project)
        await flush_or_conflict(session)  # a parent deleted meanwhile: NotFound
        if ids:
            await session.execute(
                update(Flow)
                .where(Flow.id.in_(ids), Flow.user_id == principal.user_id)
                .values(folder_id=project.id)
            )
        await commit_or_conflict(session)
        return project


async def update_project(ctx: Context, *, project_id: uuid.UUID, values: dict[str, Any]) -> Project:
    """Change the keys present in ``values`` (Langflow ``PATCH /api/v1/projects/{project_id}``).

    Keys: ``name``, ``description``, ``parent_id`` (``None``: top level), ``auth_settings``;
    ``flows`` (flow ids: the project holds exactly these afterwards; its other flows move to
    the caller's default project, as Langflow's ``components`` + ``flows`` lists do) and
    ``add_flows`` (flow ids moved in, nothing moved out). A ``None`` name is ignored.
    Everything is checked before the write.

    Raises Unauthenticated, NotFound("Project not found") (the project or the parent),
    NotFound("Flow not found") when a flow id is not the caller's, InvalidInput (unknown keys,
    bad values, a parent cycle), Conflict("A project with this name already exists").
    """
    principal = ctx.require_principal()
    unknown = sorted(set(values) - PROJECT_UPDATE_KEYS)
    if unknown:
        raise InvalidInput(
            f"Unknown project fields: {', '.join(unknown)}",
            [FieldProblem(k, "unknown field") for k in unknown],
        )
    changes: dict[str, Any] = {}
    if values.get("name") is not None:
        changes["name"] = _check_name(values["name"])
    if "description" in values:
        changes["description"] = _check_description(values["description"])
    exact = _flow_ids(values["flows"], "flows") if "flows" in values else None
    added = _flow_ids(values.get("add_flows"), "add_flows")
    async with naming_lock(principal.user_id), ctx.sessions() as session:
        project = await _owned(session, principal.user_id, project_id)
        if "auth_settings" in values:
            changes["auth_settings"] = _check_auth_settings(values["auth_settings"], project.auth_settings)
        if "name" in changes and changes["name"] != project.name:
            await ensure_name_free(session, Project, principal.user_id, changes["name"], except_id=project.id)
        if "parent_id" in values:
            parent = parse_uuid(values["parent_id"], "parent_id") if values["parent_id"] is not None else None
            await _check_parent(session, principal.user_id, parent, project.id)
            changes["parent_id"] = parent
        moved_in = list(dict.fromkeys([*(exact or []), *added]))
        await _check_flows_owned(session, principal.user_id, moved_in)
        if exact is not None:
            fallback = await default_project_id(session, principal.user_id)
            if fallback != project.id:
                await session.execute(
                    update(Flow)
                    .where(
                        Flow.folder_id == project.id,
                        Flow.user_id == principal.user_id,
                        Flow.id.not_in(exact),
                    )
                    .values(folder_id=fallback)
                )
        if moved_in:
            await session.execute(
                update(Flow)
                .where(Flow.id.in_(moved_in), Flow.user_id == principal.user_id)
                .values(folder_id=project.id)
            )
        for key, value in changes.items():
            setattr(project, key, value)
        await commit_or_conflict(session)
        await session.refresh(project)
        return project


async def delete_project(ctx: Context, *, project_id: uuid.UUID) -> int:
    """Delete the caller's project and its flows, with the flows' messages, vertex builds,
    transactions, traces, jobs and v1 files, in one transaction (Langflow
    ``DELETE /api/v1/projects/{project_id}``); its running jobs are cancelled first and its
    sub-projects move to the top level. Returns how many flows were deleted.

    Raises Unauthenticated, NotFound("Project not found"), Conflict for the default project
    (flows created without a project go there).
    """
    principal = ctx.require_principal()
    async with ctx.sessions() as session:
        project = await _owned(session, principal.user_id, project_id)
        if project.is_default:
            raise Conflict("The default project cannot be deleted")
        flow_ids = list(
            await session.scalars(
                select(Flow.id).where(Flow.folder_id == project.id, Flow.user_id == principal.user_id)
            )
        )
    await cancel_running_jobs(ctx, principal.user_id, flow_ids)
    async with ctx.sessions() as session:
        # Under the write lock (row locks elsewhere): a flow moved out meanwhile stays, one moved
        # in goes with its files, and of two concurrent deletes only one finds the project.
        await hold_write_lock(session)
        mine = (Project.id == project_id, Project.user_id == principal.user_id)
        if await session.scalar(select(Project).where(*mine).with_for_update()) is None:
            raise NotFound(PROJECT_NOT_FOUND)
        in_project = select(Flow.id).where(Flow.folder_id == project_id, Flow.user_id == principal.user_id)
        flow_ids = list(await session.scalars(in_project.with_for_update()))
        deleted = await delete_flows_with_runs(session, principal.user_id, flow_ids)
        await session.execute(update(Project).where(Project.parent_id == project_id).values(parent_id=None))
        await session.execute(delete(Project).where(*mine))
        await session.commit()
    await delete_stored_files(ctx, deleted.file_keys)
    return deleted.count


async def import_project(
    ctx: Context, *, file: FlowFile, name: str | None = None, description: str | None = None
) -> tuple[Project, list[Flow]]:
    """Create a project holding the flows of an uploaded file, all or none (Langflow
    ``POST /api/v1/projects/upload/``).

    The project's name is the file's ``folder_name`` (Langflow's project export), else ``name``
    (the upload's file name), else "Imported project"; it follows the naming policy, as do the
    flows' names. Each flow keeps its ``id`` when free. Returns the project and its flows in file
    order.

    Raises Unauthenticated, InvalidInput naming a malformed flow, Conflict for an endpoint name
    the caller has or that two flows share.
    """
    principal = ctx.require_principal()
    prepared = prepare_file(file)
    wanted_name = _check_name(file.folder_name or name or IMPORTED_PROJECT_NAME)
    wanted_description = _check_description(file.folder_description or description)
    for attempt in range(IMPORT_ATTEMPTS):
        async with naming_lock(principal.user_id), ctx.sessions() as session:
            [stored_name] = await free_names(session, Project, principal.user_id, [wanted_name])
            project = Project(
                id=uuid.uuid4(),
                user_id=principal.user_id,
                name=stored_name,
                description=wanted_description,
                is_default=False,
            )
            session.add(project)
            await flush_or_conflict(session)
            flows = await insert_flows(session, principal.user_id, prepared, folder_id=project.id)
            try:
                await commit_or_conflict(session)
            except Conflict:
                if attempt + 1 == IMPORT_ATTEMPTS:
                    raise
                continue
            return project, flows
    raise AssertionError("unreachable")


def project_name_from_filename(filename: str | None) -> str | None:
    """The project name an upload's file name suggests: the stem, without the ``YYYYMMDD_HHMMSS_``
    prefix and ``_flows`` suffix of Langflow's project downloads; ``None`` without a name."""
    if not filename:
        return None
    stem = PurePosixPath(filename.replace("\\", "/")).stem
    parts = stem.split("_", 2)
    if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit() and len(parts[0]) == 8:
        stem = parts[2]
    stem = stem.removesuffix("_flows").strip()
    return stem or None


async def projects_by_ids(ctx: Context, *, project_ids: Sequence[uuid.UUID | None]) -> list[Project | None]:
    """The caller's projects for these ids, in order, ``None`` where an id is missing, not the
    caller's or ``None`` (GraphQL ``Flow.project`` / ``Project.parent``: one statement for the
    whole list). Raises Unauthenticated."""
    principal = ctx.require_principal()
    wanted = {p for p in project_ids if p is not None}
    found: dict[uuid.UUID, Project] = {}
    if wanted:
        async with ctx.sessions() as session:
            query = select(Project).where(Project.id.in_(wanted), Project.user_id == principal.user_id)
            found = {p.id: p for p in await session.scalars(query)}
    return [found.get(p) if p is not None else None for p in project_ids]


@dataclass(frozen=True)
class ProjectFlowsKey:
    """One ``Project.flows(first, after, isComponent, search)`` selection."""

    project_id: uuid.UUID
    first: int
    after: str | None = None
    is_component: bool | None = None
    search: str | None = None


async def project_flow_pages(ctx: Context, *, keys: Sequence[ProjectFlowsKey]) -> list[FlowPage]:
    """Keyset pages of the flows of several of the caller's projects, in ``keys`` order
    (GraphQL ``Project.flows``). Selections that share ``first``/``after``/filters are read with
    two statements whatever the number of projects (a window over each project's flows, and one
    grouped count). Raises Unauthenticated, InvalidInput (``first`` out of 1..100, a foreign
    cursor)."""
    principal = ctx.require_principal()
    groups: dict[tuple[int, str | None, bool | None, str | None], list[uuid.UUID]] = {}
    for key in keys:
        check_first(key.first)
        groups.setdefault((key.first, key.after, key.is_component, key.search), []).append(key.project_id)
    pages: dict[tuple[uuid.UUID, int, str | None, bool | None, str | None], FlowPage] = {}
    async with ctx.sessions() as session:
        for (first, after, is_component, search), project_ids in groups.items():
            filters = flow_filters(principal.user_id, is_component=is_component, search=search)
            filters.append(Flow.folder_id.in_(project_ids))
            windowed = [*filters, after_cursor(after)] if after is not None else filters
            rank = (
                func.row_number()
                .over(partition_by=Flow.folder_id, order_by=(Flow.created_at, Flow.id))
                .label("rank")
            )
            ranked = select(Flow.id.label("id"), rank).where(*windowed).subquery()
            rows = (
                await session.execute(
                    select(Flow)
                    .join(ranked, Flow.id == ranked.c.id)
                    .where(ranked.c.rank <= first + 1)
                    .order_by(ranked.c.rank)
                )
            ).scalars()
            by_project: dict[uuid.UUID, list[Flow]] = {}
            for flow in rows:
                if flow.folder_id is not None:
                    by_project.setdefault(flow.folder_id, []).append(flow)
            grouped = await session.execute(
                select(Flow.folder_id, func.count()).where(*filters).group_by(Flow.folder_id)
            )
            counts = {folder: count for folder, count in grouped.tuples()}
            for project_id in project_ids:
                flows = by_project.get(project_id, [])
                pages[(project_id, first, after, is_component, search)] = FlowPage(
                    items=[(encode_cursor(f), f) for f in flows[:first]],
                    has_next_page=len(flows) > first,
                    total_count=int(counts.get(project_id, 0)),
                )
    return [pages[(k.project_id, k.first, k.after, k.is_component, k.search)] for k in keys]
