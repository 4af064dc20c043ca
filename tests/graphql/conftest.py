"""GraphQL test helpers: named operations from ``queries/`` and a ``gql`` fixture posting to
``/graphql`` over the in-process client."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from flowql.app import create_app
from flowql.services import AppServices
from tests.shared_files import REPO_ROOT

QUERIES_DIR = REPO_ROOT / "queries"


def operation(name: str) -> str:
    """The text of ``queries/<name>.graphql`` followed by every fragment of
    ``queries/fragments/`` that it spreads (``...Name``), as a client sends the document."""
    text = (QUERIES_DIR / f"{name}.graphql").read_text()
    for fragment in sorted((QUERIES_DIR / "fragments").glob("*.graphql")):
        if re.search(rf"\.\.\.{fragment.stem}\b", text):
            text += "\n" + fragment.read_text()
    return text


Gql = Callable[..., Awaitable[dict[str, Any]]]
ClientWith = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_with(services: AppServices) -> ClientWith:
    """``async with client_with(graphql_max_depth=3) as c:`` → a client of an app whose settings
    differ from the test settings by the given fields (same database)."""

    @asynccontextmanager
    async def open_client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        changed = AppServices(
            settings=services.settings.model_copy(update=overrides),
            engine=services.engine,
            sessions=services.sessions,
        )
        transport = httpx.ASGITransport(app=create_app(services=changed))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c

    return open_client


@pytest.fixture
def gql(client: httpx.AsyncClient) -> Gql:
    """``await gql(query_or_operation_name, variables, headers=...)`` → the response JSON.

    A bare name (``"RunFlow"``) loads ``queries/RunFlow.graphql``. Asserts HTTP 200.
    """

    async def run(
        query: str, variables: Mapping[str, Any] | None = None, *, headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        text = operation(query) if query.isidentifier() else query
        response = await client.post(
            "/graphql", json={"query": text, "variables": dict(variables or {})}, headers=dict(headers or {})
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run


async def post_upload(
    client: httpx.AsyncClient,
    query: str,
    content: bytes,
    *,
    variables: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    filename: str = "flow.json",
) -> httpx.Response:
    """A GraphQL multipart request (the multipart request spec: ``operations``, ``map``, and
    the file part ``0`` bound to ``variables.file``)."""
    text = operation(query) if query.isidentifier() else query
    operations = {"query": text, "variables": {**dict(variables or {}), "file": None}}
    return await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, "application/json")},
        headers=dict(headers or {}),
    )


def error_codes(body: Mapping[str, Any]) -> list[str]:
    """The ``extensions.code`` of each error in a response."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
