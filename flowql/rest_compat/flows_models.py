"""Pydantic models of the flow routes beyond create/read/update (batch, delete many, public
flow, starter projects) and of the project routes (Langflow's ``Folder*`` shapes).

Field names and defaults follow ``shared/spec/langflow-openapi.json`` (``FlowListCreate``,
``PublicFlowRead``, ``GraphDumpResponse``, ``FolderCreate``, ``FolderUpdate``, ``FolderRead``,
``FolderListRead``, ``FolderReadWithFlows``, ``FolderWithPaginatedFlows``) and the captures in
``shared/peer/resources/``. Unknown request fields are ignored, as Langflow does.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flowql.resolvers.auth_settings import mask_secrets
from flowql.rest_compat.models import FlowCreateIn, FlowRead


class FlowListCreateIn(BaseModel):
    """Langflow ``FlowListCreate`` (``POST /api/v1/flows/batch/``)."""

    flows: list[FlowCreateIn]


class FlowsDeleted(BaseModel):
    """The answer of ``DELETE /api/v1/flows/``: how many of the given flows were deleted."""

    deleted: int


class PublicFlowCapabilities(BaseModel):
    """What anonymous callers may do with a PUBLIC flow at its direct link."""

    can_read: bool = True
    can_execute: bool = True


class PublicFlowRead(FlowRead):
    """Langflow ``PublicFlowRead``: ``FlowRead`` plus ``public_access``."""

    public_access: PublicFlowCapabilities = Field(default_factory=PublicFlowCapabilities)


class StarterProjectOut(BaseModel):
    """One entry of ``GET /api/v1/starter-projects/`` (Langflow ``GraphDumpResponse``)."""

    model_config = ConfigDict(from_attributes=True)

    data: dict[str, Any]
    is_component: bool | None = False
    name: str | None = None
    name_key: str
    description: str | None = None
    endpoint_name: str | None = None


class FolderRead(BaseModel):
    """Langflow ``FolderRead`` (create, patch, and the ``folder`` of a paginated read); secrets in
    ``auth_settings`` read as ``*******``."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str | None = None
    auth_settings: dict[str, Any] | None = None
    id: uuid.UUID
    parent_id: uuid.UUID | None = None

    @field_validator("auth_settings")
    @classmethod
    def _masked(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return mask_secrets(value)


class FolderListRead(FolderRead):
    """Langflow ``FolderListRead`` (``GET /api/v1/projects/``)."""

    owner_username: str | None = None
    is_owner: bool = True


class FolderReadWithFlows(FolderRead):
    """Langflow ``FolderReadWithFlows`` (``GET /api/v1/projects/{id}`` without paging)."""

    flows: list[FlowRead] = Field(default_factory=list)


class FlowReadPage(BaseModel):
    """Langflow ``Page[FlowRead]``."""

    items: list[FlowRead]
    total: int
    page: int
    size: int
    pages: int


class FolderWithPaginatedFlows(BaseModel):
    """Langflow ``FolderWithPaginatedFlows`` (``GET /api/v1/projects/{id}?page=&size=``)."""

    folder: FolderRead
    flows: FlowReadPage


class FolderCreateIn(BaseModel):
    """Langflow ``FolderCreate`` (plus ``parent_id``): ``components_list`` and ``flows_list``
    are flow ids moved into the new project."""

    name: str
    description: str | None = None
    auth_settings: dict[str, Any] | None = None
    parent_id: uuid.UUID | None = None
    components_list: list[uuid.UUID] | None = None
    flows_list: list[uuid.UUID] | None = None


class FolderUpdateIn(BaseModel):
    """Langflow ``FolderUpdate``: only the fields present change; ``components`` + ``flows``
    (when either is present) are the project's flows afterwards."""

    name: str | None = None
    description: str | None = None
    parent_id: uuid.UUID | None = None
    components: list[uuid.UUID] | None = None
    flows: list[uuid.UUID] | None = None
    auth_settings: dict[str, Any] | None = None
