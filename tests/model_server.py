"""A local OpenAI-compatible model server for tests, answering from a script.

``POST /v1/chat/completions`` pops the next scripted :class:`Reply` — a plain reply, streamed
chunks (SSE ``data: {...}`` lines ending with ``data: [DONE]``), tool calls, an HTTP error, or a
raw JSON body / raw SSE events (:func:`raw`, :func:`raw_stream`: malformed provider replies) —
and records every request (JSON body and headers) in ``server.requests``. An empty script answers
``fallback`` when set, else 500 ("script exhausted") so a test fails loudly.

The ``model_server`` fixture serves it on a free ``127.0.0.1`` port, points runs at it
(``OPENAI_BASE_URL``), sets ``OPENAI_API_KEY=env-key`` and no SDK retries::

    async def test_x(model_server, ...):
        model_server.add(text("Hello!"), stream("Hel", "lo"), error(429))
        ...
        assert model_server.requests[0].body["messages"][-1]["content"] == "hi"
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from flowql.settings import Settings
from tests.live_server import serve

ReplyKind = Literal[
    "text", "stream", "tool_calls", "error", "garbage", "truncated", "dropped", "raw", "raw_stream"
]


@dataclass
class Reply:
    """One scripted answer (build it with :func:`text`, :func:`stream`, :func:`tool_calls`,
    :func:`error`)."""

    kind: ReplyKind
    text: str = ""
    chunks: list[str] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    usage: dict[str, int] = field(default_factory=lambda: {"prompt_tokens": 7, "completion_tokens": 5})
    body: Any = None


def text(content: str, *, prompt_tokens: int = 7, completion_tokens: int = 5) -> Reply:
    """A plain assistant reply with the given usage."""
    return Reply(
        "text", text=content, usage={"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
    )


def stream(*chunks: str) -> Reply:
    """A streamed reply: one SSE chunk per argument (the client asked for ``stream``)."""
    return Reply("stream", chunks=list(chunks))


def tool_calls(*calls: tuple[str, dict[str, Any]]) -> Reply:
    """An assistant turn calling tools: ``(name, arguments)`` pairs."""
    return Reply(
        "tool_calls",
        tool_calls=[
            {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
            for i, (n, a) in enumerate(calls)
        ],
    )


def slow(content: str, delay: float) -> Reply:
    """A plain reply sent after ``delay`` seconds (for client timeouts)."""
    return Reply("text", text=content, delay=delay)


def truncated(*chunks: str) -> Reply:
    """A streamed reply cut off: the chunks, then the connection ends with no ``finish_reason``,
    usage or ``[DONE]``."""
    return Reply("truncated", chunks=list(chunks))


def dropped(*chunks: str) -> Reply:
    """A streamed reply whose connection breaks after the chunks (the body is aborted)."""
    return Reply("dropped", chunks=list(chunks))


def garbage() -> Reply:
    """A 200 whose body is not a chat completion (not even JSON)."""
    return Reply("garbage")


def raw(body: Any, *, status: int = 200) -> Reply:
    """A response whose JSON body is exactly ``body`` (any JSON value), with ``status``: for
    replies that are JSON but not a well-formed chat completion."""
    return Reply("raw", body=body, status=status)


def raw_stream(*events: Any) -> Reply:
    """A streamed response whose SSE ``data:`` lines are exactly ``events`` (JSON values; a
    ``str`` is sent as it is), then ``data: [DONE]``."""
    return Reply("raw_stream", chunks=[e if isinstance(e, str) else json.dumps(e) for e in events])


def error(status: int, message: str = "scripted failure") -> Reply:
    """An HTTP error in OpenAI's error shape."""
    return Reply("error", text=message, status=status)


@dataclass
class RecordedRequest:
    """What reached the server: the JSON ``body`` and lower-cased ``headers``."""

    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def authorization(self) -> str:
        return self.headers.get("authorization", "")


async def _pieces(pieces: list[bytes], *, drop: bool) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece
    if drop:
        raise ConnectionAbortedError("scripted connection drop")  # uvicorn aborts the body


