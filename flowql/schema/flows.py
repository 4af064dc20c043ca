"""GraphQL field implementations for flows and projects (Langflow's ``/api/v1/flows``,
``/api/v1/projects`` and ``/api/v1/starter-projects``): parse arguments → one resolver call →
shape. Expected failures of mutations come back as union members (:mod:`flowql.schema.errors`).
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from flowql.errors import DomainError, FieldProblem, InvalidInput, NotFound, TooLarge
from flowql.resolvers import flows, projects, starter_projects
from flowql.resolvers.flow_values import strip_api_keys
from flowql.schema.context import Info
from flowql.schema.errors import ConflictError, NotFoundError, ValidationError, error_member, flow_error
from flowql.schema.inputs import FlowInput, parse_uuid
from flowql.schema.mutations import FlowResult
from flowql.schema.permissions import refuse_cookie_only_upload
from flowql.schema.types.files import DeleteResult
from flowql.schema.types.flows import AccessType, Flow, FlowConnection
from flowql.schema.types.projects import Project

ProjectResult = Annotated[
    Project | NotFoundError | ValidationError | ConflictError, strawberry.union("ProjectResult")
]


def _given(value: object) -> bool:
    return value is not strawberry.UNSET


@strawberry.input(
    description="Changes to a flow (as REST FlowUpdate): an absent field stays, null clears a nullable "
    "one (name, data, projectId, accessType and the booleans ignore null)."
)
class FlowPatch:
    """Changes to a flow; mirrors Langflow ``PATCH /api/v1/flows/{flow_id}``."""

    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    data: JSON | None = strawberry.UNSET
    project_id: strawberry.ID | None = strawberry.UNSET
    endpoint_name: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    icon: str | None = strawberry.UNSET
    icon_bg_color: str | None = strawberry.UNSET
    is_component: bool | None = strawberry.UNSET
    locked: bool | None = strawberry.UNSET
    access_type: AccessType | None = strawberry.UNSET
    webhook: bool | None = strawberry.UNSET
    mcp_enabled: bool | None = strawberry.UNSET
    action_name: str | None = strawberry.UNSET
    action_description: str | None = strawberry.UNSET

    def to_values(self) -> dict[str, Any]:
        """The ``values`` for ``resolvers.flows.update_flow`` (FlowUpdate names): the fields
        given, nulls included. Raises InvalidInput for a malformed ``projectId``."""
        raw: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "data": self.data,
            "endpoint_name": self.endpoint_name,
            "tags": self.tags,
            "icon": self.icon,
            "icon_bg_color": self.icon_bg_color,
            "is_component": self.is_component,
            "locked": self.locked,
            "access_type": self.access_type.value
            if isinstance(self.access_type, AccessType)
            else self.access_type,
            "webhook": self.webhook,
            "mcp_enabled": self.mcp_enabled,
            "action_name": self.action_name,
            "action_description": self.action_description,
        }
        values = {k: v for k, v in raw.items() if _given(v)}
        if _given(self.project_id):
            values["folder_id"] = parse_uuid(self.project_id, "patch.projectId") if self.project_id else None
        return values


@strawberry.input(
    description="Changes to a project (as REST FolderUpdate): absent fields stay; parentId null moves it "
    "to the top level; addFlowIds moves those flows into it."
)
class ProjectPatch:
    """Changes to a project; mirrors Langflow ``PATCH /api/v1/projects/{project_id}``."""

    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.UNSET
    auth_settings: JSON | None = strawberry.UNSET
    add_flow_ids: list[strawberry.ID] | None = strawberry.UNSET

    def to_values(self) -> dict[str, Any]:
        """The ``values`` for ``resolvers.projects.update_project``. Raises InvalidInput for a
        malformed id."""
        values: dict[str, Any] = {}
        if _given(self.name):
            values["name"] = self.name
        if _given(self.description):
            values["description"] = self.description
        if _given(self.auth_settings):
            values["auth_settings"] = self.auth_settings
        if _given(self.parent_id):
            values["parent_id"] = parse_uuid(self.parent_id, "patch.parentId") if self.parent_id else None
        if _given(self.add_flow_ids) and self.add_flow_ids:
            values["add_flows"] = [parse_uuid(i, "patch.addFlowIds") for i in self.add_flow_ids]
        return values


def _project_error(exc: DomainError) -> NotFoundError | ValidationError | ConflictError:
    member = error_member(exc)
    if isinstance(member, NotFoundError | ValidationError | ConflictError):
        return member
    raise exc


# ---------------------------------------------------------------------------------- queries


async def flow(info: Info, id: strawberry.ID) -> Flow | None:
    """``flow(id)``: the caller's flow, null when missing or not the caller's. A malformed id is
    an error with code INVALID_INPUT."""
    flow_id = parse_uuid(id, "id")
    try:
        return Flow.from_record(await flows.get_flow(info.context.ctx, flow_id=flow_id))
    except NotFound:
        return None


async def flows_connection(
    info: Info,
    first: int | None = 50,
    after: str | None = strawberry.UNSET,
    project_id: strawberry.ID | None = strawberry.UNSET,
    search: str | None = strawberry.UNSET,
    is_component: bool | None = strawberry.UNSET,
) -> FlowConnection:
    """``flows(first, after, projectId, search, isComponent)``: a keyset page of the caller's
    flows (``flows.flows_page``). ``first`` out of 1..100, a foreign cursor or a malformed
    ``projectId`` is an error with code INVALID_INPUT; a ``projectId`` that is not one of the
    caller's projects an error with code NOT_FOUND (as REST ``?folder_id=``)."""
    page = await flows.flows_page(
        info.context.ctx,
        first=50 if first is None else first,
        after=after or None,
        folder_id=parse_uuid(project_id, "projectId") if project_id else None,
        is_component=is_component if isinstance(is_component, bool) else None,
        search=search or None,
    )
    return FlowConnection.from_page(page)


