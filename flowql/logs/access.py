"""The access log: one record per HTTP request, as ASGI middleware.

``flowql.access`` logs ``<METHOD> <path>?<query> -> <status>`` at ``info``; a request refused
for its credentials (401) is a ``warning`` that names which kinds of credentials it carried
(``x-api-key`` header or query, bearer, cookie) — never their values. The query string is
logged as sent, so a key passed as ``?x-api-key=`` goes through redaction like everything else
(:mod:`flowql.logs.setup`). Websocket and lifespan traffic pass through unlogged.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("flowql.access")


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

        try:
            await self.app(scope, receive, record_status)
        finally:
            self._log(scope, status.get("code", 500))

    @staticmethod
    def _log(scope: Scope, code: int) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        target = scope.get("path", "") + (f"?{query}" if query else "")
        client = scope.get("client")
        fields: dict[str, Any] = {"status": code, "client": client[0] if client else None}
        line = f"{scope.get('method', '')} {target} -> {code}"
        if code == 401:
            fields["credentials"] = ", ".join(_credential_kinds(scope)) or "none"
            log.warning(f"authentication failed: {line}", **fields)
        else:
            log.info(line, **fields)
