"""Langflow's flow routes: ``POST|GET /api/v1/flows/``, ``GET|PATCH|DELETE /api/v1/flows/{flow_id}``
and ``POST /api/v1/flows/upload/``. Parse → resolver → shape; errors are mapped in ``errors``."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile

from flowql.errors import TooLarge
from flowql.resolvers import flows as flow_resolvers
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.models import (
    FlowCreateIn,
    FlowDeleted,
    FlowHeader,
    FlowPageOut,
    FlowRead,
    FlowUpdateIn,
)

router = APIRouter(prefix="/api/v1", tags=["Flows"])


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
    """Create a flow for the caller (201 ``FlowRead``); a body ``id`` is ignored. 422 for a
    broken ``data`` (naming the node or edge), 404 for a foreign ``folder_id``, 409 for an
    ``endpoint_name`` the caller already uses."""
    flow = await flow_resolvers.create_flow(ctx, values=body.model_dump(exclude_unset=True))
    return flow_read(flow)


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
    ``folder_id`` and ``components_only`` filter. ``remove_example_flows`` has nothing to remove
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


@router.get("/flows/{flow_id}", response_model=FlowRead)
async def read_flow(ctx: Ctx, flow_id: uuid.UUID) -> FlowRead:
    """One of the caller's flows; 404 ``Flow not found`` when missing or another user's."""
    return flow_read(await flow_resolvers.get_flow(ctx, flow_id=flow_id))


@router.patch("/flows/{flow_id}", response_model=FlowRead)
async def update_flow(ctx: Ctx, flow_id: uuid.UUID, body: FlowUpdateIn) -> FlowRead:
    """Change the fields present in the body; nothing changes when the update is rejected."""
    values: dict[str, Any] = body.model_dump(exclude_unset=True)
    return flow_read(await flow_resolvers.update_flow(ctx, flow_id=flow_id, values=values))


@router.delete("/flows/{flow_id}", response_model=FlowDeleted)
async def delete_flow(ctx: Ctx, flow_id: uuid.UUID) -> FlowDeleted:
    """Delete one of the caller's flows: ``{"message": "Flow deleted successfully"}``."""
    await flow_resolvers.delete_flow(ctx, flow_id=flow_id)
    return FlowDeleted()


@router.post("/flows/upload/", status_code=201, response_model=list[FlowRead])
async def upload_flows(
    ctx: Ctx, file: Annotated[UploadFile, File()], folder_id: uuid.UUID | None = None
) -> list[FlowRead]:
    """Store the flows of a JSON file (one flow or ``{"flows": [...]}``), all or none; each keeps
    its ``id`` when free. 422 for a file that is not JSON or a malformed flow (named), 413 above
    ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` MB."""
    limit = ctx.settings.max_file_size_upload * 1024 * 1024
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"The file is larger than {ctx.settings.max_file_size_upload} MB")
    payload = flow_resolvers.parse_flow_file(content)
    flows = await flow_resolvers.import_flows(ctx, payload=payload, folder_id=folder_id)
    return [flow_read(f) for f in flows]