async def public_flow(info: Info, id: strawberry.ID) -> Flow | None:
    """``publicFlow(id)``: a PUBLIC flow for anyone (API-key fields cleared); null for a PRIVATE
    or missing flow."""
    flow_id = parse_uuid(id, "id")
    try:
        found = Flow.from_record(await flows.get_public_flow(info.context.ctx, flow_id=flow_id))
    except NotFound:
        return None
    found.data = strip_api_keys(found.data)
    return found


async def project(info: Info, id: strawberry.ID) -> Project | None:
    """``project(id)``: the caller's project, null when missing or not the caller's."""
    project_id = parse_uuid(id, "id")
    try:
        return Project.from_record(await projects.get_project(info.context.ctx, project_id=project_id))
    except NotFound:
        return None


async def project_list(info: Info) -> list[Project]:
    """``projects``: the caller's projects, the default one first."""
    return [Project.from_record(p) for p in await projects.list_projects(info.context.ctx)]


async def starter_project_list(info: Info) -> list[Flow]:
    """``starterProjects``: FlowQL's starter flows, then the operator's."""
    return [Flow.from_record(f) for f in starter_projects.list_starter_projects(info.context.ctx)]


async def basic_example_list(info: Info) -> list[Flow]:
    """``basicExamples``: the example flows (as REST GET /api/v1/flows/basic_examples/)."""
    return [Flow.from_record(f) for f in starter_projects.list_basic_examples(info.context.ctx)]


# -------------------------------------------------------------------------------- mutations


async def create_flows(info: Info, inputs: list[FlowInput]) -> list[FlowResult]:
    """``createFlows``: ``flows.create_flows``, all or none: the flows in order, or one error
    member naming ``flows[i]``."""
    info.context.reset_flow_loaders()
    try:
        items = [i.to_values() for i in inputs]
        stored = await flows.create_flows(info.context.ctx, items=items)
    except DomainError as exc:
        return [flow_error(exc)]
    return [Flow.from_record(f) for f in stored]


async def update_flow(info: Info, id: strawberry.ID, patch: FlowPatch) -> FlowResult:
    """``updateFlow``: ``flows.update_flow`` with the fields given."""
    info.context.reset_flow_loaders()
    try:
        flow_id = parse_uuid(id, "id")
        return Flow.from_record(
            await flows.update_flow(info.context.ctx, flow_id=flow_id, values=patch.to_values())
        )
    except DomainError as exc:
        return flow_error(exc)


async def upsert_flow(info: Info, id: strawberry.ID, input: FlowInput) -> FlowResult:
    """``upsertFlow``: ``flows.upsert_flow``: creates the flow under ``id`` or updates it when it
    is the caller's; another user's id is a NotFoundError."""
    info.context.reset_flow_loaders()
    try:
        flow_id = parse_uuid(id, "id")
        stored, _created = await flows.upsert_flow(
            info.context.ctx, flow_id=flow_id, values=input.to_values()
        )
        return Flow.from_record(stored)
    except DomainError as exc:
        return flow_error(exc)


