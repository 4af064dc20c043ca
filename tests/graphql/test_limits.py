"""Depth and alias limits (``FLOWQL_GRAPHQL_MAX_DEPTH``, ``FLOWQL_GRAPHQL_MAX_ALIASES``)."""

from __future__ import annotations

import httpx
from graphql import get_introspection_query

from tests.conftest import TestUser
from tests.graphql.conftest import ClientWith, error_codes

# Depth as strawberry's QueryDepthLimiter counts it: root fields are depth 0.
DEPTH_4 = "{ flows { edges { node { components { id } } } } }"  # flows=0, edges=1, … id=4
DEPTH_3 = "{ flows { edges { node { id } } } }"


async def post(client: httpx.AsyncClient, user: TestUser, query: str) -> dict[str, object]:
    response = await client.post("/graphql", json={"query": query}, headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_query_over_max_depth_is_rejected(client_with: ClientWith, alice: TestUser) -> None:
    async with client_with(graphql_max_depth=3) as c:
        ok = await post(c, alice, DEPTH_3)
        deep = await post(c, alice, DEPTH_4)
    assert "errors" not in ok, ok
    assert deep["data"] is None
    assert error_codes(deep) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "exceeds maximum operation depth of 3" in str(deep["errors"])


async def test_default_depth_allows_the_deepest_query(client: httpx.AsyncClient, alice: TestUser) -> None:
    assert "errors" not in await post(client, alice, DEPTH_4)


def _aliases(n: int) -> str:
    return "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(n)) + " }"


async def test_aliases_over_the_default_limit_are_rejected(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    at_limit = await post(client, alice, _aliases(30))
    over = await post(client, alice, _aliases(31))
    assert "errors" not in at_limit
    assert len(at_limit["data"]) == 30  # type: ignore[arg-type]
    assert over["data"] is None
    assert error_codes(over) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "31 aliases found. Allowed: 30" in str(over["errors"])


async def test_alias_limit_comes_from_settings(client_with: ClientWith, alice: TestUser) -> None:
    async with client_with(graphql_max_aliases=2) as c:
        ok = await post(c, alice, _aliases(2))
        over = await post(c, alice, _aliases(3))
    assert "errors" not in ok
    assert error_codes(over) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_full_introspection_passes_the_limits(client_with: ClientWith) -> None:
    # GraphiQL loads the docs with this query, without credentials.
    async with client_with(graphql_max_depth=3, graphql_max_aliases=0) as c:
        response = await c.post("/graphql", json={"query": get_introspection_query()})
    body = response.json()
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
