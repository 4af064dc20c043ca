"""The ``/graphql`` router: GraphiQL on GET, queries and mutations on POST, multipart uploads,
subscriptions over websockets (``graphql-transport-ws`` and ``graphql-ws``)."""

from __future__ import annotations

import logging
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from fastapi import WebSocket
from fastapi.responses import JSONResponse
from fastapi.routing import APIWebSocketRoute
from strawberry.exceptions import MissingQueryError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from flowql.schema.build import build_schema
from flowql.schema.context import GraphQLContext, get_context
from flowql.schema.websocket import authenticate_connection, websocket_context
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

    async def execute_single(
        self,
        request: Any,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Any,
        context: GraphQLContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, except that a subscription sent over HTTP answers 400 (subscriptions
        need a websocket) instead of failing while it executes."""
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            reason = exc.as_http_error_reason(request_adapter.method)
            if exc.operation_type is OperationType.SUBSCRIPTION:
                reason += "; subscribe over a websocket (graphql-transport-ws or graphql-ws)"
            raise HTTPException(400, reason) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def on_ws_connect(self, context: GraphQLContext) -> UnsetType | dict[str, object] | None:
        """Authenticate the socket from its ``connection_init`` payload (see
        :mod:`flowql.schema.websocket`); refusing closes it with 4403."""
        await authenticate_connection(context)
        return UnsetType()  # acknowledge without a payload


def graphql_router(settings: Settings) -> GraphQLRouter[GraphQLContext, None]:
    """The GraphQL router for one app (mounted at ``/graphql``); the depth and alias limits
    come from ``settings``. Queries may also be sent by GET; mutations only by POST.

    Strawberry's websocket route builds its context with the HTTP dependencies (headers,
    cookies, CSRF); it is replaced by one whose context starts without a principal and is
    authenticated from ``connection_init`` (:meth:`FlowQLGraphQLRouter.on_ws_connect`).
    Cross-origin browser sockets are refused unless the origin is in ``FLOWQL_ALLOWED_ORIGINS``.
    """
    router = FlowQLGraphQLRouter(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide="graphiql",
        multipart_uploads_enabled=True,
        allowed_origins=tuple(settings.allowed_origins),
    )
    router.routes = [route for route in router.routes if not isinstance(route, APIWebSocketRoute)]

    @router.websocket("")
    async def graphql_websocket(websocket: WebSocket) -> None:
        await router.run(request=websocket, context=websocket_context(websocket), root_value=None)

    return router
