"""The access log: one record per HTTP request, as ASGI middleware.

``flowql.access`` logs ``<METHOD> <path>?<query> -> <status>`` at ``info``; a request refused
for its credentials (401) is a ``warning`` that names which kinds of credentials it carried
(``x-api-key`` header or query, bearer, cookie) — never their values. The path is logged as
sent (``raw_path``, percent-encoded), so ``%0A`` or ``%1b`` stay text; the query is decoded
pair by pair, each name and value redacted (a value under a secret-looking name replaced whole,
e.g. ``?pass%77ord=`` or a GraphQL ``query=`` carrying a password) and encoded again. Path and
query are each cut to :data:`MAX_TARGET_CHARS`. Each request starts with no run secrets of its
own (:func:`~flowql.logs.run_secrets.isolated`): the variables of a run it starts mask its own
records, its access line included, and nothing logged outside it. Websocket and lifespan traffic pass through
unlogged.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flowql.logs.redact import MASK, cut, escape_controls, secret_param
from flowql.logs.run_secrets import isolated
from flowql.logs.setup import redactor

log = structlog.get_logger("flowql.access")

#: Longest path, and longest query string, logged (the rest is cut, and said to be).
MAX_TARGET_CHARS = 2048


def _credential_kinds(scope: Scope) -> list[str]:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    kinds: list[str] = []
    if headers.get("x-api-key"):
        kinds.append("x-api-key header")
    query = scope.get("query_string", b"").decode("latin-1")
    if any(name.lower() == "x-api-key" for name, _ in parse_qsl(query)):
        kinds.append("x-api-key query")
    if headers.get("authorization", "").lower().startswith("bearer "):
        kinds.append("bearer")
    if "access_token_lf=" in headers.get("cookie", ""):
        kinds.append("cookie")
    return kinds


def logged_path(scope: Scope) -> str:
    """The request path as sent (percent-encoded; ``raw_path`` when the server gives it), cut to
    :data:`MAX_TARGET_CHARS`, control characters escaped."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        path = raw.decode("latin-1")
    else:
        path = quote(str(scope.get("path", "")), safe="/:@!$&'()*+,;=-._~%")
    return escape_controls(cut(path, MAX_TARGET_CHARS, separators="/;,&="))


def logged_query(query: str) -> str:
    """``query`` decoded pair by pair, each name and value redacted (the whole value under a
    secret-looking name) and encoded again; cut after :data:`MAX_TARGET_CHARS` characters."""
    parts: list[str] = []
    size = 0
    for name, value in parse_qsl(query, keep_blank_values=True):
        if size > MAX_TARGET_CHARS:
            return "&".join(parts) + f"…[{len(query)} characters in all]"
        secret = secret_param(name)
        name = redactor().text(cut(name, MAX_TARGET_CHARS))
        if secret and value:
            value = MASK
        else:
            value = redactor().text(cut(value, MAX_TARGET_CHARS))
        parts.append(urlencode([(name, value)], safe="*…[]"))
        size += len(parts[-1]) + 1
    return "&".join(parts)


class AccessLog:
    """ASGI middleware writing the access log (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: dict[str, int] = {}

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        with isolated():  # a run's variables mask this request's records, never the caller's
            try:
                await self.app(scope, receive, record_status)
            finally:
                self._log(scope, status.get("code", 500))

    @staticmethod
    def _log(scope: Scope, code: int) -> None:
        query = logged_query(scope.get("query_string", b"").decode("latin-1"))
        target = logged_path(scope) + (f"?{query}" if query else "")
        client = scope.get("client")
        fields: dict[str, Any] = {"status": code, "client": client[0] if client else None}
        line = f"{escape_controls(str(scope.get('method', '')))} {target} -> {code}"
        if code == 401:
            fields["credentials"] = ", ".join(_credential_kinds(scope)) or "none"
            log.warning(f"authentication failed: {line}", **fields)
        else:
            log.info(line, **fields)
