"""Each project as an MCP server over streamable HTTP (the official ``mcp`` SDK's low-level
``Server``), at ``/api/v1/mcp/project/{project_id}/streamable``.

``tools/list`` answers the project's flows with ``mcp_enabled``; ``tools/call`` runs one through
the run resolver (:func:`flowql.resolvers.mcp_projects.call_project_tool`) and answers its output
text, ``isError: true`` when the run fails. An unknown tool is a JSON-RPC "invalid params" error
and runs nothing.

Every HTTP request is authenticated before the SDK sees it (API key or access token, as on every
route; the project's ``auth_settings`` decide, see :func:`~flowql.resolvers.mcp_projects.mcp_principal`)
and served statelessly (JSON responses, no session kept between requests), so any number of
server processes can answer and no background task outlives its request.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from flowql import __version__
from flowql.auth.csrf import check_csrf
from flowql.auth.lookup import principal_from_credentials
from flowql.context import Context
from flowql.errors import DomainError, NotFound, Unauthenticated
from flowql.resolvers import mcp_projects
from flowql.rest_compat.errors import status_for
from flowql.services import AppServices

#: The path of a project's MCP endpoint (Langflow's ``streamable_http_url``).
STREAMABLE_PATH = "/api/v1/mcp/project/{project_id}/streamable"
#: Where the authenticated request's target is kept in the ASGI scope for the handlers.
SCOPE_KEY = "flowql.mcp"
#: The largest MCP request body (bytes).
MAX_BODY = 4 * 1024 * 1024
GLOBAL_VAR_PREFIX = "x-langflow-global-var-"
#: Methods the endpoint answers 405 (``Allow: POST``), with why.
NOT_ALLOWED = {
    "GET": "this MCP server sends no server-initiated messages",
    "DELETE": "this MCP server keeps no sessions",
}
#: Longest SDK error text passed on as a ``detail``.
DETAIL_MAX = 200
#: Headers of an SDK error answer that :class:`_JsonErrors` rewrites.
_REWRITTEN = (b"content-type", b"content-length")


def _safe_error(payload: object) -> object:
    """A JSON error answer of the SDK without anything that may echo the request: a JSON-RPC
    error loses ``data``, and a validation message (which dumps the input) becomes
    "Invalid JSON-RPC message"."""
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return payload
    error = {k: v for k, v in payload["error"].items() if k in ("code", "message")}
    message = error.get("message")
    if not isinstance(message, str) or "input_value=" in message or len(message) > DETAIL_MAX:
        error["message"] = "Invalid JSON-RPC message"
    return {**payload, "error": error}


class _JsonErrors:
    """An ASGI ``send`` that passes answers below 400 through (a 202 with an empty body without a
    content type) and turns the SDK's error answers
    into JSON with the same status: plain text becomes ``{"detail": <text>}`` (the SDK's fixed
    texts; anything long or odd becomes the status phrase), JSON-RPC errors go through
    :func:`_safe_error`."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._start: Message | None = None
        self._accepted: Message | None = None
        self._body = bytearray()

    async def _send_accepted(self, body: Message) -> None:
        """A 202 with an empty body (the SDK's answer to a notification) goes without its
        ``content-type: application/json``, which promises a JSON body it does not have."""
        start, self._accepted = self._accepted, None
        assert start is not None
        if not body.get("body") and not body.get("more_body", False):
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _REWRITTEN]
            start = {**start, "headers": [*headers, (b"content-length", b"0")]}
        await self._send(start)
        await self._send(body)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and int(message["status"]) == HTTPStatus.ACCEPTED:
            self._accepted = message  # an answer to a notification: sent when its body is known
            return
        if self._accepted is not None and message["type"] == "http.response.body":
            await self._send_accepted(message)
            return
        if message["type"] == "http.response.start" and int(message["status"]) >= 400:
            self._start = message
            return
        if self._start is None or message["type"] != "http.response.body":
            await self._send(message)
            return
        self._body += message.get("body", b"")
        if message.get("more_body", False):
            return
        status = int(self._start["status"])
        headers = [(k, v) for k, v in self._start.get("headers", []) if k.lower() not in _REWRITTEN]
        body = json.dumps(self._payload(status, self._start.get("headers", []))).encode()
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        await self._send({"type": "http.response.body", "body": body})

    def _payload(self, status: int, headers: list[tuple[bytes, bytes]]) -> object:
        types_ = [v for k, v in headers if k.lower() == b"content-type"]
        text = bytes(self._body).decode("utf-8", "replace")
        if types_ and types_[0].split(b";")[0].strip() == b"application/json":
            try:
                return _safe_error(json.loads(text))
            except ValueError:
                pass
        if not text or len(text) > DETAIL_MAX or not text.isprintable():
            try:
                text = HTTPStatus(status).phrase
            except ValueError:
                text = "Error"
        return {"detail": text}


@dataclass(frozen=True)
class McpTarget:
    """The project an MCP request addresses and the Context (as the project's owner) it runs in."""

    ctx: Context
    project_id: uuid.UUID


