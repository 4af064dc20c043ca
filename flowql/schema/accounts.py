"""Account field implementations (``users``, ``config``, ``version``, ``login``,
``refreshToken``, ``logout``, ``signUp``, ``updateUser``, ``resetPassword``): parse arguments →
one resolver call (the same as REST's) → shape.

Failures surface as GraphQL errors whose ``extensions.code`` is the domain error's code:
UNAUTHENTICATED (no principal, wrong password, bad refresh token), FORBIDDEN (not a superuser,
another user, wrong current password), NOT_FOUND, CONFLICT (username taken), INVALID_INPUT.
These fields return an object (or a Boolean) as the sketch has them, not a union.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from flowql.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE, clear_token_cookies
from flowql.resolvers import auth, config, users
from flowql.resolvers.auth import Tokens
from flowql.schema.context import Info
from flowql.schema.inputs import parse_uuid
from flowql.schema.types.users import AuthTokens, User, UserConnection, UserPatch, Version


def _auth_tokens(tokens: Tokens) -> AuthTokens:
    return AuthTokens(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, token_type=tokens.token_type
    )


async def users_connection(
    info: Info, first: int | None = 50, after: str | None = strawberry.UNSET
) -> UserConnection:
    """``users(first, after)``: a keyset page of every user (``users.users_page``); superusers
    only (FORBIDDEN otherwise). ``first`` out of 1..100 or a foreign cursor is INVALID_INPUT."""
    page = await users.users_page(info.context.ctx, first=50 if first is None else first, after=after or None)
    return UserConnection.from_page(page)


def config_json(info: Info) -> JSON:
    """``config``: Langflow's full configuration for a caller with credentials, the public
    subset without (``config.get_config``). Public."""
    value: Any = config.get_config(info.context.ctx)
    return value  # type: ignore[no-any-return]


def version(info: Info) -> Version:
    """``version``: FlowQL's version and package name (``config.get_version``). Public."""
    found = config.get_version(info.context.ctx)
    return Version(version=found.version, package=found.package)


async def login(info: Info, username: str, password: str) -> AuthTokens | None:
    """``login``: tokens for a username and password (``auth.login``, as REST
    ``POST /api/v1/login``). Public; a wrong password and an unknown user are the same
    UNAUTHENTICATED error."""
    return _auth_tokens(await auth.login(info.context.ctx, username=username, password=password))


async def refresh_token(info: Info, refresh_token: str) -> AuthTokens | None:
    """``refreshToken``: a new pair for a refresh token, which is used up (``auth.refresh_tokens``,
    as REST ``POST /api/v1/refresh``). Public; an invalid, revoked or access token is
    UNAUTHENTICATED."""
    tokens = await auth.refresh_tokens(info.context.ctx, refresh_token=refresh_token)
    return _auth_tokens(tokens)


async def logout(info: Info, refresh_token: str | None = strawberry.UNSET) -> bool:
    """``logout``: revoke the caller's refresh token, given as ``refreshToken`` or else taken
    from the request's ``refresh_token_lf`` cookie (``auth.logout``, as REST
    ``POST /api/v1/logout``); the token cookies are cleared when the request had them. True
    when a token was revoked, false when there was none of the caller's to revoke."""
    request = info.context.request
    cookies = request.cookies if request is not None else {}
    token = refresh_token or cookies.get(REFRESH_COOKIE)
    revoked = await auth.logout(info.context.ctx, refresh_token=token)
    response = info.context.response
    if response is not None and (REFRESH_COOKIE in cookies or ACCESS_COOKIE in cookies):
        clear_token_cookies(response, info.context.ctx.settings)
    return revoked


async def sign_up(info: Info, username: str, password: str) -> User | None:
    """``signUp``: register (``users.sign_up``, as REST ``POST /api/v1/users/``). Public; the
    user is active only when ``FLOWQL_NEW_USER_IS_ACTIVE``; a taken name is CONFLICT."""
    return User.from_record(await users.sign_up(info.context.ctx, username=username, password=password))


async def update_user(info: Info, id: strawberry.ID, patch: UserPatch) -> User | None:
    """``updateUser``: ``users.update_user`` (as REST ``PATCH /api/v1/users/{user_id}``).
    FORBIDDEN when an ordinary user names another user or changes isActive / isSuperuser /
    password; CONFLICT for a taken username."""
    user = await users.update_user(info.context.ctx, user_id=parse_uuid(id, "id"), values=patch.to_values())
    return User.from_record(user)


async def reset_password(info: Info, id: strawberry.ID, current_password: str, password: str) -> bool:
    """``resetPassword``: change one's own password (``users.reset_password``, as REST
    ``PATCH /api/v1/users/{user_id}/reset-password``). FORBIDDEN for another user's id or a
    wrong ``currentPassword``; INVALID_INPUT for an empty or unchanged new password."""
    await users.reset_password(
        info.context.ctx, user_id=parse_uuid(id, "id"), current_password=current_password, password=password
    )
    return True
