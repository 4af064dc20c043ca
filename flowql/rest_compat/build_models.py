"""Request and response models of Langflow's build routes (``/api/v1/build*``) and
``/api/v1/monitor/builds``.

Field names follow ``shared/spec/langflow-openapi.json``: ``Body_build_flow_api_v1_build__flow_id__flow_post``
(``inputs``, ``data``, ``files``), ``InputValueRequest``, ``FlowDataRequest``, ``CancelFlowResponse``,
``VertexBuildTable`` and ``VertexBuildMapModel``. Unknown request fields are ignored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

#: ``EventDeliveryType``: how build events reach the client.
EventDelivery = Literal["polling", "streaming", "direct"]

#: Langflow's ``CancelFlowResponse.message`` when a running job was cancelled.
CANCELLED_MESSAGE = "Flow build cancelled successfully"
#: FlowQL's message when the job had already ended (still ``success: true``, as Langflow
#: answers when "cancellation wasn't needed").
ALREADY_FINISHED_MESSAGE = "Flow build already finished; nothing to cancel"


class BuildInputs(BaseModel):
    """Langflow ``InputValueRequest``: ``input_value`` for the input components of kind ``type``
    (``chat``/``text``/``any``, Langflow's default ``any``) and the chat ``session``."""

    components: list[str] | None = None
    input_value: str | None = None
    session: str | None = None
    type: Literal["chat", "text", "any"] | None = "any"
    client_request_time: int | None = None


class FlowDataIn(BaseModel):
    """Langflow ``FlowDataRequest``: a graph to build instead of the stored one."""

    model_config = ConfigDict(extra="allow")

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    viewport: dict[str, Any] | None = None


class BuildBody(BaseModel):
    """The body of ``POST /api/v1/build/{flow_id}/flow`` (all optional). ``files`` must be empty
    until the files issue lands (a non-empty list is a 422)."""

    inputs: BuildInputs | None = None
    data: FlowDataIn | None = None
    files: list[str] | None = None


class PublicBuildBody(BaseModel):
    """The body of ``POST /api/v1/build_public_tmp/{flow_id}/flow``: ``inputs`` and ``files``.
    ``data`` is read only to refuse it (422): a public build runs the stored graph."""

    inputs: BuildInputs | None = None
    files: list[str] | None = None
    data: Any = None


class JobStarted(BaseModel):
    """The answer of a build started with ``polling`` or ``streaming`` delivery."""

    job_id: uuid.UUID


class CancelFlowResponse(BaseModel):
    """Langflow ``CancelFlowResponse``."""

    success: bool
    message: str


class VertexBuildOut(BaseModel):
    """Langflow ``VertexBuildTable``: ``id`` is the vertex id, ``build_id`` the stored row's id;
    ``timestamp`` is ISO 8601 UTC (``...Z``)."""

    timestamp: datetime
    id: str
    data: dict[str, Any] | None = None
    artifacts: dict[str, Any] | None = None
    params: str | None = None
    valid: bool
    flow_id: uuid.UUID
    job_id: uuid.UUID | None = None
    build_id: uuid.UUID | None = None


class VertexBuildMap(BaseModel):
    """Langflow ``VertexBuildMapModel``: vertex id → its builds, oldest first."""

    vertex_builds: dict[str, list[VertexBuildOut]]
