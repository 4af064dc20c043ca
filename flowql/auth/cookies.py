"""The session cookies (``access_token_lf``, ``refresh_token_lf``): one place that knows their
attributes, so logout clears them with exactly the attributes login set them with.

Both are ``SameSite=Lax`` and ``Path=/``; the refresh cookie is ``HttpOnly`` (Langflow's UI reads
the access cookie, never the refresh one); both are ``Secure`` unless the server is a local one
(auto-login on, or bound to a loopback name), where plain http is expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from starlette.responses import Response

from flowql.settings import Settings

ACCESS_COOKIE = "access_token_lf"
REFRESH_COOKIE = "refresh_token_lf"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class CookieAttributes:
    """How one token cookie is set (and therefore how it must be cleared)."""

    name: str
    httponly: bool
    secure: bool
    max_age: int  # seconds
    samesite: Literal["lax"] = "lax"
    path: str = "/"


def _secure(settings: Settings) -> bool:
    return not settings.resolved_auto_login and settings.host not in LOCAL_HOSTS


def access_cookie(settings: Settings) -> CookieAttributes:
    """Attributes of ``access_token_lf`` (lives as long as the access token)."""
    return CookieAttributes(ACCESS_COOKIE, False, _secure(settings), settings.access_token_minutes * 60)


def refresh_cookie(settings: Settings) -> CookieAttributes:
    """Attributes of ``refresh_token_lf`` (HttpOnly; lives as long as the refresh token)."""
    return CookieAttributes(REFRESH_COOKIE, True, _secure(settings), settings.refresh_token_minutes * 60)


def set_token_cookies(
    response: Response, settings: Settings, *, access_token: str, refresh_token: str
) -> None:
    """Set both token cookies on ``response`` (login, auto-login, refresh)."""
    for attrs, value in ((access_cookie(settings), access_token), (refresh_cookie(settings), refresh_token)):
        response.set_cookie(
            attrs.name,
            value,
            max_age=attrs.max_age,
            path=attrs.path,
            secure=attrs.secure,
            httponly=attrs.httponly,
            samesite=attrs.samesite,
        )


def clear_token_cookies(response: Response, settings: Settings) -> None:
    """Expire both token cookies on ``response`` with the attributes they were set with (logout)."""
    for attrs in (access_cookie(settings), refresh_cookie(settings)):
        response.delete_cookie(
            attrs.name, path=attrs.path, secure=attrs.secure, httponly=attrs.httponly, samesite=attrs.samesite
        )
