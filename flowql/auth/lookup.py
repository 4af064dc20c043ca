"""Find the principal behind a request's credentials.

Accepted (design.md "Auth"): a JWT access token (``Authorization: Bearer`` or the
``access_token_lf`` cookie) or an API key (``x-api-key`` header or query parameter, or
``Authorization: Bearer``). Inactive users are refused.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flowql.auth.api_keys import hash_api_key
from flowql.auth.key_usage import ApiKeyUsage
from flowql.auth.passwords import password_fingerprint
from flowql.auth.principal import Principal
from flowql.auth.tokens import decode_token
from flowql.db.models import ApiKey, User


async def _principal_for_token(session: AsyncSession, secret: str, token: str, via: str) -> Principal | None:
    claims = decode_token(secret, token, "access")
    if claims is None:
        return None
    user = await session.scalar(select(User).where(User.id == claims.user_id, User.is_active.is_(True)))
    if user is None or password_fingerprint(user.password_hash) != claims.password_fingerprint:
        return None  # gone, inactive, or the password changed since the token was issued
    return Principal(user.id, user.username, user.is_superuser, "cookie" if via == "cookie" else "token")


async def _principal_for_api_key(
    session: AsyncSession, secret_key: str, key_usage: ApiKeyUsage | None
) -> Principal | None:
    row = (
        await session.execute(
            select(ApiKey.id, User)
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == hash_api_key(secret_key), User.is_active.is_(True))
        )
    ).first()
    if row is None:
        return None
    key_id, user = row
    if key_usage is not None:  # counted in memory: a request never writes to authenticate
        key_usage.record(key_id)
    return Principal(user.id, user.username, user.is_superuser, "api_key")


async def principal_from_credentials(
    session: AsyncSession,
    jwt_secret: str,
    *,
    bearer: str | None = None,
    api_key: str | None = None,
    cookie_token: str | None = None,
    key_usage: ApiKeyUsage | None = None,
) -> Principal | None:
    """The principal for the first valid credential: bearer (token, then API key), the
    ``x-api-key`` value, then the access-token cookie. ``None`` when none is valid. A use of an
    API key is counted in ``key_usage`` (written later in a batch); lookups only read."""
    if bearer:
        principal = await _principal_for_token(session, jwt_secret, bearer, "token")
        if principal is None:
            principal = await _principal_for_api_key(session, bearer, key_usage)
        if principal is not None:
            return principal
    if api_key:
        principal = await _principal_for_api_key(session, api_key, key_usage)
        if principal is not None:
            return principal
    if cookie_token:
        return await _principal_for_token(session, jwt_secret, cookie_token, "cookie")
    return None
