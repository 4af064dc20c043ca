"""Helpers of the MCP tests: projects with flows, and the ``mcp`` SDK's streamable HTTP client
talking to the app in-process (``httpx2.ASGITransport``, the HTTP client the SDK takes)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
from fastapi import FastAPI
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import func, select

from flowql.db.models import Trace, Transaction
from flowql.services import AppServices
from tests import flowbuilder as fb
from tests.cases import create_flow_rest
from tests.conftest import TestUser

BASE = "http://testserver"


def mcp_url(project_id: str) -> str:
    """The project's streamable HTTP endpoint."""
    return f"{BASE}/api/v1/mcp/project/{project_id}/streamable"


@asynccontextmanager
async def mcp_session(app: FastAPI, project_id: str, headers: dict[str, str]) -> AsyncIterator[ClientSession]:
    """An initialized MCP client session on the project's endpoint, sending ``headers``."""
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=BASE, headers=headers, timeout=60) as http,
        streamable_http_client(mcp_url(project_id), http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def create_project(
    client: httpx.AsyncClient, user: TestUser, name: str, **extra: Any
) -> dict[str, Any]:
    """``POST /api/v1/projects/``; asserts 201."""
    r = await client.post("/api/v1/projects/", json={"name": name, **extra}, headers=user.headers)
    assert r.status_code == 201, r.text
    project: dict[str, Any] = r.json()
    return project


async def add_flow(
    client: httpx.AsyncClient,
    user: TestUser,
    project_id: str,
    body: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    """Create the flow ``body`` in the project with ``extra`` fields (``mcp_enabled``, ...)."""
    return await create_flow_rest(client, user.headers, {**body, "folder_id": project_id, **extra})


def reply_flow(name: str, reply: str) -> dict[str, Any]:
    """Chat Input → Prompt("<reply>: {input_value}") → Chat Output."""
    return fb.prompt_flow(name, template=reply + ": {input_value}")


def failing_flow(name: str, variable: str) -> dict[str, Any]:
    """A prompt flow whose Prompt reads ``load_from_db`` variable ``variable``, which is unset:
    the run fails with a component error naming it."""
    secret = {"value": variable, "type": "str", "show": True, "load_from_db": True}
    return fb.flow(
        name,
        [
            fb.chat_in("ChatInput-a", ""),
            fb.prompt("Prompt-a", "{input_value} {secret}", {"input_value": "", "secret": secret}),
            fb.chat_out("ChatOutput-a"),
        ],
        [
            fb.edge("ChatInput-a", "message", "Prompt-a", "input_value"),
            fb.edge("Prompt-a", "prompt", "ChatOutput-a", "input_value"),
        ],
    )


async def runs_of(services: AppServices, flow_id: str) -> int:
    """How many runs the flow has left: traces plus transactions."""
    fid = uuid.UUID(flow_id)
    async with services.sessions() as session:
        traces = await session.scalar(select(func.count()).select_from(Trace).where(Trace.flow_id == fid))
        rows = await session.scalar(
            select(func.count()).select_from(Transaction).where(Transaction.flow_id == fid)
        )
    return int(traces or 0) + int(rows or 0)
