"""Sign-in: ``GET /api/v1/auto_login``, ``POST /api/v1/login``, ``POST /api/v1/refresh``,
``POST /api/v1/logout``; and the caller's API keys (``GET``/``POST /api/v1/api_key/``,
``DELETE /api/v1/api_key/{api_key_id}``).

The token cookies are set and cleared by :mod:`flowql.auth.cookies` (one place knows their
attributes). ``/refresh`` reads the refresh token from the ``refresh_token_lf`` cookie only, as
Langflow does (GraphQL ``refreshToken`` takes it as an argument); being a cookie-authenticated
state change, it needs an ``Origin`` of this server (CSRF).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request, Response
from pydantic import BaseModel

from flowql.auth.cookies import REFRESH_COOKIE, clear_token_cookies, set_token_cookies
from flowql.resolvers import api_keys as api_key_resolvers
from flowql.resolvers import auth as auth_resolvers
from flowql.rest_compat.deps import Ctx, PublicCtx, require_same_origin
from flowql.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["auth"])


class TokenOut(BaseModel):
    """Langflow's ``Token``."""

    access_token: str
    refresh_token: str
    token_type: str


class ApiKeyCreate(BaseModel):
    """Langflow's ``ApiKeyCreate`` (only ``name`` is used)."""

    name: str | None = None


class ApiKeyCreated(BaseModel):
    """Langflow's ``UnmaskedApiKeyRead``: the secret in ``api_key``, shown once."""

    id: uuid.UUID
    name: str | None
    api_key: str
    user_id: uuid.UUID
    last_used_at: datetime | None
    total_uses: int
    is_active: bool = True
    expires_at: datetime | None = None


def _set_token_cookies(response: Response, settings: Settings, tokens: auth_resolvers.Tokens) -> None:
    set_token_cookies(
        response, settings, access_token=tokens.access_token, refresh_token=tokens.refresh_token
    )


class LogoutOut(BaseModel):
    """Langflow's logout answer."""

    message: str


@router.get("/auto_login", response_model=TokenOut)
async def auto_login(ctx: PublicCtx, request: Request, response: Response) -> TokenOut:
    """Tokens (JSON and cookies) for the default superuser; 403 when auto-login is off or the
    request names a host other than this machine (DNS rebinding)."""
    tokens = await auth_resolvers.auto_login(ctx, host=request.url.hostname or "")
    _set_token_cookies(response, ctx.settings, tokens)
    return TokenOut(**tokens.__dict__)


@router.post("/login", response_model=TokenOut)
async def login(
    ctx: PublicCtx,
    response: Response,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> TokenOut:
    """OAuth2 password form login; 401 ``Incorrect username or password`` on failure."""
    tokens = await auth_resolvers.login(ctx, username=username, password=password)
    _set_token_cookies(response, ctx.settings, tokens)
    return TokenOut(**tokens.__dict__)


RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE)]


@router.post("/refresh", response_model=TokenOut)
async def refresh(
    ctx: PublicCtx, request: Request, response: Response, token: RefreshCookie = None
) -> TokenOut:
    """New tokens (JSON and cookies) for the ``refresh_token_lf`` cookie, which is used up (each
    refresh token works once). 401 ``Invalid refresh token`` without a valid, unrevoked refresh
    token; 403 when the request has no ``Origin`` / ``Referer`` of this server."""
    if token:
        require_same_origin(request)
    tokens = await auth_resolvers.refresh_tokens(ctx, refresh_token=token)
    _set_token_cookies(response, ctx.settings, tokens)
    return TokenOut(**tokens.__dict__)


@router.post("/logout", response_model=LogoutOut)
async def logout(ctx: Ctx, response: Response, token: RefreshCookie = None) -> LogoutOut:
    """Revoke the caller's ``refresh_token_lf`` on the server and clear both token cookies:
    ``{"message": "Logout successful"}``. Needs credentials (401 without)."""
    await auth_resolvers.logout(ctx, refresh_token=token)
    clear_token_cookies(response, ctx.settings)
    return LogoutOut(message="Logout successful")


class ApiKeyRead(BaseModel):
    """Langflow's ``ApiKeyRead``: ``api_key`` is the masked prefix, never the secret."""

    id: uuid.UUID
    name: str | None
    api_key: str
    user_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime | None
    total_uses: int
    is_active: bool = True
    expires_at: datetime | None = None


class ApiKeysResponse(BaseModel):
    """Langflow's ``ApiKeysResponse``."""

    total_count: int
    user_id: uuid.UUID
    api_keys: list[ApiKeyRead]


@router.get("/api_key/", response_model=ApiKeysResponse)
async def list_api_keys(ctx: Ctx) -> ApiKeysResponse:
    """The caller's API keys, secrets masked (``{total_count, user_id, api_keys}``)."""
    keys = await api_key_resolvers.list_api_keys(ctx)
    rows = [
        ApiKeyRead(
            id=k.id,
            name=k.name,
            api_key=api_key_resolvers.masked(k),
            user_id=k.user_id,
            created_at=k.created_at,
            last_used_at=k.last_used_at,
            total_uses=k.total_uses,
        )
        for k in keys
    ]
    return ApiKeysResponse(total_count=len(rows), user_id=ctx.require_principal().user_id, api_keys=rows)


@router.delete("/api_key/{api_key_id}")
async def delete_api_key(ctx: Ctx, api_key_id: uuid.UUID) -> dict[str, str]:
    """Delete one of the caller's keys: ``{"detail": "API Key deleted"}``; 404 when it is
    missing or another user's."""
    await api_key_resolvers.delete_api_key(ctx, key_id=api_key_id)
    return {"detail": "API Key deleted"}


@router.post("/api_key/", response_model=ApiKeyCreated)
async def create_api_key(ctx: Ctx, body: ApiKeyCreate) -> ApiKeyCreated:
    """A new API key for the caller; the secret is in ``api_key`` and is never shown again."""
    created = await auth_resolvers.create_api_key(ctx, name=body.name)
    key = created.key
    return ApiKeyCreated(
        id=key.id,
        name=key.name,
        api_key=created.secret,
        user_id=key.user_id,
        last_used_at=key.last_used_at,
        total_uses=key.total_uses,
    )
