"""Every route of the app, called without credentials: only design.md's allow-list answers
anything but 401."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi.routing import APIRoute

from flowql.app import rest_routers

# (method, path) pairs open without credentials in this scope.
ALLOW_LIST = {
    ("GET", "/health"),
    ("GET", "/health_check"),
    ("GET", "/api/v1/version"),
    ("GET", "/api/v1/auto_login"),
    ("POST", "/api/v1/login"),
    # public builds: keyed by the client_id cookie, for PUBLIC flows only
    ("POST", "/api/v1/build_public_tmp/{flow_id}/flow"),
    ("GET", "/api/v1/build_public_tmp/{job_id}/events"),
    ("POST", "/api/v1/build_public_tmp/{job_id}/cancel"),
}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


async def test_every_route_needs_credentials_except_the_allow_list(
    client: httpx.AsyncClient,
) -> None:
    checked = 0
    routes = [route for router in rest_routers() for route in router.routes]
    for route in routes:
        assert isinstance(route, APIRoute)
        for method in sorted(route.methods - {"HEAD"}):
            if (method, route.path) in ALLOW_LIST:
                continue
            r = await client.request(method, _concrete(route.path))
            assert r.status_code == 401, f"{method} {route.path} answered {r.status_code} without credentials"
            checked += 1
    assert checked >= len(routes) - len(ALLOW_LIST)


async def test_allow_list_answers_without_credentials(client: httpx.AsyncClient) -> None:
    for method, path in sorted(ALLOW_LIST):
        r = await client.request(method, path)
        assert r.status_code != 401, f"{method} {path}"
