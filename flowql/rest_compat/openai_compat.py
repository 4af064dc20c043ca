"""OpenAI's ``POST /api/v1/chat/completions``, ``GET /api/v1/models`` and
``GET /api/v1/models/{model}`` on flows (beyond the
peer; see :mod:`flowql.resolvers.openai_compat`). The flow id is the ``model``; errors answer
OpenAI's shape. With ``stream`` the answer is OpenAI's ``chat.completion.chunk`` SSE: a role
chunk, one content chunk per model token (the whole text in one chunk when the flow streamed
none), a ``finish_reason: "stop"`` chunk (a usage chunk with ``stream_options.include_usage``)
and ``data: [DONE]``; a failed run sends one ``{"error": {...}}`` chunk then ``[DONE]``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from flowql.db.models import Job
from flowql.resolvers import jobs, openai_compat
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.openai_shape import OPENAI_ERROR_RESPONSES, OpenAIErrorBody, OpenAIRoute
from flowql.rest_compat.sse import job_sse, sse

router = APIRouter(prefix="/api/v1", tags=["OpenAI compatible"], route_class=OpenAIRoute)


class ChatMessageIn(BaseModel):
    """One chat message: ``role`` and ``content`` (a string or a list of parts)."""

    role: str
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    """``stream_options``: ``include_usage`` adds a usage chunk before ``[DONE]``."""

    include_usage: bool = False


class ChatCompletionBody(BaseModel):
    """The fields FlowQL reads of OpenAI's chat completion request (others, such as
    ``temperature``, are ignored: the flow decides); ``tools`` (non-empty) and ``n`` other than
    1 are a 400, since answering without them would silently differ from what was asked."""

    model: str = Field(max_length=255)
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    tools: list[Any] | None = None
    n: int | None = None


class ModelOut(BaseModel):
    """OpenAI ``Model``: a flow."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    """OpenAI's model list."""

    object: Literal["list"] = "list"
    data: list[ModelOut]


@router.get("/models", response_model=ModelList, responses=OPENAI_ERROR_RESPONSES)
async def list_models(ctx: Ctx) -> ModelList:
    """The caller's flows as OpenAI models (``id`` is the flow id to pass as ``model``)."""
    return ModelList(data=[ModelOut(**m) for m in await openai_compat.list_models(ctx)])


@router.get("/models/{model_id}", response_model=ModelOut, responses=OPENAI_ERROR_RESPONSES)
async def retrieve_model(ctx: Ctx, model_id: str) -> ModelOut:
    """OpenAI's model retrieval: the caller's flow ``model_id`` as a model; 404
    ``model_not_found`` for a missing or foreign flow."""
    return ModelOut(**await openai_compat.get_model(ctx, model_id))


class ChunkStream:
    """Renders a completion job's events as ``chat.completion.chunk`` SSE blocks."""

    def __init__(self, job: Job, *, model: str, include_usage: bool) -> None:
        self.job = job
        self.model = model
        self.include_usage = include_usage
        self.started = False
        self.streamed = False
        self.error: str | None = None

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> str:
        choices = (
            [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
            if delta is not None
            else []
        )
        return sse(
            {
                "id": openai_compat.completion_id(self.job),
                "object": "chat.completion.chunk",
                "created": int(self.job.created_at.timestamp()),
                "model": self.model,
                "choices": choices,
                **({"usage": usage} if self.include_usage else {}),
            }
        )

    def __call__(self, record: jobs.JobEventRecord) -> list[str]:
        """The chunks for one job event (the role chunk first, a chunk per token, the end)."""
        blocks: list[str] = []
        if not self.started:
            self.started = True
            blocks.append(self._chunk({"role": "assistant", "content": ""}))
        chunk = record.data.get("chunk")
        if record.event == "token" and isinstance(chunk, str) and chunk:
            self.streamed = True
            blocks.append(self._chunk({"content": chunk}))
        elif record.event == "error":
            self.error = str(record.data.get("error") or "Run failed")
        elif record.event == jobs.TERMINAL_EVENT:
            result = record.data.get("result")
            if not isinstance(result, dict):
                error = {
                    "message": self.error or "Run failed",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
                return [*blocks, sse({"error": error}), sse("[DONE]")]
            if not self.streamed:
                blocks.append(self._chunk({"content": str(result.get("text") or "")}))
            blocks.append(self._chunk({}, "stop"))
            if self.include_usage:
                usage = openai_compat.completion_usage(result.get("usage")) or {
                    "prompt_tokens": 0,
                    "completion_tokens": 0,
                    "total_tokens": 0,
                }
                blocks.append(self._chunk(None, usage=usage))  # type: ignore[arg-type]
            blocks.append(sse("[DONE]"))
        return blocks


@router.post(
    "/chat/completions", responses={**OPENAI_ERROR_RESPONSES, 200: {"content": {"text/event-stream": {}}}}
)
async def create_chat_completion(ctx: Ctx, body: ChatCompletionBody) -> Response:
    """Run the caller's flow ``model`` on the last user message and answer OpenAI's
    ``chat.completion`` (``choices[0].message.content``, ``usage``), or with ``stream`` its
    chunks (module docstring). 400 for a malformed body or no user message; 404
    ``model_not_found`` for a missing or foreign flow; a failed run answers the run's status
    (400 / 502 / 504) in OpenAI's shape. 400 also for ``tools`` or ``n`` other than 1."""
    openai_compat.check_options(tools=body.tools, n=body.n)
    messages = [m.model_dump() for m in body.messages]
    if body.stream:
        job = await openai_compat.start_chat_completion(ctx, model=body.model, messages=messages)
        include = body.stream_options is not None and body.stream_options.include_usage
        return await job_sse(ctx, job.id, ChunkStream(job, model=body.model, include_usage=include))
    return JSONResponse(await openai_compat.create_chat_completion(ctx, model=body.model, messages=messages))


__all__ = ["OpenAIErrorBody", "router"]
