"""``McpTool``: one flow of a project as a tool of the project's MCP server."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from flowql.schema.records import FlowRecord
from flowql.schema.types.flows import Flow


@strawberry.type(
    name="McpTool",
    description="One flow of a project as a tool of the project's MCP server (streamable HTTP at "
    "/api/v1/mcp/project/{projectId}/streamable): name is the flow's actionName or a slug of its name, "
    "description its actionDescription, else its description or name.",
)
class McpTool:
    """A project's flow as an MCP tool (as REST ``GET /api/v1/mcp/project/{project_id}``)."""

    flow: Flow
    name: str
    description: str | None
    enabled: bool = strawberry.field(description="Whether the tool is listed and callable (mcpEnabled).")
    input_schema: JSON = strawberry.field(
        description="The tool's JSON Schema: input_value (the flow's chat or text input) and session_id."
    )

    @classmethod
    def from_tool(
        cls, flow: FlowRecord, *, name: str, description: str, enabled: bool, input_schema: dict[str, Any]
    ) -> McpTool:
        """Shape a resolver tool."""
        return cls(
            flow=Flow.from_record(flow),
            name=name,
            description=description,
            enabled=enabled,
            input_schema=cast(JSON, input_schema),
        )
