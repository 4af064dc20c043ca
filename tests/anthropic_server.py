"""A local Anthropic Messages API server for tests, answering from a script.

``POST /v1/messages`` pops the next scripted :class:`Reply` — a plain message, a streamed one
(SSE in Anthropic's event format: ``message_start``, ``content_block_start`` / ``_delta`` /
``_stop``, ``message_delta`` with the usage, ``message_stop``), ``tool_use`` blocks, a stream
cut short or whose connection drops, an unreadable body or an HTTP error in Anthropic's error
shape — and records every request (JSON body and lower-cased headers) in ``server.requests``.
A request with ``"stream": true`` always gets the SSE form of its reply. An empty script answers
``fallback`` when set, else 500 ("script exhausted") so a test fails loudly.

The ``anthropic_server`` fixture serves it on a free ``127.0.0.1`` port, points runs at it
(``ANTHROPIC_BASE_URL``), sets ``ANTHROPIC_API_KEY=anthropic-env-key`` and no SDK retries::

    async def test_x(anthropic_server, ...):
        anthropic_server.add(text("Hello!"), stream("Hel", "lo"), error(429))
        ...
        assert anthropic_server.requests[0].body["messages"][-1]["content"] == [...]
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from flowql.settings import Settings
from tests.live_server import serve

ReplyKind = Literal["message", "truncated", "dropped", "error", "garbage"]

#: The key the fixture puts in ``ANTHROPIC_API_KEY``.
ENV_KEY = "anthropic-env-key"

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


@dataclass
class Reply:
    """One scripted answer (build it with :func:`text`, :func:`stream`, :func:`tool_use`,
    :func:`slow`, :func:`truncated`, :func:`dropped`, :func:`garbage`, :func:`error`).
    ``chunks`` are the text deltas of a streamed reply (a plain one sends them joined);
    ``tool_uses`` are ``(id, name, input)``; ``delay`` seconds pass before the answer."""

    kind: ReplyKind
    chunks: list[str] = field(default_factory=list)
    tool_uses: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    message: str = ""
    input_tokens: int = 9
    output_tokens: int = 4
    delay: float = 0.0


def text(content: str, *, input_tokens: int = 9, output_tokens: int = 4) -> Reply:
    """A plain assistant message with the given usage."""
    return Reply("message", chunks=[content], input_tokens=input_tokens, output_tokens=output_tokens)


def stream(*chunks: str, input_tokens: int = 9, output_tokens: int = 4) -> Reply:
    """A reply whose streamed form sends one ``text_delta`` per argument."""
    return Reply("message", chunks=list(chunks), input_tokens=input_tokens, output_tokens=output_tokens)


def tool_use(*calls: tuple[str, dict[str, Any]], preface: str = "") -> Reply:
    """An assistant turn calling tools: ``(name, input)`` pairs (ids ``toolu_0``, ``toolu_1``...),
    after an optional text block ``preface``."""
    return Reply(
        "message",
        chunks=[preface] if preface else [],
        tool_uses=[(f"toolu_{i}", name, arguments) for i, (name, arguments) in enumerate(calls)],
    )


def truncated(*chunks: str) -> Reply:
    """A streamed reply cut off: ``message_start``, the text deltas, then the body ends with no
    ``message_delta`` or ``message_stop``."""
    return Reply("truncated", chunks=list(chunks))


def slow(content: str, delay: float) -> Reply:
    """A plain reply sent after ``delay`` seconds (for client timeouts)."""
    return Reply("message", chunks=[content], delay=delay)


def dropped(*chunks: str) -> Reply:
    """A streamed reply whose connection breaks: ``message_start``, the text deltas, then the
    server aborts the response body mid-way."""
    return Reply("dropped", chunks=list(chunks))


def garbage() -> Reply:
    """A 200 whose body is not a message (not even JSON)."""
    return Reply("garbage")


def error(status: int, message: str = "scripted failure") -> Reply:
    """An HTTP error in Anthropic's shape (``{"type": "error", "error": {"type", "message"}}``)."""
    return Reply("error", status=status, message=message)


