"""``POST /api/v1/responses``: OpenAI's Responses API on a flow (Langflow's route; the flow id
is the ``model``). Errors answer OpenAI's shape (:mod:`flowql.rest_compat.openai_shape`).

With ``stream`` the answer is SSE of OpenAI's own event types (design.md "Deliberate
differences"): ``response.created``, ``response.output_item.added``,
``response.content_part.added``, one ``response.output_text.delta`` per model token (the whole
text as one delta when the flow streamed none), ``response.output_text.done``,
``response.content_part.done``, ``response.output_item.done`` and exactly one terminal
``response.completed`` (the whole response, text and usage) or ``response.failed``.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from flowql.db.models import Job
from flowql.resolvers import jobs, responses
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.openai_shape import OPENAI_ERROR_RESPONSES, OpenAIRoute
from flowql.rest_compat.sse import job_sse, sse

router = APIRouter(prefix="/api/v1", tags=["OpenAI Responses API"], route_class=OpenAIRoute)


class ResponsesBody(BaseModel):
    """Langflow ``OpenAIResponsesRequest``: ``model`` (the flow id or endpoint name), ``input``,
    ``stream``, ``previous_response_id``; ``tools`` (any non-empty list) and ``background``
    (true) are a 400 (not supported)."""

    model: str = Field(max_length=255)
    input: str
    stream: bool = False
    background: bool = False
    tools: list[Any] | None = None
    previous_response_id: str | None = Field(default=None, max_length=255)
    include: list[str] | None = None


class ResponseStream:
    """Renders a response job's events as OpenAI Responses stream events (stateful: sequence
    numbers, the deltas seen so far)."""

    def __init__(self, job: Job, *, model: str, previous_response_id: str | None) -> None:
        self.job = job
        self.model = model
        self.previous = previous_response_id
        self.sequence = 0
        self.deltas: list[str] = []
        self.error: str | None = None
        self.item_id = f"msg_{job.id}"

    def _event(self, kind: str, **fields: Any) -> str:
        self.sequence += 1
        return sse({"type": kind, "sequence_number": self.sequence, **fields}, event=kind)

    def _response(self, in_progress: bool = False) -> dict[str, Any]:
        return responses.response_object(
            self.job, model=self.model, previous_response_id=self.previous, in_progress=in_progress
        )

    def opening(self) -> list[str]:
        """``response.created``, the message item and its text part."""
        part = {"type": "output_text", "text": "", "annotations": []}
        item = responses.message_item(str(self.job.id), None, status="in_progress")
        return [
            self._event("response.created", response=self._response(in_progress=True)),
            self._event("response.in_progress", response=self._response(in_progress=True)),
            self._event("response.output_item.added", output_index=0, item=item),
            self._event(
                "response.content_part.added",
                item_id=self.item_id,
                output_index=0,
                content_index=0,
                part=part,
            ),
        ]

    def _delta(self, text: str) -> str:
        self.deltas.append(text)
        return self._event(
            "response.output_text.delta",
            item_id=self.item_id,
            output_index=0,
            content_index=0,
            delta=text,
            logprobs=[],
        )

    def __call__(self, record: jobs.JobEventRecord) -> list[str]:
        """The SSE blocks for one job event: a delta per token, the closing events at ``end``."""
        if record.event == "token" and isinstance(record.data.get("chunk"), str) and record.data["chunk"]:
            return [self._delta(record.data["chunk"])]
        if record.event == "error":
            self.error = str(record.data.get("error") or "Run failed")
            return []
        if record.event != jobs.TERMINAL_EVENT:
            return []
        result = record.data.get("result")
        if not isinstance(result, dict):
            self.job.status, self.job.error = "failed", self.error or "Run failed"
            return [self._event("response.failed", response=self._response())]
        self.job.status, self.job.result = "completed", result
        text = str(result.get("text") or "")
        blocks = [] if self.deltas else [self._delta(text)]
        part = {"type": "output_text", "text": text, "annotations": []}
        common = {"item_id": self.item_id, "output_index": 0, "content_index": 0}
        blocks += [
            self._event("response.output_text.done", **common, text=text, logprobs=[]),
            self._event("response.content_part.done", **common, part=part),
            self._event(
                "response.output_item.done",
                output_index=0,
                item=responses.message_item(str(self.job.id), text),
            ),
            self._event("response.completed", response=self._response()),
        ]
        return blocks


@router.post("/responses", responses={**OPENAI_ERROR_RESPONSES, 200: {"content": {"text/event-stream": {}}}})
async def create_response(ctx: Ctx, body: ResponsesBody) -> Response:
    """Run the caller's flow ``model`` on ``input`` and answer OpenAI's ``Response`` object
    (``output[0].content[0].text``, ``usage``), or with ``stream`` its SSE events (module
    docstring). ``previous_response_id`` continues that response's session. 400 for ``tools``,
    ``background``, ``input`` that is not storable text or a malformed body; 404 (OpenAI's
    ``model_not_found``) for a missing or foreign flow, 404 for an unknown previous response;
    a flow that cannot run (unsupported component) answers before anything is stored."""
    if not body.stream:
        answer = await responses.create_response(
            ctx,
            model=body.model,
            input_text=body.input,
            previous_response_id=body.previous_response_id,
            tools=body.tools,
            background=body.background,
        )
        return JSONResponse(answer)
    job = await responses.start_response(
        ctx,
        model=body.model,
        input_text=body.input,
        previous_response_id=body.previous_response_id,
        tools=body.tools,
        background=body.background,
    )
    render = ResponseStream(job, model=body.model, previous_response_id=body.previous_response_id)
    opening = render.opening()

    def rendered(record: jobs.JobEventRecord) -> list[str]:
        blocks = [*opening, *render(record)]
        opening.clear()
        return blocks

    return await job_sse(ctx, uuid.UUID(str(job.id)), rendered)
