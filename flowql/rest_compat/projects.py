"""Langflow's project routes under ``/api/v1/projects`` (list, create, read with flows, patch,
delete, download, upload) and the ``/api/v1/folders/...`` alias, which answers 307 to the same
path under ``/api/v1/projects/`` as the peer does. Parse → resolver → shape."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from flowql.errors import FieldProblem, InvalidInput, TooLarge
from flowql.resolvers import flows as flow_resolvers
from flowql.resolvers import projects as project_resolvers
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.flows import flow_read
from flowql.rest_compat.flows_models import (
    FlowReadPage,
    FolderCreateIn,
    FolderListRead,
    FolderRead,
    FolderReadWithFlows,
    FolderUpdateIn,
    FolderWithPaginatedFlows,
)
from flowql.rest_compat.flows_zip import (
    ZIP_MEDIA_TYPE,
    download_name,
    read_upload,
    zip_of_flows,
    zip_response,
)
from flowql.rest_compat.models import FlowRead

router = APIRouter(prefix="/api/v1", tags=["Projects"])

#: Methods the ``/api/v1/folders/...`` alias redirects.
FOLDER_ALIAS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def folder_read(project: object) -> FolderRead:
    """A stored project as Langflow's ``FolderRead``."""
    return FolderRead.model_validate(project, from_attributes=True)


@router.get("/projects/", response_model=list[FolderListRead])
async def read_projects(ctx: Ctx) -> list[FolderListRead]:
    """The caller's projects, the default ("Starter Project") first: ``FolderListRead`` each,
    with ``owner_username`` and ``is_owner``."""
    owner = ctx.require_principal().username
    return [
        FolderListRead.model_validate(
            {**folder_read(p).model_dump(), "owner_username": owner, "is_owner": True}
        )
        for p in await project_resolvers.list_projects(ctx)
    ]


@router.post("/projects/", status_code=201, response_model=FolderRead)
async def create_project(ctx: Ctx, body: FolderCreateIn) -> FolderRead:
    """Create a project (201 ``FolderRead``) and move ``flows_list`` and ``components_list``
    into it; a name the caller has gets `` (N)``. 404 when a flow or ``parent_id`` is not the
    caller's (nothing is created), 422 for an empty name."""
    project = await project_resolvers.create_project(
        ctx,
        name=body.name,
        description=body.description,
        auth_settings=body.auth_settings,
        parent_id=body.parent_id,
        flow_ids=[*(body.flows_list or []), *(body.components_list or [])],
    )
    return folder_read(project)


