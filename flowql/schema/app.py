"""The ``/graphql`` router: GraphiQL on GET, queries and mutations on POST, multipart uploads."""

from __future__ import annotations

import logging
from typing import Any

from cross_web import HTTPException
from fastapi.responses import JSONResponse
from fastapi.routing import APIWebSocketRoute
from strawberry.fastapi import GraphQLRouter
from strawberry.types.unset import UNSET

from flowql.schema.build import build_schema
from flowql.schema.context import GraphQLContext, get_context
from flowql.settings import Settings

log = logging.getLogger("flowql.graphql")

#: What request parsing raises on input it cannot read (bad UTF-8, lone surrogates, nesting too
#: deep, a malformed multipart ``map`` or ``operations``) before any operation runs.
MALFORMED_REQUEST_ERRORS = (UnicodeError, RecursionError, ValueError, TypeError, AttributeError, KeyError)


def request_error(message: str, status_code: int = 400) -> JSONResponse:
    """A GraphQL-over-HTTP error answer: ``{"errors": [{message, extensions.code}]}``."""
    readable = message.encode("utf-8", "replace").decode("utf-8")  # a client's lone surrogates
    body = {"errors": [{"message": readable, "extensions": {"code": "BAD_REQUEST"}}]}
    return JSONResponse(body, status_code=status_code)


class FlowQLGraphQLRouter(GraphQLRouter[GraphQLContext, None]):
    """Strawberry's router whose transport errors answer JSON with an ``extensions.code``
    (Strawberry answers plain text, or 500 for input its parser cannot read)."""

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Run the operation; a request that cannot be parsed answers 400 ``BAD_REQUEST``."""
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            return request_error(exc.reason, exc.status_code)
        except MALFORMED_REQUEST_ERRORS as exc:
            log.info("malformed GraphQL request: %s", type(exc).__name__)
            return request_error("The GraphQL request could not be parsed")


def graphql_router(settings: Settings) -> GraphQLRouter[GraphQLContext, None]:
    """The GraphQL router for one app (mounted at ``/graphql``); the depth and alias limits
    come from ``settings``. Queries may also be sent by GET; mutations only by POST.

    The schema has no subscriptions yet, so the websocket route Strawberry adds is dropped (its
    context would need ``connection_init`` authentication, which comes with subscriptions).
    """
    router = FlowQLGraphQLRouter(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide="graphiql",
        multipart_uploads_enabled=True,
    )
    router.routes = [route for route in router.routes if not isinstance(route, APIWebSocketRoute)]
    return router
