"""Langflow's flow routes under ``/api/v1/flows`` (create, batch, list, read, patch, upsert,
delete one or many, upload, download, public flow, basic examples) and
``/api/v1/starter-projects/``. Parse → resolver → shape; errors are mapped in ``errors``."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, Response, UploadFile

from flowql.resolvers import flows as flow_resolvers
from flowql.resolvers import starter_projects
from flowql.rest_compat.deps import Ctx, PublicCtx
from flowql.rest_compat.flows_models import (
    FlowListCreateIn,
    FlowsDeleted,
    PublicFlowRead,
    StarterProjectOut,
)
from flowql.rest_compat.flows_zip import (
    ZIP_MEDIA_TYPE,
    download_name,
    flow_export,
    read_upload,
    zip_of_flows,
    zip_response,
)
from flowql.rest_compat.models import (
    FlowCreateIn,
    FlowDeleted,
    FlowHeader,
    FlowPageOut,
    FlowRead,
    FlowUpdateIn,
)

router = APIRouter(prefix="/api/v1", tags=["Flows"])

FlowIds = Annotated[list[uuid.UUID], Body()]


def flow_read(flow: object) -> FlowRead:
    """A stored flow as Langflow's ``FlowRead`` (``data`` exactly as saved)."""
    return FlowRead.model_validate(flow, from_attributes=True)


def flow_header(flow: object) -> FlowHeader:
    """A stored flow as Langflow's ``FlowHeader``: ``data`` only for components."""
    header = FlowHeader.model_validate(flow, from_attributes=True)
    if not header.is_component:
        header.data = None
    return header


@router.post("/flows/", status_code=201, response_model=FlowRead)
async def create_flow(ctx: Ctx, body: FlowCreateIn) -> FlowRead:
    """Create a flow for the caller (201 ``FlowRead``); a body ``id`` is ignored and a name the
    caller already has gets `` (N)``. 422 for a broken ``data`` (naming the node or edge), 404
    for a foreign ``folder_id``, 409 for an ``endpoint_name`` the caller already uses."""
    flow = await flow_resolvers.create_flow(ctx, values=body.model_dump(exclude_unset=True))
    return flow_read(flow)


@router.post("/flows/batch/", status_code=201, response_model=list[FlowRead])
async def create_flows(ctx: Ctx, body: FlowListCreateIn) -> list[FlowRead]:
    """Create ``flows`` (Langflow ``FlowListCreate``), all or none, in order; names follow the
    naming policy (`` (N)`` for a name taken, also by an earlier item). 422 naming ``flows[i]``,
    404 for a foreign ``folder_id``, 409 for an endpoint name in use or given twice."""
    items = [item.model_dump(exclude_unset=True) for item in body.flows]
    return [flow_read(f) for f in await flow_resolvers.create_flows(ctx, items=items)]


@router.get("/flows/", response_model=list[FlowRead] | list[FlowHeader] | FlowPageOut)
async def read_flows(
    ctx: Ctx,
    folder_id: uuid.UUID | None = None,
    components_only: bool = False,
    header_flows: bool = False,
    get_all: bool = True,
    remove_example_flows: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 50,
    flow_type: str | None = None,
) -> list[FlowRead] | list[FlowHeader] | FlowPageOut:
    """The caller's flows, oldest first: a list (``get_all=true``, the default) or a page
    ``{items, total, page, size, pages}``; ``FlowHeader`` items with ``header_flows=true``.
    ``folder_id`` (404 when it is not one of the caller's projects) and ``components_only``
    filter. ``remove_example_flows`` has nothing to remove
    (starter projects are not stored as the user's flows) and ``flow_type`` is accepted for
    compatibility (every FlowQL flow is a ``workflow``)."""
    del remove_example_flows
    flows = await flow_resolvers.list_flows(ctx, folder_id=folder_id, components_only=components_only)
    if flow_type not in (None, "workflow"):
        flows = []
    if get_all:
        return [flow_header(f) for f in flows] if header_flows else [flow_read(f) for f in flows]
    chunk = flows[(page - 1) * size : page * size]
    items: list[FlowRead] | list[FlowHeader] = (
        [flow_header(f) for f in chunk] if header_flows else [flow_read(f) for f in chunk]
    )
    return FlowPageOut(
        items=items, total=len(flows), page=page, size=size, pages=math.ceil(len(flows) / size)
    )


@router.delete("/flows/", response_model=FlowsDeleted)
async def delete_flows(ctx: Ctx, flow_ids: FlowIds) -> FlowsDeleted:
    """Delete the caller's flows among ``flow_ids`` (a JSON list of ids; other users' ids are
    skipped), each with its messages, builds, transactions, traces and jobs: ``{"deleted": n}``."""
    return FlowsDeleted(deleted=await flow_resolvers.delete_flows(ctx, flow_ids=flow_ids))