async def delete_flows(info: Info, ids: list[strawberry.ID]) -> DeleteResult:
    """``deleteFlows``: ``flows.delete_flows``; ids that are missing or not the caller's count 0.
    A malformed id is an error with code INVALID_INPUT."""
    info.context.reset_flow_loaders()
    flow_ids = [parse_uuid(i, "ids") for i in ids]
    return DeleteResult(deleted_count=await flows.delete_flows(info.context.ctx, flow_ids=flow_ids))


async def _read_upload(file: object, max_mb: int) -> bytes:
    """The bytes of an uploaded file. Raises TooLarge over ``max_mb`` MB, InvalidInput when it
    is not a file."""
    limit = max_mb * 1024 * 1024
    if isinstance(file, UploadFile):
        raw = await file.read(limit + 1)
    elif isinstance(file, bytes):
        raw = file
    else:
        raise InvalidInput("file must be an uploaded file", [FieldProblem("file", "not a file")])
    if len(raw) > limit:
        raise TooLarge(f"The file exceeds the upload limit of {max_mb} MB")
    return raw


async def import_flow(
    info: Info, file: Upload, project_id: strawberry.ID | None = strawberry.UNSET
) -> list[FlowResult]:
    """``importFlow``: ``flows.import_flow_file`` on the uploaded JSON (one flow or
    ``{"flows": [...]}``) or zip of such files, all or none: the stored flows in file order, or
    one error member. Refused (code FORBIDDEN) when authenticated only by the session cookie."""
    info.context.reset_flow_loaders()
    refuse_cookie_only_upload(info.context)
    ctx = info.context.ctx
    try:
        folder_id = parse_uuid(project_id, "projectId") if project_id else None
        limit = ctx.settings.max_file_size_upload
        parsed = flows.parse_flow_upload(await _read_upload(file, limit), max_bytes=limit * 1024 * 1024)
        stored = await flows.import_flow_file(ctx, file=parsed, folder_id=folder_id)
    except DomainError as exc:
        return [flow_error(exc)]
    return [Flow.from_record(f) for f in stored]


async def create_project(
    info: Info,
    name: str,
    description: str | None = None,
    flow_ids: list[strawberry.ID] | None = None,
    parent_id: strawberry.ID | None = None,
) -> ProjectResult:
    """``createProject``: ``projects.create_project``, moving ``flowIds`` into it."""
    info.context.reset_flow_loaders()
    try:
        created = await projects.create_project(
            info.context.ctx,
            name=name,
            description=description,
            parent_id=parse_uuid(parent_id, "parentId") if parent_id else None,
            flow_ids=[parse_uuid(i, "flowIds") for i in flow_ids or []],
        )
    except DomainError as exc:
        return _project_error(exc)
    return Project.from_record(created)


async def update_project(info: Info, id: strawberry.ID, patch: ProjectPatch) -> ProjectResult:
    """``updateProject``: ``projects.update_project`` with the fields given."""
    info.context.reset_flow_loaders()
    try:
        project_id = parse_uuid(id, "id")
        updated = await projects.update_project(
            info.context.ctx, project_id=project_id, values=patch.to_values()
        )
    except DomainError as exc:
        return _project_error(exc)
    return Project.from_record(updated)


async def delete_project(info: Info, id: strawberry.ID) -> DeleteResult:
    """``deleteProject``: ``projects.delete_project``: 1 when the caller's project (with its
    flows and what they left) was deleted, 0 when it is missing or not the caller's. The default
    project is an error with code CONFLICT."""
    info.context.reset_flow_loaders()
    project_id = parse_uuid(id, "id")
    try:
        await projects.delete_project(info.context.ctx, project_id=project_id)
    except NotFound:
        return DeleteResult(deleted_count=0)
    return DeleteResult(deleted_count=1)


async def import_project(info: Info, file: Upload) -> ProjectResult:
    """``importProject``: ``projects.import_project`` on an uploaded zip of flow files or
    Langflow's project JSON (``folder_name``, ``flows``), all or none. Refused (code FORBIDDEN)
    when authenticated only by the session cookie."""
    info.context.reset_flow_loaders()
    refuse_cookie_only_upload(info.context)
    ctx = info.context.ctx
    try:
        limit = ctx.settings.max_file_size_upload
        parsed = flows.parse_flow_upload(await _read_upload(file, limit), max_bytes=limit * 1024 * 1024)
        filename = file.filename if isinstance(file, UploadFile) else None
        name = projects.project_name_from_filename(filename)
        created, _flows = await projects.import_project(ctx, file=parsed, name=name)
    except DomainError as exc:
        return _project_error(exc)
    return Project.from_record(created)
