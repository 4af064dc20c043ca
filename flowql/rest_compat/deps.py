"""FastAPI dependencies: the per-request Context, with or without a required principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from flowql.auth.csrf import check_csrf, require_trusted_origin
from flowql.auth.lookup import principal_from_credentials
from flowql.context import Context
from flowql.errors import Unauthenticated
from flowql.services import AppServices

GLOBAL_VAR_PREFIX = "x-langflow-global-var-"

_bearer = HTTPBearer(auto_error=False)
_api_key_header = APIKeyHeader(name="x-api-key", auto_error=False)
_api_key_query = APIKeyQuery(name="x-api-key", auto_error=False)
_cookie = APIKeyCookie(name="access_token_lf", auto_error=False)


def app_services(request: Request) -> AppServices:
    """The process-wide services stored on ``app.state`` by the lifespan."""
    services: AppServices = request.app.state.services
    return services


def _global_vars(request: Request) -> dict[str, str]:
    return {
        k[len(GLOBAL_VAR_PREFIX) :].upper(): v
        for k, v in request.headers.items()
        if k.lower().startswith(GLOBAL_VAR_PREFIX)
    }


def _lower_headers(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def _server_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def require_same_origin(request: Request) -> None:
    """PermissionDenied (403) unless the request's ``Origin`` / ``Referer`` is this server or one
    of ``FLOWQL_ALLOWED_ORIGINS`` (the CSRF rule, for a request acting on a cookie other than
    the access token, e.g. ``refresh_token_lf``)."""
    require_trusted_origin(
        headers=_lower_headers(request),
        server_origin=_server_origin(request),
        allowed_origins=app_services(request).settings.allowed_origins,
    )


async def optional_context(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_api_key_header)],
    query_key: Annotated[str | None, Depends(_api_key_query)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Context:
    """A Context whose principal is set when the request carries valid credentials."""
    services = app_services(request)
    async with services.sessions() as session:
        principal = await principal_from_credentials(
            session,
            services.settings.resolved_secret_key(),
            bearer=bearer.credentials if bearer else None,
            api_key=header_key or query_key,
            cookie_token=cookie,
            key_usage=services.key_usage,
        )
    check_csrf(
        principal,
        method=request.method,
        headers=_lower_headers(request),
        server_origin=_server_origin(request),
        allowed_origins=services.settings.allowed_origins,
    )
    return Context(
        settings=services.settings,
        sessions=services.sessions,
        principal=principal,
        global_vars=_global_vars(request),
        jobs=services.jobs,
        key_usage=services.key_usage,
    )


def public_context(request: Request) -> Context:
    """A Context without a principal, for allow-listed routes that take no credentials
    (login, auto-login, refresh, sign-up): a stale cookie must not get in their way."""
    services = app_services(request)
    return Context(settings=services.settings, sessions=services.sessions, jobs=services.jobs)


async def required_context(ctx: Annotated[Context, Depends(optional_context)]) -> Context:
    """A Context with a principal, else 401."""
    if ctx.principal is None:
        raise Unauthenticated("Not authenticated")
    return ctx


PublicCtx = Annotated[Context, Depends(public_context)]
OptionalCtx = Annotated[Context, Depends(optional_context)]
Ctx = Annotated[Context, Depends(required_context)]
