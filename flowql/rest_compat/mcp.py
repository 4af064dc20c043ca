"""Langflow's MCP routes: a project's MCP tools and settings, its endpoint URLs, client-config
install under ``/api/v1/mcp/project/{project_id}``, and the caller's MCP server configs under
``/api/v2/mcp/servers``. Parse → resolver → shape; the MCP endpoint itself is
:mod:`flowql.mcp.server`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from flowql.db.models import McpServer, Project
from flowql.mcp import clients
from flowql.resolvers import mcp_projects, mcp_servers
from flowql.resolvers.auth_settings import mask_secrets
from flowql.resolvers.mcp_projects import McpTool
from flowql.resolvers.projects import get_project
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.mcp_models import (
    ComposerUrlRead,
    McpInstalledRead,
    McpInstallIn,
    McpMessage,
    McpProjectUpdateIn,
    McpServerConfigIn,
    McpServerInfo,
    McpServersRead,
    McpToolRead,
    ProjectMcpUpdated,
    ProjectToolsRead,
)

router = APIRouter(tags=["MCP"])


def tool_read(tool: McpTool) -> McpToolRead:
    """A project tool as the routes answer it."""
    return McpToolRead(
        id=tool.flow.id,
        name=tool.flow.name,
        description=tool.flow.description,
        action_name=tool.name,
        action_description=tool.description,
        mcp_enabled=tool.enabled,
        input_schema=tool.input_schema,
    )


def _tools_read(project: Project, tools: list[McpTool]) -> ProjectToolsRead:
    return ProjectToolsRead(
        tools=[tool_read(t) for t in tools], auth_settings=mask_secrets(project.auth_settings)
    )


@router.get("/api/v1/mcp/project/{project_id}", response_model=ProjectToolsRead)
async def list_project_tools(ctx: Ctx, project_id: uuid.UUID, mcp_enabled: bool = True) -> ProjectToolsRead:
    """The project's flows as MCP tools (only ``mcp_enabled`` ones unless ``mcp_enabled=false``)
    and its masked ``auth_settings``. 404 for a project that is missing or not the caller's."""
    project, tools = await mcp_projects.list_project_tools(
        ctx, project_id=project_id, enabled_only=mcp_enabled
    )
    return _tools_read(project, tools)


@router.patch("/api/v1/mcp/project/{project_id}", response_model=ProjectMcpUpdated)
async def update_project_mcp_settings(
    ctx: Ctx, project_id: uuid.UUID, body: McpProjectUpdateIn
) -> ProjectMcpUpdated:
    """Set flows' ``mcp_enabled``/``action_name``/``action_description`` and (when given) the
    project's ``auth_settings``; answers every flow's tool and the masked ``auth_settings``.
    404 for a project or flow that is not the caller's (or a flow of another project), 409 for
    two enabled flows with one action name, 422 for a bad value."""
    settings = [s.model_dump(mode="json", exclude_unset=True) for s in body.settings]
    auth = body.auth_settings.model_dump(exclude_unset=True) if body.auth_settings is not None else None
    project, tools = await mcp_projects.update_project_mcp_settings(
        ctx, project_id=project_id, settings=settings, auth_settings=auth, set_auth=auth is not None
    )
    count = len({s["id"] for s in settings})
    suffix = " and project auth settings" if auth is not None else ""
    read = _tools_read(project, tools)
    return ProjectMcpUpdated(message=f"Updated MCP settings for {count} flows{suffix}", **read.model_dump())


@router.get("/api/v1/mcp/project/{project_id}/composer-url", response_model=ComposerUrlRead)
async def composer_url(ctx: Ctx, project_id: uuid.UUID) -> ComposerUrlRead:
    """The URL of the project's MCP server (streamable HTTP, served by FlowQL itself) under
    ``FLOWQL_PUBLIC_URL`` (never the request's Host); ``legacy_sse_url`` is null (SSE is not
    served). 404 for a project that is missing or not the caller's."""
    project = await get_project(ctx, project_id=project_id)
    streamable, _sse = clients.project_paths(project.id)
    base = ctx.settings.resolved_public_url
    return ComposerUrlRead(project_id=str(project.id), streamable_http_url=base + streamable)


