"""A real uvicorn server for tests that need true streaming or a client disconnect
(``httpx.ASGITransport`` buffers whole responses and never disconnects).

Fixtures (loaded from ``tests/conftest.py`` via ``pytest_plugins``):

- ``live_server``: the test ``app`` (fresh migrated SQLite copy, the same ``services`` the
  ``make_user``/``alice``/``bob`` fixtures write to) served by uvicorn on a free ``127.0.0.1``
  port, as a task on the test's event loop; stopped after the test.
- ``live_client``: an ``httpx.AsyncClient`` whose ``base_url`` is that server.

Typical use::

    async def test_stream(live_client, alice):
        async with live_client.stream("GET", "/api/v1/...", headers=alice.headers) as r:
            async for line in r.aiter_lines(): ...

Every wait is bounded (``HANG_GUARD`` seconds) so a broken server fails the test, not the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

#: Upper bound of any wait on the live server (start, requests, shutdown), in seconds.
HANG_GUARD = 30.0


@dataclass
class LiveServer:
    """A running server: ``base_url`` is ``http://127.0.0.1:<port>`` (``ws_url`` its ws form)."""

    host: str
    port: int
    app: FastAPI

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the test process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[LiveServer]:
    """Serve ``app`` on a free loopback port for the duration of the block."""
    sock = _bound_socket()
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=5
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(HANG_GUARD):
            while not server.started:
                if task.done():
                    task.result()  # surfaces the start-up error
                    raise RuntimeError("the live server stopped before it started")
                await asyncio.sleep(0.01)
        yield LiveServer(host=host, port=port, app=app)
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), HANG_GUARD)
        except TimeoutError:
            server.force_exit = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        sock.close()


@pytest.fixture
async def live_server(app: FastAPI) -> AsyncIterator[LiveServer]:
    """The test app served by uvicorn on ``127.0.0.1:<free port>``."""
    async with serve(app) as running:
        yield running


@pytest.fixture
async def live_client(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to ``live_server`` over a real socket (unauthenticated)."""
    timeout = httpx.Timeout(HANG_GUARD)
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=timeout) as client:
        yield client