@router.get(
    "/projects/download/{project_id}",
    response_class=Response,
    responses={200: {"content": {ZIP_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
)
async def download_project(ctx: Ctx, project_id: uuid.UUID) -> Response:
    """A zip of the project's flows (``<name>.json`` each, API-key fields cleared), named
    ``<timestamp>_<project name>_flows.zip`` (RFC 5987 ``filename*`` plus an ASCII fallback).
    404 ``Project not found`` when missing or another user's."""
    project, flows = await project_resolvers.project_with_flows(ctx, project_id=project_id)
    return zip_response(zip_of_flows(flows), download_name(f"{project.name}_flows"))


@router.post("/projects/upload/", status_code=201, response_model=list[FlowRead])
async def upload_project(
    ctx: Ctx, request: Request, file: Annotated[UploadFile | None, File()] = None
) -> list[FlowRead]:
    """Create a project from an upload and return its flows (201): a multipart ``file`` or, as
    Langflow's Python SDK sends it, the raw body. Either a zip of flow JSON files (the project
    is named after the zip, without Langflow's ``<timestamp>_`` prefix and ``_flows`` suffix)
    or Langflow's project JSON ``{folder_name, folder_description, flows: [...]}``. All or none;
    names follow the naming policy. 422 for an empty or unreadable upload, 409 for an endpoint
    name in use, 413 above ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` MB."""
    limit = ctx.settings.max_file_size_upload
    if file is not None:
        content = await read_upload(file, limit)
        filename = file.filename
    elif _is_form(request):  # a form without a file part: its body is already parsed
        content = b""
    else:
        content = await request.body()
        if len(content) > limit * 1024 * 1024:
            raise TooLarge(f"The file is larger than {limit} MB")
        filename = None
    if not content:
        raise InvalidInput("No file was uploaded", [FieldProblem("file", "field required")])
    parsed = flow_resolvers.parse_flow_upload(content, max_bytes=limit * 1024 * 1024)
    _project, flows = await project_resolvers.import_project(
        ctx, file=parsed, name=project_resolvers.project_name_from_filename(filename)
    )
    return [flow_read(f) for f in flows]


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "").lower()
    return kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded"))


@router.get("/projects/{project_id}", response_model=FolderWithPaginatedFlows | FolderReadWithFlows)
async def read_project(
    ctx: Ctx,
    project_id: uuid.UUID,
    page: Annotated[int | None, Query(ge=1)] = None,
    size: Annotated[int | None, Query(ge=1, le=100)] = None,
    is_component: bool = False,
    is_flow: bool = False,
    search: str = "",
) -> FolderWithPaginatedFlows | FolderReadWithFlows:
    """The caller's project. With ``page`` and ``size``: ``{folder, flows: {items, total, page,
    size, pages}}``, flows most recently updated first, filtered by ``is_component`` /
    ``is_flow`` / ``search`` (in the name, case-insensitive). Otherwise the project with all its
    ``flows``. 404 ``Project not found`` when missing or another user's."""
    if page is not None and size is not None:
        project, flows_page = await project_resolvers.project_flows_page(
            ctx,
            project_id=project_id,
            page=page,
            size=size,
            is_component=is_component,
            is_flow=is_flow,
            search=search,
        )
        return FolderWithPaginatedFlows(
            folder=folder_read(project),
            flows=FlowReadPage(
                items=[flow_read(f) for f in flows_page.items],
                total=flows_page.total,
                page=flows_page.page,
                size=flows_page.size,
                pages=flows_page.pages,
            ),
        )
    project, flows = await project_resolvers.project_with_flows(ctx, project_id=project_id)
    return FolderReadWithFlows.model_validate(
        {**folder_read(project).model_dump(), "flows": [flow_read(f) for f in flows]}
    )


@router.patch("/projects/{project_id}", response_model=FolderRead)
async def update_project(ctx: Ctx, project_id: uuid.UUID, body: FolderUpdateIn) -> FolderRead:
    """Change the fields present: ``name``, ``description``, ``parent_id``, ``auth_settings``;
    ``flows`` + ``components`` (when either is present) become the project's flows, the others
    moving to the default project. 404 for a project, parent or flow that is not the caller's;
    409 for a name another of the caller's projects has; 422 for a parent cycle."""
    given = body.model_dump(exclude_unset=True)
    values: dict[str, Any] = {k: v for k, v in given.items() if k not in ("flows", "components")}
    if "flows" in given or "components" in given:
        values["flows"] = [*(given.get("flows") or []), *(given.get("components") or [])]
    return folder_read(await project_resolvers.update_project(ctx, project_id=project_id, values=values))


@router.delete("/projects/{project_id}", status_code=204, response_model=None)
async def delete_project(ctx: Ctx, project_id: uuid.UUID) -> Response:
    """Delete the caller's project with its flows and their messages, builds, transactions,
    traces, jobs and files, in one transaction: 204. 404 when missing or another user's, 409 for
    the default project."""
    await project_resolvers.delete_project(ctx, project_id=project_id)
    return Response(status_code=204)


@router.api_route(
    "/folders/{rest:path}", methods=FOLDER_ALIAS_METHODS, include_in_schema=False, response_model=None
)
async def folders_alias(request: Request, rest: str) -> RedirectResponse:
    """``/api/v1/folders/<rest>`` → 307 to ``/api/v1/projects/<rest>`` with the same query string
    (Langflow's folders alias; a 307 keeps the method and body). Needs no credentials: the
    target checks them. A ``.`` or ``..`` segment (also percent-encoded) is a 404: the alias
    never points outside ``/api/v1/projects/``."""
    if any(segment in {".", ".."} for segment in rest.split("/")):
        raise HTTPException(status_code=404, detail="Not Found")
    target = f"/api/v1/projects/{rest}"
    if request.url.query:
        target += f"?{request.url.query}"
    return RedirectResponse(target, status_code=307)
