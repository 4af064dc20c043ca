"""``Flow``, its components and the ``flows`` connection (Langflow ``FlowRead``)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.resolvers.flows import flow_components
from flowql.schema.records import FlowPageRecord, FlowRecord
from flowql.schema.types.pagination import PageInfo


@strawberry.enum(description="Who may run a flow without owning it (Langflow access_type).")
class AccessType(Enum):
    """Who may run a flow without owning it (Langflow ``access_type``)."""

    PRIVATE = "PRIVATE"
    PUBLIC = "PUBLIC"


@strawberry.type(description="One vertex of a flow: node id, component type (data.type), display name.")
class FlowComponent:
    """One vertex of a flow: node id, component type (``data.type``) and display name."""

    id: strawberry.ID
    type: str
    display_name: str


def _flow_components(root: Flow) -> list[FlowComponent]:
    return [
        FlowComponent(id=strawberry.ID(c.id), type=c.type, display_name=c.display_name)
        for c in flow_components(root.data)
    ]


@strawberry.type(
    name="Flow",
    description="A stored flow (Langflow FlowRead); data is the flow JSON (nodes, edges, viewport) as saved.",
)
class Flow:
    """A stored flow. ``data`` is Langflow's flow JSON (nodes, edges, viewport), unchanged."""

    id: strawberry.ID
    name: str
    description: str | None
    icon: str | None
    icon_bg_color: str | None
    gradient: str | None
    data: JSON | None
    is_component: bool
    endpoint_name: str | None
    tags: list[str]
    locked: bool
    webhook: bool
    mcp_enabled: bool
    action_name: str | None
    action_description: str | None
    access_type: AccessType
    updated_at: datetime

    components: list[FlowComponent] = strawberry.field(
        resolver=_flow_components,
        description="The flow's component vertices, typed, in data.nodes order.",
    )

    @classmethod
    def from_record(cls, flow: FlowRecord) -> Flow:
        """Shape a stored flow."""
        data: Any = flow.data
        return cls(
            id=strawberry.ID(str(flow.id)),
            name=flow.name,
            description=flow.description,
            icon=flow.icon,
            icon_bg_color=flow.icon_bg_color,
            gradient=flow.gradient,
            data=data,
            is_component=bool(flow.is_component),
            endpoint_name=flow.endpoint_name,
            tags=list(flow.tags or []),
            locked=bool(flow.locked),
            webhook=bool(flow.webhook),
            mcp_enabled=bool(flow.mcp_enabled),
            action_name=flow.action_name,
            action_description=flow.action_description,
            access_type=AccessType.PUBLIC if flow.access_type == "PUBLIC" else AccessType.PRIVATE,
            updated_at=flow.updated_at,
        )


@strawberry.type(description="A flow with its opaque keyset cursor.")
class FlowEdge:
    """A flow with its opaque keyset cursor."""

    cursor: str
    node: Flow


@strawberry.type(description="A keyset page of the caller's flows, oldest first.")
class FlowConnection:
    """A page of the caller's flows."""

    edges: list[FlowEdge]
    page_info: PageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: FlowPageRecord) -> FlowConnection:
        """Shape a ``flows_page`` result."""
        edges = [FlowEdge(cursor=cursor, node=Flow.from_record(flow)) for cursor, flow in page.items]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
            ),
            total_count=page.total_count,
        )