@dataclass
class RecordedRequest:
    """What reached the server: the JSON ``body``, lower-cased ``headers`` and the ``path``."""

    body: dict[str, Any]
    headers: dict[str, str]
    path: str

    @property
    def api_key(self) -> str:
        """The key sent: the ``x-api-key`` header, else the ``Authorization: Bearer`` token (the
        SDK's releases use either)."""
        return self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix("Bearer ")


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


class AnthropicServer:
    """The scripted app; ``base_url`` is set once it is served (``http://127.0.0.1:<port>``, the
    SDK adds ``/v1/messages``)."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[RecordedRequest] = []
        self.fallback: Reply | None = None
        self.base_url = ""
        self.app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        self.app.post("/v1/messages")(self._messages)

    def add(self, *replies: Reply) -> None:
        """Append replies to the script."""
        self.script.extend(replies)

    async def _messages(self, request: Request) -> Response:
        body = await request.json()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(RecordedRequest(body, headers, request.url.path))
        reply = self.script.pop(0) if self.script else self.fallback
        if reply is None:
            return self._error(500, "script exhausted")
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.kind == "error":
            return self._error(reply.status, reply.message)
        if reply.kind == "garbage":
            return Response("this is not json", media_type="application/json")
        model = str(body.get("model", ""))
        if reply.kind in ("truncated", "dropped"):
            return StreamingResponse(self._truncated(model, reply), media_type="text/event-stream")
        if body.get("stream"):
            return StreamingResponse(self._stream(model, reply), media_type="text/event-stream")
        return JSONResponse(
            {
                **self._message(model, reply, self._blocks(reply)),
                "stop_reason": "tool_use" if reply.tool_uses else "end_turn",
                "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
            }
        )

    @staticmethod
    def _error(status: int, message: str) -> JSONResponse:
        kind = _ERROR_TYPES.get(status, "api_error")
        return JSONResponse({"type": "error", "error": {"type": kind, "message": message}}, status)

    @staticmethod
    def _blocks(reply: Reply) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        if "".join(reply.chunks):
            blocks.append({"type": "text", "text": "".join(reply.chunks)})
        for call_id, name, arguments in reply.tool_uses:
            blocks.append({"type": "tool_use", "id": call_id, "name": name, "input": arguments})
        return blocks

    @staticmethod
    def _message(model: str, reply: Reply, content: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1},
        }

    def _start(self, model: str, reply: Reply) -> bytes:
        return _sse("message_start", {"type": "message_start", "message": self._message(model, reply, [])})

    async def _stream(self, model: str, reply: Reply) -> AsyncIterator[bytes]:
        yield self._start(model, reply)
        yield _sse("ping", {"type": "ping"})
        index = 0
        if "".join(reply.chunks):
            block = {"type": "text", "text": ""}
            yield _sse(
                "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
            )
            for piece in reply.chunks:
                delta = {"type": "text_delta", "text": piece}
                yield _sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
            yield _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
            index = 1
        for call_id, name, arguments in reply.tool_uses:
            block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
            start = {"type": "content_block_start", "index": index, "content_block": block}
            yield _sse("content_block_start", start)
            delta = {"type": "input_json_delta", "partial_json": json.dumps(arguments)}
            yield _sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            yield _sse("content_block_stop", {"type": "content_block_stop", "index": index})
            index += 1
        stop = "tool_use" if reply.tool_uses else "end_turn"
        yield _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": reply.output_tokens},
            },
        )
        yield _sse("message_stop", {"type": "message_stop"})

    async def _truncated(self, model: str, reply: Reply) -> AsyncIterator[bytes]:
        yield self._start(model, reply)
        block = {"type": "text", "text": ""}
        yield _sse("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block})
        for piece in reply.chunks:
            delta = {"type": "text_delta", "text": piece}
            yield _sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        if reply.kind == "dropped":
            raise ConnectionAbortedError("scripted connection drop")  # uvicorn aborts the body


@pytest.fixture
async def anthropic_server(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AnthropicServer]:
    """A served :class:`AnthropicServer`; runs reach it through ``ANTHROPIC_BASE_URL`` with
    ``ANTHROPIC_API_KEY`` = :data:`ENV_KEY` and no SDK retries."""
    server = AnthropicServer()
    async with serve(server.app) as running:
        server.base_url = running.base_url
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", ENV_KEY)
        settings.model_max_retries = 0
        yield server