def _chunk(model: str, piece: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
    }


class ModelServer:
    """The scripted app; ``base_url`` is set once it is served (``http://127.0.0.1:<port>/v1``)."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[RecordedRequest] = []
        self.fallback: Reply | None = None
        self.base_url = ""
        self.app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        self.app.post("/v1/chat/completions")(self._complete)

    def add(self, *replies: Reply) -> None:
        """Append replies to the script."""
        self.script.extend(replies)

    def _usage(self, reply: Reply) -> dict[str, int]:
        usage = dict(reply.usage)
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return usage

    async def _complete(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(RecordedRequest(body, {k.lower(): v for k, v in request.headers.items()}))
        reply = self.script.pop(0) if self.script else self.fallback
        if reply is None:
            return JSONResponse({"error": {"message": "script exhausted", "type": "server_error"}}, 500)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.kind == "raw_stream":
            lines = [f"data: {event}\n\n".encode() for event in [*reply.chunks, "[DONE]"]]
            return StreamingResponse(iter(lines), media_type="text/event-stream")
        if reply.kind == "raw":
            return Response(json.dumps(reply.body), reply.status, media_type="application/json")
        if reply.kind == "garbage":
            return Response("this is not json", media_type="application/json")
        if reply.kind == "error":
            kind = "rate_limit_error" if reply.status == 429 else "server_error"
            return JSONResponse({"error": {"message": reply.text, "type": kind, "code": None}}, reply.status)
        model = body.get("model", "")
        if reply.kind in ("truncated", "dropped"):
            pieces = [f"data: {json.dumps(_chunk(model, piece))}\n\n".encode() for piece in reply.chunks]
            return StreamingResponse(
                _pieces(pieces, drop=reply.kind == "dropped"), media_type="text/event-stream"
            )
        if reply.kind == "stream" or body.get("stream"):
            chunks = reply.chunks or [reply.text]
            return StreamingResponse(self._sse(model, chunks, reply), media_type="text/event-stream")
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = reply.tool_calls
        return JSONResponse(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                    }
                ],
                "usage": self._usage(reply),
            }
        )

    async def _sse(self, model: str, chunks: list[str], reply: Reply) -> AsyncIterator[bytes]:
        def event(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> bytes:
            data: dict[str, Any] = {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": choices,
            }
            if usage is not None:
                data["usage"] = usage
            return f"data: {json.dumps(data)}\n\n".encode()

        if reply.tool_calls:  # a tool-call turn asked for as a stream: any preface, then the calls
            for piece in reply.chunks:
                yield event([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
            for i, call in enumerate(reply.tool_calls):
                head = {
                    "index": i,
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["function"]["name"]},
                }
                yield event(
                    [
                        {
                            "index": 0,
                            "delta": {"role": "assistant", "tool_calls": [head]},
                            "finish_reason": None,
                        }
                    ]
                )
                args = {"index": i, "function": {"arguments": call["function"]["arguments"]}}
                yield event([{"index": 0, "delta": {"tool_calls": [args]}, "finish_reason": None}])
            yield event([{"index": 0, "delta": {}, "finish_reason": "tool_calls"}])
            yield event([], self._usage(reply))
            yield b"data: [DONE]\n\n"
            return
        for i, piece in enumerate(chunks):
            delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
            yield event([{"index": 0, "delta": delta, "finish_reason": None}])
        yield event([{"index": 0, "delta": {}, "finish_reason": "stop"}])
        yield event([], self._usage(reply))
        yield b"data: [DONE]\n\n"


@pytest.fixture
async def model_server(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ModelServer]:
    """A served :class:`ModelServer`; runs reach it through ``OPENAI_BASE_URL``."""
    server = ModelServer()
    async with serve(server.app) as running:
        server.base_url = f"{running.base_url}/v1"
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "env-key")
        settings.model_max_retries = 0
        yield server


@pytest.fixture
def no_model_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ``OPENAI_*`` variables: nothing can reach a real provider."""
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    yield
