"""Pydantic models of the MCP routes: the project routes under ``/api/v1/mcp/project`` and the
server configs under ``/api/v2/mcp/servers``.

Names follow ``shared/spec/langflow-openapi.json`` (``MCPProjectUpdateRequest``, ``MCPSettings``,
``AuthSettings``, ``MCPInstallRequest``, ``ComposerUrlResponse``, ``MCPServerConfig``). Secrets are
never in an answer: ``auth_settings`` secrets and config ``env``/``headers`` values, secrets in
``args``, URLs and (nested) extra keys read ``*******``.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class McpSettingsIn(BaseModel):
    """Langflow ``MCPSettings``: one flow's MCP settings. Absent fields stay; ``mcp_enabled`` null
    stays; ``action_name``/``action_description`` null clear. ``name``/``description`` are
    accepted and ignored, as Langflow does."""

    id: uuid.UUID
    mcp_enabled: bool | None = None
    action_name: str | None = None
    action_description: str | None = None
    name: str | None = None
    description: str | None = None


class AuthSettingsIn(BaseModel):
    """Langflow ``AuthSettings``: how the project's MCP endpoint authenticates. ``auth_type``
    ``apikey`` (also when absent) and ``oauth`` need the owner's API key or access token;
    ``none`` needs no credentials (tools then run as the owner). ``api_key`` is stored (and
    answered masked) for Langflow compatibility only: it grants nothing, the endpoint takes the
    owner's own API keys and tokens."""

    model_config = ConfigDict(extra="forbid")

    auth_type: Literal["none", "apikey", "oauth"] | None = None
    api_key: str | None = None
    oauth_host: str | None = None
    oauth_port: str | None = None
    oauth_server_url: str | None = None
    oauth_callback_path: str | None = None
    oauth_callback_url: str | None = None
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = None
    oauth_auth_url: str | None = None
    oauth_token_url: str | None = None
    oauth_mcp_scope: str | None = None
    oauth_provider_scope: str | None = None


class McpProjectUpdateIn(BaseModel):
    """Langflow ``MCPProjectUpdateRequest``: per-flow ``settings`` and, when not null, the
    project's ``auth_settings`` (a masked secret sent back keeps the stored one)."""

    settings: list[McpSettingsIn]
    auth_settings: AuthSettingsIn | None = None


class McpToolRead(BaseModel):
    """One flow of the project as an MCP tool: the flow's ``id``, ``name`` and ``description``;
    ``action_name`` (the tool's name), ``action_description`` (its description), ``mcp_enabled``
    and the tool's ``input_schema``."""

    id: uuid.UUID
    name: str
    description: str | None
    action_name: str
    action_description: str
    mcp_enabled: bool
    input_schema: dict[str, Any]


class ProjectToolsRead(BaseModel):
    """``GET /api/v1/mcp/project/{project_id}``: the tools and the masked ``auth_settings``."""

    tools: list[McpToolRead]
    auth_settings: dict[str, Any] | None = None


class ProjectMcpUpdated(ProjectToolsRead):
    """``PATCH /api/v1/mcp/project/{project_id}``: a message, every flow's tool, the masked
    ``auth_settings``."""

    message: str


class ComposerUrlRead(BaseModel):
    """Langflow ``ComposerUrlResponse``: where the project's MCP server answers. FlowQL serves
    streamable HTTP itself (``uses_composer`` false); the legacy SSE transport is not served
    (``legacy_sse_url`` null)."""

    project_id: str
    uses_composer: bool = False
    streamable_http_url: str | None = None
    legacy_sse_url: str | None = None
    error_message: str | None = None


class McpInstallIn(BaseModel):
    """Langflow ``MCPInstallRequest``: ``client`` is ``cursor``, ``windsurf`` or ``claude``;
    ``transport`` ``streamablehttp`` (default; ``sse`` is refused with 422: not served)."""

    client: str = Field(max_length=64)
    transport: Literal["sse", "streamablehttp"] | None = None


class McpMessage(BaseModel):
    """A one-line answer."""

    message: str


class McpInstalledRead(BaseModel):
    """One client of ``GET .../installed``: whether its config reaches the project."""

    name: str
    installed: bool
    available: bool


class McpServerConfigIn(BaseModel):
    """Langflow ``MCPServerConfig``: a stdio ``command`` with ``args``/``env``, or a ``url`` with
    ``headers``; extra keys are kept."""

    model_config = ConfigDict(extra="allow")

    command: str | None = None
    args: list[str] | None = None
    env: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    url: str | None = None


class McpServersRead(BaseModel):
    """Every config of the caller, by name, secrets masked (the answer of add, update, delete)."""

    mcpServers: dict[str, dict[str, Any]]


class McpServerInfo(BaseModel):
    """One server of ``GET /api/v2/mcp/servers?action_count=true``: ``mode`` is ``STDIO``,
    ``Streamable_HTTP`` or ``SSE``; FlowQL does not connect to it, so ``toolsCount`` is null."""

    name: str
    mode: str
    toolsCount: int | None = None
    error: str | None = None
