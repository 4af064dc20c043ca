"""The GraphQL context: the resolver :class:`~flowql.context.Context` plus Strawberry's request slots.

Credentials follow the REST rules exactly (the same FastAPI dependency builds the Context):
``Authorization: Bearer`` (access token or API key), ``x-api-key`` header or query parameter,
or the ``access_token_lf`` cookie. No credentials is not an error here; fields that need a
principal refuse it (see :mod:`flowql.schema.permissions`).
"""

from __future__ import annotations

from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from flowql.context import Context
from flowql.rest_compat.deps import OptionalCtx


class GraphQLContext(BaseContext):
    """Per-operation context. ``ctx`` is what every resolver function takes first.

    Per-operation DataLoaders will live here too (never module-level).
    """

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx


Info = StrawberryInfo[GraphQLContext, None]


async def get_context(ctx: OptionalCtx) -> GraphQLContext:
    """FastAPI dependency used as the router's ``context_getter``."""
    return GraphQLContext(ctx)
