"""The ``/graphql`` router: GraphiQL on GET, queries and mutations on POST, multipart uploads."""

from __future__ import annotations

from fastapi.routing import APIWebSocketRoute
from strawberry.fastapi import GraphQLRouter

from flowql.schema.build import build_schema
from flowql.schema.context import GraphQLContext, get_context
from flowql.settings import Settings


def graphql_router(settings: Settings) -> GraphQLRouter[GraphQLContext, None]:
    """The GraphQL router for one app (mounted at ``/graphql``); the depth and alias limits
    come from ``settings``. Queries may also be sent by GET; mutations only by POST.

    The schema has no subscriptions yet, so the websocket route Strawberry adds is dropped (its
    context would need ``connection_init`` authentication, which comes with subscriptions).
    """
    router: GraphQLRouter[GraphQLContext, None] = GraphQLRouter(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide="graphiql",
        multipart_uploads_enabled=True,
    )
    router.routes = [route for route in router.routes if not isinstance(route, APIWebSocketRoute)]
    return router
