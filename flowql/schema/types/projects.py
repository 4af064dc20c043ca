"""``Project`` (Langflow's folder) with its ``parent`` and its ``flows`` connection, both loaded
through the operation's DataLoaders."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.resolvers.auth_settings import mask_secrets
from flowql.resolvers.projects import ProjectFlowsKey
from flowql.schema.context import Info
from flowql.schema.records import ProjectRecord
from flowql.schema.types.flows import FlowConnection


async def _project_parent(root: Project, info: Info) -> Project | None:
    """``Project.parent`` through the operation's projects DataLoader."""
    if root.parent_id is None:
        return None
    found = await info.context.flow_loaders(info.operation).projects.load(root.parent_id)
    return Project.from_record(found) if found is not None else None


async def _project_flows(
    root: Project,
    info: Info,
    first: int = 50,
    after: str | None = None,
    is_component: bool | None = None,
    search: str | None = None,
) -> FlowConnection:
    """``Project.flows``: one page through the operation's project-flows DataLoader."""
    key = ProjectFlowsKey(
        project_id=uuid.UUID(str(root.id)),
        first=first,
        after=after or None,
        is_component=is_component,
        search=search or None,
    )
    page = await info.context.flow_loaders(info.operation).project_flows.load(key)
    return FlowConnection.from_page(page)


@strawberry.type(
    name="Project",
    description="A project (Langflow folder) holding flows; every user has one default project "
    "(isDefault) that receives flows created without a project.",
)
class Project:
    """A project of the caller's (as REST ``FolderRead``)."""

    id: strawberry.ID
    name: str
    description: str | None
    auth_settings: JSON | None
    is_default: bool
    parent_id: strawberry.Private[uuid.UUID | None] = None

    parent: Project | None = strawberry.field(
        resolver=_project_parent, description="The project this one is inside; null at the top level."
    )
    flows: FlowConnection = strawberry.field(
        resolver=_project_flows,
        description="The project's flows, oldest first, as a keyset connection (first is 1..100); "
        "isComponent keeps components (true) or flows (false), search matches names "
        "case-insensitively. Loaded for every project of the operation in one batch.",
    )

    @classmethod
    def from_record(cls, project: ProjectRecord) -> Project:
        """Shape a stored project (secrets in ``auth_settings`` masked)."""
        auth_settings: Any = mask_secrets(project.auth_settings)
        return cls(
            id=strawberry.ID(str(project.id)),
            name=project.name,
            description=project.description,
            auth_settings=auth_settings,
            is_default=bool(project.is_default),
            parent_id=project.parent_id,
        )
