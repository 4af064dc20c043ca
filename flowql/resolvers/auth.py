"""Sign-in and API keys: auto-login, password login, token refresh, logout, API key creation.

Mirrors ``GET /api/v1/auto_login``, ``POST /api/v1/login``, ``POST /api/v1/refresh``,
``POST /api/v1/logout`` and ``POST /api/v1/api_key/``.

Refresh tokens are single-use: a refresh revokes the token it was given (its ``jti`` goes into
``revoked_token`` until the token would have expired) and hands out a new pair, so a stolen
refresh token stops working once either party uses it. Logout revokes the caller's refresh
token the same way. Access tokens are not tracked; they live out their (short) lifetime.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flowql.auth.api_keys import display_prefix, generate_api_key, hash_api_key
from flowql.auth.passwords import password_fingerprint, verify_password_async
from flowql.auth.tokens import TokenClaims, create_token, decode_token
from flowql.context import Context
from flowql.db.base import utcnow
from flowql.db.models import ApiKey, RevokedToken, User
from flowql.errors import PermissionDenied, Unauthenticated
from flowql.resolvers.input_checks import check_text, text_problem
from flowql.resolvers.users import USERNAME_MAX, create_user_in
from flowql.settings import Settings

INVALID_REFRESH_TOKEN = "Invalid refresh token"  # noqa: S105 (an error message, not a secret)
#: Host names that always mean this machine.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


@dataclass(frozen=True)
class Tokens:
    """An access/refresh pair (Langflow ``Token``: ``access_token``, ``refresh_token``, ``token_type``)."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)


@dataclass(frozen=True)
class CreatedApiKey:
    """A new API key row and its secret, which is shown this once and never stored."""

    key: ApiKey
    secret: str


def issue_tokens(settings: Settings, user: User) -> Tokens:
    """A fresh access and refresh token for ``user``."""
    secret = settings.resolved_secret_key()
    fingerprint = password_fingerprint(user.password_hash)
    return Tokens(
        access_token=create_token(secret, user.id, "access", settings.access_token_minutes, fingerprint),
        refresh_token=create_token(secret, user.id, "refresh", settings.refresh_token_minutes, fingerprint),
    )


async def ensure_default_superuser(session: AsyncSession, settings: Settings) -> User:
    """The auto-login superuser (``settings.superuser``), created with a random password if missing."""
    user = await session.scalar(select(User).where(User.username == settings.superuser))
    if user is None:
        user = await create_user_in(
            session,
            username=settings.superuser,
            password=secrets.token_urlsafe(24),
            is_superuser=True,
            is_active=True,
        )
    return user


def _is_trusted_host(host: str, allowed_origins: list[str]) -> bool:
    if host.lower() in LOOPBACK_HOSTS:
        return True
    return any(urlsplit(origin).hostname == host.lower() for origin in allowed_origins)


async def auto_login(ctx: Context, *, host: str) -> Tokens:
    """Tokens for the default superuser (Langflow ``GET /api/v1/auto_login``).

    ``host`` is the host the request was addressed to: only a loopback name or the host of one
    of ``FLOWQL_ALLOWED_ORIGINS`` may receive tokens, so a page whose domain was rebound to
    127.0.0.1 cannot take them. Raises PermissionDenied (403) when auto-login is off or the
    host is not trusted.
    """
    if not ctx.settings.resolved_auto_login:
        raise PermissionDenied("Auto login is disabled. Please enable it in the settings")
    if not _is_trusted_host(host, ctx.settings.allowed_origins):
        raise PermissionDenied(f"Auto login is only answered on this machine's own address, not {host!r}")
    async with ctx.sessions() as session:
        user = await ensure_default_superuser(session, ctx.settings)
    if not (user.is_superuser and user.is_active):
        # e.g. the superuser renamed itself and someone else took the name: never hand out theirs
        raise PermissionDenied(
            f"The auto-login user {ctx.settings.superuser!r} is not an active superuser; sign in instead"
        )
    return issue_tokens(ctx.settings, user)


async def login(ctx: Context, *, username: str, password: str) -> Tokens:
    """Tokens for a user whose password matches. Raises Unauthenticated (401) otherwise,
    with the same message for an unknown user, a wrong password and an inactive user."""
    if text_problem(username, USERNAME_MAX) is not None:
        await verify_password_async(password, None)  # same cost as any failed login
        raise Unauthenticated("Incorrect username or password")
    async with ctx.sessions() as session:
        user = await session.scalar(select(User).where(User.username == username))
        ok = await verify_password_async(password, user.password_hash if user else None)
        if user is None or not ok or not user.is_active:
            raise Unauthenticated("Incorrect username or password")
        user.last_login_at = utcnow()
        await session.commit()
    return issue_tokens(ctx.settings, user)


async def create_api_key(ctx: Context, *, name: str | None) -> CreatedApiKey:
    """A new API key for the caller; only its hash and prefix are stored."""
    principal = ctx.require_principal()
    check_text(name, "name", 255)
    secret = generate_api_key()
    key = ApiKey(
        user_id=principal.user_id, name=name, prefix=display_prefix(secret), key_hash=hash_api_key(secret)
    )
    async with ctx.sessions() as session:
        session.add(key)
        await session.commit()
    return CreatedApiKey(key=key, secret=secret)


async def _revoke(session: AsyncSession, claims: TokenClaims) -> bool:
    """Record ``claims.jti`` as revoked (committed); False when it already was (also when a
    concurrent request revoked it first: the primary key decides)."""
    if await session.get(RevokedToken, claims.jti) is not None:
        return False
    session.add(RevokedToken(jti=claims.jti, expires_at=claims.expires_at))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def refresh_tokens(ctx: Context, *, refresh_token: str | None) -> Tokens:
    """A new access/refresh pair for a valid refresh token (Langflow ``POST /api/v1/refresh``,
    GraphQL ``refreshToken``); needs no principal. The presented token is revoked (rotation),
    so each refresh token works once.

    Raises Unauthenticated("Invalid refresh token") for a missing, malformed, expired or revoked
    token, an access token, or a user who is gone or inactive.
    """
    secret = ctx.settings.resolved_secret_key()
    claims = decode_token(secret, refresh_token, "refresh") if refresh_token else None
    if claims is None:
        raise Unauthenticated(INVALID_REFRESH_TOKEN)
    async with ctx.sessions() as session:
        user = await session.scalar(select(User).where(User.id == claims.user_id, User.is_active.is_(True)))
        if user is None or password_fingerprint(user.password_hash) != claims.password_fingerprint:
            raise Unauthenticated(INVALID_REFRESH_TOKEN)  # gone, inactive, or password changed since
        if not await _revoke(session, claims):
            raise Unauthenticated(INVALID_REFRESH_TOKEN)
    return issue_tokens(ctx.settings, user)


async def logout(ctx: Context, *, refresh_token: str | None) -> bool:
    """Revoke the caller's refresh token (Langflow ``POST /api/v1/logout``, GraphQL ``logout``):
    its ``jti`` goes into ``revoked_token`` until it would expire, so ``refresh_tokens`` refuses
    it. A token that is missing, invalid, expired or another user's revokes nothing; rows of
    revoked tokens that have expired anyway are deleted on the way. Returns whether a token
    was revoked. Raises Unauthenticated without a principal.
    """
    principal = ctx.require_principal()
    secret = ctx.settings.resolved_secret_key()
    claims = decode_token(secret, refresh_token, "refresh") if refresh_token else None
    async with ctx.sessions() as session:
        await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utcnow()))
        await session.commit()
        if claims is None or claims.user_id != principal.user_id:
            return False
        return await _revoke(session, claims)
