"""A minimal GraphQL websocket client for tests, speaking ``graphql-transport-ws`` or the legacy
``graphql-ws`` protocol over the ``websockets`` package against a live uvicorn server.

Every receive is bounded by ``HANG_GUARD`` seconds, so a silent server fails the test."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.graphql.jobs_support import HANG_GUARD

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = (TRANSPORT_WS, LEGACY_WS)


class WsClient:
    """One socket. ``subscribe`` starts an operation; ``collect`` reads until operations complete."""

    def __init__(self, ws: ClientConnection, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol

    async def send(self, message: Mapping[str, Any]) -> None:
        """Send one protocol message."""
        await self.ws.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        """The next protocol message (``ConnectionClosed`` when the server closed)."""
        raw = await asyncio.wait_for(self.ws.recv(), HANG_GUARD)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def init(self, payload: Mapping[str, Any] | None) -> dict[str, Any]:
        """Send ``connection_init`` (``payload`` None: no payload key) and return the answer."""
        message: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = dict(payload)
        await self.send(message)
        return await self.receive()

    async def subscribe(self, op_id: str, query: str, variables: Mapping[str, Any]) -> None:
        """Start operation ``op_id``."""
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send(
            {"id": op_id, "type": kind, "payload": {"query": query, "variables": dict(variables)}}
        )

    async def next_result(self, op_id: str) -> dict[str, Any] | None:
        """The next result payload of ``op_id`` (``{"data": ..., "errors": ...}``), or None when
        it completed. Other operations' messages must not arrive meanwhile (use ``collect``)."""
        message = await self.receive()
        assert message.get("id") == op_id, message
        return _payload(message)

    async def collect(self, op_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
        """Result payloads per operation until every one of ``op_ids`` completed."""
        results: dict[str, list[dict[str, Any]]] = {op_id: [] for op_id in op_ids}
        open_ids = set(op_ids)
        while open_ids:
            message = await self.receive()
            op_id = message.get("id")
            assert op_id in op_ids, message
            payload = _payload(message)
            if payload is None:
                open_ids.discard(op_id)
            else:
                results[op_id].append(payload)
        return results

    async def close_code(self) -> int | None:
        """Wait for the server to close the socket; its close code."""
        try:
            while True:
                await self.receive()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None


def _payload(message: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = message.get("type")
    if kind == "complete":
        return None
    if kind in {"next", "data"}:
        payload: dict[str, Any] = message["payload"]
        return payload
    if kind == "error":  # an operation's errors before any result: a list, or one error object
        errors = message["payload"]
        return {"data": None, "errors": errors if isinstance(errors, list) else [errors]}
    raise AssertionError(f"unexpected message {message}")


@asynccontextmanager
async def ws_connect(ws_url: str, protocol: str) -> AsyncIterator[WsClient]:
    """Open ``<ws_url>/graphql`` with ``protocol``."""
    async with connect(
        f"{ws_url}/graphql", subprotocols=[Subprotocol(protocol)], open_timeout=HANG_GUARD
    ) as ws:
        assert ws.subprotocol == protocol
        yield WsClient(ws, protocol)


@asynccontextmanager
async def authenticated(ws_url: str, protocol: str, payload: Mapping[str, Any]) -> AsyncIterator[WsClient]:
    """A socket whose ``connection_init`` with ``payload`` was acknowledged."""
    async with ws_connect(ws_url, protocol) as client:
        answer = await client.init(payload)
        assert answer["type"] == "connection_ack", answer
        yield client
