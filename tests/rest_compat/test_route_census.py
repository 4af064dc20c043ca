"""Every route of the app (REST routers, ``/graphql``, ``/openapi.json``, ``/docs``, ...) called
without credentials: only design.md's allow-list answers anything but 401. On ``/graphql``
itself every non-public root field answers UNAUTHENTICATED (one probe per field in
``tests/graphql/test_queries.py``); its websocket closes with 4403 without credentials
(``tests/graphql/test_subscriptions.py``)."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from starlette.routing import Mount, Route, WebSocketRoute

from tests.conftest import TestUser

# (method, path) pairs open without credentials in this scope.
ALLOW_LIST = {
    ("GET", "/health"),
    ("GET", "/health_check"),
    ("GET", "/api/v1/version"),
    ("GET", "/api/v1/auto_login"),
    ("POST", "/api/v1/login"),
    ("POST", "/api/v1/refresh"),  # takes the refresh token (cookie), not a principal
    ("POST", "/api/v1/users/"),  # sign-up
    ("GET", "/api/v1/config"),  # the public subset
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    # GraphiQL and operations; every field needs a principal except the public ones
    ("GET", "/graphql"),
    ("POST", "/graphql"),
    # PUBLIC flows only (a PRIVATE or missing one is 404)
    ("GET", "/api/v1/flows/public_flow/{flow_id}"),
    # the folders alias answers 307 to /api/v1/projects/..., which checks credentials
    *((method, "/api/v1/folders/{rest:path}") for method in ("GET", "POST", "PUT", "PATCH", "DELETE")),
    # bundled profile pictures (names checked against the bundled index)
    ("GET", "/api/v1/files/profile_pictures/list"),
    ("GET", "/api/v1/files/profile_pictures/{folder_name}/{file_name}"),
    # public builds: keyed by the client_id cookie, for PUBLIC flows only
    ("POST", "/api/v1/build_public_tmp/{flow_id}/flow"),
    ("GET", "/api/v1/build_public_tmp/{job_id}/events"),
    ("POST", "/api/v1/build_public_tmp/{job_id}/cancel"),
}


#: Routes whose 401 body is not Langflow's: the OpenAI-compatible routes answer OpenAI's error
#: shape (design.md "Errors"; tests/rest_compat/test_openai_compat.py).
_OPENAI_401 = {
    "error": {
        "message": "Not authenticated",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
UNAUTHENTICATED_BODIES = {
    ("POST", "/api/v1/responses"): _OPENAI_401,
    ("POST", "/api/v1/chat/completions"): _OPENAI_401,
    ("GET", "/api/v1/models"): _OPENAI_401,
    ("GET", "/api/v1/models/{model_id}"): _OPENAI_401,
}


#: Websocket routes: they authenticate in ``connection_init`` and close with 4403 without.
WEBSOCKET_PATHS = {"/graphql"}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def http_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app serves over HTTP, HEAD left out; a mount counts as
    ``GET`` on a path below it. Websocket routes must be in :data:`WEBSOCKET_PATHS`."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, APIWebSocketRoute | WebSocketRoute):
            assert path in WEBSOCKET_PATHS, f"websocket route {path} is not covered by a credentials test"
        elif isinstance(route, Mount):
            found.append(("GET", path.rstrip("/") + "/{name}"))
        else:
            assert isinstance(route, Route), f"unexpected route kind {type(route).__name__} at {path}"
            found += [(method, path) for method in sorted((context.methods or set()) - {"HEAD"})]
    return found


async def test_every_route_needs_credentials_except_the_allow_list(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    routes = http_routes(app)
    assert len(routes) >= 40
    stale = ALLOW_LIST - set(routes)
    assert not stale, f"allow-listed routes the app does not serve: {sorted(stale)}"
    checked = 0
    for method, path in routes:
        if (method, path) in ALLOW_LIST:
            continue
        r = await client.request(method, _concrete(path))
        assert r.status_code == 401, f"{method} {path} answered {r.status_code} without credentials"
        expected = UNAUTHENTICATED_BODIES.get((method, path), {"detail": "Not authenticated"})
        assert r.json() == expected, f"{method} {path}"
        checked += 1
    assert checked == len(routes) - len(ALLOW_LIST)


async def _refresh_cookie(client: httpx.AsyncClient, user: TestUser) -> str:
    login = await client.post("/api/v1/login", data={"username": user.username, "password": user.password})
    assert login.status_code == 200, login.text
    client.cookies.delete("access_token_lf")  # only the refresh cookie is sent on
    return str(login.json()["refresh_token"])


async def test_allow_list_answers_without_credentials(client: httpx.AsyncClient, alice: TestUser) -> None:
    for method, path in sorted(ALLOW_LIST):
        headers = {"Origin": "http://testserver"}
        if (method, path) == ("POST", "/api/v1/refresh"):
            await _refresh_cookie(client, alice)  # a refresh token is what it takes, no principal
        r = await client.request(method, _concrete(path), headers=headers)
        assert r.status_code != 401 and r.status_code < 500, f"{method} {path} answered {r.status_code}"
        client.cookies.clear()


async def test_graphql_answers_public_fields_and_refuses_the_rest(client: httpx.AsyncClient) -> None:
    public = await client.post("/graphql", json={"query": "{ version { package } }"})
    assert public.json() == {"data": {"version": {"package": "FlowQL"}}}
    private = await client.post("/graphql", json={"query": "{ me { id } }"})
    assert private.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