@router.post("/api/v1/mcp/project/{project_id}/install", response_model=McpMessage)
async def install_mcp_config(ctx: Ctx, project_id: uuid.UUID, body: McpInstallIn) -> McpMessage:
    """Write the project into the config of ``client`` (cursor, windsurf or claude) under
    ``FLOWQL_MCP_CONFIG_DIR``, its URL under ``FLOWQL_PUBLIC_URL``. 403 unless the caller is a
    superuser, 404 for a project that is not theirs, 422 for another client or the ``sse``
    transport, 409 when the existing config file cannot be merged."""
    message = await clients.install_project(
        ctx, project_id=project_id, client=body.client, transport=body.transport
    )
    return McpMessage(message=message)


@router.get("/api/v1/mcp/project/{project_id}/installed", response_model=list[McpInstalledRead])
async def installed_mcp_clients(ctx: Ctx, project_id: uuid.UUID) -> list[McpInstalledRead]:
    """For cursor, windsurf and claude: whether their config under ``FLOWQL_MCP_CONFIG_DIR``
    reaches this project. 404 for a project that is missing or not the caller's."""
    found = await clients.installed_clients(ctx, project_id=project_id)
    return [McpInstalledRead(name=i.name, installed=i.installed, available=i.available) for i in found]


def _servers_read(rows: list[McpServer]) -> McpServersRead:
    return McpServersRead(mcpServers={r.name: mcp_servers.masked_config(r.config) for r in rows})


@router.get("/api/v2/mcp/servers", response_model=list[str] | list[McpServerInfo])
async def get_servers(ctx: Ctx, action_count: bool | None = None) -> list[str] | list[McpServerInfo]:
    """The names of the caller's MCP server configs; with ``action_count=true`` one object per
    server with its ``mode`` (FlowQL does not connect to them: ``toolsCount`` is null)."""
    rows = await mcp_servers.list_servers(ctx)
    if not action_count:
        return [r.name for r in rows]
    return [McpServerInfo(name=r.name, mode=mcp_servers.server_mode(r.config)) for r in rows]


@router.get("/api/v2/mcp/servers/{server_name}", response_model=dict[str, object])
async def get_server(ctx: Ctx, server_name: str) -> dict[str, object]:
    """The caller's config ``server_name``, secrets masked. 404 when there is none."""
    row = await mcp_servers.get_server(ctx, name=server_name)
    return dict(mcp_servers.masked_config(row.config))


@router.post("/api/v2/mcp/servers/{server_name}", response_model=McpServersRead)
async def add_server(ctx: Ctx, server_name: str, body: McpServerConfigIn) -> McpServersRead:
    """Add config ``server_name``; answers all the caller's configs, secrets masked. 409 when
    the name is taken, 422 without a command or url."""
    config = body.model_dump(exclude_unset=True)
    return _servers_read(await mcp_servers.add_server(ctx, name=server_name, config=config))


@router.patch("/api/v2/mcp/servers/{server_name}", response_model=McpServersRead)
async def update_server(ctx: Ctx, server_name: str, body: McpServerConfigIn) -> McpServersRead:
    """Replace config ``server_name`` (masked ``env``/``headers`` values keep the stored ones);
    answers all the caller's configs, secrets masked. 404 when there is none."""
    config = body.model_dump(exclude_unset=True)
    return _servers_read(await mcp_servers.update_server(ctx, name=server_name, config=config))


@router.delete("/api/v2/mcp/servers/{server_name}", response_model=McpServersRead)
async def delete_server(ctx: Ctx, server_name: str) -> McpServersRead:
    """Delete config ``server_name``; answers the configs left. 404 when there is none."""
    return _servers_read(await mcp_servers.delete_server(ctx, name=server_name))
