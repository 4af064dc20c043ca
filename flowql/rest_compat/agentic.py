"""Langflow's assistant routes: ``POST /api/v1/agentic/execute/{flow_name}``,
``POST /api/v1/agentic/assist`` and ``POST /api/v1/agentic/assist/stream``.

All three take Langflow's ``AssistantRequest`` body and run a flow file of
``FLOWQL_AGENTIC_FLOWS_DIR`` (see :mod:`flowql.resolvers.agentic`). Without that setting (or,
for ``assist``, without ``FLOWQL_ASSISTANT_FLOW``) they answer 404 naming the missing setting.
The stream is ``text/event-stream`` with Langflow's ``data: {"event": ...}`` blocks: ``progress``,
``token`` (one per streamed model chunk), then exactly one ``complete`` or ``error``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from flowql.resolvers import agentic
from flowql.rest_compat.deps import Ctx
from flowql.rest_compat.sse import EVENT_STREAM, sse

router = APIRouter(prefix="/api/v1/agentic", tags=["Agentic"])


class AssistantRequestBody(BaseModel):
    """Langflow ``AssistantRequest``: ``flow_id`` (the flow being edited) is required."""

    flow_id: str
    component_id: str | None = None
    field_name: str | None = None
    input_value: str | None = None
    max_retries: int | None = None
    model_name: str | None = None
    provider: str | None = None
    session_id: str | None = None

    def to_request(self) -> agentic.AssistantRequest:
        """The resolver's request."""
        return agentic.AssistantRequest(**self.model_dump())


class AssistantResult(BaseModel):
    """Langflow's structured result: ``result`` text of the Chat Output that answered (or
    ``text`` "No response generated" with ``success`` false), its ``component`` and
    ``component_id``, and the ``session_id`` used."""

    result: str | None = None
    text: str | None = None
    type: str
    component: str | None = None
    component_id: str | None = None
    success: bool
    session_id: str


_STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Server-sent events", "content": {EVENT_STREAM: {}}}
}


@router.post("/execute/{flow_name}", response_model=AssistantResult, response_model_exclude_none=True)
async def execute_named_flow(ctx: Ctx, flow_name: str, body: AssistantRequestBody) -> dict[str, Any]:
    """Run flow file ``flow_name`` of the flows directory's index and answer its result.
    404 when the directory is not configured or the name is not in its index; 422 for a bad
    body or file; 502/504 when a model call fails or times out."""
    run = agentic.prepare(ctx, flow_name=flow_name, request=body.to_request())
    return await agentic.execute(run)


@router.post("/assist", response_model=AssistantResult, response_model_exclude_none=True)
async def assist(ctx: Ctx, body: AssistantRequestBody) -> dict[str, Any]:
    """Run the configured assistant flow (``FLOWQL_ASSISTANT_FLOW``) on ``input_value``.
    404 when no assistant is configured; otherwise as ``execute``."""
    run = agentic.prepare_assist(ctx, request=body.to_request())
    return await agentic.execute(run)


async def _frames(events: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    async for event in events:
        yield sse(event)


@router.post("/assist/stream", responses=_STREAM_RESPONSES)
async def assist_stream(ctx: Ctx, body: AssistantRequestBody) -> StreamingResponse:
    """The assistant flow's answer as it is made (framing in the module docstring). Errors
    found before the run (not configured, bad body) answer as ``assist``; a failure during the
    run is the stream's ``error`` event. Dropping the connection cancels the run."""
    run = agentic.prepare_assist(ctx, request=body.to_request())
    return StreamingResponse(
        _frames(agentic.stream(run)), media_type=EVENT_STREAM, headers={"Cache-Control": "no-cache"}
    )
