"""``Flow``, its components and the ``flows`` connection (Langflow ``FlowRead``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from flowql.resolvers.flows import flow_components
from flowql.schema.context import Info
from flowql.schema.records import FlowPageRecord, FlowRecord
from flowql.schema.types.monitor import MessageConnection, SessionConnection, flow_messages, flow_sessions
from flowql.schema.types.pagination import PageInfo, page_info
from flowql.schema.types.users import User

if TYPE_CHECKING:
    from flowql.schema.types.projects import Project


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


async def _flow_owner(root: Flow, info: Info) -> User | None:
    """``Flow.owner`` through the operation's owners DataLoader."""
    if root.user_id is None:
        return None
    user = await info.context.flow_loaders(info.operation).owners.load(root.user_id)
    return User.from_record(user) if user is not None else None


async def _flow_project(
    root: Flow, info: Info
) -> Annotated[Project, strawberry.lazy("flowql.schema.types.projects")] | None:
    """``Flow.project`` through the operation's projects DataLoader."""
    from flowql.schema.types.projects import Project

    found = await info.context.flow_loaders(info.operation).projects.load(root.folder_id)
    return Project.from_record(found) if found is not None else None


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
    user_id: strawberry.Private[uuid.UUID | None] = None
    folder_id: strawberry.Private[uuid.UUID | None] = None

    components: list[FlowComponent] = strawberry.field(
        resolver=_flow_components,
        description="The flow's component vertices, typed, in data.nodes order.",
    )
    owner: User | None = strawberry.field(
        resolver=_flow_owner,
        description="Who owns the flow: you, for your flows; null for another user's PUBLIC flow "
        "(publicFlow) and for starter projects. Loaded per operation in one batch.",
    )
    project: Annotated[Project, strawberry.lazy("flowql.schema.types.projects")] | None = strawberry.field(
        resolver=_flow_project,
        description="The project (Langflow folder) holding the flow; null when it is not yours "
        "(another user's PUBLIC flow, a starter project). Loaded per operation in one batch.",
    )
    sessions: SessionConnection = strawberry.field(
        resolver=flow_sessions, description="Your sessions of this flow, in the order they began."
    )
    messages: MessageConnection = strawberry.field(
        resolver=flow_messages,
        description="Your stored messages of this flow, oldest first (of one session with sessionId).",
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
            user_id=flow.user_id,
            folder_id=flow.folder_id,
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
            page_info=page_info(edges, page.has_next_page),
            total_count=page.total_count,
        )