def _target(ctx: ServerRequestContext[Any, Any]) -> McpTarget:
    request = ctx.request
    target = request.scope.get(SCOPE_KEY) if isinstance(request, Request) else None
    if not isinstance(target, McpTarget):  # only reachable through mcp_endpoint
        raise MCPError(types.INTERNAL_ERROR, "No project for this request")
    return target


async def _list_tools(
    ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    target = _target(ctx)
    try:
        _, tools = await mcp_projects.list_project_tools(target.ctx, project_id=target.project_id)
    except NotFound as exc:
        raise MCPError(types.INVALID_PARAMS, exc.message) from None
    return types.ListToolsResult(
        tools=[types.Tool(name=t.name, description=t.description, input_schema=t.input_schema) for t in tools]
    )


async def _call_tool(
    ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
) -> types.CallToolResult:
    target = _target(ctx)
    try:
        result = await mcp_projects.call_project_tool(
            target.ctx, project_id=target.project_id, name=params.name, arguments=params.arguments
        )
    except NotFound as exc:
        raise MCPError(types.INVALID_PARAMS, exc.message) from None
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=result.text)], is_error=result.is_error
    )


def build_server() -> Server[Any]:
    """The low-level MCP server shared by every project (the project comes with each request)."""
    return Server(
        "flowql",
        version=__version__,
        instructions="Each tool runs one flow of this FlowQL project.",
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
    )


_SERVER = build_server()


def _error(exc: DomainError, status: int) -> JSONResponse:
    return JSONResponse({"detail": exc.message}, status_code=status)


async def _authenticate(request: Request, services: AppServices) -> Context:
    """The Context of the caller's credentials (maybe without a principal). Raises
    PermissionDenied for a cookie-only write from a foreign origin."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    authorization = headers.get("authorization", "")
    bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
    async with services.sessions() as session:
        principal = await principal_from_credentials(
            session,
            services.settings.resolved_secret_key(),
            bearer=bearer or None,
            api_key=headers.get("x-api-key") or request.query_params.get("x-api-key"),
            cookie_token=request.cookies.get("access_token_lf"),
            key_usage=services.key_usage,
        )
    check_csrf(
        principal,
        method=request.method,
        headers=headers,
        server_origin=f"{request.url.scheme}://{request.url.netloc}",
        allowed_origins=services.settings.allowed_origins,
    )
    global_vars = {
        k[len(GLOBAL_VAR_PREFIX) :].upper(): v for k, v in headers.items() if k.startswith(GLOBAL_VAR_PREFIX)
    }
    return Context(
        settings=services.settings,
        sessions=services.sessions,
        principal=principal,
        global_vars=global_vars,
        jobs=services.jobs,
        key_usage=services.key_usage,
    )


async def mcp_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI endpoint of ``/api/v1/mcp/project/{project_id}/streamable``: 401
    ``{"detail": "Not authenticated"}`` without credentials (unless the project's auth is
    ``none``), 404 for a project that is missing or not the caller's, 405 for GET and DELETE,
    else the MCP exchange, run as the project's owner; the SDK's refusals (413, 400, 406, ...)
    are JSON (:class:`_JsonErrors`)."""
    request = Request(scope, receive)
    services: AppServices = request.app.state.services
    try:
        ctx = await _authenticate(request, services)
        try:
            project_id = uuid.UUID(str(request.path_params.get("project_id")))
        except ValueError:
            if ctx.principal is None:
                raise Unauthenticated("Not authenticated") from None
            raise NotFound("Project not found") from None
        principal = await mcp_projects.mcp_principal(ctx, project_id=project_id)
    except DomainError as exc:
        await _error(exc, status_for(exc))(scope, receive, send)
        return
    if request.method in NOT_ALLOWED:  # stateless: no server-initiated stream, no session to end
        await JSONResponse(
            {"detail": f"Method Not Allowed: {NOT_ALLOWED[request.method]}"},
            status_code=405,
            headers={"Allow": "POST"},
        )(scope, receive, send)
        return
    owner_ctx = Context(
        settings=ctx.settings,
        sessions=ctx.sessions,
        principal=principal,
        global_vars=ctx.global_vars,
        jobs=ctx.jobs,
        key_usage=ctx.key_usage,
    )
    scope[SCOPE_KEY] = McpTarget(owner_ctx, project_id)
    # Stateless: a fresh transport per request, its task group ending with the request.
    manager = StreamableHTTPSessionManager(
        app=_SERVER, stateless=True, json_response=True, max_request_body_size=MAX_BODY
    )
    async with manager.run():
        await manager.handle_request(scope, receive, _JsonErrors(send))


class _AsgiEndpoint:
    """:func:`mcp_endpoint` as an ASGI app (Starlette calls a plain function with a Request)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await mcp_endpoint(scope, receive, send)


def mcp_routes() -> list[Route]:
    """The routes to add to the app: the MCP endpoint for GET, POST and DELETE. Stateless, it
    answers GET (a server-initiated stream) and DELETE (ending a session) with 405 ``{"detail"}``
    and ``Allow: POST`` once the caller is authenticated."""
    return [
        Route(
            STREAMABLE_PATH,
            endpoint=_AsgiEndpoint(),
            methods=["GET", "POST", "DELETE"],
            include_in_schema=False,
        )
    ]