@router.post("/flows/upload/", status_code=201, response_model=list[FlowRead])
async def upload_flows(
    ctx: Ctx, file: Annotated[UploadFile, File()], folder_id: uuid.UUID | None = None
) -> list[FlowRead]:
    """Store the flows of an uploaded file, all or none: JSON holding one flow or
    ``{"flows": [...]}``, or a zip of such JSON files. Each keeps its ``id`` when free; names
    follow the naming policy. 422 for a file that is not JSON or a malformed flow (named), 404
    for a foreign ``folder_id``, 409 for an endpoint name in use, 413 above
    ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` MB."""
    limit = ctx.settings.max_file_size_upload
    parsed = flow_resolvers.parse_flow_upload(await read_upload(file, limit), max_bytes=limit * 1024 * 1024)
    flows = await flow_resolvers.import_flow_file(ctx, file=parsed, folder_id=folder_id)
    return [flow_read(f) for f in flows]


@router.post(
    "/flows/download/",
    response_model=None,
    responses={
        200: {
            "description": "One flow as its JSON, several as a zip",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                ZIP_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def download_flows(ctx: Ctx, flow_ids: FlowIds) -> Response | dict[str, Any]:
    """The caller's flows among ``flow_ids``: one flow as its JSON, several as a zip of
    ``<name>.json`` files (``<timestamp>_langflow_flows.zip``); API-key fields are cleared. 404
    ``No flows found`` when none is the caller's."""
    flows = await flow_resolvers.flows_for_download(ctx, flow_ids=flow_ids)
    if len(flows) == 1:
        return flow_export(flows[0])
    return zip_response(zip_of_flows(flows), download_name("langflow_flows"))


@router.get("/flows/basic_examples/", response_model=list[FlowRead])
async def read_basic_examples(ctx: Ctx, include_blocked: bool = False) -> list[FlowRead]:
    """FlowQL's example flows (its starter projects, then the operator's) as ``FlowRead`` with
    ``user_id`` null. ``include_blocked`` is accepted for compatibility (nothing is blocked)."""
    del include_blocked
    return [flow_read(f) for f in starter_projects.list_basic_examples(ctx)]


@router.get("/flows/public_flow/{flow_id}", response_model=PublicFlowRead)
async def read_public_flow(ctx: PublicCtx, flow_id: uuid.UUID) -> PublicFlowRead:
    """A PUBLIC flow, without credentials (``PublicFlowRead``; API-key fields cleared); 404
    ``Flow not found`` for a missing or PRIVATE flow."""
    flow = await flow_resolvers.get_public_flow(ctx, flow_id=flow_id)
    return PublicFlowRead.model_validate(flow_export(flow))


@router.get("/flows/{flow_id}", response_model=FlowRead)
async def read_flow(ctx: Ctx, flow_id: uuid.UUID) -> FlowRead:
    """One of the caller's flows; 404 ``Flow not found`` when missing or another user's."""
    return flow_read(await flow_resolvers.get_flow(ctx, flow_id=flow_id))


@router.patch("/flows/{flow_id}", response_model=FlowRead)
async def update_flow(ctx: Ctx, flow_id: uuid.UUID, body: FlowUpdateIn) -> FlowRead:
    """Change the fields present in the body; nothing changes when the update is rejected. 409
    for a name or endpoint name another of the caller's flows has."""
    values: dict[str, Any] = body.model_dump(exclude_unset=True)
    return flow_read(await flow_resolvers.update_flow(ctx, flow_id=flow_id, values=values))


@router.put("/flows/{flow_id}", response_model=FlowRead, responses={201: {"model": FlowRead}})
async def upsert_flow(ctx: Ctx, flow_id: uuid.UUID, body: FlowCreateIn, response: Response) -> FlowRead:
    """Create the flow under the path id (201) or update it when it is the caller's (200;
    the fields present change). The path id wins over a body ``id``. 404 when the id is another
    user's flow or ``folder_id`` another user's project; 409 for an endpoint name in use."""
    flow, created = await flow_resolvers.upsert_flow(
        ctx, flow_id=flow_id, values=body.model_dump(exclude_unset=True)
    )
    response.status_code = 201 if created else 200
    return flow_read(flow)


@router.delete("/flows/{flow_id}", response_model=FlowDeleted)
async def delete_flow(ctx: Ctx, flow_id: uuid.UUID) -> FlowDeleted:
    """Delete one of the caller's flows with what its runs left: ``{"message": "Flow deleted
    successfully"}``."""
    await flow_resolvers.delete_flow(ctx, flow_id=flow_id)
    return FlowDeleted()


@router.get("/starter-projects/", response_model=list[StarterProjectOut])
async def read_starter_projects(ctx: Ctx, include_blocked: bool = False) -> list[StarterProjectOut]:
    """FlowQL's own starter flows (no ``code`` fields), then those of
    ``FLOWQL_STARTER_PROJECTS_DIR``: ``{data, is_component, name, name_key, description,
    endpoint_name}`` each (Langflow ``GraphDumpResponse``)."""
    del include_blocked
    return [StarterProjectOut.model_validate(f) for f in starter_projects.list_starter_projects(ctx)]
