"""Pydantic request/response models of the flow, run and monitor routes (Langflow's shapes).

Field names, defaults and nesting follow ``shared/spec/langflow-openapi.json`` (``FlowCreate``,
``FlowUpdate``, ``FlowRead``, ``FlowHeader``, ``SimplifiedAPIRequest``, ``MessageResponse``) and
the captures in ``shared/peer/``. Unknown request fields are ignored, as Langflow does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer

AccessType = Literal["PRIVATE", "PUBLIC"]


def langflow_datetime(value: datetime | None) -> str | None:
    """``updated_at`` as the peer writes it: ``2026-11-30T05:14:18+00:00`` (UTC, seconds)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def message_timestamp(value: datetime) -> str:
    """A message timestamp as the peer writes it: ``2026-11-30 05:14:21.679155 UTC``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


class FlowBase(BaseModel):
    """The writable fields shared by Langflow's ``FlowCreate`` and ``FlowRead``, with its defaults."""

    name: str
    description: str | None = None
    icon: str | None = None
    icon_bg_color: str | None = None
    gradient: str | None = None
    data: dict[str, Any] | None = None
    is_component: bool | None = False
    webhook: bool | None = False
    endpoint_name: str | None = None
    tags: list[str] | None = None
    locked: bool | None = False
    mcp_enabled: bool | None = False
    action_name: str | None = None
    action_description: str | None = None
    access_type: AccessType = "PRIVATE"


class FlowCreateIn(FlowBase):
    """Langflow ``FlowCreate``: ``name`` is required; ``id``/``user_id``/``updated_at`` are ignored."""

    folder_id: uuid.UUID | None = None


class FlowUpdateIn(BaseModel):
    """Langflow ``FlowUpdate`` (plus the other writable ``FlowCreate`` fields the UI sends);
    only the fields present change."""

    name: str | None = None
    description: str | None = None
    icon: str | None = None
    icon_bg_color: str | None = None
    gradient: str | None = None
    data: dict[str, Any] | None = None
    is_component: bool | None = None
    webhook: bool | None = None
    folder_id: uuid.UUID | None = None
    endpoint_name: str | None = None
    tags: list[str] | None = None
    locked: bool | None = None
    mcp_enabled: bool | None = None
    action_name: str | None = None
    action_description: str | None = None
    access_type: AccessType | None = None


class _FlowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_serializer("updated_at", check_fields=False)
    def _updated_at(self, value: datetime | None) -> str | None:
        return langflow_datetime(value)


class FlowRead(FlowBase, _FlowOut):
    """Langflow ``FlowRead``: the stored flow, ``data`` exactly as saved. Fields FlowQL does not
    model yet (``flow_type``, ``a2a_*``, ``workspace_id``, ``name_key``, ``version_token``) carry
    Langflow's defaults."""

    updated_at: datetime | None = None
    flow_type: str = "workflow"
    a2a_enabled: bool | None = False
    a2a_card_overrides: dict[str, Any] | None = None
    id: uuid.UUID
    user_id: uuid.UUID | None = None
    folder_id: uuid.UUID | None = None
    workspace_id: uuid.UUID | None = None
    name_key: str | None = None
    version_token: uuid.UUID | None = None


class FlowHeader(_FlowOut):
    """Langflow ``FlowHeader`` (``header_flows=true``): ``data`` only for components."""

    id: uuid.UUID
    name: str
    folder_id: uuid.UUID | None = None
    is_component: bool | None = None
    endpoint_name: str | None = None
    description: str | None = None
    data: dict[str, Any] | None = None
    access_type: AccessType | None = None
    tags: list[str] | None = None
    mcp_enabled: bool | None = None
    flow_type: str | None = "workflow"
    a2a_enabled: bool | None = False
    a2a_card_overrides: dict[str, Any] | None = None
    action_name: str | None = None
    action_description: str | None = None
    updated_at: datetime | None = None


class FlowPageOut(BaseModel):
    """Langflow ``Page[FlowRead]`` / ``Page[FlowHeader]`` (``get_all=false``)."""

    items: list[FlowRead] | list[FlowHeader]
    total: int
    page: int
    size: int
    pages: int


class FlowDeleted(BaseModel):
    """The answer of ``DELETE /api/v1/flows/{flow_id}``."""

    message: str = "Flow deleted successfully"


class SimplifiedRunRequest(BaseModel):
    """Langflow ``SimplifiedAPIRequest`` plus ``stream`` (the Python SDK sends it in the body)."""

    input_value: str | None = None
    input_type: Literal["chat", "text", "any"] | None = "chat"
    output_type: Literal["chat", "text", "any", "debug"] | None = "chat"
    output_component: str | None = ""
    tweaks: dict[str, Any] | None = None
    session_id: str | None = None
    user_id: str | None = None
    stream: bool = False


class RunBody(SimplifiedRunRequest):
    """The ``/run`` body: the fields flat (what clients send) or wrapped as
    ``{"input_request": {...}, "context": {...}}`` (the OpenAPI form); the wrapped fields win."""

    input_request: SimplifiedRunRequest | None = None
    context: dict[str, Any] | None = None

    def effective(self) -> SimplifiedRunRequest:
        """The request fields, from ``input_request`` when given, else the flat ones."""
        return self.input_request if self.input_request is not None else self


class MessageOut(BaseModel):
    """Langflow ``MessageResponse`` as ``/api/v1/monitor/messages`` answers it, read from a stored
    message: ``timestamp`` as ``2026-11-30 05:14:21.679155 UTC``, ``session_metadata`` =
    ``{"graph_run_id": run_id}``, ``files`` always a list (the peer sometimes sends ``"[]"``)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    flow_id: uuid.UUID | None
    timestamp: datetime
    sender: str
    sender_name: str
    session_id: str
    context_id: str | None
    text: str
    files: list[str]
    edit: bool
    duration: float | None = None
    properties: dict[str, Any]
    category: str
    content_blocks: list[Any]
    run_id: str | None = Field(default=None, exclude=True)

    @field_serializer("timestamp")
    def _timestamp(self, value: datetime) -> str:
        return message_timestamp(value)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def session_metadata(self) -> dict[str, Any] | None:
        """``{"graph_run_id": run_id}`` (null when the run is unknown)."""
        return {"graph_run_id": self.run_id} if self.run_id else None
