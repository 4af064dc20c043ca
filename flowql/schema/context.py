"""The GraphQL context: the resolver :class:`~flowql.context.Context` plus Strawberry's request slots.

Credentials follow the REST rules exactly (the same FastAPI dependency builds the Context):
``Authorization: Bearer`` (access token or API key), ``x-api-key`` header or query parameter,
or the ``access_token_lf`` cookie. No credentials is not an error here; fields that need a
principal refuse it (see :mod:`flowql.schema.permissions`).
"""

from __future__ import annotations

import uuid

from fastapi import Request
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from flowql.context import Context
from flowql.errors import Unauthenticated
from flowql.resolvers import flows, projects
from flowql.resolvers.flows import FlowPage
from flowql.resolvers.projects import ProjectFlowsKey
from flowql.rest_compat.deps import OptionalCtx
from flowql.schema.records import ProjectRecord, UserRecord


class FlowLoaders:
    """The DataLoaders behind ``Flow.owner``, ``Flow.project``, ``Project.parent`` and
    ``Project.flows``: each batches every load of one operation into one resolver call (a fixed
    number of SQL statements however many flows or projects a query lists). Without a principal
    (a PUBLIC flow read anonymously) owners and projects load as ``None``."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.owners: DataLoader[uuid.UUID, UserRecord | None] = DataLoader(load_fn=self._owners)
        self.projects: DataLoader[uuid.UUID | None, ProjectRecord | None] = DataLoader(load_fn=self._projects)
        self.project_flows: DataLoader[ProjectFlowsKey, FlowPage] = DataLoader(load_fn=self._project_flows)

    async def _owners(self, keys: list[uuid.UUID]) -> list[UserRecord | None]:
        if self._ctx.principal is None:
            return [None] * len(keys)
        return list(await flows.owners_by_ids(self._ctx, user_ids=keys))

    async def _projects(self, keys: list[uuid.UUID | None]) -> list[ProjectRecord | None]:
        if self._ctx.principal is None:
            return [None] * len(keys)
        return list(await projects.projects_by_ids(self._ctx, project_ids=keys))

    async def _project_flows(self, keys: list[ProjectFlowsKey]) -> list[FlowPage]:
        return await projects.project_flow_pages(self._ctx, keys=keys)


class GraphQLContext(BaseContext):
    """Per-operation context. ``ctx`` is what every resolver function takes first; the
    DataLoaders of one operation come from :meth:`flow_loaders` (never module-level)."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self._flow_loaders: FlowLoaders | None = None
        self._loaders_operation: object = None

    def flow_loaders(self, operation: object) -> FlowLoaders:
        """The :class:`FlowLoaders` of ``operation`` (``info.operation``), made on its first use:
        one HTTP request is one operation, and each operation on a websocket gets fresh loaders,
        so no cache outlives the operation that filled it."""
        if self._flow_loaders is None or self._loaders_operation is not operation:
            self._flow_loaders = FlowLoaders(self.ctx)
            self._loaders_operation = operation
        return self._flow_loaders

    def reset_flow_loaders(self) -> None:
        """Drop the loaders' caches: every mutation that changes flows or projects calls this,
        so a later field of the same operation (the next mutation's ``project.flows``) reads
        fresh rows."""
        self._flow_loaders = None


Info = StrawberryInfo[GraphQLContext, None]


async def get_context(ctx: OptionalCtx, request: Request) -> GraphQLContext:
    """FastAPI dependency used as the router's ``context_getter``. It runs before Strawberry
    reads the body, so a multipart request (an upload: every upload field needs a principal)
    without valid credentials is refused here with 401, before any body byte is read."""
    is_upload = request.headers.get("content-type", "").lower().startswith("multipart/")
    if is_upload and ctx.principal is None:
        raise Unauthenticated("Not authenticated")
    return GraphQLContext(ctx)
