"""CSRF rule for cookie-authenticated requests (design.md "Auth").

A state-changing request (not GET/HEAD/OPTIONS) authenticated only by the ``access_token_lf``
cookie must carry an ``Origin`` (or, failing that, ``Referer``) whose scheme://host[:port] is the
server's own or one of ``FLOWQL_ALLOWED_ORIGINS``. The same rule guards ``POST
/api/v1/refresh`` when its refresh token comes from the ``refresh_token_lf`` cookie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from flowql.auth.principal import Principal
from flowql.errors import PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_csrf(
    principal: Principal | None,
    *,
    method: str,
    headers: Mapping[str, str],
    server_origin: str,
    allowed_origins: Iterable[str],
) -> None:
    """Raise PermissionDenied (403) when a cookie-only, state-changing request has no trusted origin.

    ``headers`` keys are lower-case; ``server_origin`` is ``scheme://host[:port]`` of the request.
    """
    if principal is None or principal.via != "cookie" or method.upper() in SAFE_METHODS:
        return
    require_trusted_origin(headers=headers, server_origin=server_origin, allowed_origins=allowed_origins)


def require_trusted_origin(
    *, headers: Mapping[str, str], server_origin: str, allowed_origins: Iterable[str]
) -> None:
    """Raise PermissionDenied (403) unless the request's ``Origin`` (or, failing that,
    ``Referer``) is ``server_origin`` or one of ``allowed_origins``. For requests that act on a
    cookie which is not the access token (``POST /api/v1/refresh`` with ``refresh_token_lf``)."""
    claimed = headers.get("origin") or headers.get("referer")
    origin = _origin_of(claimed) if claimed else None
    trusted = {server_origin.lower(), *(o.rstrip("/").lower() for o in allowed_origins)}
    if origin is None or origin not in trusted:
        raise PermissionDenied("Cross-site request refused: send an Origin of this server")
