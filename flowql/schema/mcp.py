"""GraphQL field implementations for projects as MCP servers (Langflow's
``/api/v1/mcp/project/{project_id}``): parse arguments → one resolver call → shape. Failures are
GraphQL errors whose ``extensions.code`` is the domain error's (NOT_FOUND, INVALID_INPUT,
CONFLICT)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.errors import FieldProblem, InvalidInput
from flowql.resolvers import mcp_projects
from flowql.schema.context import Info
from flowql.schema.inputs import parse_uuid
from flowql.schema.types.mcp import McpTool

#: GraphQL names of the settings keys, to Langflow's (both are accepted).
_SETTING_KEYS = {
    "mcpEnabled": "mcp_enabled",
    "actionName": "action_name",
    "actionDescription": "action_description",
}


def _tools(tools: list[mcp_projects.McpTool]) -> list[McpTool]:
    return [
        McpTool.from_tool(
            t.flow, name=t.name, description=t.description, enabled=t.enabled, input_schema=t.input_schema
        )
        for t in tools
    ]


def _settings(value: Any) -> list[dict[str, Any]]:
    """``settings`` with camelCase keys renamed (``mcpEnabled`` → ``mcp_enabled``, ...)."""
    if not isinstance(value, list):
        raise InvalidInput("settings must be a list", [FieldProblem("settings", "must be a list")])
    return [
        {_SETTING_KEYS.get(str(k), str(k)): v for k, v in entry.items()} if isinstance(entry, dict) else entry
        for entry in value
    ]


async def project_mcp_tools(
    info: Info, project_id: strawberry.ID, enabled_only: bool = True
) -> list[McpTool]:
    """``projectMcpTools(projectId, enabledOnly)``: the project's flows as MCP tools, oldest first
    (``mcp_projects.list_project_tools``); only the ``mcpEnabled`` ones unless ``enabledOnly``
    is false (the default true, as REST ``mcp_enabled``). A project that is missing or not the caller's is an
    error with code NOT_FOUND."""
    _, tools = await mcp_projects.list_project_tools(
        info.context.ctx, project_id=parse_uuid(project_id, "projectId"), enabled_only=enabled_only
    )
    return _tools(tools)


async def update_project_mcp_settings(
    info: Info,
    project_id: strawberry.ID,
    settings: JSON,
    auth_settings: JSON | None = strawberry.UNSET,
) -> list[McpTool]:
    """``updateProjectMcpSettings``: ``mcp_projects.update_project_mcp_settings`` with
    ``settings`` (a list of ``{id, mcpEnabled, actionName, actionDescription}``) and, when given
    and not null, ``authSettings``; answers every flow's tool. Errors: NOT_FOUND (project or
    flow), INVALID_INPUT, CONFLICT (two enabled flows with one action name)."""
    given = auth_settings is not strawberry.UNSET and auth_settings is not None
    _, tools = await mcp_projects.update_project_mcp_settings(
        info.context.ctx,
        project_id=parse_uuid(project_id, "projectId"),
        settings=_settings(settings),
        auth_settings=auth_settings if given else None,
        set_auth=given,
    )
    return _tools(tools)
